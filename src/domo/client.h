// DomoClient: the Domo APIs s3unload uses (domo-api.md), over an injected HttpClient, clock
// and logger. Each call builds its request, sends it with a bearer token, and classifies a
// failure once (domo/errors.h). Per call, the client:
//   - gets a token with the client credentials (POST /oauth/token, HTTP Basic), caches it
//     and replaces it `refresh_margin` before it expires (domo/token.h);
//   - on a 401 (or a 406 to a CSV request: Domo's legacy answer to a bad token) drops the
//     token, fetches a new one and re-sends once;
//   - retries transient failures, 429s and 503s with http::RunWithRetry within the time
//     budget of DomoOptions::retry, honouring Retry-After (429, 503); each retry is logged at
//     info level and counted (retry_counts()).
//     Calls that are not idempotent (creating a dataset, stream or execution, a commit, an
//     APPEND import) are retried only on 429, since Domo may already have applied them;
//     their other transient failures come back as kAborted;
//   - streams exports into a sink; retried only until the first byte arrives, after which a
//     dropped connection is kAborted naming how many bytes had arrived.
// The client secret, every token and the AWS secrets of Export-to-S3 are registered with the
// logger as secrets and never appear in messages.
//
// Thread-safety: every method may be called concurrently; the token cache is shared and at
// most one token request is in flight (others wait for it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "domo/errors.h"
#include "domo/model.h"
#include "domo/token.h"
#include "http/http.h"
#include "http/retry.h"
#include "table/csv.h"

namespace s3u::domo {

class PageMemory;  // domo/paging.h

// Domo's public API, where an account without domo_api_url sends its requests.
inline constexpr const char* kDefaultApiUrl = "https://api.domo.com";

// How asynchronous work (stream commits, Export-to-S3) is polled: pauses double from
// `initial` up to `max`; after `timeout` the wait fails with kUnavailable.
struct PollPolicy {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{30000};
  // Exports of many GB take a while on Domo's side; six hours is "something is stuck".
  std::chrono::seconds timeout{6 * 3600};
};
// The pause after poll number `polls_made` (1-based): initial * 2^(polls_made-1), capped.
std::chrono::milliseconds PollDelay(const PollPolicy& policy, int polls_made);

struct DomoOptions {
  std::string api_url = kDefaultApiUrl;
  // https://<instance>.domo.com: the internal /api/... routes (permissions, Export-to-S3) go
  // here; when absent they go to api_url (where the S3-Export spec places them).
  std::optional<std::string> instance_url;
  std::string client_id;
  std::string client_secret;
  // Requested scopes; empty requests all of the client's scopes. "user" is needed for the
  // ownership rule's group lookups.
  std::vector<std::string> scopes = {"data", "user"};
  std::chrono::seconds refresh_margin{60};
  http::RetryPolicy retry;
  PollPolicy poll;
};

// kInvalidArgument naming the field: URLs must be http(s)://host[:port] without user info,
// query or fragment; client id and secret must be set; scopes must be known.
Result<void> ValidateDomoOptions(const DomoOptions& options);

struct ExportOptions {
  bool include_header = false;  // Domo's default; parsed exports usually want the header
};

struct ExportStats {
  uint64_t bytes = 0;
  uint64_t records = 0;  // CSV records, the header included
};

class DomoClient {
 public:
  // References must outlive the client. Invalid options are reported by every call.
  DomoClient(DomoOptions options, http::HttpClient& http, Clock& clock, Logger& log);
  DomoClient(const DomoClient&) = delete;
  DomoClient& operator=(const DomoClient&) = delete;

  // The current token's facts (fetching a token if needed). kUnauthenticated for bad
  // credentials; kPermissionDenied for a scope the client lacks.
  Result<TokenInfo> CurrentToken();

  // --- DataSet API (scope data) ---
  Result<Dataset> GetDataset(const std::string& dataset_id);  // kNotFound names the id
  // Every dataset (pages of 50 until an empty page); `name_like` filters case-insensitively.
  Result<std::vector<Dataset>> ListDatasets(const std::string& name_like = "");
  Result<Dataset> CreateDataset(const DatasetSpec& spec);
  Result<Dataset> UpdateDataset(const std::string& dataset_id, const DatasetUpdate& update);
  Result<void> DeleteDataset(const std::string& dataset_id);
  // Replaces or appends rows; `csv` is header-less CSV matching the schema.
  Result<void> ImportCsv(const std::string& dataset_id, std::string_view csv, UpdateMethod method);

