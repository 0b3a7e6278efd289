#include "emulator/datasets.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "core/text.h"
#include "emulator/auth.h"

namespace s3u::emulator {
namespace {

// A user id that a request may spell as a number or a numeric string.
std::optional<int64_t> IdOf(const Json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return id;
}

// Re-shapes stored rows for a new schema by column name: kept columns keep their values
// (null where a value does not fit a changed type), new columns are null.
std::vector<Row> Reshape(const table::Schema& from, const table::Schema& to,
                         const std::vector<Row>& rows) {
  std::vector<std::optional<size_t>> source(to.size());
  for (size_t i = 0; i < to.size(); ++i) source[i] = table::FindColumn(from, to[i].name);
  std::vector<Row> out;
  out.reserve(rows.size());
  for (const Row& row : rows) {
    Row shaped(to.size());
    for (size_t i = 0; i < to.size(); ++i) {
      if (!source[i] || !row[*source[i]]) continue;
      if (table::IsValidValue(to[i].type, *row[*source[i]])) shaped[i] = row[*source[i]];
    }
    out.push_back(std::move(shaped));
  }
  return out;
}

// A dataset as GET, create and update answer it (REQUIRES: model.mu held).
Json DatasetJson(const Model& model, const DatasetRecord& ds) {
  Json j = model.DatasetSummary(ds);
  j["schema"] = SchemaJson(ds.data->schema);
  // Every dataset has the system "All Rows" policy; owners and co-owners are in it (§3.9).
  j["policies"] = Json::array({{{"id", 1},
                                {"type", "system"},
                                {"name", "All Rows"},
                                {"filters", Json::array()},
                                {"users", Json::array({ds.owner})},
                                {"virtualUsers", Json::array()},
                                {"groups", Json::array()}}});
  return j;
}

}  // namespace

Result<Json> Datasets::List(const Caller& caller, const Page& page, const std::string& sort,
                            const std::string& name_like) {
  using DS = DatasetRecord;
  using Less = bool (*)(const DS*, const DS*);
  static const std::map<std::string, Less> kSorts = {
      {"name", [](const DS* a, const DS* b) { return AsciiLower(a->name) < AsciiLower(b->name); }},
      {"nameDescending",
       [](const DS* a, const DS* b) { return AsciiLower(a->name) > AsciiLower(b->name); }},
      {"lastTouched", [](const DS* a, const DS* b) { return a->updated > b->updated; }},
      {"lastTouchedAscending", [](const DS* a, const DS* b) { return a->updated < b->updated; }},
      {"lastUpdated", [](const DS* a, const DS* b) { return a->updated > b->updated; }},
      {"lastUpdatedAscending", [](const DS* a, const DS* b) { return a->updated < b->updated; }},
      {"createdAt", [](const DS* a, const DS* b) { return a->created > b->created; }},
      {"createdAtAscending", [](const DS* a, const DS* b) { return a->created < b->created; }},
      {"dataSourceId", [](const DS* a, const DS* b) { return a->id < b->id; }},
  };
  // The emulator has no cards and no error states: those sorts fall back to the name order.
  static const std::set<std::string> kNameLike = {"cardCount",     "cardCountAscending",
                                                  "cardViewCount", "cardViewCountAscending",
                                                  "errorState",    "errorStateDescending"};
  Less less = kSorts.at("name");
  if (!sort.empty()) {
    if (auto it = kSorts.find(sort); it != kSorts.end()) {
      less = it->second;
    } else if (!kNameLike.count(sort)) {
      return BadRequest("sort", "unknown sort \"" + sort +
                                    "\"; accepted: name, nameDescending, lastTouched, "
                                    "lastUpdated, createdAt (and *Ascending), cardCount, "
                                    "cardViewCount, errorState, dataSourceId");
    }
  }
  std::lock_guard lock(model_.mu);
  std::vector<const DS*> matches;
  const std::string needle = AsciiLower(name_like);
  for (const auto& [id, ds] : model_.datasets) {
    if (ds.deleted || !model_.CanRead(caller, ds)) continue;
    if (!needle.empty() && AsciiLower(ds.name).find(needle) == std::string::npos) continue;
    matches.push_back(&ds);
  }
  std::stable_sort(matches.begin(), matches.end(), less);
  Json out = Json::array();
  for (size_t i = static_cast<size_t>(page.offset);
       i < matches.size() && out.size() < static_cast<size_t>(page.limit); ++i) {
    out.push_back(model_.DatasetSummary(*matches[i]));
  }
  return out;
}

Result<Json> Datasets::Get(const Caller& caller, const std::string& id) {
  std::lock_guard lock(model_.mu);
  auto it = model_.datasets.find(id);
  if (it != model_.datasets.end() && it->second.deleted) {
    // A deleted dataset answers with a subset of its information (§3).
    const auto& ds = it->second;
    return Json{{"id", ds.id},
                {"name", ds.name},
                {"description", ds.description},
                {"owner", model_.Owner(ds.owner)},
                {"createdAt", Iso(ds.created)},
                {"updatedAt", Iso(ds.updated)},
                {"deleted", true}};
  }
  auto ds = model_.Readable(caller, id);
  if (!ds) {
    if (ds.error().http_status != 403) return Fail(ds.error());
    // What Domo answers a GET without access (domo-node-sdk#6, §2).
    return HttpFail(400, ErrorCode::kPermissionDenied, "DataSet " + id,
                    "Infrastructure problem (403): Access is denied");
  }
  return DatasetJson(model_, **ds);
}

Result<Json> Datasets::Create(const Caller& caller, const Json& body) {
  if (!body.is_object()) return BadRequest("body", "must be a JSON DataSet object");
  if (!body.contains("name") || !body["name"].is_string() ||
      body["name"].get<std::string>().empty()) {
    return BadRequest("name", "is required (a non-empty string)");
  }
  if (!body.contains("schema") || !body["schema"].is_object() ||
      !body["schema"].contains("columns")) {
    return BadRequest("schema.columns", "is required: [{\"type\": ..., \"name\": ...}]");
  }
  auto schema = ParseSchema(body["schema"]["columns"], "schema.columns");
  if (!schema) return AsBadRequest(schema.error());
  DatasetEntry entry;
  entry.name = body["name"].get<std::string>();
  if (body.contains("description") && body["description"].is_string()) {
    entry.description = body["description"].get<std::string>();
  }
  entry.owner = caller.user_id;
  if (body.contains("owner") && body["owner"].is_object() && body["owner"].contains("id")) {
    auto owner = IdOf(body["owner"]["id"]);
    std::lock_guard lock(model_.mu);
    if (!owner || !model_.users.count(*owner)) return BadRequest("owner.id", "is not a user");
    entry.owner = *owner;
  }
  entry.schema = std::move(*schema);
  {
    std::lock_guard lock(model_.mu);
    entry.id = NewUuid(model_.rng);
  }
  const std::string id = entry.id;
  if (auto put = Put(std::move(entry)); !put) return Fail(put.error());
  std::lock_guard lock(model_.mu);
  auto& ds = model_.datasets.at(id);
  ds.has_data = false;
  return DatasetJson(model_, ds);
}

Result<Json> Datasets::Update(const Caller& caller, const std::string& id, const Json& body) {
  if (!body.is_object()) return BadRequest("body", "must be a JSON object");
  std::optional<table::Schema> schema;
  if (body.contains("schema")) {
    if (!body["schema"].is_object() || !body["schema"].contains("columns")) {
      return BadRequest("schema.columns", "is required with schema");
    }
    auto parsed = ParseSchema(body["schema"]["columns"], "schema.columns");
    if (!parsed) return AsBadRequest(parsed.error());
    schema = std::move(*parsed);
  }
  std::lock_guard lock(model_.mu);
  auto found = model_.Writable(caller, id);
  if (!found) return Fail(found.error());
  auto& ds = **found;
  if (body.contains("name")) {
    if (!body["name"].is_string() || body["name"].get<std::string>().empty()) {
      return BadRequest("name", "must be a non-empty string");
    }
    ds.name = body["name"].get<std::string>();
  }
  if (body.contains("description")) {
    if (!body["description"].is_string()) return BadRequest("description", "must be a string");
    ds.description = body["description"].get<std::string>();
  }
  if (body.contains("pdpEnabled")) {
    if (!body["pdpEnabled"].is_boolean()) return BadRequest("pdpEnabled", "must be a boolean");
    ds.pdp_enabled = body["pdpEnabled"].get<bool>();
  }
  if (schema && *schema != ds.data->schema) {
    if (ds.data->synthetic) {
      return BadRequest("schema", "a synthetic dataset's schema is fixed by its spec");
    }
    auto next = std::make_shared<DataSnapshot>();
    next->rows = Reshape(ds.data->schema, *schema, ds.data->rows);
    next->schema = std::move(*schema);
    next->version = model_.next_version++;
    ds.data = std::move(next);
  }
  ds.updated = model_.clock.Now();
  return DatasetJson(model_, ds);
}

Result<void> Datasets::Delete(const Caller& caller, const std::string& id) {
  std::lock_guard lock(model_.mu);
  auto ds = model_.Writable(caller, id);
  if (!ds) return Fail(ds.error());
  if ((*ds)->owner != caller.user_id && caller.role != "Admin" &&
      !model_.Can(caller, **ds, [](const std::string& l) { return l == "CO_OWNER"; })) {
    return HttpFail(403, ErrorCode::kPermissionDenied, "DataSet " + id,
                    "Access is denied: only an owner, a co-owner or an Admin may delete");
  }
  (*ds)->deleted = true;
  (*ds)->updated = model_.clock.Now();
  return {};
}

Result<SnapshotPtr> Datasets::ReadData(const Caller& caller, const std::string& id) {
  std::lock_guard lock(model_.mu);
  auto ds = model_.Readable(caller, id);
  if (!ds) return Fail(ds.error());
  return (*ds)->data;
}

Result<table::Schema> Datasets::WritableSchema(const Caller& caller, const std::string& id) {
  std::lock_guard lock(model_.mu);
  auto ds = model_.Writable(caller, id);
  if (!ds) return Fail(ds.error());
  if ((*ds)->data->synthetic) {
    return BadRequest("DataSet " + id, "a synthetic dataset is generated, not written");
  }
  return (*ds)->data->schema;
}

Result<void> Datasets::WriteData(const Caller& caller, const std::string& id, std::vector<Row> rows,
                                 bool append) {
  std::lock_guard lock(model_.mu);
  auto found = model_.Writable(caller, id);
  if (!found) return Fail(found.error());
  auto& ds = **found;
  auto next = std::make_shared<DataSnapshot>();
  next->schema = ds.data->schema;
  if (append) {
    next->rows.reserve(ds.data->rows.size() + rows.size());
    next->rows = ds.data->rows;
    std::move(rows.begin(), rows.end(), std::back_inserter(next->rows));
  } else {
    next->rows = std::move(rows);
  }
  next->version = model_.next_version++;
  ds.data = std::move(next);
  ds.has_data = true;
  ds.updated = ds.data_current = model_.clock.Now();
  return {};
}

Result<void> Datasets::Put(DatasetEntry entry) {
  std::lock_guard lock(model_.mu);
  if (!model_.users.count(entry.owner)) {
    return BadRequest("owner", "user " + std::to_string(entry.owner) + " does not exist");
  }
  auto data = std::make_shared<DataSnapshot>();
  data->schema = std::move(entry.schema);
  data->rows = std::move(entry.rows);
  data->synthetic = std::move(entry.synthetic);
  data->version = model_.next_version++;
  const TimePoint now = model_.clock.Now();
  DatasetRecord record;
  record.id = entry.id;
  record.name = std::move(entry.name);
  record.description = std::move(entry.description);
  record.owner = entry.owner;
  record.data = std::move(data);
  record.has_data = true;
  record.created = record.updated = record.data_current = now;
  record.grants = std::move(entry.grants);
  model_.datasets[entry.id] = std::move(record);
  return {};
}

}  // namespace s3u::emulator
