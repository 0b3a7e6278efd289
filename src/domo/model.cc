#include "domo/model.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "domo/json_numbers.h"

namespace s3u::domo {
namespace {

using nlohmann::json;

Error Malformed(std::string_view subject, const std::string& what) {
  return Error{ErrorCode::kInternal,
               std::string(subject),
               "Domo's answer cannot be interpreted: " + what,
               0,
               {}};
}

Result<json> ParseJson(std::string_view body, std::string_view subject, bool array) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (array ? !j.is_array() : !j.is_object()) {
    return Fail(Malformed(subject, array ? "expected a JSON array" : "expected a JSON object"));
  }
  return j;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

// Reads the fields of one JSON object; the first problem is kept and later reads are no-ops.
// Domo is inconsistent about id types (§3 owner, §7 permissions), so Int also accepts a
// string of digits.
class Fields {
 public:
  Fields(const json& object, std::string_view subject, std::string where)
      : object_(object), subject_(subject), where_(std::move(where)) {}
  // The fields of a nested object; its problems are reported through this (the root).
  Fields Nested(const json& object, std::string where) {
    Fields child(object, subject_, std::move(where));
    child.root_ = root_ != nullptr ? root_ : this;
    return child;
  }

  std::string Str(const char* key, bool required = false) {
    const json* v = Find(key, required);
    if (v == nullptr) return "";
    if (v->is_string()) return v->get<std::string>();
    // Timestamps (§8 started/finished) may come as numbers: keep their JSON text.
    if (v->is_number()) return v->dump();
    Problem(key, "is not a string");
    return "";
  }
  int64_t Int(const char* key, bool required = false) {
    const json* v = Find(key, required);
    if (v == nullptr) return 0;
    if (v->is_number_integer()) return v->get<int64_t>();
    if (v->is_string()) {
      if (auto parsed = ParseInt(v->get_ref<const std::string&>())) return *parsed;
    }
    Problem(key, "is not an integer");
    return 0;
  }
  bool Bool(const char* key) {
    const json* v = Find(key, false);
    if (v == nullptr) return false;
    if (v->is_boolean()) return v->get<bool>();
    Problem(key, "is not a boolean");
    return false;
  }
  // The member `key` when it has the given kind (object or array); nullptr when absent.
  const json* Child(const char* key, bool array, bool required = false) {
    const json* v = Find(key, required);
    if (v == nullptr) return nullptr;
    if (array ? v->is_array() : v->is_object()) return v;
    Problem(key, array ? "is not an array" : "is not an object");
    return nullptr;
  }
  void Problem(const char* key, const std::string& what) {
    Fields& root = root_ != nullptr ? *root_ : *this;
    if (!root.error_) root.error_ = Malformed(subject_, "field '" + Path(key) + "' " + what);
  }
  std::string Path(const char* key) const { return where_.empty() ? key : where_ + "." + key; }
  const std::optional<Error>& error() const { return root_ != nullptr ? root_->error_ : error_; }

 private:
  const json* Find(const char* key, bool required) {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) Problem(key, "is missing");
      return nullptr;
    }
    return &*it;
  }

  const json& object_;
  std::string_view subject_;
  std::string where_;
  Fields* root_ = nullptr;  // the top-level reader when this one is nested
  std::optional<Error> error_;
};

table::Schema ReadSchema(Fields& f) {
  table::Schema schema;
  const json* s = f.Child("schema", false);
  if (s == nullptr) return schema;
  Fields sf = f.Nested(*s, f.Path("schema"));
  const json* columns = sf.Child("columns", true);
  if (columns == nullptr) return schema;
  for (size_t i = 0; i < columns->size(); ++i) {
    const std::string where = sf.Path("columns") + "[" + std::to_string(i) + "]";
    const json& c = (*columns)[i];
    if (!c.is_object()) {
      sf.Problem("columns", "has an item that is not an object");
      return schema;
    }
    Fields cf = f.Nested(c, where);
    std::string name = cf.Str("name", true);
    std::string type_text = cf.Str("type", true);
    if (f.error()) return schema;
    auto type = table::ParseColumnType(type_text, where + ".type");
    if (!type) {
      cf.Problem("type", "is '" + type_text + "', not a Domo column type");
      return schema;
    }
    schema.push_back({std::move(name), *type});
  }
  return schema;
}

