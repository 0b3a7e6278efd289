#include "emulator/state.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <thread>

#include "core/text.h"
#include "core/time_format.h"
#include "emulator/s3_export.h"
#include "s3/uri.h"

namespace s3u::emulator {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

// Background threads: stream commits and Export-to-S3 jobs. Several, so one slow export does
// not hold up commits or other exports.
constexpr int kBackgroundThreads = 4;
// How far beyond the highest part id received a new part id may jump (parallel uploads
// arrive out of order); further is PYDOMO's "Too many non-consecutive part ids" (§5).
constexpr int64_t kMaxPartIdGap = 16;
constexpr const char* kNonConsecutiveParts =
    "Too many non-consecutive part ids. Make consecutive or upload multiple data versions";

tl::unexpected<Error> HttpFail(int status, ErrorCode code, std::string subject,
                               std::string message) {
  return Fail(code, std::move(subject), std::move(message), status);
}
tl::unexpected<Error> BadRequest(std::string subject, std::string message) {
  return HttpFail(400, ErrorCode::kInvalidArgument, std::move(subject), std::move(message));
}
// A parser's error (config grammar shared with the request bodies) answered as 400.
tl::unexpected<Error> AsBadRequest(Error error) {
  error.http_status = 400;
  return Fail(std::move(error));
}
tl::unexpected<Error> NotFound(std::string what) {
  return HttpFail(404, ErrorCode::kNotFound, what, what + " does not exist");
}

// One page of the values of `items` (a map in id order), each as `to_json` makes it.
template <typename Map, typename ToJson>
Json PageOf(const Map& items, const Page& page, ToJson to_json) {
  Json out = Json::array();
  int64_t index = 0;
  for (const auto& [id, item] : items) {
    if (index++ < page.offset) continue;
    if (static_cast<int64_t>(out.size()) >= page.limit) break;
    out.push_back(to_json(item));
  }
  return out;
}

// "2016-02-29T20:56:20.567Z", the metadata timestamp form of §0.
std::string Iso(TimePoint t, bool millis = true) {
  const int64_t ms = EpochMillis(t);
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buffer;
  if (millis) {
    char frac[8];
    std::snprintf(frac, sizeof(frac), ".%03d", static_cast<int>(ms % 1000));
    out += frac;
  }
  return out + "Z";
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

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

bool IsWriteLevel(const std::string& level) {
  return level == "OWNER" || level == "CO_OWNER" || level == "CAN_EDIT";
}
bool IsShareLevel(const std::string& level) {
  return level == "OWNER" || level == "CO_OWNER" || level == "CAN_SHARE";
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

}  // namespace

std::chrono::system_clock::time_point EmulatorClock::Now() const {
  return std::chrono::system_clock::now() + std::chrono::milliseconds(offset_ms_.load());
}
std::chrono::steady_clock::time_point EmulatorClock::Monotonic() const {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(offset_ms_.load());
}
void EmulatorClock::SleepFor(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

struct State::Impl {
  struct DatasetRecord {
    std::string id, name, description;
    int64_t owner = 0;
    SnapshotPtr data;
    bool has_data = false;  // Domo reports `columns: 0` until data first arrives (§3.3)
    bool pdp_enabled = false;
    bool deleted = false;
    TimePoint created, updated, data_current;
    std::vector<Grant> grants;
  };
  struct Execution {
    int64_t id = 0;
    std::string state = "ACTIVE";  // ACTIVE | SUCCESS | ABORTED | INVALID
    bool committing = false;
    std::optional<std::string> update_method;  // per-execution override
    TimePoint created, modified;
    std::map<int64_t, std::vector<Row>> parts;
  };
  struct StreamRecord {
    int64_t id = 0;
    std::string dataset_id;
    std::string update_method;
    std::vector<std::string> key_columns;  // upsert
    TimePoint created, modified;
    std::optional<TimePoint> last_commit;
    int64_t next_execution = 1;
    std::map<int64_t, Execution> executions;
  };
  struct ExportRecord {
    std::string export_id, bucket, key, status = "none", error_code, message;
    TimePoint started;
    std::optional<TimePoint> finished;
    uint64_t data_version = 0;
    std::string request_key;  // bucket, path, region and query: "same export" for reuse
    std::map<std::string, uint64_t> url_rows;
  };
  struct GroupRecord {
    GroupEntry entry;
    bool active = true;
    int64_t creator = 0;
  };

  std::mutex mu;
  std::mt19937_64 rng{std::random_device{}()};
  std::unique_ptr<TokenSigner> signer;
  std::map<int64_t, UserEntry> users;
  std::map<int64_t, GroupRecord> groups;
  std::map<std::string, ClientEntry> clients;
  std::map<std::string, DatasetRecord> datasets;
  std::map<int64_t, StreamRecord> streams;
  std::map<std::string, std::vector<ExportRecord>> exports;
  std::set<std::string> live_tokens;         // jti of tokens not expired by a fault
  std::map<std::string, TimePoint> revoked;  // jti -> when the expire_tokens fault hit
  int64_t next_stream = 1;
  uint64_t next_version = 1;

  // --- lookups (REQUIRES: mu held)
  DatasetRecord* FindDataset(const std::string& id) {
    auto it = datasets.find(id);
    return it == datasets.end() || it->second.deleted ? nullptr : &it->second;
  }
  std::string UserName(int64_t id) const {
    auto it = users.find(id);
    return it == users.end() ? "" : it->second.name;
  }
  std::vector<int64_t> GroupsOf(int64_t user) const {
    std::vector<int64_t> out;
    for (const auto& [id, group] : groups) {
      const auto& members = group.entry.members;
      if (std::find(members.begin(), members.end(), user) != members.end()) out.push_back(id);
    }
    return out;
  }
  // Access levels `user` holds on `ds` through direct and group grants.
  std::vector<std::string> LevelsOf(const DatasetRecord& ds, int64_t user) const {
    std::vector<std::string> levels;
    const auto user_groups = GroupsOf(user);
    for (const auto& grant : ds.grants) {
      const bool applies = grant.type == "USER" ? grant.id == user
                                                : std::find(user_groups.begin(), user_groups.end(),
                                                            grant.id) != user_groups.end();
      if (applies) levels.push_back(grant.access_level);
    }
    return levels;
  }
  bool CanRead(const Caller& caller, const DatasetRecord& ds) const {
    return caller.role == "Admin" || ds.owner == caller.user_id ||
           !LevelsOf(ds, caller.user_id).empty();
  }
  bool Can(const Caller& caller, const DatasetRecord& ds, bool (*level_ok)(const std::string&)) {
    if (caller.role == "Admin" || ds.owner == caller.user_id) return true;
    const auto levels = LevelsOf(ds, caller.user_id);
    return std::any_of(levels.begin(), levels.end(), level_ok);
  }
  // The dataset if it exists and `caller` may read it (404 / 403 otherwise).
  Result<DatasetRecord*> Readable(const Caller& caller, const std::string& id) {
    DatasetRecord* ds = FindDataset(id);
    if (!ds) return NotFound("DataSet " + id);
    if (!CanRead(caller, *ds)) {
      return HttpFail(403, ErrorCode::kPermissionDenied, "DataSet " + id,
                      "Access is denied: user " + std::to_string(caller.user_id) +
                          " has no share of this DataSet");
    }
    return ds;
  }
  Result<DatasetRecord*> Writable(const Caller& caller, const std::string& id) {
    auto ds = Readable(caller, id);
    if (!ds) return ds;
    if (!Can(caller, **ds, IsWriteLevel)) {
      return HttpFail(403, ErrorCode::kPermissionDenied, "DataSet " + id,
                      "Access is denied: writing needs OWNER, CO_OWNER or CAN_EDIT");
    }
    return ds;
  }

  // The dataset if `caller` may change its shares (404 / 403 otherwise); `doing` names the
  // act in the 403 message.
  Result<DatasetRecord*> Shareable(const Caller& caller, const std::string& id,
                                   const std::string& doing) {
    auto ds = Readable(caller, id);
    if (!ds) return ds;
    if (!Can(caller, **ds, IsShareLevel)) {
      return HttpFail(403, ErrorCode::kPermissionDenied, "DataSet " + id,
                      "Access is denied: " + doing + " needs OWNER, CO_OWNER or CAN_SHARE");
    }
    return ds;
  }

  Result<StreamRecord*> FindStream(int64_t id) {
    auto it = streams.find(id);
    if (it == streams.end() || !FindDataset(it->second.dataset_id)) {
      return NotFound("Stream " + std::to_string(id));
    }
    return &it->second;
  }
  static Result<Execution*> FindExecution(StreamRecord& stream, int64_t id) {
    auto it = stream.executions.find(id);
    if (it == stream.executions.end()) {
      return NotFound("Execution " + std::to_string(id) + " of stream " +
                      std::to_string(stream.id));
    }
    return &it->second;
  }
  // What a stream call needs on the stream's dataset.
  enum class Access { kRead, kWrite };
  // The stream if it exists and `caller` has `access` to its dataset (404 / 403 otherwise).
  Result<StreamRecord*> AccessibleStream(const Caller& caller, int64_t id, Access access) {
    auto stream = FindStream(id);
    if (!stream) return stream;
    const std::string& dataset_id = (*stream)->dataset_id;
    auto ds =
        access == Access::kWrite ? Writable(caller, dataset_id) : Readable(caller, dataset_id);
    if (!ds) return Fail(ds.error());
    return stream;
  }
  struct StreamExecution {
    StreamRecord* stream;
    Execution* execution;
  };
  // Execution `execution_id` of a stream as AccessibleStream finds it (404 for either).
  Result<StreamExecution> AccessibleExecution(const Caller& caller, int64_t id,
                                              int64_t execution_id, Access access) {
    auto stream = AccessibleStream(caller, id, access);
    if (!stream) return Fail(stream.error());
    auto execution = FindExecution(**stream, execution_id);
    if (!execution) return Fail(execution.error());
    return StreamExecution{*stream, *execution};
  }
  // Whether parts may still be added and the execution committed or aborted. RequireActive:
  // 400 otherwise, `only` ending the message ("only an ACTIVE execution can be committed").
  static bool IsActive(const Execution& execution) {
    return execution.state == "ACTIVE" && !execution.committing;
  }
  static Result<void> RequireActive(const Execution& execution, const std::string& only) {
    if (IsActive(execution)) return {};
    return BadRequest(
        "Execution " + std::to_string(execution.id),
        "is " + (execution.committing ? std::string("committing") : execution.state) + "; " + only);
  }

  // --- JSON (REQUIRES: mu held)
  Json Owner(int64_t id) const { return {{"id", id}, {"name", UserName(id)}}; }
  Json DatasetSummary(const DatasetRecord& ds) const {
    return {{"id", ds.id},
            {"name", ds.name},
            {"description", ds.description},
            {"rows", ds.data->RowCount()},
            {"columns", ds.has_data ? ds.data->schema.size() : 0},
            {"owner", Owner(ds.owner)},
            {"createdAt", Iso(ds.created)},
            {"updatedAt", Iso(ds.updated)},
            {"dataCurrentAt", Iso(ds.data_current)},
            {"pdpEnabled", ds.pdp_enabled}};
  }
  Json DatasetJson(const DatasetRecord& ds) const {
    Json j = DatasetSummary(ds);
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
  Json StreamJson(const StreamRecord& stream) const {
    const DatasetRecord& ds = datasets.at(stream.dataset_id);
    Json dataset = DatasetSummary(ds);
    dataset.erase("dataCurrentAt");
    Json j = {{"id", stream.id},
              {"dataSet", dataset},
              {"updateMethod", stream.update_method},
              {"createdAt", Iso(stream.created)},
              {"modifiedAt", Iso(stream.modified)}};
    if (!stream.key_columns.empty()) j["keyColumnNames"] = stream.key_columns;
    return j;
  }
  static Json ExecutionJson(const Execution& e) {
    Json j = {{"id", e.id},
              {"startedAt", Iso(e.created)},
              {"currentState", e.state},
              {"createdAt", Iso(e.created)},
              {"modifiedAt", Iso(e.modified)}};
    if (e.update_method) j["updateMethod"] = *e.update_method;
    return j;
  }
  Json UserJson(const UserEntry& user, bool full) const {
    Json j = {{"id", user.id},     {"title", user.title}, {"email", user.email},
              {"role", user.role}, {"phone", ""},         {"name", user.name}};
    if (!full) return j;
    Json user_groups = Json::array();
    for (int64_t g : GroupsOf(user.id)) {
      user_groups.push_back({{"id", g}, {"name", groups.at(g).entry.name}});
    }
    j["alternateEmail"] = "";
    j["location"] = "";
    j["roleId"] = user.role == "Admin" ? 1 : user.role == "Privileged" ? 2 : 3;
    j["deleted"] = false;
    j["groups"] = user_groups;
    return j;
  }
  static Json GroupJson(const GroupRecord& group, bool full) {
    Json j = {{"id", group.entry.id},
              {"name", group.entry.name},
              {"memberCount", group.entry.members.size()},
              {"default", false}};
    if (full) {
      j["active"] = group.active;
      j["creatorId"] = std::to_string(group.creator);  // a numeric string, as the docs show
    }
    return j;
  }
  static Json ExportJson(const ExportRecord& e, bool iso) {
    auto stamp = [iso](TimePoint t) { return iso ? Iso(t) : std::to_string(EpochMillis(t)); };
    Json urls = Json::object();
    for (const auto& [url, rows] : e.url_rows) urls[url] = rows;
    Json j = {{"bucket", e.bucket},       {"compression", "gzip"},
              {"exportFormat", "csv"},    {"exportId", e.export_id},
              {"exportStatus", e.status}, {"started", stamp(e.started)},
              {"urlRowCountMap", urls},   {"tempUrlRowCountMap", Json::object()}};
    if (e.finished) j["finished"] = stamp(*e.finished);
    if (e.status == "error") {
      j["errorCode"] = e.error_code;
      j["message"] = e.message;
    }
    return j;
  }
  Json PermissionsJson(const DatasetRecord& ds) const {
    Json list = Json::array();
    int users_count = 1, groups_count = 0;
    list.push_back({{"type", "USER"},
                    {"id", std::to_string(ds.owner)},
                    {"accessLevel", "OWNER"},
                    {"name", UserName(ds.owner)}});
    for (const auto& grant : ds.grants) {
      const bool user = grant.type == "USER";
      (user ? users_count : groups_count)++;
      std::string name;
      if (user) {
        name = UserName(grant.id);
      } else if (auto it = groups.find(grant.id); it != groups.end()) {
        name = it->second.entry.name;
      }
      list.push_back({{"type", grant.type},
                      {"id", std::to_string(grant.id)},
                      {"accessLevel", grant.access_level},
                      {"name", name}});
    }
    return {{"list", list}, {"totalUserCount", users_count}, {"totalGroupCount", groups_count}};
  }
};

State::State(Config config, Logger& log)
    : config_(std::move(config)),
      log_(log),
      impl_(std::make_unique<Impl>()),
      background_(std::make_unique<ThreadPool>(kBackgroundThreads)) {
  std::string key(32, '\0');
  std::random_device device;
  for (char& c : key) c = static_cast<char>(device());
  impl_->signer = std::make_unique<TokenSigner>(key);
  for (const auto& user : config_.users) impl_->users[user.id] = user;
  for (const auto& group : config_.groups) impl_->groups[group.id] = {group, true, 0};
  for (const auto& client : config_.clients) {
    impl_->clients[client.client_id] = client;
    log_.AddSecret(client.client_secret);
  }
  for (auto& dataset : config_.datasets) (void)PutDataset(std::move(dataset));
  config_.datasets.clear();  // the model owns the rows now
}

State::~State() {
  stopping_ = true;
  background_.reset();  // finishes queued work (exports see stopping_ and cancel), joins
}

std::string State::NewToe() {
  std::lock_guard lock(impl_->mu);
  return emulator::NewToe(impl_->rng);
}

// ---------------------------------------------------------------------------- OAuth

Result<Json> State::IssueToken(const BasicCredentials& client, const std::string& grant_type,
                               const std::optional<std::string>& scope) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->clients.find(client.client_id);
  if (it == impl_->clients.end() || it->second.client_secret != client.client_secret) {
    return HttpFail(401, ErrorCode::kUnauthenticated, "client", "Bad credentials");
  }
  if (grant_type != "client_credentials") {
    return HttpFail(
        400, ErrorCode::kInvalidArgument, "unsupported_grant_type",
        grant_type.empty() ? "Missing grant type" : "Unsupported grant type: " + grant_type);
  }
  const ClientEntry& entry = it->second;
  auto user_it = impl_->users.find(entry.user_id);
  if (user_it == impl_->users.end()) {  // the client's user was deleted
    return HttpFail(401, ErrorCode::kUnauthenticated, "client", "Bad credentials");
  }
  const UserEntry& user = user_it->second;
  std::vector<std::string> scopes = scope ? SplitScopes(*scope) : std::vector<std::string>{};
  if (scopes.empty()) scopes = entry.scopes;  // no scope: every scope of the client (§1)
  std::vector<std::string> granted;
  for (const auto& s : scopes) {
    if (std::find(entry.scopes.begin(), entry.scopes.end(), s) == entry.scopes.end()) {
      return HttpFail(400, ErrorCode::kInvalidArgument, "invalid_scope",
                      "Invalid scope: " + s + " (this client has: " + Join(entry.scopes) + ")");
    }
    if (std::find(granted.begin(), granted.end(), s) == granted.end()) granted.push_back(s);
  }
  const std::string scope_text = Join(granted);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  TokenClaims claims{now,
                     now + config_.token_lifetime_seconds,
                     config_.customer,
                     user.id,
                     user.role,
                     scope_text,
                     NewUuid(impl_->rng)};
  impl_->live_tokens.insert(claims.jti);
  const std::string token = impl_->signer->Issue(claims);
  return Json{{"access_token", token},
              {"customer", config_.customer},
              {"expires_in", config_.token_lifetime_seconds},
              {"jti", claims.jti},
              {"role", user.role},
              {"scope", scope_text},
              {"token_type", "bearer"},
              {"userId", user.id}};
}

Result<Caller> State::Authenticate(const std::string& token) {
  auto claims = impl_->signer->Decode(token);
  if (!claims) {
    Error error = claims.error();
    error.http_status = 401;
    return Fail(std::move(error));
  }
  std::lock_guard lock(impl_->mu);
  std::optional<TimePoint> expired_at;
  if (auto it = impl_->revoked.find(claims->jti); it != impl_->revoked.end()) {
    expired_at = it->second;
  } else if (clock_.Now() >= TimePoint(std::chrono::seconds(claims->exp))) {
    expired_at = TimePoint(std::chrono::seconds(claims->exp));
  }
  if (expired_at) {
    return HttpFail(401, ErrorCode::kUnauthenticated, "expired",
                    "Jwt expired at " + Iso(*expired_at, /*millis=*/false));
  }
  Caller caller{claims->user_id, claims->role, {}};
  for (auto& s : SplitScopes(claims->scope)) caller.scopes.insert(std::move(s));
  return caller;
}

void State::ExpireAllTokens() {
  std::lock_guard lock(impl_->mu);
  const TimePoint now = clock_.Now();
  for (const auto& jti : impl_->live_tokens) impl_->revoked[jti] = now;
  impl_->live_tokens.clear();
}

// ---------------------------------------------------------------------------- DataSets

Result<Json> State::ListDatasets(const Caller& caller, const Page& page, const std::string& sort,
                                 const std::string& name_like) {
  using DS = Impl::DatasetRecord;
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
  std::lock_guard lock(impl_->mu);
  std::vector<const DS*> matches;
  const std::string needle = AsciiLower(name_like);
  for (const auto& [id, ds] : impl_->datasets) {
    if (ds.deleted || !impl_->CanRead(caller, ds)) continue;
    if (!needle.empty() && AsciiLower(ds.name).find(needle) == std::string::npos) continue;
    matches.push_back(&ds);
  }
  std::stable_sort(matches.begin(), matches.end(), less);
  Json out = Json::array();
  for (size_t i = static_cast<size_t>(page.offset);
       i < matches.size() && out.size() < static_cast<size_t>(page.limit); ++i) {
    out.push_back(impl_->DatasetSummary(*matches[i]));
  }
  return out;
}

Result<Json> State::GetDataset(const Caller& caller, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->datasets.find(id);
  if (it != impl_->datasets.end() && it->second.deleted) {
    // A deleted dataset answers with a subset of its information (§3).
    const auto& ds = it->second;
    return Json{{"id", ds.id},
                {"name", ds.name},
                {"description", ds.description},
                {"owner", impl_->Owner(ds.owner)},
                {"createdAt", Iso(ds.created)},
                {"updatedAt", Iso(ds.updated)},
                {"deleted", true}};
  }
  auto ds = impl_->Readable(caller, id);
  if (!ds) {
    if (ds.error().http_status != 403) return Fail(ds.error());
    // What Domo answers a GET without access (domo-node-sdk#6, §2).
    return HttpFail(400, ErrorCode::kPermissionDenied, "DataSet " + id,
                    "Infrastructure problem (403): Access is denied");
  }
  return impl_->DatasetJson(**ds);
}

Result<Json> State::CreateDataset(const Caller& caller, const Json& body) {
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
    std::lock_guard lock(impl_->mu);
    if (!owner || !impl_->users.count(*owner)) return BadRequest("owner.id", "is not a user");
    entry.owner = *owner;
  }
  entry.schema = std::move(*schema);
  {
    std::lock_guard lock(impl_->mu);
    entry.id = NewUuid(impl_->rng);
  }
  const std::string id = entry.id;
  if (auto put = PutDataset(std::move(entry)); !put) return Fail(put.error());
  std::lock_guard lock(impl_->mu);
  auto& ds = impl_->datasets.at(id);
  ds.has_data = false;
  return impl_->DatasetJson(ds);
}

Result<Json> State::UpdateDataset(const Caller& caller, const std::string& id, const Json& body) {
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
  std::lock_guard lock(impl_->mu);
  auto found = impl_->Writable(caller, id);
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
    next->version = impl_->next_version++;
    ds.data = std::move(next);
  }
  ds.updated = clock_.Now();
  return impl_->DatasetJson(ds);
}

Result<void> State::DeleteDataset(const Caller& caller, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto ds = impl_->Writable(caller, id);
  if (!ds) return Fail(ds.error());
  if ((*ds)->owner != caller.user_id && caller.role != "Admin" &&
      !impl_->Can(caller, **ds, [](const std::string& l) { return l == "CO_OWNER"; })) {
    return HttpFail(403, ErrorCode::kPermissionDenied, "DataSet " + id,
                    "Access is denied: only an owner, a co-owner or an Admin may delete");
  }
  (*ds)->deleted = true;
  (*ds)->updated = clock_.Now();
  return {};
}

Result<SnapshotPtr> State::ReadData(const Caller& caller, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto ds = impl_->Readable(caller, id);
  if (!ds) return Fail(ds.error());
  return (*ds)->data;
}

Result<table::Schema> State::WritableSchema(const Caller& caller, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto ds = impl_->Writable(caller, id);
  if (!ds) return Fail(ds.error());
  if ((*ds)->data->synthetic) {
    return BadRequest("DataSet " + id, "a synthetic dataset is generated, not written");
  }
  return (*ds)->data->schema;
}

Result<void> State::WriteData(const Caller& caller, const std::string& id, std::vector<Row> rows,
                              bool append) {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->Writable(caller, id);
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
  next->version = impl_->next_version++;
  ds.data = std::move(next);
  ds.has_data = true;
  ds.updated = ds.data_current = clock_.Now();
  return {};
}

Result<void> State::PutDataset(DatasetEntry entry) {
  std::lock_guard lock(impl_->mu);
  if (!impl_->users.count(entry.owner)) {
    return BadRequest("owner", "user " + std::to_string(entry.owner) + " does not exist");
  }
  auto data = std::make_shared<DataSnapshot>();
  data->schema = std::move(entry.schema);
  data->rows = std::move(entry.rows);
  data->synthetic = std::move(entry.synthetic);
  data->version = impl_->next_version++;
  const TimePoint now = clock_.Now();
  Impl::DatasetRecord record;
  record.id = entry.id;
  record.name = std::move(entry.name);
  record.description = std::move(entry.description);
  record.owner = entry.owner;
  record.data = std::move(data);
  record.has_data = true;
  record.created = record.updated = record.data_current = now;
  record.grants = std::move(entry.grants);
  impl_->datasets[entry.id] = std::move(record);
  return {};
}

// ---------------------------------------------------------------------------- Streams

Result<Json> State::CreateStream(const Caller& caller, const Json& body) {
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
  auto created = CreateDataset(caller, body["dataSet"]);
  if (!created) {
    Error error = created.error();
    error.subject = "dataSet." + error.subject;
    return Fail(std::move(error));
  }
  std::lock_guard lock(impl_->mu);
  const std::string dataset_id = (*created)["id"];
  const auto& schema = impl_->datasets.at(dataset_id).data->schema;
  for (const auto& k : keys) {
    if (!table::FindColumn(schema, k)) {
      impl_->datasets.erase(dataset_id);
      return BadRequest("keyColumnNames", "\"" + k + "\" is not a column of the schema");
    }
  }
  Impl::StreamRecord stream;
  stream.id = impl_->next_stream++;
  stream.dataset_id = dataset_id;
  stream.update_method = method;
  stream.key_columns = std::move(keys);
  stream.created = stream.modified = clock_.Now();
  auto& stored = impl_->streams[stream.id] = std::move(stream);
  return impl_->StreamJson(stored);
}

Result<Json> State::GetStream(const Caller& caller, int64_t id) {
  std::lock_guard lock(impl_->mu);
  auto found_stream = impl_->AccessibleStream(caller, id, Impl::Access::kRead);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  return impl_->StreamJson(stream);
}

Result<Json> State::ListStreams(const Caller& caller, const Page& page) {
  std::lock_guard lock(impl_->mu);
  Json out = Json::array();
  int64_t skipped = 0;
  for (const auto& [id, stream] : impl_->streams) {
    const auto* ds = impl_->FindDataset(stream.dataset_id);
    if (!ds || !impl_->CanRead(caller, *ds)) continue;
    if (skipped++ < page.offset) continue;
    if (static_cast<int64_t>(out.size()) >= page.limit) break;
    out.push_back(impl_->StreamJson(stream));
  }
  return out;
}

Result<Json> State::SearchStreams(const Caller& caller, const std::string& query) {
  const size_t colon = query.find(':');
  const std::string field = query.substr(0, colon);
  const std::string value = colon == std::string::npos ? "" : query.substr(colon + 1);
  if (field != "dataSource.id" && field != "dataSource.owner.id" && field != "dataSource.name") {
    return BadRequest("q",
                      "must be dataSource.id:<id>, dataSource.owner.id:<user id> or "
                      "dataSource.name:<name>");
  }
  std::lock_guard lock(impl_->mu);
  Json out = Json::array();
  for (const auto& [id, stream] : impl_->streams) {
    const auto* ds = impl_->FindDataset(stream.dataset_id);
    if (!ds || !impl_->CanRead(caller, *ds)) continue;
    const bool match = field == "dataSource.id"     ? ds->id == value
                       : field == "dataSource.name" ? ds->name == value
                                                    : std::to_string(ds->owner) == value;
    if (match) out.push_back(impl_->StreamJson(stream));
  }
  return out;
}

Result<Json> State::UpdateStream(const Caller& caller, int64_t id, const Json& body) {
  std::lock_guard lock(impl_->mu);
  auto found_stream = impl_->AccessibleStream(caller, id, Impl::Access::kWrite);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  if (!body.is_object() || !body.contains("updateMethod") || !body["updateMethod"].is_string() ||
      (body["updateMethod"] != "APPEND" && body["updateMethod"] != "REPLACE")) {
    return BadRequest("updateMethod", "must be APPEND or REPLACE");
  }
  stream.update_method = body["updateMethod"];
  stream.modified = clock_.Now();
  return impl_->StreamJson(stream);
}

Result<void> State::DeleteStream(const Caller& caller, int64_t id) {
  std::lock_guard lock(impl_->mu);
  auto found_stream = impl_->AccessibleStream(caller, id, Impl::Access::kWrite);
  if (!found_stream) return Fail(found_stream.error());
  impl_->streams.erase(id);  // the dataset survives (§5)
  return {};
}

Result<Json> State::CreateExecution(const Caller& caller, int64_t id, const Json& body) {
  std::optional<std::string> method;
  if (body.is_object() && body.contains("updateMethod") && !body["updateMethod"].is_null()) {
    if (!body["updateMethod"].is_string() ||
        (body["updateMethod"] != "APPEND" && body["updateMethod"] != "REPLACE")) {
      return BadRequest("updateMethod", "must be null, APPEND or REPLACE");
    }
    method = body["updateMethod"].get<std::string>();
  }
  std::lock_guard lock(impl_->mu);
  auto found_stream = impl_->AccessibleStream(caller, id, Impl::Access::kWrite);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  Impl::Execution execution;
  execution.id = stream.next_execution++;
  execution.update_method = method;
  execution.created = execution.modified = clock_.Now();
  auto& stored = stream.executions[execution.id] = std::move(execution);
  return Impl::ExecutionJson(stored);
}

Result<Json> State::GetExecution(const Caller& caller, int64_t id, int64_t execution_id) {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->AccessibleExecution(caller, id, execution_id, Impl::Access::kRead);
  if (!found) return Fail(found.error());
  return Impl::ExecutionJson(*found->execution);
}

Result<Json> State::ListExecutions(const Caller& caller, int64_t id, const Page& page) {
  std::lock_guard lock(impl_->mu);
  auto found_stream = impl_->AccessibleStream(caller, id, Impl::Access::kRead);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  return PageOf(stream.executions, page, &Impl::ExecutionJson);
}

Result<table::Schema> State::StreamSchema(const Caller& caller, int64_t id) {
  std::lock_guard lock(impl_->mu);
  auto stream = impl_->AccessibleStream(caller, id, Impl::Access::kWrite);
  if (!stream) return Fail(stream.error());
  return impl_->FindDataset((*stream)->dataset_id)->data->schema;  // found: the stream checked
}

Result<Json> State::PutPart(const Caller& caller, int64_t id, int64_t execution_id, int64_t part,
                            std::vector<Row> rows) {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->AccessibleExecution(caller, id, execution_id, Impl::Access::kWrite);
  if (!found) return Fail(found.error());
  auto& execution = *found->execution;
  if (auto active =
          Impl::RequireActive(execution, "parts can only be uploaded to an ACTIVE execution");
      !active) {
    return Fail(active.error());
  }
  const int64_t highest = execution.parts.empty() ? 1 : execution.parts.rbegin()->first;
  if (part < 0 || part > highest + kMaxPartIdGap) {
    return BadRequest("part " + std::to_string(part), kNonConsecutiveParts);
  }
  execution.parts[part] = std::move(rows);  // a re-sent part replaces the earlier one
  execution.modified = clock_.Now();
  return Impl::ExecutionJson(execution);
}

Result<Json> State::Commit(const Caller& caller, int64_t id, int64_t execution_id) {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->AccessibleExecution(caller, id, execution_id, Impl::Access::kWrite);
  if (!found) return Fail(found.error());
  auto& stream = *found->stream;
  auto& execution = *found->execution;
  if (auto active = Impl::RequireActive(execution, "only an ACTIVE execution can be committed");
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
  const TimePoint now = clock_.Now();
  const auto interval = std::chrono::seconds(config_.min_commit_interval_seconds);
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
  const Json answer = Impl::ExecutionJson(execution);  // still ACTIVE: indexing is async (§5)
  background_->Submit([this, id, execution_id] {
    std::lock_guard lock(impl_->mu);
    auto stream_it = impl_->streams.find(id);
    if (stream_it == impl_->streams.end()) return;
    auto& stream = stream_it->second;
    auto& execution = stream.executions.at(execution_id);
    execution.committing = false;
    execution.modified = clock_.Now();
    auto* ds = impl_->FindDataset(stream.dataset_id);
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
    next->version = impl_->next_version++;
    ds->data = std::move(next);
    ds->has_data = true;
    ds->updated = ds->data_current = execution.modified;
    execution.state = "SUCCESS";
  });
  return answer;
}

Result<Json> State::Abort(const Caller& caller, int64_t id, std::optional<int64_t> execution_id) {
  std::lock_guard lock(impl_->mu);
  auto found_stream = impl_->AccessibleStream(caller, id, Impl::Access::kWrite);
  if (!found_stream) return Fail(found_stream.error());
  auto& stream = **found_stream;
  const TimePoint now = clock_.Now();
  auto abort = [now](Impl::Execution& execution) {
    execution.state = "ABORTED";
    execution.parts.clear();
    execution.modified = now;
  };
  if (!execution_id) {  // abort whatever is in progress; nothing in progress is fine too
    for (auto& [eid, execution] : stream.executions) {
      if (Impl::IsActive(execution)) abort(execution);
    }
    return Json();
  }
  auto found_execution = Impl::FindExecution(stream, *execution_id);
  if (!found_execution) return Fail(found_execution.error());
  auto& execution = **found_execution;
  if (auto active = Impl::RequireActive(execution, "only an ACTIVE execution can be aborted");
      !active) {
    return Fail(active.error());
  }
  abort(execution);
  return Impl::ExecutionJson(execution);
}

// ---------------------------------------------------------------------------- Users, groups

Result<Json> State::ListUsers(const Page& page) {
  std::lock_guard lock(impl_->mu);
  return PageOf(impl_->users, page,
                [this](const UserEntry& user) { return impl_->UserJson(user, /*full=*/false); });
}

Result<Json> State::GetUser(int64_t id) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->users.find(id);
  if (it == impl_->users.end()) return NotFound("User " + std::to_string(id));
  return impl_->UserJson(it->second, /*full=*/true);
}

namespace {
Result<void> ApplyUserFields(const Json& body, UserEntry& user, bool require) {
  if (!body.is_object()) return BadRequest("body", "must be a JSON user object");
  for (auto [key, out] : {std::pair{"name", &user.name}, std::pair{"email", &user.email},
                          std::pair{"role", &user.role}, std::pair{"title", &user.title}}) {
    if (!body.contains(key)) {
      if (require && std::string_view(key) != "title") {
        return BadRequest(key, "is required (name, email, role)");
      }
      continue;
    }
    if (!body[key].is_string()) return BadRequest(key, "must be a string");
    *out = body[key].get<std::string>();
  }
  if (user.role != "Admin" && user.role != "Privileged" && user.role != "Participant") {
    return BadRequest("role", "must be Admin, Privileged or Participant");
  }
  return {};
}
}  // namespace

Result<Json> State::CreateUser(const Json& body) {
  UserEntry user;
  if (auto r = ApplyUserFields(body, user, /*require=*/true); !r) return Fail(r.error());
  std::lock_guard lock(impl_->mu);
  do {
    user.id = 100000000 + static_cast<int64_t>(impl_->rng() % 900000000);
  } while (impl_->users.count(user.id));
  auto& stored = impl_->users[user.id] = std::move(user);
  return impl_->UserJson(stored, /*full=*/true);
}

Result<Json> State::UpdateUser(int64_t id, const Json& body) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->users.find(id);
  if (it == impl_->users.end()) return NotFound("User " + std::to_string(id));
  UserEntry updated = it->second;
  if (auto r = ApplyUserFields(body, updated, /*require=*/false); !r) return Fail(r.error());
  it->second = std::move(updated);
  return impl_->UserJson(it->second, /*full=*/true);
}

