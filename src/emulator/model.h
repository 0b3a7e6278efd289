// The core every API area of the emulated instance shares (state.h composes them): the one
// lock, the stores more than one area reads (users, groups, datasets), the emulator clock, the
// access rules of §7, and the error and JSON helpers the areas answer with. Stores only one
// area uses (tokens, streams, exports) live in that area, under the same lock.
//
// Thread-safety: `mu` guards every store here and in the areas; the lookups below REQUIRE it
// held. The clock, config and log may be used without it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "emulator/config.h"
#include "emulator/data.h"

namespace s3u::emulator {

using Json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

// The system clock shifted by an offset (POST /__admin/clock).
class EmulatorClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  void SleepFor(std::chrono::milliseconds d) override;
  void Advance(std::chrono::seconds by) { offset_ms_ += by.count() * 1000; }

 private:
  std::atomic<int64_t> offset_ms_{0};
};

// Who a request acts as: the token's user and scopes.
struct Caller {
  int64_t user_id = 0;
  std::string role;
  std::set<std::string> scopes;
};

// Paging of list endpoints; limits are validated by the server per endpoint.
struct Page {
  int64_t limit = 50;
  int64_t offset = 0;
};

// --- Errors as Domo answers them: the Error's http_status is the response status.
tl::unexpected<Error> HttpFail(int status, ErrorCode code, std::string subject,
                               std::string message);
tl::unexpected<Error> BadRequest(std::string subject, std::string message);
// A parser's error (config grammar shared with the request bodies) answered as 400.
tl::unexpected<Error> AsBadRequest(Error error);
// 404 "<what> does not exist".
tl::unexpected<Error> NotFound(std::string what);

// "2016-02-29T20:56:20.567Z", the metadata timestamp form of §0 (no fraction without millis).
std::string Iso(TimePoint t, bool millis = true);

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

struct GroupRecord {
  GroupEntry entry;
  bool active = true;
  int64_t creator = 0;
};

// Share levels (§7): which ones let a user write a dataset, and which change its shares.
bool IsWriteLevel(const std::string& level);
bool IsShareLevel(const std::string& level);

struct Model {
  // Loads the users and groups of `config`; its datasets are left for the DataSet area.
  Model(Config config, Logger& log);

  Config config;
  Logger& log;
  EmulatorClock clock;

  std::mutex mu;
  // GUARDED_BY(mu):
  std::mt19937_64 rng{std::random_device{}()};
  std::map<int64_t, UserEntry> users;
  std::map<int64_t, GroupRecord> groups;
  std::map<std::string, DatasetRecord> datasets;
  uint64_t next_version = 1;  // of dataset data snapshots

  // --- lookups and access (REQUIRES: mu held)
  // The dataset unless unknown or deleted.
  DatasetRecord* FindDataset(const std::string& id);
  std::string UserName(int64_t id) const;
  std::vector<int64_t> GroupsOf(int64_t user) const;
  // Access levels `user` holds on `ds` through direct and group grants.
  std::vector<std::string> LevelsOf(const DatasetRecord& ds, int64_t user) const;
  bool CanRead(const Caller& caller, const DatasetRecord& ds) const;
  // Admin, owner, or holding a level `level_ok` accepts.
  bool Can(const Caller& caller, const DatasetRecord& ds,
           bool (*level_ok)(const std::string&)) const;
  // The dataset if it exists and `caller` may read it (404 / 403 otherwise).
  Result<DatasetRecord*> Readable(const Caller& caller, const std::string& id);
  // As Readable, and `caller` may write it (403 otherwise).
  Result<DatasetRecord*> Writable(const Caller& caller, const std::string& id);
  // As Readable, and `caller` may change its shares (403 otherwise); `doing` names the act in
  // the 403 message.
  Result<DatasetRecord*> Shareable(const Caller& caller, const std::string& id,
                                   const std::string& doing);

  // --- JSON shared by the areas (REQUIRES: mu held)
  Json Owner(int64_t id) const;
  // A dataset as lists show it (a stream's `dataSet` too).
  Json DatasetSummary(const DatasetRecord& ds) const;
};

}  // namespace s3u::emulator