Dataset ReadDataset(Fields& f, const json&) {
  Dataset d;
  d.id = f.Str("id", true);
  d.name = f.Str("name");
  d.description = f.Str("description");
  d.rows = f.Int("rows");
  d.columns = f.Int("columns");
  d.schema = ReadSchema(f);
  if (const json* owner = f.Child("owner", false)) {
    Fields of = f.Nested(*owner, f.Path("owner"));
    d.owner.id = of.Int("id", true);
    d.owner.name = of.Str("name");
  }
  d.created_at = f.Str("createdAt");
  d.updated_at = f.Str("updatedAt");
  d.pdp_enabled = f.Bool("pdpEnabled");
  return d;
}

Stream ReadStream(Fields& f) {
  Stream s;
  s.id = f.Int("id", true);
  s.update_method = f.Str("updateMethod");
  if (const json* ds = f.Child("dataSet", false)) {
    s.dataset_id = f.Nested(*ds, f.Path("dataSet")).Str("id", true);
  }
  return s;
}

S3Export ReadS3Export(Fields& f) {
  S3Export e;
  e.export_id = f.Str("exportId", true);
  e.status = f.Str("exportStatus", true);
  e.bucket = f.Str("bucket");
  e.compression = f.Str("compression");
  e.export_format = f.Str("exportFormat");
  e.error_code = f.Str("errorCode");
  e.message = f.Str("message");
  e.started = f.Str("started");
  e.finished = f.Str("finished");
  if (const json* map = f.Child("urlRowCountMap", false)) {
    for (const auto& [url, count] : map->items()) {
      if (!count.is_number_integer()) {
        f.Problem("urlRowCountMap", "has a row count that is not an integer");
        break;
      }
      e.url_row_counts.emplace_back(url, count.get<int64_t>());
    }
  }
  return e;
}

// Parses a body that is one object read by `read`.
template <typename T, typename ReadFn>
Result<T> ParseOne(std::string_view body, std::string_view subject, ReadFn read) {
  auto j = ParseJson(body, subject, false);
  if (!j) return Fail(j.error());
  Fields f(*j, subject, "");
  T value = read(f, *j);
  if (f.error()) return Fail(*f.error());
  return value;
}

// Parses a body that is an array of objects, each read by `read`.
template <typename T, typename ReadFn>
Result<std::vector<T>> ParseMany(std::string_view body, std::string_view subject, ReadFn read) {
  auto j = ParseJson(body, subject, true);
  if (!j) return Fail(j.error());
  std::vector<T> out;
  out.reserve(j->size());
  for (size_t i = 0; i < j->size(); ++i) {
    const std::string where = "[" + std::to_string(i) + "]";
    if (!(*j)[i].is_object())
      return Fail(Malformed(subject, "item " + where + " is not an object"));
    Fields f((*j)[i], subject, where);
    out.push_back(read(f, (*j)[i]));
    if (f.error()) return Fail(*f.error());
  }
  return out;
}

json SchemaJson(const table::Schema& schema) {
  json columns = json::array();
  for (const auto& c : schema) {
    columns.push_back({{"type", std::string(table::ColumnTypeName(c.type))}, {"name", c.name}});
  }
  return {{"columns", columns}};
}

json DatasetSpecObject(const DatasetSpec& spec) {
  json j = {{"name", spec.name}, {"rows", 0}, {"schema", SchemaJson(spec.schema)}};
  if (!spec.description.empty()) j["description"] = spec.description;
  return j;
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool IsGuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

}  // namespace

std::string_view UpdateMethodName(UpdateMethod method) {
  return method == UpdateMethod::kAppend ? "APPEND" : "REPLACE";
}

Result<Dataset> ParseDataset(std::string_view body, std::string_view subject) {
  return ParseOne<Dataset>(body, subject, ReadDataset);
}

Result<std::vector<Dataset>> ParseDatasetList(std::string_view body, std::string_view subject) {
  return ParseMany<Dataset>(body, subject, ReadDataset);
}

Result<User> ParseUser(std::string_view body, std::string_view subject) {
  return ParseOne<User>(body, subject, [](Fields& f, const json&) {
    User u;
    u.id = f.Int("id", true);
    u.name = f.Str("name");
    u.email = f.Str("email");
    u.role = f.Str("role");
    if (const json* groups = f.Child("groups", true)) {
      for (const json& g : *groups) {
        if (!g.is_object()) {
          f.Problem("groups", "has an item that is not an object");
          break;
        }
        Fields gf = f.Nested(g, f.Path("groups") + "[" + std::to_string(u.groups.size()) + "]");
        Group group{gf.Int("id", true), gf.Str("name")};
        u.groups.push_back(std::move(group));
      }
    }
    return u;
  });
}

