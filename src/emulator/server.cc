#include "emulator/server.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "core/gzip.h"
#include "core/text.h"
#include "emulator/latency.h"

namespace s3u::emulator {
namespace {

using httplib::Request;
using httplib::Response;

constexpr const char* kJson = "application/json;charset=UTF-8";
constexpr size_t kExportBatch = 64 * 1024;
constexpr size_t kRequestLogCap = 10000;  // oldest entries are dropped beyond this
// The longest a `hold` fault parks a request when nobody replaces the fault list.
constexpr std::chrono::minutes kHoldLimit{5};

std::string_view StatusReason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

// Which scope a route family needs (§1, §6): user routes need "user", the rest "data".
std::string_view ScopeOf(std::string_view route) {
  return route == "users" || route == "groups" ? "user" : "data";
}

// The route pattern of a collection root, which also answers with the trailing slash that
// pydomo builds its URLs on ("/v1/streams/"; docs/emulator.md, URL forms of Domo's SDKs).
std::string Root(std::string_view path) { return std::string(path) + "/?"; }

bool IsInternal(std::string_view route) { return route == "permissions" || route == "s3export"; }

// The failure of one gate or handler, on its way to becoming a response.
struct Outcome {
  Error error;
  std::optional<std::string> www_authenticate;
};

}  // namespace

std::string RouteOf(std::string_view method, std::string_view path, std::string* dataset) {
  auto segment_after = [&](std::string_view prefix) {
    std::string_view rest = path.substr(prefix.size());
    return std::string(rest.substr(0, rest.find('/')));
  };
  auto starts = [&](std::string_view prefix) { return path.substr(0, prefix.size()) == prefix; };
  std::string id;
  std::string route = "unknown";
  if (path == "/oauth/token") {
    route = "token";
  } else if (path == "/v1/datasets" || path == "/v1/datasets/") {
    route = "datasets";
  } else if (starts("/v1/datasets/query/execute/")) {
    route = "query";
    id = segment_after("/v1/datasets/query/execute/");
  } else if (starts("/v1/datasets/")) {
    id = segment_after("/v1/datasets/");
    const bool data = path.ends_with("/data");
    route = !data ? "dataset" : method == "PUT" ? "import" : "export";
  } else if (starts("/v1/streams")) {
    route = "streams";
  } else if (starts("/v1/users")) {
    route = "users";
  } else if (starts("/v1/groups")) {
    route = "groups";
  } else if (starts("/api/data/v3/datasources/")) {
    route = "permissions";
    id = segment_after("/api/data/v3/datasources/");
  } else if (starts("/api/query/v1/export/")) {
    route = "s3export";
    id = segment_after("/api/query/v1/export/");
  } else if (starts("/__admin/")) {
    route = "admin";
  }
  if (dataset) *dataset = id;
  return route;
}

struct Server::Impl {
  Impl(State& s, FaultTable& f, Logger& l)
      : state(s), faults(f), log(l), query_gate(s.config().latency.max_concurrent_queries) {}

  State& state;
  FaultTable& faults;
  Logger& log;
  httplib::Server http;
  QueryGate query_gate;  // the latency model's cap on each token's queries in flight

  std::mutex log_mu;
  std::deque<Json> requests;  // GUARDED_BY(log_mu): the admin request log

  // ------------------------------------------------------------------ responses
  void SendJson(Response& res, int status, const Json& body) {
    res.status = status;
    res.set_content(body.dump(), kJson);
  }

  // Domo's canonical error body (§2): status, statusReason, path, message, toe.
  void SendError(const Request& req, Response& res, const Outcome& outcome) {
    const Error& error = outcome.error;
    const int status = error.http_status ? error.http_status : 500;
    res.status = status;
    if (outcome.www_authenticate) res.set_header("WWW-Authenticate", *outcome.www_authenticate);
    if (error.retry_after) {
      res.set_header(
          "Retry-After",
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(*error.retry_after).count()));
    }
    Json body = {{"status", status},
                 {"statusReason", StatusReason(status)},
                 {"path", req.path},
                 {"message", error.message},
                 {"toe", state.NewToe()}};
    res.set_content(body.dump(), kJson);
  }
  void SendError(const Request& req, Response& res, Error error) {
    SendError(req, res, Outcome{std::move(error), std::nullopt});
  }

  // The JAVA SDK's world (§2): a CSV request with a bad token got a 406 HTML page.
  static void SendLegacy406(Response& res) {
    res.status = 406;
    res.set_content(
        "<html><head><title>Error 406 Not Acceptable</title></head><body><h2>HTTP ERROR 406"
        "</h2><p>Problem accessing the resource. Reason:<pre>    Not Acceptable</pre></p>"
        "<p>com.domo.bedrock.service.exception.UnauthorizedException: Full authentication is "
        "required to access this resource</p></body></html>",
        "text/html;charset=ISO-8859-1");
  }

