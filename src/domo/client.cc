#include "domo/client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <random>

#include "core/gzip.h"
#include "core/text.h"
#include "core/time_format.h"
#include "domo/paging.h"

namespace s3u::domo {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kDatasetPageSize = 50;  // Domo's maximum for /v1/datasets (§3.1)
constexpr int64_t kMemberPageSize = 500;  // Domo's maximum for group members (§6)

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// Percent-encodes everything but RFC 3986 unreserved characters (path segments and query
// values alike).
std::string Encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Result<void> ValidateUrl(const std::string& url, std::string_view field) {
  auto bad = [&](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, std::string(field),
                "'" + WithoutUserInfo(url) + "' " + why +
                    "; expected http(s)://host[:port], e.g. " + "https://api.domo.com");
  };
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      (url.compare(0, scheme_end, "https") != 0 && url.compare(0, scheme_end, "http") != 0)) {
    return bad("is not an http or https URL");
  }
  const std::string rest = url.substr(scheme_end + 3);
  if (rest.empty() || rest.front() == '/') return bad("has no host");
  if (rest.find('@') != std::string::npos) return bad("must not carry user info");
  if (rest.find_first_of("?# ") != std::string::npos) return bad("must not carry a query");
  return {};
}

// Polls `fetch` until its value is Finished(), pausing per `policy` through `clock`.
template <typename T>
Result<T> PollUntilFinished(Clock& clock, const PollPolicy& policy, const std::string& subject,
                            const std::function<Result<T>()>& fetch) {
  const auto deadline = clock.Monotonic() + policy.timeout;
  for (int polls = 1;; ++polls) {
    Result<T> value = fetch();
    if (!value || value->Finished()) return value;
    if (clock.Monotonic() >= deadline) {
      return Fail(ErrorCode::kUnavailable, subject,
                  fmt::format("still not finished after {} s ({} polls); Domo may be "
                              "overloaded, or the work is stuck",
                              policy.timeout.count(), polls));
    }
    clock.SleepFor(PollDelay(policy, polls));
  }
}

}  // namespace

// Everything that varies per endpoint; Execute does the rest.
struct DomoClient::Call {
  DomoCall info;       // operation, subject, dataset, scope: for the error mapping
  std::string method;  // GET, POST, PUT, DELETE
  std::string target;  // path and query, already encoded: "/v1/datasets/ID?x=1"
  bool internal = false;
  bool idempotent = true;
  bool authenticated = true;  // false only for the token request itself
  std::string_view body;
  http::Headers headers;  // besides Authorization and Accept
  // When set, a 2xx answer's body is read into this buffer (emptied at each attempt, its
  // capacity kept) instead of the response's.
  std::string* into = nullptr;
};

milliseconds PollDelay(const PollPolicy& policy, int polls_made) {
  const double window = static_cast<double>(policy.initial.count()) *
                        std::ldexp(1.0, std::clamp(polls_made - 1, 0, 40));
  return milliseconds(static_cast<int64_t>(std::min(window, double(policy.max.count()))));
}

Result<void> ValidateDomoOptions(const DomoOptions& options) {
  if (auto ok = ValidateUrl(options.api_url, "--domo-api-url"); !ok) return ok;
  if (options.instance_url) {
    if (auto ok = ValidateUrl(*options.instance_url, "--domo-instance-url"); !ok) return ok;
  }
  if (options.client_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "--domo-client-id",
                "the Domo client ID is required (flag or DOMO_CLIENT_ID); create a client "
                "in Domo's developer portal");
  }
  if (options.client_secret.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "--domo-client-secret",
                "the Domo client secret is required (DOMO_CLIENT_SECRET, or the flag)");
  }
  return ValidateScopes(options.scopes, "scopes");
}

DomoClient::DomoClient(DomoOptions options, http::HttpClient& http, Clock& clock, Logger& log)
    : options_(std::move(options)),
      valid_(ValidateDomoOptions(options_)),
      http_(http),
      clock_(clock),
      log_(log),
      random_(http::MakeRandom(std::random_device{}())) {
  log_.AddSecret(options_.client_secret);
}