Result<std::vector<int64_t>> ParseIdList(std::string_view body, std::string_view subject) {
  auto j = ParseJson(body, subject, true);
  if (!j) return Fail(j.error());
  std::vector<int64_t> ids;
  for (const json& v : *j) {
    if (!v.is_number_integer()) return Fail(Malformed(subject, "an id is not an integer"));
    ids.push_back(v.get<int64_t>());
  }
  return ids;
}

Result<std::vector<Permission>> ParsePermissions(std::string_view body, std::string_view subject) {
  auto j = ParseJson(body, subject, false);
  if (!j) return Fail(j.error());
  Fields top(*j, subject, "");
  const json* list = top.Child("list", true, true);
  if (top.error()) return Fail(*top.error());
  std::vector<Permission> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    if (!item.is_object()) return Fail(Malformed(subject, "a permission is not an object"));
    Fields f(item, subject, "list[" + std::to_string(i) + "]");
    Permission p{f.Str("type", true), f.Int("id", true), f.Str("accessLevel", true), f.Str("name")};
    if (f.error()) return Fail(*f.error());
    out.push_back(std::move(p));
  }
  return out;
}

QueryRows::QueryRows(size_t columns, size_t text_bytes)
    : columns_(columns),
      text_(std::make_unique_for_overwrite<char[]>(std::max<size_t>(text_bytes, 1))),
      text_capacity_(std::max<size_t>(text_bytes, 1)) {}

void QueryRows::Reset(size_t columns, size_t text_bytes) {
  columns_ = columns;
  cells_.clear();
  text_size_ = 0;
  if (text_bytes > text_capacity_ || !text_) {
    // A quarter more: a reading's pages grow slowly (longer keys), and a buffer that fits
    // only this one would be replaced, and faulted in anew, at nearly every page.
    text_capacity_ = std::max<size_t>(text_bytes + text_bytes / 4, 1);
    text_ = std::make_unique_for_overwrite<char[]>(text_capacity_);
  }
}

QueryRows::QueryRows(const QueryRows& other)
    : columns_(other.columns_),
      text_(other.text_ ? std::make_unique_for_overwrite<char[]>(other.text_capacity_) : nullptr),
      text_capacity_(other.text_ ? other.text_capacity_ : 0),
      text_size_(other.text_size_),
      cells_(other.cells_) {
  if (text_size_ > 0) std::memcpy(text_.get(), other.text_.get(), text_size_);
}

QueryRows& QueryRows::operator=(const QueryRows& other) {
  if (this != &other) *this = QueryRows(other);
  return *this;
}

void QueryRows::Grow(size_t more) {
  const size_t capacity = std::max(text_capacity_ * 2, text_size_ + more);
  auto grown = std::make_unique_for_overwrite<char[]>(capacity);
  if (text_size_ > 0) std::memcpy(grown.get(), text_.get(), text_size_);
  text_ = std::move(grown);
  text_capacity_ = capacity;
}

bool QueryRows::operator==(const QueryRows& other) const {
  if (columns_ != other.columns_ || cells_.size() != other.cells_.size()) return false;
  for (size_t i = 0; i < cells_.size(); ++i) {
    if (CellAt(i) != other.CellAt(i)) return false;
  }
  return true;
}

Error TooLarge(std::string_view subject) {
  return Error{ErrorCode::kFailedPrecondition, std::string(subject),
               "a query answer of 4 GiB or more cannot be held; lower tuning.page_rows", 0,
               std::nullopt};
}