  // ------------------------------------------------------------------ the gate
  // Faults, authentication and scope for an API request. Returns the caller, or answers
  // `res` and returns nullopt. `drain` reads an unread request body first, so the
  // connection stays usable after an early answer.
  std::optional<Caller> Gate(const Request& req, Response& res,
                             const httplib::ContentReader* drain = nullptr) {
    std::string dataset;
    const std::string route = RouteOf(req.method, req.path, &dataset);
    auto answer = [&](const Outcome& outcome) -> std::optional<Caller> {
      if (drain) (*drain)([](const char*, size_t) { return true; });
      const bool csv = req.get_header_value("Accept").find("text/csv") != std::string::npos;
      if (outcome.error.http_status == 401 && csv && state.config().legacy_406_html) {
        SendLegacy406(res);
      } else if (outcome.error.subject == "access token") {
        // A token that is not one of ours: Spring's OAuth2 answer (§2).
        SendJson(res, 401,
                 {{"error", "invalid_token"}, {"error_description", outcome.error.message}});
      } else {
        SendError(req, res, outcome);
      }
      return std::nullopt;
    };
    if (auto fault = ApplyFaults(route, dataset)) return answer(Outcome{*fault, std::nullopt});

    std::optional<std::string> token;
    const std::string authorization = req.get_header_value("Authorization");
    if (!authorization.empty()) token = ParseBearer(authorization);
    if (!token && IsInternal(route) && req.has_header("X-DOMO-Developer-Token")) {
      token = req.get_header_value("X-DOMO-Developer-Token");
    }
    if (!token || token->empty()) {
      return answer(Outcome{
          Error{ErrorCode::kUnauthenticated, "",
                "Full authentication is required to access this resource", 401, std::nullopt},
          std::nullopt});
    }
    auto caller = state.tokens().Authenticate(*token);
    if (!caller) {
      Outcome outcome{caller.error(), std::nullopt};
      if (caller.error().subject == "expired") {
        // RFC 6750 §3.1, with the text Domo sends (DataSet-API.yaml import 401, §2).
        const std::string description =
            "An error occurred while attempting to decode the Jwt: " + caller.error().message;
        outcome.error.message = description;
        outcome.www_authenticate =
            "Bearer error=\"invalid_token\", error_description=\"" + description +
            "\", error_uri=\"https://tools.ietf.org/html/rfc6750#section-3.1\"";
      }
      return answer(outcome);
    }
    const std::string_view scope = ScopeOf(route);
    if (!caller->scopes.count(std::string(scope))) {
      return answer(Outcome{Error{ErrorCode::kPermissionDenied, "",
                                  "Invalid or missing access token: this route needs the \"" +
                                      std::string(scope) + "\" scope",
                                  403, std::nullopt},
                            std::nullopt});
    }
    return *caller;
  }

  // Hold, status and expire_tokens faults for a request; returns the error to answer with.
  std::optional<Error> ApplyFaults(const std::string& route, const std::string& dataset) {
    faults.Hold(route, dataset, kHoldLimit);
    if (faults.Take(route, dataset, {"expire_tokens"})) state.tokens().ExpireAll();
    auto fault = faults.Take(route, dataset, {"status"});
    if (!fault) return std::nullopt;
    Error error{ErrorCode::kUnavailable, route,
                "Injected fault: HTTP " + std::to_string(fault->status), fault->status,
                std::nullopt};
    if (fault->status == 429) error.message = "Rate limit exceeded";
    if (fault->retry_after) error.retry_after = std::chrono::seconds(*fault->retry_after);
    return error;
  }

  // Runs `handler`; a third-party exception becomes a 500 (none may escape into httplib).
  template <typename F>
  void Guarded(const Request& req, Response& res, F handler) {
    try {
      handler();
    } catch (const std::exception& e) {
      SendError(req, res,
                Error{ErrorCode::kInternal, "", std::string("emulator bug: ") + e.what(), 500,
                      std::nullopt});
    }
  }
  // Wraps a handler: the gate, then `body(req, res, caller)`, Guarded; a handler's Error
  // becomes the canonical body.
  template <typename F>
  httplib::Server::Handler Api(F body) {
    return [this, body](const Request& req, Response& res) {
      Guarded(req, res, [&] {
        if (auto caller = Gate(req, res)) body(req, res, *caller);
      });
    };
  }
  // Api for a streamed request body: `body(req, res, caller, reader)`.
  template <typename F>
  httplib::Server::HandlerWithContentReader ApiWithBody(F body) {
    return [this, body](const Request& req, Response& res, const httplib::ContentReader& reader) {
      Guarded(req, res, [&] {
        if (auto caller = Gate(req, res, &reader)) body(req, res, *caller, reader);
      });
    };
  }
  // Api for a JSON request body: one that does not parse answers 400, else
  // `body(req, res, caller, json)`.
  template <typename F>
  httplib::Server::Handler JsonApi(F body) {
    return Api([this, body](const Request& req, Response& res, const Caller& caller) {
      auto json = JsonBody(req);
      if (!json) return SendError(req, res, json.error());
      body(req, res, caller, *json);
    });
  }
  // Api for a list route: limit/offset checked against `max` (PageParams), then
  // `body(req, res, caller, page)`.
  template <typename F>
  httplib::Server::Handler PagedApi(int64_t max, F body) {
    return Api([this, max, body](const Request& req, Response& res, const Caller& caller) {
      auto page = PageParams(req, max);
      if (!page) return SendError(req, res, page.error());
      body(req, res, caller, *page);
    });
  }

