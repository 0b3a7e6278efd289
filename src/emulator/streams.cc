#include "emulator/streams.h"

#include <algorithm>
#include <chrono>
#include <memory>

namespace s3u::emulator {
namespace {

// How far beyond the highest part id received a new part id may jump (parallel uploads
// arrive out of order); further is PYDOMO's "Too many non-consecutive part ids" (§5).
constexpr int64_t kMaxPartIdGap = 16;
constexpr const char* kNonConsecutiveParts =
    "Too many non-consecutive part ids. Make consecutive or upload multiple data versions";

}  // namespace

Result<Streams::StreamRecord*> Streams::Find(int64_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end() || !model_.FindDataset(it->second.dataset_id)) {
    return NotFound("Stream " + std::to_string(id));
  }
  return &it->second;
}

Result<Streams::Execution*> Streams::FindExecution(StreamRecord& stream, int64_t id) {
  auto it = stream.executions.find(id);
  if (it == stream.executions.end()) {
    return NotFound("Execution " + std::to_string(id) + " of stream " + std::to_string(stream.id));
  }
  return &it->second;
}

Result<Streams::StreamRecord*> Streams::Accessible(const Caller& caller, int64_t id,
                                                   Access access) {
  auto stream = Find(id);
  if (!stream) return stream;
  const std::string& dataset_id = (*stream)->dataset_id;
  auto ds = access == Access::kWrite ? model_.Writable(caller, dataset_id)
                                     : model_.Readable(caller, dataset_id);
  if (!ds) return Fail(ds.error());
  return stream;
}

Result<Streams::StreamExecution> Streams::AccessibleExecution(const Caller& caller, int64_t id,
                                                              int64_t execution_id, Access access) {
  auto stream = Accessible(caller, id, access);
  if (!stream) return Fail(stream.error());
  auto execution = FindExecution(**stream, execution_id);
  if (!execution) return Fail(execution.error());
  return StreamExecution{*stream, *execution};
}

bool Streams::IsActive(const Execution& execution) {
  return execution.state == "ACTIVE" && !execution.committing;
}

Result<void> Streams::RequireActive(const Execution& execution, const std::string& only) {
  if (IsActive(execution)) return {};
  return BadRequest(
      "Execution " + std::to_string(execution.id),
      "is " + (execution.committing ? std::string("committing") : execution.state) + "; " + only);
}

Json Streams::StreamJson(const StreamRecord& stream) const {
  const DatasetRecord& ds = model_.datasets.at(stream.dataset_id);
  Json dataset = model_.DatasetSummary(ds);
  dataset.erase("dataCurrentAt");
  Json j = {{"id", stream.id},
            {"dataSet", dataset},
            {"updateMethod", stream.update_method},
            {"createdAt", Iso(stream.created)},
            {"modifiedAt", Iso(stream.modified)}};
  if (!stream.key_columns.empty()) j["keyColumnNames"] = stream.key_columns;
  return j;
}

Json Streams::ExecutionJson(const Execution& e) {
  Json j = {{"id", e.id},
            {"startedAt", Iso(e.created)},
            {"currentState", e.state},
            {"createdAt", Iso(e.created)},
            {"modifiedAt", Iso(e.modified)}};
  if (e.update_method) j["updateMethod"] = *e.update_method;
  return j;
}

Result<Json> Streams::Create(const Caller& caller, const Json& body) {
  if (!body.is_object() || !body.contains("dataSet") || !body["dataSet"].is_object()) {
    return BadRequest("dataSet", "is required: {\"name\", \"description\", \"schema\"}");
  }
  std::string method =
      body.contains("updateMethod") && body["updateMethod"].is_string() ? body["updateMethod"] : "";
  std::vector<std::string> keys;
  if (body.contains("keyColumnNames")) {
    if (!body["keyColumnNames"].is_array()) {
      return BadRequest("keyColumnNames", "must be an array of column names");
    }
    for (const auto& k : body["keyColumnNames"]) {
      if (!k.is_string()) return BadRequest("keyColumnNames", "must be an array of column names");
      keys.push_back(k.get<std::string>());
    }
  }
  // Upsert is APPEND with key columns (the docs) or UPSERT (PYDOMO); stored as the former.
  if (method == "UPSERT") method = "APPEND";
  if (method != "APPEND" && method != "REPLACE") {
    return BadRequest("updateMethod", "must be APPEND or REPLACE (or UPSERT with keyColumnNames)");
  }
  auto created = datasets_.Create(caller, body["dataSet"]);
  if (!created) {
    Error error = created.error();
    error.subject = "dataSet." + error.subject;
    return Fail(std::move(error));
  }
  std::lock_guard lock(model_.mu);
  const std::string dataset_id = (*created)["id"];
  const auto& schema = model_.datasets.at(dataset_id).data->schema;
  for (const auto& k : keys) {
    if (!table::FindColumn(schema, k)) {
      model_.datasets.erase(dataset_id);
      return BadRequest("keyColumnNames", "\"" + k + "\" is not a column of the schema");
    }
  }
  StreamRecord stream;
  stream.id = next_stream_++;
  stream.dataset_id = dataset_id;
  stream.update_method = method;
  stream.key_columns = std::move(keys);
  stream.created = stream.modified = model_.clock.Now();
  auto& stored = streams_[stream.id] = std::move(stream);
  return StreamJson(stored);
}