Result<void> State::DeleteUser(int64_t id) {
  std::lock_guard lock(impl_->mu);
  if (!impl_->users.erase(id)) return NotFound("User " + std::to_string(id));
  for (auto& [gid, group] : impl_->groups) std::erase(group.entry.members, id);
  return {};
}

Result<Json> State::ListGroups(const Page& page) {
  std::lock_guard lock(impl_->mu);
  return PageOf(impl_->groups, page, [](const Impl::GroupRecord& group) {
    return Impl::GroupJson(group, /*full=*/false);
  });
}

Result<Json> State::GetGroup(int64_t id) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->groups.find(id);
  if (it == impl_->groups.end()) return NotFound("Group " + std::to_string(id));
  return Impl::GroupJson(it->second, /*full=*/true);
}

Result<Json> State::CreateGroup(const Caller& caller, const Json& body) {
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
      body["name"].get<std::string>().empty()) {
    return BadRequest("name", "is required (a non-empty string)");
  }
  std::lock_guard lock(impl_->mu);
  Impl::GroupRecord group;
  do {
    group.entry.id = 1000000000 + static_cast<int64_t>(impl_->rng() % 900000000);
  } while (impl_->groups.count(group.entry.id));
  group.entry.name = body["name"];
  group.creator = caller.user_id;
  auto& stored = impl_->groups[group.entry.id] = std::move(group);
  return Impl::GroupJson(stored, /*full=*/true);
}