  // Answers a JSON result with `status`, or its error.
  void Reply(const Request& req, Response& res, const Result<Json>& result, int status = 200) {
    if (result) {
      SendJson(res, status, *result);
    } else {
      SendError(req, res, result.error());
    }
  }
  void ReplyEmpty(const Request& req, Response& res, const Result<void>& result, int status = 204) {
    if (result) {
      res.status = status;
    } else {
      SendError(req, res, result.error());
    }
  }

  // ------------------------------------------------------------------ request parsing
  static Result<Json> JsonBody(const Request& req) {
    if (req.body.empty()) return Json();
    try {
      return Json::parse(req.body);
    } catch (const Json::exception&) {
      return Fail(ErrorCode::kInvalidArgument, "body", "is not valid JSON", 400);
    }
  }

  static Result<int64_t> IntParam(const Request& req, const char* name, int64_t fallback) {
    if (!req.has_param(name)) return fallback;
    const std::string text = req.get_param_value(name);
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return Fail(ErrorCode::kInvalidArgument, name, "must be an integer, got \"" + text + "\"",
                  400);
    }
    return value;
  }

  // limit/offset with the endpoint's cap (§9): limit 1..max (default 50), offset >= 0.
  static Result<Page> PageParams(const Request& req, int64_t max) {
    auto limit = IntParam(req, "limit", 50);
    if (!limit) return Fail(limit.error());
    auto offset = IntParam(req, "offset", 0);
    if (!offset) return Fail(offset.error());
    if (*limit < 1 || *limit > max) {
      return Fail(
          ErrorCode::kInvalidArgument, "limit",
          "must be between 1 and " + std::to_string(max) + ", got " + std::to_string(*limit), 400);
    }
    if (*offset < 0) {
      return Fail(ErrorCode::kInvalidArgument, "offset", "must be >= 0", 400);
    }
    return Page{*limit, *offset};
  }

  // Booleans arrive as "true", "True" (PYDOMO's str(True)), "TRUE" (§3.6).
  static Result<bool> BoolParam(const Request& req, const char* name, bool fallback) {
    if (!req.has_param(name)) return fallback;
    const std::string text = req.get_param_value(name);
    if (EqualsIgnoreCase(text, "true")) return true;
    if (EqualsIgnoreCase(text, "false")) return false;
    return Fail(ErrorCode::kInvalidArgument, name, "must be true or false, got \"" + text + "\"",
                400);
  }

  // A numeric path segment (the route's regex guarantees digits); one too large for int64 is
  // -1, which no stream, user or group has, so the answer is a 404.
  static int64_t PathInt(const Request& req, size_t index) {
    const std::string text = req.matches[index].str();
    int64_t value = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() ? value : -1;
  }

  // ------------------------------------------------------------------ routes
  void Routes();
  void TokenRoutes();
  void DatasetRoutes();
  void StreamRoutes();
  void UserRoutes();
  void InternalRoutes();
  void AdminRoutes();
  void ServeToken(const Request& req, Response& res);
  void ServeExport(const Request& req, Response& res, const Caller& caller);
  void ServeImport(const Request& req, Response& res, const Caller& caller,
                   const httplib::ContentReader& reader);
  void ServeQuery(const Request& req, Response& res, const Caller& caller);
  void ServePart(const Request& req, Response& res, const Caller& caller,
                 const httplib::ContentReader& reader);
  void Record(const Request& req, const Response& res);
};

// ---------------------------------------------------------------------------- OAuth

void Server::Impl::TokenRoutes() {
  auto handler = [this](const Request& req, Response& res) {
    try {
      ServeToken(req, res);
    } catch (const std::exception& e) {
      SendError(req, res, Error{ErrorCode::kInternal, "", e.what(), 500, std::nullopt});
    }
  };
  http.Get("/oauth/token", handler);
  http.Post("/oauth/token", handler);
}

void Server::Impl::ServeToken(const Request& req, Response& res) {
  if (auto fault = ApplyFaults("token", "")) return SendError(req, res, *fault);
  // Parameters from the query string and the form body, as the SDKs send them (§1).
  const size_t question = req.target.find('?');
  auto params = ParseFormParams(question == std::string::npos
                                    ? std::string_view()
                                    : std::string_view(req.target).substr(question + 1));
  if (req.method == "POST") {
    auto body = ParseFormParams(req.body);
    params.insert(params.end(), body.begin(), body.end());
  }
  auto param = [&](std::string_view name) -> std::optional<std::string> {
    for (const auto& [key, value] : params) {
      if (key == name) return value;
    }
    return std::nullopt;
  };
  auto basic = ParseBasicAuth(req.get_header_value("Authorization"));
  if (!basic) {
    res.set_header("WWW-Authenticate", "Basic realm=\"oauth\"");
    return SendError(
        req, res,
        Error{ErrorCode::kUnauthenticated, "",
              "Full authentication is required to access this resource", 401, std::nullopt});
  }
  auto token = state.tokens().Issue(*basic, param("grant_type").value_or(""), param("scope"));
  if (!token) {
    const Error& error = token.error();
    if (error.http_status == 401) {
      res.set_header("WWW-Authenticate", "Basic realm=\"oauth\"");
      return SendError(req, res, error);
    }
    // Spring OAuth2's error body (§1): {"error": code, "error_description": text}.
    return SendJson(res, error.http_status,
                    {{"error", error.subject}, {"error_description", error.message}});
  }
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
  SendJson(res, 200, *token);
}