Result<Json> Streams::Get(const Caller& caller, int64_t id) {
  std::lock_guard lock(model_.mu);
  auto found_stream = Accessible(caller, id, Access::kRead);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  return StreamJson(stream);
}

Result<Json> Streams::List(const Caller& caller, const Page& page) {
  std::lock_guard lock(model_.mu);
  Json out = Json::array();
  int64_t skipped = 0;
  for (const auto& [id, stream] : streams_) {
    const auto* ds = model_.FindDataset(stream.dataset_id);
    if (!ds || !model_.CanRead(caller, *ds)) continue;
    if (skipped++ < page.offset) continue;
    if (static_cast<int64_t>(out.size()) >= page.limit) break;
    out.push_back(StreamJson(stream));
  }
  return out;
}

Result<Json> Streams::Search(const Caller& caller, const std::string& query) {
  const size_t colon = query.find(':');
  const std::string field = query.substr(0, colon);
  const std::string value = colon == std::string::npos ? "" : query.substr(colon + 1);
  if (field != "dataSource.id" && field != "dataSource.owner.id" && field != "dataSource.name") {
    return BadRequest("q",
                      "must be dataSource.id:<id>, dataSource.owner.id:<user id> or "
                      "dataSource.name:<name>");
  }
  std::lock_guard lock(model_.mu);
  Json out = Json::array();
  for (const auto& [id, stream] : streams_) {
    const auto* ds = model_.FindDataset(stream.dataset_id);
    if (!ds || !model_.CanRead(caller, *ds)) continue;
    const bool match = field == "dataSource.id"     ? ds->id == value
                       : field == "dataSource.name" ? ds->name == value
                                                    : std::to_string(ds->owner) == value;
    if (match) out.push_back(StreamJson(stream));
  }
  return out;
}

Result<Json> Streams::Update(const Caller& caller, int64_t id, const Json& body) {
  std::lock_guard lock(model_.mu);
  auto found_stream = Accessible(caller, id, Access::kWrite);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  if (!body.is_object() || !body.contains("updateMethod") || !body["updateMethod"].is_string() ||
      (body["updateMethod"] != "APPEND" && body["updateMethod"] != "REPLACE")) {
    return BadRequest("updateMethod", "must be APPEND or REPLACE");
  }
  stream.update_method = body["updateMethod"];
  stream.modified = model_.clock.Now();
  return StreamJson(stream);
}

Result<void> Streams::Delete(const Caller& caller, int64_t id) {
  std::lock_guard lock(model_.mu);
  auto found_stream = Accessible(caller, id, Access::kWrite);
  if (!found_stream) return Fail(found_stream.error());
  streams_.erase(id);  // the dataset survives (§5)
  return {};
}

Result<Json> Streams::CreateExecution(const Caller& caller, int64_t id, const Json& body) {
  std::optional<std::string> method;
  if (body.is_object() && body.contains("updateMethod") && !body["updateMethod"].is_null()) {
    if (!body["updateMethod"].is_string() ||
        (body["updateMethod"] != "APPEND" && body["updateMethod"] != "REPLACE")) {
      return BadRequest("updateMethod", "must be null, APPEND or REPLACE");
    }
    method = body["updateMethod"].get<std::string>();
  }
  std::lock_guard lock(model_.mu);
  auto found_stream = Accessible(caller, id, Access::kWrite);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  Execution execution;
  execution.id = stream.next_execution++;
  execution.update_method = method;
  execution.created = execution.modified = model_.clock.Now();
  auto& stored = stream.executions[execution.id] = std::move(execution);
  return ExecutionJson(stored);
}

Result<Json> Streams::GetExecution(const Caller& caller, int64_t id, int64_t execution_id) {
  std::lock_guard lock(model_.mu);
  auto found = AccessibleExecution(caller, id, execution_id, Access::kRead);
  if (!found) return Fail(found.error());
  return ExecutionJson(*found->execution);
}

Result<Json> Streams::ListExecutions(const Caller& caller, int64_t id, const Page& page) {
  std::lock_guard lock(model_.mu);
  auto found_stream = Accessible(caller, id, Access::kRead);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  return PageOf(stream.executions, page, &ExecutionJson);
}

Result<table::Schema> Streams::Schema(const Caller& caller, int64_t id) {
  std::lock_guard lock(model_.mu);
  auto stream = Accessible(caller, id, Access::kWrite);
  if (!stream) return Fail(stream.error());
  return model_.FindDataset((*stream)->dataset_id)->data->schema;  // found: the stream checked
}