std::string DomoClient::UrlFor(const Call& call) const {
  const std::string& base =
      call.internal && options_.instance_url ? *options_.instance_url : options_.api_url;
  return TrimSlash(base) + call.target;
}

Result<Token> DomoClient::FetchToken() {
  const std::string body = TokenRequestBody(options_.scopes);
  std::string scopes;
  for (const auto& s : options_.scopes) scopes += (scopes.empty() ? "" : " ") + s;
  Call call;
  call.info = {
      .operation = "Token", .subject = "oauth token", .scope = scopes, .token_endpoint = true};
  call.method = "POST";
  call.target = "/oauth/token";
  call.authenticated = false;
  call.body = body;
  call.headers = {{"Authorization", BasicAuthorization(options_.client_id, options_.client_secret)},
                  {"Content-Type", "application/x-www-form-urlencoded"}};
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  auto token = ParseTokenResponse(response->body, clock_.Now());
  if (!token) return Fail(token.error());
  log_.AddSecret(token->access_token);
  log_.Debug(fmt::format("Domo token for user {} ({}), scopes '{}', valid for {} s",
                         token->info.user_id, token->info.customer, scopes,
                         std::chrono::duration_cast<std::chrono::seconds>(token->info.expires_at -
                                                                          token->info.issued_at)
                             .count()));
  return token;
}

Result<std::string> DomoClient::AccessToken() {
  std::lock_guard lock(token_mu_);
  if (!token_ || NeedsRefresh(token_->info, clock_.Now(), options_.refresh_margin)) {
    // Fetched under the lock: threads that need a token meanwhile wait for this one.
    auto fresh = FetchToken();
    if (!fresh) return Fail(fresh.error());
    token_ = std::move(*fresh);
  }
  return token_->access_token;
}

void DomoClient::DropToken(const std::string& rejected) {
  std::lock_guard lock(token_mu_);
  // Another thread may already have replaced the rejected token; keep its replacement.
  if (token_ && token_->access_token == rejected) token_.reset();
}

Result<TokenInfo> DomoClient::CurrentToken() {
  if (!valid_) return Fail(valid_.error());
  auto access = AccessToken();
  if (!access) return Fail(access.error());
  std::lock_guard lock(token_mu_);
  if (!token_) return Fail(ErrorCode::kInternal, "oauth token", "the token was dropped");
  return token_->info;
}

Result<http::Response> DomoClient::Execute(const Call& call, const http::BodySink* sink) {
  if (!valid_) return Fail(valid_.error());
  if (call.authenticated) {
    // The token request retries on its own; fetching it here, outside the loop, keeps a
    // failing token endpoint from being retried once per attempt of this call as well.
    if (auto token = AccessToken(); !token) return Fail(token.error());
  }
  bool token_refreshed = false;
  return http::RunWithRetry<http::Response>(
      options_.retry, clock_, random_, "Domo",
      [&](int) -> Result<http::Response> {
        auto response = SendOnce(call, sink, token_refreshed);
        if (!response && !call.idempotent &&
            response.error().code != ErrorCode::kResourceExhausted &&
            http::ClassifyForRetry(response.error().code) == http::RetryClass::kTransient) {
          // Domo may have applied the request before failing: repeating it could duplicate.
          Error error = response.error();
          error.code = ErrorCode::kAborted;
          error.message +=
              "; not retried because Domo may have applied it: check before "
              "repeating";
          return Fail(std::move(error));
        }
        return response;
      },
      [&](const Error& error, milliseconds delay, int next) {
        retries_.Record(error);
        log_.Info(fmt::format("Domo {} {}: attempt {} failed: {}; retrying in {}",
                              call.info.operation, call.info.subject, next - 1, error.message,
                              FormatDuration(delay)));
      });
}