// ---------------------------------------------------------------------------- DataSets

void Server::Impl::DatasetRoutes() {
  http.Get(Root("/v1/datasets"), PagedApi(50, [this](const Request& req, Response& res,
                                                     const Caller& caller, const Page& page) {
             Reply(req, res,
                   state.datasets().List(caller, page, req.get_param_value("sort"),
                                         req.get_param_value("nameLike")));
           }));
  http.Post(Root("/v1/datasets"), JsonApi([this](const Request& req, Response& res,
                                                 const Caller& caller, const Json& body) {
              Reply(req, res, state.datasets().Create(caller, body), 201);
            }));
  http.Post("/v1/datasets/query/execute/([^/]+)",
            Api([this](const Request& req, Response& res, const Caller& caller) {
              ServeQuery(req, res, caller);
            }));
  http.Get("/v1/datasets/([^/]+)/data",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             ServeExport(req, res, caller);
           }));
  http.Put("/v1/datasets/([^/]+)/data",
           ApiWithBody([this](const Request& req, Response& res, const Caller& caller,
                              const httplib::ContentReader& reader) {
             ServeImport(req, res, caller, reader);
           }));
  http.Get("/v1/datasets/([^/]+)/policies",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             auto dataset = state.datasets().Get(caller, req.matches[1]);
             if (!dataset) return SendError(req, res, dataset.error());
             SendJson(res, 200, (*dataset).value("policies", Json::array()));
           }));
  http.Get("/v1/datasets/([^/]+)",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             Reply(req, res, state.datasets().Get(caller, req.matches[1]));
           }));
  http.Put("/v1/datasets/([^/]+)", JsonApi([this](const Request& req, Response& res,
                                                  const Caller& caller, const Json& body) {
             Reply(req, res, state.datasets().Update(caller, req.matches[1], body));
           }));
  http.Delete("/v1/datasets/([^/]+)",
              Api([this](const Request& req, Response& res, const Caller& caller) {
                ReplyEmpty(req, res, state.datasets().Delete(caller, req.matches[1]));
              }));
}

void Server::Impl::ServeExport(const Request& req, Response& res, const Caller& caller) {
  const std::string id = req.matches[1];
  auto include_header = BoolParam(req, "includeHeader", false);
  if (!include_header) return SendError(req, res, include_header.error());
  auto data = state.datasets().ReadData(caller, id);
  if (!data) return SendError(req, res, data.error());
  const auto drop = faults.Take("export", id, {"drop_after_bytes"});
  const auto slow = faults.Take("export", id, {"slow"});
  if (req.has_param("fileName")) {
    res.set_header("Content-Disposition",
                   "attachment; filename=" + req.get_param_value("fileName"));
  }
  const CsvFormat format = state.config().export_format.csv;
  const uint64_t drop_after = drop ? drop->bytes : UINT64_MAX;
  // A slow fault overrides the latency model's bandwidth; the model's first byte waits here.
  const LatencyModel& latency = state.config().latency;
  const uint64_t rate = slow ? slow->bytes_per_second : latency.bytes_per_second;
  Pacer(latency, state.clock()).FirstByte();
  const bool header = *include_header;
  res.status = 200;
  // The whole body is produced in the provider's first call: rows stream straight into the
  // socket in batches, so memory stays at one batch whatever the dataset's size.
  res.set_chunked_content_provider("text/csv", [snapshot = *data, format, drop_after, rate, header](
                                                   size_t, httplib::DataSink& sink) {
    std::string batch;
    uint64_t sent = 0;
    const auto start = std::chrono::steady_clock::now();
    const size_t batch_limit =
        rate ? std::max<size_t>(1, std::min<uint64_t>(kExportBatch, rate / 10)) : kExportBatch;
    bool ok = true;
    auto flush = [&]() {
      if (sent + batch.size() >= drop_after) {
        // The drop_after_bytes fault: exactly `drop_after` bytes, then the connection
        // closes without the final chunk, so the client sees a truncated transfer.
        if (drop_after > sent) sink.write(batch.data(), drop_after - sent);
        ok = false;
        return false;
      }
      if (!sink.write(batch.data(), batch.size())) {
        ok = false;  // the client went away
        return false;
      }
      sent += batch.size();
      batch.clear();
      if (rate) {
        std::this_thread::sleep_until(start + std::chrono::milliseconds(sent * 1000 / rate));
      }
      return true;
    };
    if (header) AppendExportRecord(format, HeaderRow(snapshot->schema), batch);
    snapshot->Scan([&](const Row& row) {
      AppendExportRecord(format, row, batch);
      return batch.size() < batch_limit || flush();
    });
    if (!ok || (!batch.empty() && !flush())) return false;
    sink.done();
    return true;
  });
}

