// The emulated Domo instance: users, groups, API clients and tokens, datasets (with their
// shares and data snapshots), streams and executions, and Export-to-S3 jobs. The HTTP layer
// (server.h) authenticates, parses requests and calls these methods, which answer with the
// JSON Domo returns or an Error whose http_status is the status Domo answers with.
//
// Time is the emulator clock: the system clock plus an offset the admin endpoint advances,
// so token expiry is tested without waiting. Background work (stream commits, exports to S3)
// runs on the instance's own threads, which the destructor stops and joins.
//
// Thread-safety: every method may be called concurrently; one mutex guards the model, and
// no lock is held while rows are streamed or S3 is written.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/executor.h"
#include "core/log.h"
#include "emulator/auth.h"
#include "emulator/config.h"
#include "emulator/data.h"

namespace s3u::emulator {

using Json = nlohmann::json;

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

class State {
 public:
  // REQUIRES: `config` validated by ParseConfig. `log` outlives the state.
  State(Config config, Logger& log);
  ~State();  // stops background work (exports end as cancelled) and joins
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  EmulatorClock& clock() { return clock_; }
  const Config& config() const { return config_; }
  std::string NewToe();

  // --- OAuth (§1). Errors: 401 bad client credentials; 400 with subject
  // "unsupported_grant_type" or "invalid_scope" (the OAuth error code of the body).
  Result<Json> IssueToken(const BasicCredentials& client, const std::string& grant_type,
                          const std::optional<std::string>& scope);
  // Verifies a bearer token. 401 errors; subject "expired" when the token was valid but has
  // expired (the message then is Domo's "Jwt expired at <time>" text).
  Result<Caller> Authenticate(const std::string& token);
  // The expire_tokens fault: every token issued so far is expired from now on.
  void ExpireAllTokens();

  // --- DataSet API (§3). Unknown or deleted ids: 404; no read access: 400/403 as Domo.
  Result<Json> ListDatasets(const Caller& caller, const Page& page, const std::string& sort,
                            const std::string& name_like);
  Result<Json> GetDataset(const Caller& caller, const std::string& id);
  Result<Json> CreateDataset(const Caller& caller, const Json& body);  // the DataSet (201)
  Result<Json> UpdateDataset(const Caller& caller, const std::string& id, const Json& body);
  Result<void> DeleteDataset(const Caller& caller, const std::string& id);
  // The current data of a readable dataset (export, query, Export-to-S3).
  Result<SnapshotPtr> ReadData(const Caller& caller, const std::string& id);
  // The schema a writer must match (import, stream parts). Needs write access.
  Result<table::Schema> WritableSchema(const Caller& caller, const std::string& id);
  // Replaces (or appends to) the data of a dataset the caller may write.
  Result<void> WriteData(const Caller& caller, const std::string& id, std::vector<Row> rows,
                         bool append);
  // Adds or replaces a dataset as the admin endpoint does (no access checks).
  Result<void> PutDataset(DatasetEntry entry);

  // --- Stream API (§5).
  Result<Json> CreateStream(const Caller& caller, const Json& body);
  Result<Json> GetStream(const Caller& caller, int64_t id);
  Result<Json> ListStreams(const Caller& caller, const Page& page);
  Result<Json> SearchStreams(const Caller& caller, const std::string& query);
  Result<Json> UpdateStream(const Caller& caller, int64_t id, const Json& body);
  Result<void> DeleteStream(const Caller& caller, int64_t id);
  Result<Json> CreateExecution(const Caller& caller, int64_t stream, const Json& body);
  Result<Json> GetExecution(const Caller& caller, int64_t stream, int64_t execution);
  Result<Json> ListExecutions(const Caller& caller, int64_t stream, const Page& page);
  // The dataset schema parts of `stream` must match (write access needed).
  Result<table::Schema> StreamSchema(const Caller& caller, int64_t stream);
  Result<Json> PutPart(const Caller& caller, int64_t stream, int64_t execution, int64_t part,
                       std::vector<Row> rows);
  // Answers ACTIVE at once; the data is applied on a background thread, then SUCCESS.
  Result<Json> Commit(const Caller& caller, int64_t stream, int64_t execution);
  Result<Json> Abort(const Caller& caller, int64_t stream, std::optional<int64_t> execution);

  // --- Users and groups (§6).
  Result<Json> ListUsers(const Page& page);
  Result<Json> GetUser(int64_t id);
  Result<Json> CreateUser(const Json& body);
  Result<Json> UpdateUser(int64_t id, const Json& body);
  Result<void> DeleteUser(int64_t id);
  Result<Json> ListGroups(const Page& page);
  Result<Json> GetGroup(int64_t id);
  Result<Json> CreateGroup(const Caller& caller, const Json& body);
  Result<Json> UpdateGroup(int64_t id, const Json& body);
  Result<void> DeleteGroup(int64_t id);
  Result<Json> GroupMembers(int64_t id, const Page& page);
  Result<void> SetMembership(int64_t group, int64_t user, bool member);

  // --- Internal permissions API (§7).
  Result<Json> Permissions(const Caller& caller, const std::string& id);
  Result<Json> Share(const Caller& caller, const std::string& id, const Json& body);
  Result<void> Revoke(const Caller& caller, const std::string& id, const std::string& type,
                      int64_t principal);

  // --- Export-to-S3 (§8). `fail_with` (the export_error fault) makes the job end in error;
  // `bytes_per_second` (the slow fault) throttles it.
  Result<Json> StartExport(const Caller& caller, const std::string& id, const Json& body,
                           const std::optional<std::string>& fail_with, uint64_t bytes_per_second);
  Result<Json> ListExports(const Caller& caller, const std::string& id);

 private:
  struct Impl;
  Config config_;
  Logger& log_;
  EmulatorClock clock_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<Impl> impl_;  // the model, GUARDED_BY(impl_->mu)
  // Declared last: destroyed first, so queued background work finishes before the model goes.
  std::unique_ptr<ThreadPool> background_;
};

}  // namespace s3u::emulator