Result<http::Response> DomoClient::SendOnce(const Call& call, const http::BodySink* sink,
                                            bool& token_refreshed) {
  // Loops only to re-send at once with a fresh token after Domo rejected the cached one.
  for (;;) {
    http::Request request;
    request.method = call.method;
    request.url = UrlFor(call);
    request.headers = call.headers;
    request.headers.emplace_back("Accept", call.info.csv_request ? "text/csv" : "application/json");
    std::string token;
    if (call.authenticated) {
      auto access = AccessToken();
      if (!access) return Fail(access.error());
      token = std::move(*access);
      request.headers.emplace_back("Authorization", "Bearer " + token);
    }
    request.body = call.body;
    uint64_t delivered = 0;
    if (call.into != nullptr) {
      // A buffer, not a stream: what a failed attempt left in it is dropped by the next one.
      call.into->clear();
      request.sink = [&](std::string_view chunk) {
        call.into->append(chunk);
        return true;
      };
    } else if (sink != nullptr) {
      request.sink = [&](std::string_view chunk) {
        delivered += chunk.size();
        return (*sink)(chunk);
      };
    }
    ++requests_sent_;
    auto response = http_.Send(request);
    if (!response) {
      Error error = response.error();
      error.subject = call.info.subject;
      // Nothing arrived yet (retry as usual), or the sink itself stopped the transfer.
      if (delivered == 0 || error.code == ErrorCode::kCancelled) return Fail(std::move(error));
      // Bytes already reached the sink: the call cannot be repeated, only restarted whole.
      error.code = ErrorCode::kAborted;
      error.message +=
          fmt::format(" (the connection dropped after {} bytes had arrived)", delivered);
      return Fail(std::move(error));
    }
    log_.Debug(fmt::format("Domo {} {} -> {}", call.method,
                           call.target.substr(0, call.target.find('?')), response->status));
    if (IsSuccess(response->status)) return std::move(*response);
    DomoCall info = call.info;
    info.client_id = options_.client_id;  // named in credential and scope errors
    Error error =
        MapDomoError(info, response->status, response->headers, response->body, clock_.Now());
    if (error.code == ErrorCode::kUnauthenticated && call.authenticated && !token_refreshed) {
      token_refreshed = true;
      log_.Info("Domo rejected the access token (" + error.message + "); fetching a new one");
      DropToken(token);
      continue;
    }
    return Fail(std::move(error));
  }
}

// --- DataSet API --------------------------------------------------------------------------

namespace {

DomoCall DatasetCall(std::string operation, const std::string& dataset_id) {
  return {.operation = std::move(operation),
          .subject = "dataset " + dataset_id,
          .dataset_id = dataset_id,
          .scope = "data"};
}

}  // namespace

Result<Dataset> DomoClient::GetDataset(const std::string& dataset_id) {
  Call call;
  call.info = DatasetCall("GetDataset", dataset_id);
  call.method = "GET";
  call.target = "/v1/datasets/" + Encode(dataset_id);
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseDataset(response->body, call.info.subject);
}

Result<std::vector<Dataset>> DomoClient::ListDatasets(const std::string& name_like) {
  std::vector<Dataset> all;
  for (Pager pager(kDatasetPageSize, PageEnd::kEmptyPage); !pager.done();) {
    Call call;
    call.info = {.operation = "ListDatasets", .subject = "datasets", .scope = "data"};
    call.method = "GET";
    call.target = fmt::format("/v1/datasets?limit={}&offset={}", pager.limit(), pager.offset());
    if (!name_like.empty()) call.target += "&nameLike=" + Encode(name_like);
    auto response = Execute(call);
    if (!response) return Fail(response.error());
    auto page = ParseDatasetList(response->body, call.info.subject);
    if (!page) return Fail(page.error());
    pager.Record(page->size());
    all.insert(all.end(), page->begin(), page->end());
  }
  return all;
}

Result<Dataset> DomoClient::CreateDataset(const DatasetSpec& spec) {
  const std::string body = DatasetSpecJson(spec);
  Call call;
  call.info = {
      .operation = "CreateDataset", .subject = "new dataset '" + spec.name + "'", .scope = "data"};
  call.method = "POST";
  call.target = "/v1/datasets";
  call.idempotent = false;
  call.body = body;
  call.headers = {{"Content-Type", "application/json"}};
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseDataset(response->body, call.info.subject);
}