void Server::Impl::ServeImport(const Request& req, Response& res, const Caller& caller,
                               const httplib::ContentReader& reader) {
  const std::string id = req.matches[1];
  // "Case-sensitive; must be uppercase. Falls back to REPLACE if given an invalid value" (§3.7).
  const bool append = req.get_param_value("updateMethod") == "APPEND";
  auto schema = state.datasets().WritableSchema(caller, id);
  if (!schema) {
    reader([](const char*, size_t) { return true; });
    return SendError(req, res, schema.error());
  }
  RowImporter importer(*schema);
  std::optional<Error> failure;
  reader([&](const char* data, size_t size) {
    if (failure) return true;  // keep reading, so the client gets the answer
    if (auto fed = importer.Feed(std::string_view(data, size)); !fed) failure = fed.error();
    return true;
  });
  std::optional<std::vector<Row>> rows;
  if (!failure) {
    auto finished = importer.Finish();
    if (finished) {
      rows = std::move(*finished);
    } else {
      failure = finished.error();
    }
  }
  if (failure) {
    // Domo's answer names only the dataset (§2); the reason goes to the emulator's log.
    log.Warn("import into " + id + " refused: " + failure->ToString());
    return SendError(req, res,
                     Error{ErrorCode::kInvalidArgument, "",
                           "Data import failed for dataset " + id + ".", 400, std::nullopt});
  }
  ReplyEmpty(req, res, state.datasets().WriteData(caller, id, std::move(*rows), append));
}

void Server::Impl::ServeQuery(const Request& req, Response& res, const Caller& caller) {
  const std::string id = req.matches[1];
  auto body = JsonBody(req);
  if (!body) return SendError(req, res, body.error());
  if (!body->is_object() || !body->contains("sql") || !(*body)["sql"].is_string()) {
    return SendError(
        req, res,
        Error{ErrorCode::kInvalidArgument, "sql",
              "the body must be {\"sql\": \"SELECT ... FROM table\"}", 400, std::nullopt});
  }
  // The latency model, before the query runs (as Domo refuses a query past its cap): the
  // token's query takes a slot until its answer is sent (`slot` releases it when the last
  // holder goes), and waits the first byte. No model: no slot.
  const LatencyModel& latency = state.config().latency;
  std::shared_ptr<void> slot;
  if (latency.Active()) {
    const std::string token = req.get_header_value("Authorization");
    if (!query_gate.TryEnter(token)) {
      return SendError(req, res,
                       Error{ErrorCode::kResourceExhausted, "query", "Rate limit exceeded", 429,
                             std::chrono::seconds(latency.retry_after_seconds)});
    }
    slot = std::shared_ptr<void>(nullptr, [this, token](void*) { query_gate.Leave(token); });
    Pacer(latency, state.clock()).FirstByte();
  }
  auto data = state.datasets().ReadData(caller, id);
  if (!data) return SendError(req, res, data.error());
  auto plan = ParseSelect((*body)["sql"].get<std::string>(), (*data)->schema);
  if (!plan) {
    Error error = plan.error();
    error.http_status = 400;
    error.message = error.ToString();
    return SendError(req, res, error);
  }
  // Taken once the query is known to be valid, so a bad query does not use up the fault.
  const auto drop = faults.Take("query", id, {"drop_after_bytes"});
  const table::Schema& out_schema = plan->output_schema;
  Json columns = Json::array(), metadata = Json::array();
  for (const auto& column : out_schema) {
    columns.push_back(column.name);
    metadata.push_back({{"type", table::ColumnTypeName(column.type)},
                        {"dataSourceId", id},
                        {"maxLength", -1},
                        {"minLength", -1},
                        {"periodIndex", 0}});
  }
  // The rows are written as text, not as a json tree of every cell: the page is the same
  // bytes as dumping the whole answer ("rows" sorts last among the keys) at several times the
  // speed, which is what a direct-engine unload waits for.
  std::string rows = "[";
  size_t count = 0;
  (*data)->Query(*plan, [&](const Row& row) {
    if (count++ > 0) rows += ',';
    rows += '[';
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) rows += ',';
      AppendQueryValueJson(out_schema[i].type, row[i], rows);
    }
    rows += ']';
    return true;
  });
  rows += ']';
  const Json head = {{"datasource", id},
                     {"columns", columns},
                     {"metadata", metadata},
                     {"numRows", count},
                     {"numColumns", out_schema.size()},
                     {"fromcache", false}};
  std::string answer = head.dump();
  answer.pop_back();  // the closing brace: "rows" follows
  answer += ",\"rows\":";
  answer += rows;
  answer += '}';
  if (drop) return SendTruncated(res, 200, std::move(answer), kJson, drop->bytes);
  res.status = 200;
  if (!latency.Active()) return res.set_content(answer, kJson);
  // The latency model: the body streams at the model's rate, and the query keeps its slot
  // until the body has been sent (the provider, holding `slot`, is destroyed then).
  auto pacer = std::make_shared<Pacer>(latency, state.clock());
  auto page = std::make_shared<std::string>(std::move(answer));
  res.set_content_provider(
      page->size(), kJson,
      [page, pacer, slot](size_t offset, size_t length, httplib::DataSink& sink) {
        const size_t n = std::min<size_t>(length, kExportBatch);
        if (!sink.write(page->data() + offset, n)) return false;
        pacer->Sent(n);
        return true;
      });
}

// ---------------------------------------------------------------------------- Streams