Result<Json> State::UpdateGroup(int64_t id, const Json& body) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->groups.find(id);
  if (it == impl_->groups.end()) return NotFound("Group " + std::to_string(id));
  if (!body.is_object()) return BadRequest("body", "must be a JSON object {name?, active?}");
  if (body.contains("name") && (!body["name"].is_string() || body["name"] == "")) {
    return BadRequest("name", "must be a non-empty string");
  }
  if (body.contains("active") && !body["active"].is_boolean()) {
    return BadRequest("active", "must be a boolean");
  }
  if (body.contains("name")) it->second.entry.name = body["name"];
  if (body.contains("active")) it->second.active = body["active"];
  return Impl::GroupJson(it->second, /*full=*/true);
}

Result<void> State::DeleteGroup(int64_t id) {
  std::lock_guard lock(impl_->mu);
  if (!impl_->groups.erase(id)) return NotFound("Group " + std::to_string(id));
  for (auto& [ds_id, ds] : impl_->datasets) {
    std::erase_if(ds.grants, [id](const Grant& g) { return g.type == "GROUP" && g.id == id; });
  }
  return {};
}

Result<Json> State::GroupMembers(int64_t id, const Page& page) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->groups.find(id);
  if (it == impl_->groups.end()) return NotFound("Group " + std::to_string(id));
  Json out = Json::array();
  const auto& members = it->second.entry.members;
  for (size_t i = static_cast<size_t>(page.offset);
       i < members.size() && static_cast<int64_t>(out.size()) < page.limit; ++i) {
    out.push_back(members[i]);
  }
  return out;
}