Result<Dataset> DomoClient::UpdateDataset(const std::string& dataset_id,
                                          const DatasetUpdate& update) {
  const std::string body = DatasetUpdateJson(update);
  Call call;
  call.info = DatasetCall("UpdateDataset", dataset_id);
  call.method = "PUT";
  call.target = "/v1/datasets/" + Encode(dataset_id);
  call.body = body;
  call.headers = {{"Content-Type", "application/json"}};
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseDataset(response->body, call.info.subject);
}

Result<void> DomoClient::DeleteDataset(const std::string& dataset_id) {
  Call call;
  call.info = DatasetCall("DeleteDataset", dataset_id);
  call.method = "DELETE";
  call.target = "/v1/datasets/" + Encode(dataset_id);
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return {};
}

Result<void> DomoClient::ImportCsv(const std::string& dataset_id, std::string_view csv,
                                   UpdateMethod method) {
  Call call;
  call.info = DatasetCall("ImportCsv", dataset_id);
  call.method = "PUT";
  call.target = "/v1/datasets/" + Encode(dataset_id) +
                "/data?updateMethod=" + std::string(UpdateMethodName(method));
  call.idempotent = method == UpdateMethod::kReplace;
  call.body = csv;
  call.headers = {{"Content-Type", "text/csv"}};
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return {};
}

Result<uint64_t> DomoClient::ExportCsv(const std::string& dataset_id, const ExportOptions& options,
                                       const http::BodySink& sink) {
  Call call;
  call.info = DatasetCall("ExportCsv", dataset_id);
  call.info.csv_request = true;
  call.method = "GET";
  call.target = "/v1/datasets/" + Encode(dataset_id) +
                "/data?includeHeader=" + (options.include_header ? "true" : "false");
  uint64_t bytes = 0;
  const http::BodySink counting = [&](std::string_view chunk) {
    bytes += chunk.size();
    return sink(chunk);
  };
  auto response = Execute(call, &counting);
  if (!response) return Fail(response.error());
  return bytes;
}

Result<ExportStats> DomoClient::ExportRows(const std::string& dataset_id,
                                           const ExportOptions& options,
                                           const table::CsvDialect& dialect,
                                           const table::RowHandler& on_row) {
  table::CsvReader reader(dialect, on_row);
  std::optional<Error> stopped;  // the reader's (or on_row's) error, which cancelled the export
  auto bytes = ExportCsv(dataset_id, options, [&](std::string_view chunk) {
    if (auto fed = reader.Feed(chunk); !fed) {
      stopped = fed.error();
      return false;
    }
    return true;
  });
  if (stopped) return Fail(*stopped);
  if (!bytes) return Fail(bytes.error());
  if (auto finished = reader.Finish(); !finished) return Fail(finished.error());
  return ExportStats{*bytes, reader.records()};
}

Result<QueryResult> DomoClient::Query(const std::string& dataset_id, std::string_view sql,
                                      PageMemory* memory) {
  const std::string body = QueryJson(sql);
  Call call;
  call.info = DatasetCall("Query", dataset_id);
  call.method = "POST";
  call.target = "/v1/datasets/query/execute/" + Encode(dataset_id);
  call.body = body;  // a read: safe to repeat
  call.headers = {{"Content-Type", "application/json"}};
  if (memory == nullptr) {
    auto response = Execute(call);
    if (!response) return Fail(response.error());
    return ParseQueryPage(response->body, call.info.subject);
  }
  std::string answer = memory->TakeBody();
  call.into = &answer;
  auto response = Execute(call);
  if (!response) {
    memory->GiveBody(std::move(answer));
    return Fail(response.error());
  }
  auto page = ParseQueryPage(answer, call.info.subject, memory->TakeRows());
  memory->GiveBody(std::move(answer));
  return page;
}

Result<int64_t> DomoClient::QueryPages(const std::string& dataset_id, std::string_view sql,
                                       int64_t page_size, const PageHandler& on_page) {
  int64_t rows = 0;
  for (Pager pager(page_size, PageEnd::kShortPage); !pager.done();) {
    auto paged = PageSql(sql, pager.limit(), pager.offset());
    if (!paged) return Fail(paged.error());
    auto page = Query(dataset_id, *paged);
    if (!page) return Fail(page.error());
    if (auto handled = on_page(*page); !handled) return Fail(handled.error());
    rows += static_cast<int64_t>(page->rows.size());
    pager.Record(page->rows.size());
  }
  return rows;
}