void Server::Impl::StreamRoutes() {
  http.Get(Root("/v1/streams"), PagedApi(500, [this](const Request& req, Response& res,
                                                     const Caller& caller, const Page& page) {
             Reply(req, res, state.streams().List(caller, page));
           }));
  http.Post(Root("/v1/streams"), JsonApi([this](const Request& req, Response& res,
                                                const Caller& caller, const Json& body) {
              auto stream = state.streams().Create(caller, body);
              if (stream) res.set_header("Location", "/v1/streams/" + (*stream)["id"].dump());
              Reply(req, res, stream, 201);
            }));
  http.Get("/v1/streams/search",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             Reply(req, res, state.streams().Search(caller, req.get_param_value("q")));
           }));
  http.Get("/v1/streams/(\\d+)",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             Reply(req, res, state.streams().Get(caller, PathInt(req, 1)));
           }));
  http.Patch("/v1/streams/(\\d+)", JsonApi([this](const Request& req, Response& res,
                                                  const Caller& caller, const Json& body) {
               Reply(req, res, state.streams().Update(caller, PathInt(req, 1), body));
             }));
  http.Delete("/v1/streams/(\\d+)",
              Api([this](const Request& req, Response& res, const Caller& caller) {
                ReplyEmpty(req, res, state.streams().Delete(caller, PathInt(req, 1)));
              }));
  http.Post(
      "/v1/streams/(\\d+)/executions",
      JsonApi([this](const Request& req, Response& res, const Caller& caller, const Json& body) {
        // Bodies seen: none, PYDOMO {"updateMethod": ...}, JAVA the literal `null`.
        Reply(req, res, state.streams().CreateExecution(caller, PathInt(req, 1), body));
      }));
  http.Get("/v1/streams/(\\d+)/executions",
           PagedApi(500, [this](const Request& req, Response& res, const Caller& caller,
                                const Page& page) {
             Reply(req, res, state.streams().ListExecutions(caller, PathInt(req, 1), page));
           }));
  http.Put("/v1/streams/(\\d+)/executions/abort",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             auto aborted = state.streams().Abort(caller, PathInt(req, 1), std::nullopt);
             if (!aborted) return SendError(req, res, aborted.error());
             res.status = 204;
           }));
  http.Get("/v1/streams/(\\d+)/executions/(\\d+)",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             Reply(req, res,
                   state.streams().GetExecution(caller, PathInt(req, 1), PathInt(req, 2)));
           }));
  http.Put("/v1/streams/(\\d+)/executions/(\\d+)/part/(\\d+)",
           ApiWithBody([this](const Request& req, Response& res, const Caller& caller,
                              const httplib::ContentReader& reader) {
             ServePart(req, res, caller, reader);
           }));
  http.Put("/v1/streams/(\\d+)/executions/(\\d+)/commit",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             Reply(req, res, state.streams().Commit(caller, PathInt(req, 1), PathInt(req, 2)));
           }));
  http.Put("/v1/streams/(\\d+)/executions/(\\d+)/abort",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             Reply(req, res, state.streams().Abort(caller, PathInt(req, 1), PathInt(req, 2)));
           }));
}

void Server::Impl::ServePart(const Request& req, Response& res, const Caller& caller,
                             const httplib::ContentReader& reader) {
  const int64_t stream = PathInt(req, 1), execution = PathInt(req, 2), part = PathInt(req, 3);
  std::string body;
  reader([&](const char* data, size_t size) {
    body.append(data, size);
    return true;
  });
  auto schema = state.streams().Schema(caller, stream);
  if (!schema) return SendError(req, res, schema.error());
  // Content-Encoding: gzip was undone by httplib; the other two wire forms are gzip bytes
  // under Content-Type application/gzip, or under text/csv with nothing said (§5).
  if (LooksGzipped(body) ||
      req.get_header_value("Content-Type").find("application/gzip") != std::string::npos) {
    auto plain = Gunzip(body);
    if (!plain) {
      Error error = plain.error();
      error.http_status = 400;
      error.message = "part " + std::to_string(part) + ": " + error.message;
      return SendError(req, res, error);
    }
    body = std::move(*plain);
  }
  auto rows = ParseCsvRows(body, *schema);
  if (!rows) {
    Error error = rows.error();
    error.http_status = 400;
    error.message = "part " + std::to_string(part) +
                    " is not valid CSV for the stream's "
                    "schema: " +
                    error.ToString();
    return SendError(req, res, error);
  }
  Reply(req, res, state.streams().PutPart(caller, stream, execution, part, std::move(*rows)));
}

// ---------------------------------------------------------------------------- Users, groups