Result<void> State::SetMembership(int64_t group, int64_t user, bool member) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->groups.find(group);
  if (it == impl_->groups.end()) return NotFound("Group " + std::to_string(group));
  if (!impl_->users.count(user)) return NotFound("User " + std::to_string(user));
  auto& members = it->second.entry.members;
  const bool present = std::find(members.begin(), members.end(), user) != members.end();
  if (member && !present) members.push_back(user);
  if (!member) std::erase(members, user);
  return {};
}

// ---------------------------------------------------------------------------- Permissions

Result<Json> State::Permissions(const Caller& caller, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto ds = impl_->Readable(caller, id);
  if (!ds) return Fail(ds.error());
  return impl_->PermissionsJson(**ds);
}

Result<Json> State::Share(const Caller& caller, const std::string& id, const Json& body) {
  if (!body.is_object() || !body.contains("permissions") || !body["permissions"].is_array()) {
    return BadRequest("permissions", "is required: [{\"id\", \"type\", \"accessLevel\"}]");
  }
  auto grants = ParseGrants(body["permissions"], "permissions");
  if (!grants) return AsBadRequest(grants.error());
  std::lock_guard lock(impl_->mu);
  auto found = impl_->Shareable(caller, id, "sharing");
  if (!found) return Fail(found.error());
  auto& ds = **found;
  for (const auto& grant : *grants) {
    const bool known =
        grant.type == "USER" ? impl_->users.count(grant.id) > 0 : impl_->groups.count(grant.id) > 0;
    if (!known) return NotFound(grant.type + " " + std::to_string(grant.id));
  }
  for (const auto& grant : *grants) {
    std::erase_if(ds.grants,
                  [&](const Grant& g) { return g.type == grant.type && g.id == grant.id; });
    ds.grants.push_back(grant);
  }
  return impl_->PermissionsJson(ds);
}