// --- Stream API ---------------------------------------------------------------------------

namespace {

DomoCall StreamCall(std::string operation, int64_t stream_id, int64_t execution_id = 0) {
  std::string subject = fmt::format("stream {}", stream_id);
  if (execution_id != 0) subject += fmt::format(" execution {}", execution_id);
  return {.operation = std::move(operation), .subject = std::move(subject), .scope = "data"};
}

std::string ExecutionPath(int64_t stream_id, int64_t execution_id) {
  return fmt::format("/v1/streams/{}/executions/{}", stream_id, execution_id);
}

}  // namespace

Result<Stream> DomoClient::CreateStream(const DatasetSpec& spec, UpdateMethod method) {
  const std::string body = StreamSpecJson(spec, method);
  Call call;
  call.info = {
      .operation = "CreateStream", .subject = "new stream '" + spec.name + "'", .scope = "data"};
  call.method = "POST";
  call.target = "/v1/streams";
  call.idempotent = false;
  call.body = body;
  call.headers = {{"Content-Type", "application/json"}};
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseStream(response->body, call.info.subject);
}

Result<std::vector<Stream>> DomoClient::FindStreams(const std::string& dataset_id) {
  Call call;
  call.info = DatasetCall("FindStreams", dataset_id);
  call.method = "GET";
  call.target = "/v1/streams/search?q=" + Encode("dataSource.id:" + dataset_id) + "&fields=all";
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseStreamList(response->body, call.info.subject);
}

Result<Execution> DomoClient::CreateExecution(int64_t stream_id) {
  Call call;
  call.info = StreamCall("CreateExecution", stream_id);
  call.method = "POST";
  call.target = fmt::format("/v1/streams/{}/executions", stream_id);
  call.idempotent = false;
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseExecution(response->body, call.info.subject);
}

Result<Execution> DomoClient::UploadPart(int64_t stream_id, int64_t execution_id, int part,
                                         std::string_view csv) {
  Call call;
  call.info = StreamCall("UploadPart", stream_id, execution_id);
  call.info.subject += fmt::format(" part {}", part);
  if (csv.size() > (size_t{1} << 31)) {
    return Fail(ErrorCode::kInvalidArgument, call.info.subject,
                "a stream part must be under 2 GB (Domo suggests 10,000-100,000 rows a part)");
  }
  auto gzipped = GzipBytes(csv, call.info.subject);  // Domo's preferred form (§5)
  if (!gzipped) return Fail(gzipped.error());
  call.method = "PUT";
  call.target = ExecutionPath(stream_id, execution_id) + fmt::format("/part/{}", part);
  call.body = *gzipped;  // re-sending a part replaces it: safe to repeat
  call.headers = {{"Content-Type", "text/csv"}, {"Content-Encoding", "gzip"}};
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseExecution(response->body, call.info.subject);
}

Result<Execution> DomoClient::CommitExecution(int64_t stream_id, int64_t execution_id) {
  Call call;
  call.info = StreamCall("CommitExecution", stream_id, execution_id);
  call.method = "PUT";
  call.target = ExecutionPath(stream_id, execution_id) + "/commit";
  call.idempotent = false;
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseExecution(response->body, call.info.subject);
}

Result<Execution> DomoClient::GetExecution(int64_t stream_id, int64_t execution_id) {
  Call call;
  call.info = StreamCall("GetExecution", stream_id, execution_id);
  call.method = "GET";
  call.target = ExecutionPath(stream_id, execution_id);
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseExecution(response->body, call.info.subject);
}

Result<Execution> DomoClient::WaitForExecution(int64_t stream_id, int64_t execution_id) {
  return PollUntilFinished<Execution>(clock_, options_.poll,
                                      StreamCall("", stream_id, execution_id).subject,
                                      [&] { return GetExecution(stream_id, execution_id); });
}