void Server::Impl::UserRoutes() {
  http.Get(Root("/v1/users"), PagedApi(500, [this](const Request& req, Response& res, const Caller&,
                                                   const Page& page) {
             Reply(req, res, state.identity().ListUsers(page));
           }));
  http.Post(Root("/v1/users"),
            JsonApi([this](const Request& req, Response& res, const Caller&, const Json& body) {
              Reply(req, res, state.identity().CreateUser(body));
            }));
  http.Get("/v1/users/(\\d+)", Api([this](const Request& req, Response& res, const Caller&) {
             Reply(req, res, state.identity().GetUser(PathInt(req, 1)));
           }));
  http.Put("/v1/users/(\\d+)",
           JsonApi([this](const Request& req, Response& res, const Caller&, const Json& body) {
             Reply(req, res, state.identity().UpdateUser(PathInt(req, 1), body));
           }));
  http.Delete("/v1/users/(\\d+)", Api([this](const Request& req, Response& res, const Caller&) {
                ReplyEmpty(req, res, state.identity().DeleteUser(PathInt(req, 1)));
              }));
  http.Get(Root("/v1/groups"), PagedApi(500, [this](const Request& req, Response& res,
                                                    const Caller&, const Page& page) {
             Reply(req, res, state.identity().ListGroups(page));
           }));
  http.Post(Root("/v1/groups"), JsonApi([this](const Request& req, Response& res,
                                               const Caller& caller, const Json& body) {
              Reply(req, res, state.identity().CreateGroup(caller, body));
            }));
  http.Get("/v1/groups/(\\d+)", Api([this](const Request& req, Response& res, const Caller&) {
             Reply(req, res, state.identity().GetGroup(PathInt(req, 1)));
           }));
  http.Put("/v1/groups/(\\d+)",
           JsonApi([this](const Request& req, Response& res, const Caller&, const Json& body) {
             Reply(req, res, state.identity().UpdateGroup(PathInt(req, 1), body));
           }));
  http.Delete("/v1/groups/(\\d+)", Api([this](const Request& req, Response& res, const Caller&) {
                ReplyEmpty(req, res, state.identity().DeleteGroup(PathInt(req, 1)));
              }));
  http.Get("/v1/groups/(\\d+)/users", PagedApi(500, [this](const Request& req, Response& res,
                                                           const Caller&, const Page& page) {
             Reply(req, res, state.identity().GroupMembers(PathInt(req, 1), page));
           }));
  http.Put("/v1/groups/(\\d+)/users/(\\d+)",
           Api([this](const Request& req, Response& res, const Caller&) {
             ReplyEmpty(req, res,
                        state.identity().SetMembership(PathInt(req, 1), PathInt(req, 2), true));
           }));
  http.Delete("/v1/groups/(\\d+)/users/(\\d+)",
              Api([this](const Request& req, Response& res, const Caller&) {
                ReplyEmpty(req, res,
                           state.identity().SetMembership(PathInt(req, 1), PathInt(req, 2), false));
              }));
}

// ---------------------------------------------------------------------------- Internal API

void Server::Impl::InternalRoutes() {
  http.Get("/api/data/v3/datasources/([^/]+)/permissions",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             Reply(req, res, state.permissions().List(caller, req.matches[1]));
           }));
  http.Post(
      "/api/data/v3/datasources/([^/]+)/share",
      JsonApi([this](const Request& req, Response& res, const Caller& caller, const Json& body) {
        Reply(req, res, state.permissions().Share(caller, req.matches[1], body));
      }));
  http.Delete("/api/data/v3/datasources/([^/]+)/permissions/(USER|GROUP)/(\\d+)",
              Api([this](const Request& req, Response& res, const Caller& caller) {
                ReplyEmpty(req, res,
                           state.permissions().Revoke(caller, req.matches[1], req.matches[2],
                                                      PathInt(req, 3)),
                           200);
              }));
  http.Post(
      "/api/query/v1/export/([^/]+)",
      JsonApi([this](const Request& req, Response& res, const Caller& caller, const Json& body) {
        const std::string id = req.matches[1];
        std::optional<std::string> fail_with;
        if (auto fault = faults.Take("s3export", id, {"export_error"})) {
          fail_with = fault->message.empty() ? "Injected fault: the export failed" : fault->message;
        }
        const auto slow = faults.Take("s3export", id, {"slow"});
        auto started = state.s3_exports().Start(caller, id, body, fail_with,
                                                slow ? slow->bytes_per_second : 0);
        if (started) {
          // Which keys Domo was handed, for tests (an access key ID is not a secret; the
          // secret and the token are never logged): temporary ones come with a session token.
          const bool session = body.contains("sessionToken") && body["sessionToken"].is_string() &&
                               !body["sessionToken"].get<std::string>().empty();
          log.Info("export of " + id + " writes with access key " +
                   body["awsAccessKey"].get<std::string>() +
                   (session ? " and a session token" : " and no session token"));
        }
        Reply(req, res, started);
      }));
  http.Get("/api/query/v1/export/([^/]+)",
           Api([this](const Request& req, Response& res, const Caller& caller) {
             Reply(req, res, state.s3_exports().List(caller, req.matches[1]));
           }));
}

// ---------------------------------------------------------------------------- Admin