  // Streams the raw CSV export into `sink` (returning false from it cancels); returns bytes.
  Result<uint64_t> ExportCsv(const std::string& dataset_id, const ExportOptions& options,
                             const http::BodySink& sink);
  // The export parsed by table::CsvReader: `on_row` gets every record (the header first
  // when requested). An Error from `on_row` stops the export and is returned as is.
  Result<ExportStats> ExportRows(const std::string& dataset_id, const ExportOptions& options,
                                 const table::CsvDialect& dialect, const table::RowHandler& on_row);

  // One query; `sql` reads the literal table `table`. With `memory`, the answer is read into
  // memory given back there by pages already written (a reading's pages: PageMemory).
  Result<QueryResult> Query(const std::string& dataset_id, std::string_view sql,
                            PageMemory* memory = nullptr);
  // Runs `sql` page by page (LIMIT/OFFSET appended, domo/paging.h) until a short page,
  // calling `on_page` for each; returns the number of rows. REQUIRES: page_size > 0.
  using PageHandler = std::function<Result<void>(const QueryResult& page)>;
  Result<int64_t> QueryPages(const std::string& dataset_id, std::string_view sql, int64_t page_size,
                             const PageHandler& on_page);

  // --- Stream API (scope data) ---
  Result<Stream> CreateStream(const DatasetSpec& spec, UpdateMethod method);
  Result<std::vector<Stream>> FindStreams(const std::string& dataset_id);  // by dataSource.id
  Result<Execution> CreateExecution(int64_t stream_id);
  // Uploads header-less CSV as part `part` (gzip-compressed on the wire).
  Result<Execution> UploadPart(int64_t stream_id, int64_t execution_id, int part,
                               std::string_view csv);
  Result<Execution> CommitExecution(int64_t stream_id, int64_t execution_id);
  Result<Execution> GetExecution(int64_t stream_id, int64_t execution_id);
  // Polls until SUCCESS, ABORTED or INVALID (returned as is: the caller judges the state).
  Result<Execution> WaitForExecution(int64_t stream_id, int64_t execution_id);
  Result<void> AbortExecution(int64_t stream_id, int64_t execution_id);

  // --- Users and groups (scope user) ---
  Result<User> GetUser(int64_t user_id);
  Result<std::vector<int64_t>> GroupMembers(int64_t group_id);  // every page
  // The internal permissions list (§7). kNotFound / kPermissionDenied when the endpoint is
  // not reachable with this token.
  Result<std::vector<Permission>> GetPermissions(const std::string& dataset_id);

  // --- Export to S3 (internal, §8) ---
  Result<S3Export> StartS3Export(const std::string& dataset_id, const S3ExportRequest& request);
  Result<std::vector<S3Export>> ListS3Exports(const std::string& dataset_id);
  // Polls until the export is "success" or "error" and returns it (an "error" export is a
  // value, not an Error: its errorCode and message belong in the run's metrics).
  Result<S3Export> WaitForS3Export(const std::string& dataset_id, const std::string& export_id);

  // HTTP exchanges made so far, token requests included.
  uint64_t requests_sent() const { return requests_sent_.load(); }
  // Retries made so far (each one logged at info level), and how many were throttles; a run
  // reads them for its metrics row.
  http::RetryCounts retry_counts() const { return retries_.Get(); }

 private:
  struct Call;
  // Sends with retries (see the top comment); 2xx answers are returned, others mapped.
  Result<http::Response> Execute(const Call& call, const http::BodySink* sink = nullptr);
  // One attempt, re-sent once at once with a fresh token after a token rejection.
  Result<http::Response> SendOnce(const Call& call, const http::BodySink* sink,
                                  bool& token_refreshed);
  Result<std::string> AccessToken();
  void DropToken(const std::string& rejected);  // only if it is still the cached one
  Result<Token> FetchToken();
  std::string UrlFor(const Call& call) const;

  const DomoOptions options_;
  const Result<void> valid_;
  http::HttpClient& http_;
  Clock& clock_;
  Logger& log_;
  std::function<double()> random_;
  std::atomic<uint64_t> requests_sent_{0};
  http::RetryCounter retries_;

  std::mutex token_mu_;         // held while a token is fetched (single flight)
  std::optional<Token> token_;  // GUARDED_BY(token_mu_)
};

}  // namespace s3u::domo