Result<void> DomoClient::AbortExecution(int64_t stream_id, int64_t execution_id) {
  Call call;
  call.info = StreamCall("AbortExecution", stream_id, execution_id);
  call.method = "PUT";
  call.target = ExecutionPath(stream_id, execution_id) + "/abort";
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return {};
}

// --- Users, groups, permissions -------------------------------------------------------------

Result<User> DomoClient::GetUser(int64_t user_id) {
  Call call;
  call.info = {.operation = "GetUser", .subject = fmt::format("user {}", user_id), .scope = "user"};
  call.method = "GET";
  call.target = fmt::format("/v1/users/{}", user_id);
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseUser(response->body, call.info.subject);
}

Result<std::vector<int64_t>> DomoClient::GroupMembers(int64_t group_id) {
  std::vector<int64_t> all;
  for (Pager pager(kMemberPageSize, PageEnd::kShortPage); !pager.done();) {
    Call call;
    call.info = {
        .operation = "GroupMembers", .subject = fmt::format("group {}", group_id), .scope = "user"};
    call.method = "GET";
    call.target = fmt::format("/v1/groups/{}/users?limit={}&offset={}", group_id, pager.limit(),
                              pager.offset());
    auto response = Execute(call);
    if (!response) return Fail(response.error());
    auto page = ParseIdList(response->body, call.info.subject);
    if (!page) return Fail(page.error());
    pager.Record(page->size());
    all.insert(all.end(), page->begin(), page->end());
  }
  return all;
}

Result<std::vector<Permission>> DomoClient::GetPermissions(const std::string& dataset_id) {
  Call call;
  call.info = DatasetCall("GetPermissions", dataset_id);
  call.info.subject = "permissions of dataset " + dataset_id;
  call.info.scope = "";  // internal API: access is by user rights, not OAuth scope
  call.method = "GET";
  call.target = "/api/data/v3/datasources/" + Encode(dataset_id) + "/permissions";
  call.internal = true;
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParsePermissions(response->body, call.info.subject);
}

// --- Export to S3 ---------------------------------------------------------------------------

Result<S3Export> DomoClient::StartS3Export(const std::string& dataset_id,
                                           const S3ExportRequest& request) {
  log_.AddSecret(request.aws_access_secret);
  log_.AddSecret(request.session_token);
  const std::string body = S3ExportRequestJson(request);
  Call call;
  call.info = DatasetCall("StartS3Export", dataset_id);
  call.info.subject = "export of dataset " + dataset_id + " to s3://" + request.bucket;
  call.method = "POST";
  call.target = "/api/query/v1/export/" + Encode(dataset_id);
  call.internal = true;
  // Domo keeps one active export per dataset and answers a repeat with it: safe to repeat.
  call.body = body;
  call.headers = {{"Content-Type", "application/json"}};
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseS3Export(response->body, call.info.subject);
}

Result<std::vector<S3Export>> DomoClient::ListS3Exports(const std::string& dataset_id) {
  Call call;
  call.info = DatasetCall("ListS3Exports", dataset_id);
  call.info.subject = "exports of dataset " + dataset_id;
  call.method = "GET";
  call.target = "/api/query/v1/export/" + Encode(dataset_id);
  call.internal = true;
  auto response = Execute(call);
  if (!response) return Fail(response.error());
  return ParseS3ExportList(response->body, call.info.subject);
}

Result<S3Export> DomoClient::WaitForS3Export(const std::string& dataset_id,
                                             const std::string& export_id) {
  const std::string subject = "export " + export_id + " of dataset " + dataset_id;
  return PollUntilFinished<S3Export>(clock_, options_.poll, subject, [&]() -> Result<S3Export> {
    auto exports = ListS3Exports(dataset_id);
    if (!exports) return Fail(exports.error());
    for (auto& e : *exports) {
      if (e.export_id == export_id) return std::move(e);
    }
    return Fail(ErrorCode::kNotFound, subject,
                "Domo no longer lists this export among the dataset's exports");
  });
}

}  // namespace s3u::domo