void Server::Impl::AdminRoutes() {
  // Loopback only: the admin routes change the instance without authentication.
  auto admin = [this](auto body) {
    return [this, body](const Request& req, Response& res) {
      if (req.remote_addr != "127.0.0.1" && req.remote_addr != "::1") {
        return SendError(req, res,
                         Error{ErrorCode::kPermissionDenied, "",
                               "admin routes answer loopback clients only", 403, std::nullopt});
      }
      try {
        body(req, res);
      } catch (const std::exception& e) {
        SendError(req, res, Error{ErrorCode::kInternal, "", e.what(), 500, std::nullopt});
      }
    };
  };
  auto faults_json = [this] {
    Json list = Json::array();
    for (const auto& fault : faults.List()) list.push_back(FaultToJson(fault));
    return list;
  };
  http.Get("/__admin/faults", admin([this, faults_json](const Request&, Response& res) {
             SendJson(res, 200, faults_json());
           }));
  http.Get("/__admin/held", admin([this](const Request& req, Response& res) {
             // ?wait_ms=N waits (at most a minute) for a request to be parked.
             int64_t wait_ms = 0;
             if (req.has_param("wait_ms")) {
               const std::string text = req.get_param_value("wait_ms");
               const auto [end, ec] =
                   std::from_chars(text.data(), text.data() + text.size(), wait_ms);
               if (ec != std::errc() || end != text.data() + text.size() || wait_ms < 0) {
                 return SendError(
                     req, res,
                     Error{ErrorCode::kInvalidArgument, "wait_ms",
                           "wait_ms must be a whole number of milliseconds", 400, std::nullopt});
               }
             }
             const auto wait = std::min<std::chrono::milliseconds>(
                 std::chrono::milliseconds(wait_ms), std::chrono::minutes(1));
             SendJson(res, 200, Json{{"holding", faults.Holding(wait)}});
           }));
  http.Post("/__admin/faults", admin([this, faults_json](const Request& req, Response& res) {
              auto body = JsonBody(req);
              if (!body) return SendError(req, res, body.error());
              auto parsed = ParseFaults(*body, "faults");
              if (!parsed) {
                Error error = parsed.error();
                error.http_status = 400;
                error.message = error.ToString();
                return SendError(req, res, error);
              }
              faults.Set(std::move(*parsed));
              SendJson(res, 200, faults_json());
            }));
  http.Post(
      "/__admin/clock", admin([this](const Request& req, Response& res) {
        auto body = JsonBody(req);
        if (!body) return SendError(req, res, body.error());
        if (!body->is_object() || !body->contains("advance_seconds") ||
            !(*body)["advance_seconds"].is_number_integer() ||
            (*body)["advance_seconds"].get<int64_t>() < 0) {
          return SendError(req, res,
                           Error{ErrorCode::kInvalidArgument, "",
                                 "body must be {\"advance_seconds\": N >= 0}", 400, std::nullopt});
        }
        state.clock().Advance(std::chrono::seconds((*body)["advance_seconds"].get<int64_t>()));
        const auto now = state.clock().Now();
        SendJson(res, 200,
                 {{"now_epoch_ms",
                   std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
                       .count()}});
      }));
  http.Post("/__admin/datasets", admin([this](const Request& req, Response& res) {
              auto body = JsonBody(req);
              if (!body) return SendError(req, res, body.error());
              auto entry = ParseDatasetEntry(*body, {}, "dataset");
              Result<void> put = entry ? state.datasets().Put(std::move(*entry))
                                       : Result<void>(Fail(entry.error()));
              if (!put) {
                Error error = put.error();
                error.http_status = 400;
                error.message = error.ToString();
                return SendError(req, res, error);
              }
              SendJson(res, 200, {{"id", (*body)["id"]}});
            }));
  http.Get("/__admin/requests", admin([this](const Request&, Response& res) {
             std::lock_guard lock(log_mu);
             SendJson(res, 200, Json(std::vector<Json>(requests.begin(), requests.end())));
           }));
  http.Delete("/__admin/requests", admin([this](const Request&, Response& res) {
                std::lock_guard lock(log_mu);
                requests.clear();
                res.status = 204;
              }));
}

void Server::Impl::Record(const Request& req, const Response& res) {
  const std::string route = RouteOf(req.method, req.path, nullptr);
  log.Info(req.method + " " + req.path + " " + std::to_string(res.status) + " (" + route + ")");
  if (route == "admin") return;
  std::lock_guard lock(log_mu);
  requests.push_back(
      {{"method", req.method}, {"path", req.path}, {"status", res.status}, {"route", route}});
  if (requests.size() > kRequestLogCap) requests.pop_front();
}

void Server::Impl::Routes() {
  TokenRoutes();
  DatasetRoutes();
  StreamRoutes();
  UserRoutes();
  InternalRoutes();
  AdminRoutes();
  // Unrouted requests get the canonical 404 too; handlers' own error bodies are kept.
  const httplib::Server::HandlerWithResponse on_error =
      [this](const Request& req, Response& res) -> httplib::Server::HandlerResponse {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    SendError(req, res,
              Error{ErrorCode::kNotFound, "", "No route for " + req.method + " " + req.path,
                    res.status, std::nullopt});
    return httplib::Server::HandlerResponse::Handled;
  };
  http.set_error_handler(on_error);
  // Recorded before the answer is written (not in httplib's logger, which runs after), so a
  // client that has its answer finds the request in the log.
  http.set_post_routing_handler([this](const Request& req, Response& res) { Record(req, res); });
  // Enough workers for long exports alongside ordinary calls. With a latency model, workers
  // spend their time waiting (first byte, bandwidth): 64, so requests past the query cap reach
  // it and are answered 429 instead of queueing unseen behind the workers.
  const size_t workers = state.config().latency.Active() ? 64 : 16;
  http.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
}

Server::Server(State& state, FaultTable& faults, Logger& log)
    : impl_(std::make_unique<Impl>(state, faults, log)) {
  impl_->Routes();
}

Server::~Server() = default;

Result<int> Server::Bind(const std::string& host, int port) {
  const int bound = port == 0 ? impl_->http.bind_to_any_port(host)
                              : (impl_->http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return Fail(ErrorCode::kUnavailable, host + ":" + std::to_string(port),
                "cannot listen there (in use, or not a local address)");
  }
  return bound;
}

void Server::Run() { impl_->http.listen_after_bind(); }
void Server::Stop() { impl_->http.stop(); }

}  // namespace s3u::emulator