Result<void> State::Revoke(const Caller& caller, const std::string& id, const std::string& type,
                           int64_t principal) {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->Shareable(caller, id, "changing shares");
  if (!found) return Fail(found.error());
  auto& ds = **found;
  const size_t removed =
      std::erase_if(ds.grants, [&](const Grant& g) { return g.type == type && g.id == principal; });
  if (removed == 0) return NotFound(type + " " + std::to_string(principal) + " permission");
  return {};
}

// ---------------------------------------------------------------------------- Export to S3

Result<Json> State::StartExport(const Caller& caller, const std::string& id, const Json& body,
                                const std::optional<std::string>& fail_with,
                                uint64_t bytes_per_second) {
  if (!body.is_object()) return BadRequest("body", "must be a JSON export request");
  std::string bucket, path, region = "us-east-1";
  S3ExportJob job;
  for (auto [key, out] :
       {std::pair{"bucket", &bucket}, std::pair{"path", &path}, std::pair{"region", &region},
        std::pair{"awsAccessKey", &job.credentials.access_key_id},
        std::pair{"awsAccessSecret", &job.credentials.secret_access_key},
        std::pair{"sessionToken", &job.credentials.session_token}}) {
    if (!body.contains(key) || body[key].is_null()) continue;
    if (!body[key].is_string()) return BadRequest(key, "must be a string");
    *out = body[key].get<std::string>();
  }
  if (bucket.empty()) {
    return BadRequest("bucket", "is required: the emulator has no Domo-configured bucket");
  }
  if (auto valid = s3::ValidateBucketName(bucket); !valid) {
    return BadRequest("bucket", valid.error().message);
  }
  if (job.credentials.access_key_id.empty() || job.credentials.secret_access_key.empty()) {
    return BadRequest("awsAccessKey", "awsAccessKey and awsAccessSecret are required");
  }
  // queryRequest is an object in the examples and a "string" in the yaml: accept both.
  Json query_request = body.contains("queryRequest") ? body["queryRequest"] : Json::object();
  if (query_request.is_string()) {
    try {
      query_request = Json::parse(query_request.get<std::string>());
    } catch (const Json::exception&) {
      return BadRequest("queryRequest", "is a string that is not JSON");
    }
  }
  if (query_request.is_null()) query_request = Json::object();
  if (!query_request.is_object()) return BadRequest("queryRequest", "must be an object");
  const Json query = query_request.contains("query") ? query_request["query"] : Json::object();
  job.include_bom = query_request.contains("includeBOM") && query_request["includeBOM"] == true;
  while (!path.empty() && path.back() == '/') path.pop_back();
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (path.empty()) path = id;  // the default path is the dataSourceId (§8)

  std::lock_guard lock(impl_->mu);
  auto ds = impl_->Readable(caller, id);
  if (!ds) return Fail(ds.error());
  auto plan = ParseExportQuery(query, (*ds)->data->schema);
  if (!plan) {
    Error error = plan.error();
    error.subject = "queryRequest.query " + error.subject;
    return AsBadRequest(std::move(error));
  }
  const bool iso = config_.export_format.iso_timestamps;
  auto& list = impl_->exports[id];
  for (const auto& existing : list) {  // one active export per dataset (§8)
    if (existing.status == "none" || existing.status == "exporting") {
      return Impl::ExportJson(existing, iso);
    }
  }
  const std::string request_key =
      bucket + "\n" + path + "\n" + region + "\n" + query.dump() + (job.include_bom ? "\nbom" : "");
  if (!fail_with) {  // unchanged data and the same request: the previous export (§8)
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      if (it->status == "success" && it->data_version == (*ds)->data->version &&
          it->request_key == request_key) {
        return Impl::ExportJson(*it, iso);
      }
    }
  }
  Impl::ExportRecord record;
  record.export_id = NewUuid(impl_->rng);
  record.bucket = bucket;
  record.key = path + "/" + record.export_id + "/export/data.csv.gz";
  record.started = clock_.Now();
  record.data_version = (*ds)->data->version;
  record.request_key = request_key;
  job.bucket = bucket;
  job.key = record.key;
  job.region = region;
  job.endpoint = config_.s3_endpoint;
  job.csv = config_.export_format.csv;
  job.bytes_per_second = bytes_per_second;
  list.push_back(record);
  background_->Submit([this, id, export_id = record.export_id, job, data = (*ds)->data,
                       plan = std::move(*plan), fail_with] {
    auto update = [&](const std::function<void(Impl::ExportRecord&)>& change) {
      std::lock_guard lock(impl_->mu);
      for (auto& e : impl_->exports[id]) {
        if (e.export_id == export_id) change(e);
      }
    };
    update([](Impl::ExportRecord& e) { e.status = "exporting"; });
    Result<S3ExportResult> result =
        fail_with ? Result<S3ExportResult>(Fail(ErrorCode::kInternal, "export", *fail_with))
                  : RunS3Export(job, *data, plan, stopping_, log_);
    const std::string url = "s3://" + job.bucket + "/" + job.key;
    if (result) {
      log_.Info("export " + export_id + " of " + id + ": " + std::to_string(result->rows) +
                " rows to " + url);
    } else {
      log_.Warn("export " + export_id + " of " + id + " failed: " + result.error().ToString());
    }
    update([&](Impl::ExportRecord& e) {
      e.finished = clock_.Now();
      if (result) {
        e.status = "success";
        e.url_rows[url] = result->rows;
        return;
      }
      e.status = "error";
      std::string code(CodeName(result.error().code));
      std::transform(code.begin(), code.end(), code.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      e.error_code = fail_with ? "EXPORT_FAILED" : "S3_" + code;
      e.message = fail_with ? *fail_with : result.error().ToString();
    });
  });
  return Impl::ExportJson(list.back(), iso);
}

Result<Json> State::ListExports(const Caller& caller, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  if (auto ds = impl_->Readable(caller, id); !ds) return Fail(ds.error());
  Json out = Json::array();
  for (const auto& e : impl_->exports[id]) {
    out.push_back(Impl::ExportJson(e, config_.export_format.iso_timestamps));
  }
  return out;
}

}  // namespace s3u::emulator