Result<QueryResult> ParseQueryResult(std::string_view body, std::string_view subject) {
  // The parser calls back for every value in document order, so its n-th number is the n-th
  // number token of the body: a number in a row (depth 3 under the top-level key "rows") is
  // replaced by the text Domo sent before nlohmann's int64/double can drop a digit.
  NumberTokens numbers(body);
  std::string top_key;
  const json::parser_callback_t keep_number_text = [&](int depth, json::parse_event_t event,
                                                       json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) {
      top_key = parsed.get<std::string>();
    } else if (event == json::parse_event_t::value && parsed.is_number()) {
      const std::string_view text = numbers.Next();
      if (depth == 3 && top_key == "rows") parsed = std::string(text);
    }
    return true;
  };
  json parsed = json::parse(body, keep_number_text, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return Fail(Malformed(subject, "expected a JSON object"));
  const json* j = &parsed;
  Fields f(*j, subject, "");
  const json* columns = f.Child("columns", true, true);
  const json* rows = f.Child("rows", true, true);
  const json* metadata = f.Child("metadata", true);
  if (f.error()) return Fail(*f.error());
  QueryResult result;
  for (const json& c : *columns) {
    if (!c.is_string()) return Fail(Malformed(subject, "a column name is not a string"));
    result.columns.push_back(c.get<std::string>());
  }
  result.types.assign(result.columns.size(), "");
  if (metadata != nullptr) {
    for (size_t i = 0; i < metadata->size() && i < result.types.size(); ++i) {
      const json& m = (*metadata)[i];
      if (m.is_object() && m.contains("type") && m["type"].is_string()) {
        result.types[i] = m["type"].get<std::string>();
      }
    }
  }
  if (body.size() > QueryRows::kMaxText) return Fail(TooLarge(subject));
  result.rows = QueryRows(result.columns.size(), body.size());
  result.rows.reserve(rows->size());
  for (size_t r = 0; r < rows->size(); ++r) {
    const json& row = (*rows)[r];
    if (!row.is_array() || row.size() != result.columns.size()) {
      return Fail(Malformed(subject, "row " + std::to_string(r) + " does not have " +
                                         std::to_string(result.columns.size()) + " cells"));
    }
    for (const json& v : row) {
      if (v.is_null()) {
        result.rows.Add(std::nullopt);
      } else if (v.is_string()) {
        result.rows.Add(v.get_ref<const std::string&>());
      } else if (v.is_boolean()) {
        result.rows.Add(v.get<bool>() ? "true" : "false");
      } else {
        return Fail(Malformed(subject, "row " + std::to_string(r) + " has a nested value"));
      }
    }
  }
  return result;
}

Result<Stream> ParseStream(std::string_view body, std::string_view subject) {
  return ParseOne<Stream>(body, subject, [](Fields& f, const json&) { return ReadStream(f); });
}

Result<std::vector<Stream>> ParseStreamList(std::string_view body, std::string_view subject) {
  return ParseMany<Stream>(body, subject, [](Fields& f, const json&) { return ReadStream(f); });
}

Result<Execution> ParseExecution(std::string_view body, std::string_view subject) {
  return ParseOne<Execution>(body, subject, [](Fields& f, const json&) {
    return Execution{f.Int("id", true), f.Str("currentState", true)};
  });
}

Result<S3Export> ParseS3Export(std::string_view body, std::string_view subject) {
  return ParseOne<S3Export>(body, subject, [](Fields& f, const json&) { return ReadS3Export(f); });
}

Result<std::vector<S3Export>> ParseS3ExportList(std::string_view body, std::string_view subject) {
  return ParseMany<S3Export>(body, subject, [](Fields& f, const json&) { return ReadS3Export(f); });
}

std::string DatasetSpecJson(const DatasetSpec& spec) { return DatasetSpecObject(spec).dump(); }

std::string DatasetUpdateJson(const DatasetUpdate& update) {
  json j = json::object();
  if (update.name) j["name"] = *update.name;
  if (update.description) j["description"] = *update.description;
  if (update.schema) j["schema"] = SchemaJson(*update.schema);
  return j.dump();
}

std::string StreamSpecJson(const DatasetSpec& spec, UpdateMethod method) {
  return json{{"dataSet", DatasetSpecObject(spec)},
              {"updateMethod", std::string(UpdateMethodName(method))}}
      .dump();
}

std::string QueryJson(std::string_view sql) { return json{{"sql", sql}}.dump(); }

std::string S3ExportRequestJson(const S3ExportRequest& request) {
  json j = {{"bucket", request.bucket},
            {"region", request.region},
            {"awsAccessKey", request.aws_access_key},
            {"awsAccessSecret", request.aws_access_secret}};
  if (!request.path.empty()) j["path"] = request.path;
  if (!request.session_token.empty()) j["sessionToken"] = request.session_token;
  if (!request.aws_kms_key.empty()) j["awsKmsKey"] = request.aws_kms_key;
  if (!request.query_request.is_null()) j["queryRequest"] = request.query_request;
  return j.dump();
}

Result<std::string> ParseDatasetId(std::string_view text, std::string_view field) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
  };
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (IsGuid(text)) return lower(text);
  constexpr std::string_view kMarker = "/datasources/";
  if (const size_t at = text.find(kMarker); at != std::string_view::npos) {
    std::string_view rest = text.substr(at + kMarker.size());
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (IsGuid(rest)) return lower(rest);
  }
  return Fail(ErrorCode::kInvalidArgument, std::string(field),
              "'" + std::string(text.substr(0, 200)) +
                  "' is not a dataset id; give the GUID (e.g. "
                  "08a061e2-12a2-4646-b4bc-20beddb403e3) or the dataset's URL "
                  "(https://<instance>.domo.com/datasources/<GUID>/details/overview)");
}

}  // namespace s3u::domo
