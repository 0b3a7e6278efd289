#include "emulator/model.h"

#include <algorithm>
#include <ctime>
#include <thread>

#include "core/time_format.h"

namespace s3u::emulator {

std::chrono::system_clock::time_point EmulatorClock::Now() const {
  return std::chrono::system_clock::now() + std::chrono::milliseconds(offset_ms_.load());
}
std::chrono::steady_clock::time_point EmulatorClock::Monotonic() const {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(offset_ms_.load());
}
void EmulatorClock::SleepFor(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

tl::unexpected<Error> HttpFail(int status, ErrorCode code, std::string subject,
                               std::string message) {
  return Fail(code, std::move(subject), std::move(message), status);
}
tl::unexpected<Error> BadRequest(std::string subject, std::string message) {
  return HttpFail(400, ErrorCode::kInvalidArgument, std::move(subject), std::move(message));
}
tl::unexpected<Error> AsBadRequest(Error error) {
  error.http_status = 400;
  return Fail(std::move(error));
}
tl::unexpected<Error> NotFound(std::string what) {
  return HttpFail(404, ErrorCode::kNotFound, what, what + " does not exist");
}

std::string Iso(TimePoint t, bool millis) {
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

bool IsWriteLevel(const std::string& level) {
  return level == "OWNER" || level == "CO_OWNER" || level == "CAN_EDIT";
}
bool IsShareLevel(const std::string& level) {
  return level == "OWNER" || level == "CO_OWNER" || level == "CAN_SHARE";
}

Model::Model(Config config_in, Logger& log_in) : config(std::move(config_in)), log(log_in) {
  for (const auto& user : config.users) users[user.id] = user;
  for (const auto& group : config.groups) groups[group.id] = {group, true, 0};
}

DatasetRecord* Model::FindDataset(const std::string& id) {
  auto it = datasets.find(id);
  return it == datasets.end() || it->second.deleted ? nullptr : &it->second;
}

std::string Model::UserName(int64_t id) const {
  auto it = users.find(id);
  return it == users.end() ? "" : it->second.name;
}

std::vector<int64_t> Model::GroupsOf(int64_t user) const {
  std::vector<int64_t> out;
  for (const auto& [id, group] : groups) {
    const auto& members = group.entry.members;
    if (std::find(members.begin(), members.end(), user) != members.end()) out.push_back(id);
  }
  return out;
}

std::vector<std::string> Model::LevelsOf(const DatasetRecord& ds, int64_t user) const {
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

bool Model::CanRead(const Caller& caller, const DatasetRecord& ds) const {
  return caller.role == "Admin" || ds.owner == caller.user_id ||
         !LevelsOf(ds, caller.user_id).empty();
}

bool Model::Can(const Caller& caller, const DatasetRecord& ds,
                bool (*level_ok)(const std::string&)) const {
  if (caller.role == "Admin" || ds.owner == caller.user_id) return true;
  const auto levels = LevelsOf(ds, caller.user_id);
  return std::any_of(levels.begin(), levels.end(), level_ok);
}

Result<DatasetRecord*> Model::Readable(const Caller& caller, const std::string& id) {
  DatasetRecord* ds = FindDataset(id);
  if (!ds) return NotFound("DataSet " + id);
  if (!CanRead(caller, *ds)) {
    return HttpFail(403, ErrorCode::kPermissionDenied, "DataSet " + id,
                    "Access is denied: user " + std::to_string(caller.user_id) +
                        " has no share of this DataSet");
  }
  return ds;
}

Result<DatasetRecord*> Model::Writable(const Caller& caller, const std::string& id) {
  auto ds = Readable(caller, id);
  if (!ds) return ds;
  if (!Can(caller, **ds, IsWriteLevel)) {
    return HttpFail(403, ErrorCode::kPermissionDenied, "DataSet " + id,
                    "Access is denied: writing needs OWNER, CO_OWNER or CAN_EDIT");
  }
  return ds;
}

Result<DatasetRecord*> Model::Shareable(const Caller& caller, const std::string& id,
                                        const std::string& doing) {
  auto ds = Readable(caller, id);
  if (!ds) return ds;
  if (!Can(caller, **ds, IsShareLevel)) {
    return HttpFail(403, ErrorCode::kPermissionDenied, "DataSet " + id,
                    "Access is denied: " + doing + " needs OWNER, CO_OWNER or CAN_SHARE");
  }
  return ds;
}

Json Model::Owner(int64_t id) const { return {{"id", id}, {"name", UserName(id)}}; }

Json Model::DatasetSummary(const DatasetRecord& ds) const {
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

}  // namespace s3u::emulator