Result<Json> Streams::PutPart(const Caller& caller, int64_t id, int64_t execution_id, int64_t part,
                              std::vector<Row> rows) {
  std::lock_guard lock(model_.mu);
  auto found = AccessibleExecution(caller, id, execution_id, Access::kWrite);
  if (!found) return Fail(found.error());
  auto& execution = *found->execution;
  if (auto active = RequireActive(execution, "parts can only be uploaded to an ACTIVE execution");
      !active) {
    return Fail(active.error());
  }
  const int64_t highest = execution.parts.empty() ? 1 : execution.parts.rbegin()->first;
  if (part < 0 || part > highest + kMaxPartIdGap) {
    return BadRequest("part " + std::to_string(part), kNonConsecutiveParts);
  }
  execution.parts[part] = std::move(rows);  // a re-sent part replaces the earlier one
  execution.modified = model_.clock.Now();
  return ExecutionJson(execution);
}

Result<Json> Streams::Commit(const Caller& caller, int64_t id, int64_t execution_id) {
  std::lock_guard lock(model_.mu);
  auto found = AccessibleExecution(caller, id, execution_id, Access::kWrite);
  if (!found) return Fail(found.error());
  auto& stream = *found->stream;
  auto& execution = *found->execution;
  if (auto active = RequireActive(execution, "only an ACTIVE execution can be committed");
      !active) {
    return Fail(active.error());
  }
  if (!execution.parts.empty()) {
    const int64_t first = execution.parts.begin()->first;
    const int64_t last = execution.parts.rbegin()->first;
    if (first > 1 || last - first + 1 != static_cast<int64_t>(execution.parts.size())) {
      return BadRequest("Execution " + std::to_string(execution_id), kNonConsecutiveParts);
    }
  }
  const TimePoint now = model_.clock.Now();
  const auto interval = std::chrono::seconds(model_.config.min_commit_interval_seconds);
  if (stream.last_commit && now < *stream.last_commit + interval) {
    const auto wait =
        std::chrono::duration_cast<std::chrono::seconds>(*stream.last_commit + interval - now);
    Error error{ErrorCode::kResourceExhausted, "Stream " + std::to_string(id),
                "a commit is allowed every " + std::to_string(interval.count()) + " seconds", 429,
                std::chrono::milliseconds(std::max<int64_t>(1, wait.count()) * 1000)};
    return Fail(std::move(error));
  }
  stream.last_commit = now;
  execution.committing = true;
  execution.modified = now;
  const Json answer = ExecutionJson(execution);  // still ACTIVE: indexing is async (§5)
  background_.Submit([this, id, execution_id] { Apply(id, execution_id); });
  return answer;
}

void Streams::Apply(int64_t id, int64_t execution_id) {
  std::lock_guard lock(model_.mu);
  auto stream_it = streams_.find(id);
  if (stream_it == streams_.end()) return;
  auto& stream = stream_it->second;
  auto& execution = stream.executions.at(execution_id);
  execution.committing = false;
  execution.modified = model_.clock.Now();
  auto* ds = model_.FindDataset(stream.dataset_id);
  if (!ds) {
    execution.state = "INVALID";
    return;
  }
  const std::string method = execution.update_method.value_or(stream.update_method);
  auto next = std::make_shared<DataSnapshot>();
  next->schema = ds->data->schema;
  if (method == "APPEND") next->rows = ds->data->rows;
  std::vector<size_t> keys;
  for (const auto& k : stream.key_columns) keys.push_back(*table::FindColumn(next->schema, k));
  std::map<std::vector<Value>, size_t> index;  // upsert: key -> row position
  auto key_of = [&](const Row& row) {
    std::vector<Value> key;
    for (size_t k : keys) key.push_back(row[k]);
    return key;
  };
  if (!keys.empty()) {
    for (size_t i = 0; i < next->rows.size(); ++i) index[key_of(next->rows[i])] = i;
  }
  for (auto& [part, rows] : execution.parts) {
    for (auto& row : rows) {
      if (!keys.empty()) {
        auto [it, inserted] = index.emplace(key_of(row), next->rows.size());
        if (!inserted) {
          next->rows[it->second] = std::move(row);
          continue;
        }
      }
      next->rows.push_back(std::move(row));
    }
  }
  execution.parts.clear();
  next->version = model_.next_version++;
  ds->data = std::move(next);
  ds->has_data = true;
  ds->updated = ds->data_current = execution.modified;
  execution.state = "SUCCESS";
}

Result<Json> Streams::Abort(const Caller& caller, int64_t id, std::optional<int64_t> execution_id) {
  std::lock_guard lock(model_.mu);
  auto found_stream = Accessible(caller, id, Access::kWrite);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  const TimePoint now = model_.clock.Now();
  auto abort = [now](Execution& execution) {
    execution.state = "ABORTED";
    execution.parts.clear();
    execution.modified = now;
  };
  if (!execution_id) {  // abort whatever is in progress; nothing in progress is fine too
    for (auto& [eid, execution] : stream.executions) {
      if (IsActive(execution)) abort(execution);
    }
    return Json();
  }
  auto found_execution = FindExecution(stream, *execution_id);
  if (!found_execution) return Fail(found_execution.error());
  auto& execution = **found_execution;
  if (auto active = RequireActive(execution, "only an ACTIVE execution can be aborted"); !active) {
    return Fail(active.error());
  }
  abort(execution);
  return ExecutionJson(execution);
}

}  // namespace s3u::emulator
