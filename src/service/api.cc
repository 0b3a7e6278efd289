#include "service/api.h"

#include <fmt/format.h>
#include <httplib.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "core/executor.h"
#include "core/text.h"
#include "core/time_format.h"
#include "core/version.h"
#include "domo/access_check.h"
#include "jobs/accounts.h"
#include "jobs/clients.h"
#include "s3/access_check.h"
#include "service/admission.h"
#include "service/api_token.h"
#include "service/aws_environment.h"
#include "service/backfill.h"
#include "service/forms.h"
#include "service/notifications.h"
#include "service/role_policies.h"
#include "service/run_log.h"
#include "service/schedule.h"
#include "service/web_assets.h"
#include "table/day_range.h"
#include "table/day_window.h"
#include "table/types.h"
#include "unload/runner.h"

namespace s3u::service {
namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

constexpr const char* kJson = "application/json";
constexpr size_t kConnectionThreads = 128;
// Connections the kernel queues before they are accepted (see Api::Bind).
constexpr int kListenBacklog = 1024;
constexpr std::chrono::seconds kReadTimeout{5};

int StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kResourceExhausted:
      return 429;
    default:
      return 500;
  }
}

json OptionalMs(const std::optional<int64_t>& ms) { return ms ? json(*ms) : json(nullptr); }

// The fields a store error may concern, shown beside them by the page.
const std::set<std::string> kFormFields = {"name", "domo_account_id", "aws_account_id", "kind"};

}  // namespace

struct Api::Impl {
  store::Store& store;
  Scheduler& scheduler;
  Backfills& backfills;
  Clock& clock;
  Logger& log;
  ApiOptions options;
  // An SSLServer when options.tls_cert is set; its validity is checked by Bind.
  std::unique_ptr<httplib::Server> server;
  httplib::Server& http;
  std::atomic<bool> stopping{false};
  std::atomic<bool> run_ended{false};
  // The token's hash as last read from the store (options.token_hash at first).
  std::mutex token_mu;
  std::string token_hash;                                           // GUARDED_BY(token_mu)
  std::optional<std::chrono::steady_clock::time_point> token_read;  // GUARDED_BY(token_mu)
  // The listening socket, seen by the socket-options hook before httplib binds it (-1 until
  // then); Bind widens its accept queue.
  std::atomic<socket_t> listener{INVALID_SOCKET};

  Impl(store::Store& s, Scheduler& sch, Backfills& b, Clock& c, Logger& l, ApiOptions o)
      : store(s),
        scheduler(sch),
        backfills(b),
        clock(c),
        log(l),
        options(std::move(o)),
        server(options.tls_cert.empty() ? std::make_unique<httplib::Server>()
                                        : std::make_unique<httplib::SSLServer>(
                                              options.tls_cert.c_str(), options.tls_key.c_str())),
        http(*server),
        token_hash(options.token_hash) {}

  // The API token's hash: re-read from the store at most once a second, so that a token
  // replaced by another process of a shared store (`serve --new-token`) is the only one
  // accepted here too within a second. When the store cannot answer, the last hash read.
  std::string TokenHash() {
    std::lock_guard lock(token_mu);
    const auto now = clock.Monotonic();
    if (!token_read || now - *token_read >= std::chrono::seconds(1)) {
      token_read = now;
      if (auto stored = store.GetSetting(kApiTokenSetting); stored && *stored) {
        token_hash = **stored;
      }
    }
    return token_hash;
  }

  // ---- responses

  static void SendJson(Response& res, int status, const json& body) {
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    res.set_content(body.dump(), kJson);
  }

  void SendError(Response& res, const Error& error, const FieldErrors& fields = {}) {
    json e = {{"code", std::string(CodeName(error.code))},
              {"subject", error.subject},
              {"message", log.Redact(error.message)}};
    json list = json::array();
    for (const FieldError& f : fields) {
      list.push_back({{"field", f.field}, {"message", log.Redact(f.message)}});
    }
    if (fields.empty() && kFormFields.count(error.subject) > 0) {
      list.push_back({{"field", error.subject}, {"message", log.Redact(error.message)}});
    }
    if (!list.empty()) e["fields"] = list;
    const int status = error.http_status != 0 ? error.http_status : StatusFor(error.code);
    if (status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"s3unload\"");
    if (status >= 500) log.Error("API error: " + error.ToString());
    SendJson(res, status, {{"error", e}});
  }

  void SendFieldErrors(Response& res, const FieldErrors& fields, std::string_view what) {
    SendError(res, JoinFieldErrors(fields, what), fields);
  }

  // ---- requests

  using Handler = std::function<void(const Request&, Response&)>;

  // Runs `handler`; exceptions become 500s, never a crash. The token was checked before
  // (Admit, in the pre-routing hook), so no handler runs without it.
  Handler Guard(Handler handler) {
    return [this, handler](const Request& req, Response& res) {
      try {
        handler(req, res);
      } catch (const std::exception& e) {
        SendError(res, Error{ErrorCode::kInternal, req.path, e.what(), 0, {}});
      }
    };
  }

  // A route that takes a body: the body is read here, at most kMaxBodyBytes of it whether
  // sized or chunked (Admit refused larger sizes already), then `handler` runs with it.
  httplib::Server::HandlerWithContentReader WithBody(Handler handler) {
    Handler guarded = Guard(std::move(handler));
    return [this, guarded](const Request& req, Response& res,
                           const httplib::ContentReader& reader) {
      Request with_body = req;  // its matches point into req.path, which outlives the call
      // No length and not chunked: no body (reading would wait for the client to close).
      if (req.has_header("Content-Length") || IsChunked(req)) {
        bool too_large = false;
        const bool read = reader([&](const char* data, size_t size) {
          if (with_body.body.size() + size > kMaxBodyBytes) {
            too_large = true;
            return false;
          }
          with_body.body.append(data, size);
          return true;
        });
        if (too_large) return SendError(res, BodyTooLarge());
        if (!read) {
          return SendError(res, Error{ErrorCode::kInvalidArgument,
                                      "body",
                                      "the request body ended early or its chunks are malformed",
                                      0,
                                      {}});
        }
      }
      guarded(with_body, res);
    };
  }

  static bool IsChunked(const Request& req) {
    return AsciiLower(req.get_header_value("Transfer-Encoding")).find("chunked") !=
           std::string::npos;
  }

  // The pre-routing hook: what Admit refuses is answered before any of the body is read.
  // The connection is closed after every answer (keep-alive count 1), so a refused body is
  // never read as a next request.
  httplib::Server::HandlerResponse AdmitOrRefuse(const Request& req, Response& res) {
    RequestHead head;
    head.method = req.method;
    head.path = req.path;
    const std::string authorization = req.get_header_value("Authorization");
    head.authorization = authorization;
    head.has_content_length_header = req.has_header("Content-Length");
    if (head.has_content_length_header) {
      const std::string text = req.get_header_value("Content-Length");
      uint64_t length = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
        head.content_length = length;
      }
    }
    head.chunked = IsChunked(req);
    const std::string content_type = req.get_header_value("Content-Type");
    head.content_type = content_type;
    auto refused =
        Admit(head, [this](std::string_view token) { return ApiTokenMatches(token, TokenHash()); });
    if (!refused) return httplib::Server::HandlerResponse::Unhandled;
    SendError(res, *refused);
    return httplib::Server::HandlerResponse::Handled;
  }

  // The JSON body; a 400 is sent and nullopt returned when it is not JSON.
  std::optional<json> Body(const Request& req, Response& res, bool empty_is_object = false) {
    if (req.body.empty() && empty_is_object) return json::object();
    auto body = ParseBody(req.body);
    if (!body) {
      SendFieldErrors(res, body.error(), "the request");
      return std::nullopt;
    }
    return std::move(*body);
  }

  // ---- accounts

  std::map<std::string, std::vector<std::string>> AccountUsers() {
    std::map<std::string, std::vector<std::string>> users;
    if (auto connectors = store.ListConnectors()) {
      for (const auto& c : *connectors) {
        users[c.domo_account_id].push_back(c.id);
        users[c.aws_account_id].push_back(c.id);
      }
    }
    return users;
  }

  json AccountOut(const store::Account& a) { return AccountJson(a, AccountUsers()[a.id]); }

  // Runs the checks of check-s3 / check-domo with the account's credentials. A test answers
  // within seconds: a dead endpoint is reported, not waited out for a run's retry budget.
  static jobs::Transport TestTransport() {
    jobs::Transport transport;
    transport.retry_budget = std::chrono::seconds(10);
    return transport;
  }
  // Who a role account's base credentials are (the principal its trust policy must name),
  // learnt whether or not the role can be assumed yet; recorded for the trust policy of the
  // saved account `record_id` unless it is empty.
  json TestRoleBase(const store::Account& account, const jobs::S3Source& source,
                    const std::string& record_id, Logger& quiet) {
    jobs::S3Source base_source = source;
    base_source.role_arn.reset();
    base_source.external_id.reset();
    base_source.role_session_name.reset();
    auto base = jobs::OpenS3(base_source, ServiceEnvironment(base_source), TestTransport(),
                             *options.run_clock, quiet);
    jobs::Identity identity{"", "GetCallerIdentity", ""};
    if (base) {
      identity = jobs::SigningIdentity(**base);
    } else {
      identity.note = base.error().message;
    }
    identity.note = quiet.Redact(identity.note);
    if (!record_id.empty() && !identity.arn.empty() && identity.arn != account.base_identity_arn) {
      if (auto ok = store.SetRoleBaseIdentity(record_id, identity.arn); !ok) {
        log.Warn("account " + record_id + ": " + ok.error().ToString());
      }
    }
    return jobs::IdentityJson(identity);
  }

  // `base`: a role account's base account (RoleBaseOf), null otherwise. `record_id`: see
  // TestRoleBase.
  json TestAccount(const store::Account& account, const store::Account* base,
                   const std::string& record_id) {
    Logger quiet(LogLevel::kOff);
    json out = {{"kind", std::string(store::AccountKindName(account.kind))}};
    if (store::IsS3Kind(account.kind)) {
      const jobs::S3Source source = jobs::S3SourceFor(account, base);
      if (account.kind == store::AccountKind::kRole) {
        out["base_identity"] = TestRoleBase(account, source, record_id, quiet);
      }
      auto bundle = jobs::OpenS3(source, ServiceEnvironment(source), TestTransport(),
                                 *options.run_clock, quiet);
      Result<s3::S3AccessReport> report =
          bundle
              ? s3::CheckS3Access(*(*bundle)->client, account.bucket, "", s3::RandomProbeSuffix())
              : Result<s3::S3AccessReport>(Fail(bundle.error()));
      if (!report) {
        out["ok"] = false;
        out["summary"] = quiet.Redact(report.error().ToString());
        out["report"] = nullptr;
        out["identity"] = nullptr;
        return out;
      }
      jobs::Identity identity = jobs::SigningIdentity(**bundle);
      identity.note = quiet.Redact(identity.note);
      out["identity"] = jobs::IdentityJson(identity);
      out["ok"] = report->can_upload;
      out["summary"] = report->can_upload ? "uploads will work"
                                          : "uploads will FAIL: s3:PutObject is not granted";
      out["report"] = s3::S3AccessJson(*report);
    } else {
      auto bundle =
          jobs::OpenDomo(jobs::DomoOptionsFor(account), TestTransport(), *options.run_clock, quiet);
      Result<domo::DomoAccessReport> report =
          bundle ? domo::CheckDomoAccess(*(*bundle)->client, *options.run_clock, std::nullopt,
                                         std::nullopt, (*bundle)->options.api_url,
                                         account.domo_client_id)
                 : Result<domo::DomoAccessReport>(Fail(bundle.error()));
      if (!report) {
        out["ok"] = false;
        out["summary"] = quiet.Redact(report.error().ToString());
        out["report"] = nullptr;
        return out;
      }
      out["ok"] = true;
      std::string scopes;
      for (const auto& s : report->token.scopes) scopes += (scopes.empty() ? "" : " ") + s;
      out["summary"] = fmt::format("a token was granted for user {} (scopes: {})",
                                   report->token.user_id, scopes);
      out["report"] = domo::DomoAccessJson(*report);
    }
    return out;
  }

  // A role account's base account (nullopt: none, or another kind); its problems are
  // appended to `errors` (jobs::RoleBase: no such AWS account, an endpoint its keys were not
  // saved for).
  std::optional<store::Account> RoleBaseOf(const store::Account& account, FieldErrors& errors) {
    auto base = jobs::RoleBase(store, account);
    if (!base) {
      errors.insert(errors.end(), base.error().begin(), base.error().end());
      return std::nullopt;
    }
    return std::move(*base);
  }

  // Tests `account` (an unsaved form, or a saved account with an edit merged in), with its
  // base account; a 400 naming the fields when the base does not fit. `saved`: the account as
  // saved, when `account` is one (edited or not).
  void SendTest(Response& res, const store::Account& account, const store::Account* saved) {
    FieldErrors errors;
    auto base = RoleBaseOf(account, errors);
    if (!errors.empty()) return SendFieldErrors(res, errors, "the account");
    // What the base credentials are is kept for the saved account while the edit tested
    // leaves its base and endpoint as saved (the store forgets it when either changes).
    const bool saved_base = saved != nullptr && saved->kind == store::AccountKind::kRole &&
                            saved->base_account_id == account.base_account_id &&
                            saved->endpoint_url == account.endpoint_url;
    SendJson(res, 200,
             TestAccount(account, base ? &*base : nullptr, saved_base ? saved->id : std::string()));
  }

  void AccountRoutes() {
    http.Get("/api/v1/accounts", Guard([this](const Request&, Response& res) {
               auto accounts = store.ListAccounts();
               if (!accounts) return SendError(res, accounts.error());
               auto users = AccountUsers();
               json list = json::array();
               for (const auto& a : *accounts) list.push_back(AccountJson(a, users[a.id]));
               SendJson(res, 200, {{"accounts", list}});
             }));
    http.Post("/api/v1/accounts/test", WithBody([this](const Request& req, Response& res) {
                auto body = Body(req, res);
                if (!body) return;
                auto form = ParseAccountForm(*body, std::nullopt);
                if (!form) return SendFieldErrors(res, form.error(), "the account");
                SendTest(res, form->account, nullptr);
              }));
    http.Post("/api/v1/accounts", WithBody([this](const Request& req, Response& res) {
                auto body = Body(req, res);
                if (!body) return;
                auto form = ParseAccountForm(*body, std::nullopt);
                if (!form) return SendFieldErrors(res, form.error(), "the account");
                FieldErrors errors;
                RoleBaseOf(form->account, errors);
                if (!errors.empty()) return SendFieldErrors(res, errors, "the account");
                auto created = store.CreateAccount(form->account);
                if (!created) return SendError(res, created.error());
                log.Info("account " + created->name + " created (" + created->id + ")");
                SendJson(res, 201, AccountOut(*created));
              }));
    http.Get("/api/v1/accounts/([^/]+)", Guard([this](const Request& req, Response& res) {
               auto account = store.GetAccount(req.matches[1].str());
               if (!account) return SendError(res, account.error());
               SendJson(res, 200, AccountOut(*account));
             }));
    http.Put("/api/v1/accounts/([^/]+)", WithBody([this](const Request& req, Response& res) {
               auto existing = store.GetAccount(req.matches[1].str());
               if (!existing) return SendError(res, existing.error());
               auto body = Body(req, res);
               if (!body) return;
               auto form = ParseAccountForm(*body, existing->kind);
               if (!form) return SendFieldErrors(res, form.error(), "the account");
               // The saved secrets stay with the address they were saved for.
               auto checked = WithSavedSecrets(*existing, *form);
               if (!checked) return SendFieldErrors(res, checked.error(), "the account");
               checked->id = existing->id;
               FieldErrors errors;
               RoleBaseOf(*checked, errors);
               if (!errors.empty()) return SendFieldErrors(res, errors, "the account");
               auto updated = store.UpdateAccount(*checked, form->clear_session_token);
               if (!updated) return SendError(res, updated.error());
               SendJson(res, 200, AccountOut(*updated));
             }));
    http.Delete("/api/v1/accounts/([^/]+)", Guard([this](const Request& req, Response& res) {
                  if (auto ok = store.DeleteAccount(req.matches[1].str()); !ok) {
                    return SendError(res, ok.error());
                  }
                  res.status = 204;
                }));
    // An optional body is an edit not saved yet: its values are tested, with the saved
    // secrets wherever it leaves them out, unless it moves them elsewhere (WithSavedSecrets).
    http.Post("/api/v1/accounts/([^/]+)/test", WithBody([this](const Request& req, Response& res) {
                auto account = store.GetAccount(req.matches[1].str());
                if (!account) return SendError(res, account.error());
                if (!req.body.empty()) {
                  auto body = Body(req, res);
                  if (!body) return;
                  auto form = ParseAccountForm(*body, account->kind);
                  if (!form) return SendFieldErrors(res, form.error(), "the account");
                  auto edited = WithSavedSecrets(*account, *form);
                  if (!edited) return SendFieldErrors(res, edited.error(), "the account");
                  return SendTest(res, *edited, &*account);
                }
                SendTest(res, *account, &*account);
              }));
    // What to paste into the role of a role account (service/role_policies.h).
    http.Get("/api/v1/accounts/([^/]+)/trust-policy",
             Guard([this](const Request& req, Response& res) {
               auto account = store.GetAccount(req.matches[1].str());
               if (!account) return SendError(res, account.error());
               if (account->kind != store::AccountKind::kRole) {
                 return SendError(res, Error{ErrorCode::kNotFound,
                                             "account " + account->id,
                                             "account \"" + account->name +
                                                 "\" is not an AWS role account; only those "
                                                 "have a trust policy",
                                             0,
                                             {}});
               }
               res.status = 200;
               res.set_header("Cache-Control", "no-store");
               res.set_content(RolePoliciesJson(*account).dump(), kJson);
             }));
  }

  // ---- connectors

  // Everything wrong with a connector form, the accounts and the job included (appended to
  // `errors`, which holds the form's own problems); the job when nothing is.
  std::optional<unload::JobSpec> Validate(const ConnectorForm& form, FieldErrors& errors) {
    // The account `id` when it is of a kind `accepts`; else a problem for `field`.
    auto account = [&](const std::string& id, bool (*accepts)(store::AccountKind),
                       const char* field, const char* needed) -> std::optional<store::Account> {
      if (id.empty()) return std::nullopt;  // reported as required already
      auto a = store.GetAccount(id);
      if (!a) {
        errors.push_back({field, a.error().code == ErrorCode::kNotFound ? "no saved account " + id
                                                                        : a.error().message});
        return std::nullopt;
      }
      if (!accepts(a->kind)) {
        errors.push_back({field, fmt::format("{} is {} {} account; {} is needed", a->name,
                                             a->kind == store::AccountKind::kDomo ? "a" : "an",
                                             store::AccountKindTitle(a->kind), needed)});
        return std::nullopt;
      }
      return *a;
    };
    auto domo = account(
        form.domo_account_id,
        [](store::AccountKind kind) { return kind == store::AccountKind::kDomo; },
        "domo_account_id", "a Domo account");
    auto aws = account(form.aws_account_id, store::IsS3Kind, "aws_account_id",
                       "an AWS account or an AWS role account");
    // A role account's base: its problems are the AWS account's.
    std::optional<store::Account> aws_base;
    if (aws) {
      FieldErrors base_errors;
      aws_base = RoleBaseOf(*aws, base_errors);
      for (const FieldError& e : base_errors) {
        errors.push_back({"aws_account_id", aws->name + ": " + e.field + ": " + e.message});
      }
    }
    auto spec = ConnectorJobSpec(form, domo ? &*domo : nullptr, aws ? &*aws : nullptr,
                                 aws_base ? &*aws_base : nullptr);
    if (!spec) {
      for (const FieldError& e : spec.error()) {
        // A field the form already reported (name, settings) is said once.
        if (std::find(errors.begin(), errors.end(), e) == errors.end()) errors.push_back(e);
      }
      return std::nullopt;
    }
    if (!errors.empty()) return std::nullopt;
    return std::move(*spec);
  }

  // The form, checked whole, with its job; a 400 is sent and nullopt returned when anything is
  // wrong.
  struct CheckedConnector {
    ConnectorForm form;
    unload::JobSpec spec;
  };
  std::optional<CheckedConnector> CheckedForm(const Request& req, Response& res) {
    auto body = Body(req, res);
    if (!body) return std::nullopt;
    FieldErrors errors;
    ConnectorForm form = ParseConnectorFormPartly(*body, errors);
    std::optional<unload::JobSpec> spec;
    if (body->is_object()) spec = Validate(form, errors);
    if (!spec) {  // ParseConnectorFormPartly or Validate said why
      SendFieldErrors(res, errors, "the connector");
      return std::nullopt;
    }
    return CheckedConnector{std::move(form), std::move(*spec)};
  }

  // What `s3unload run --dry-run` does, for a connector's job (issue 14 item 5): with the
  // accounts' credentials, against Domo: the dataset is there and readable, the primary key
  // and date column exist, the ownership rule holds; the day's window, its row count and the
  // first object key. A finding is `200 {"ok": false, ...}` (the check ran; as for an account
  // test) with `fields` naming the setting it concerns, so the page shows it beside it.
  json CheckJob(const unload::JobSpec& spec) {
    Logger quiet(LogLevel::kOff);
    auto finding = [&](const Error& error) {
      Error e = error;
      e.message = quiet.Redact(e.message);
      e.subject = quiet.Redact(e.subject);
      std::string field;
      for (const char* section : {"details.", "writeback.", "output.", "s3.", "tuning."}) {
        if (e.subject.rfind(section, 0) == 0) field = e.subject;
      }
      if (field.empty() && e.subject == "dataset " + spec.input_dataset_id) {
        field = "details.input_dataset";
      }
      json out = {{"ok", false},
                  {"error",
                   {{"code", std::string(CodeName(e.code))},
                    {"message", e.ToString()},
                    {"field", field.empty() ? json(nullptr) : json(field)}}},
                  {"fields", json::array()},
                  {"plan", nullptr}};
      if (!field.empty()) out["fields"].push_back({{"field", field}, {"message", e.message}});
      return out;
    };
    auto clients = jobs::OpenJobClients(spec, ServiceEnvironment(jobs::S3SourceFor(spec)),
                                        TestTransport(), *options.run_clock, quiet);
    if (!clients) return finding(clients.error());
    ThreadPool pool(1);
    unload::RunDeps deps{*(*clients).domo->client, *(*clients).s3->client, pool, *options.run_clock,
                         quiet};
    auto plan = unload::PlanRun(spec, deps);
    if (!plan) return finding(plan.error());
    return {{"ok", true}, {"plan", unload::RunPlanJson(*plan)}, {"fields", json::array()}};
  }

  json ConnectorOut(const store::ConnectorRecord& c) {
    json j = {{"id", c.id},
              {"name", c.name},
              {"enabled", c.enabled},
              {"domo_account_id", c.domo_account_id},
              {"aws_account_id", c.aws_account_id},
              {"created_ms", c.created_ms},
              {"updated_ms", c.updated_ms},
              {"next_run_ms", OptionalMs(c.next_run_ms)},
              {"next_run", c.next_run_ms ? json(IsoUtc(*c.next_run_ms)) : json(nullptr)},
              {"retry_due_ms", OptionalMs(c.retry_due_ms)},
              {"retry_attempt", c.retry_due_ms ? json(c.retry_attempt) : json(nullptr)},
              {"last_run", nullptr}};
    auto form = FromRecord(c);
    if (form) {
      j["settings"] = form->settings;
      j["schedule"] = ScheduleToJson(form->schedule);
      j["schedule_text"] = DescribeSchedule(form->schedule);
      j["retry"] = RetryJson(form->retry);
    } else {
      j["error"] = {{"code", std::string(CodeName(form.error().code))},
                    {"message", form.error().message}};
    }
    const auto running = scheduler.RunningRun(c.id);
    j["running_run_id"] = running ? json(*running) : json(nullptr);
    const auto backfill = backfills.LatestOf(c.id);
    j["backfill_id"] = backfill ? json(*backfill) : json(nullptr);
    j["state"] = running          ? "running"
                 : !c.enabled     ? "disabled"
                 : c.retry_due_ms ? "retry_pending"
                 : c.next_run_ms  ? "scheduled"
                                  : "manual";
    store::RunFilter filter;
    filter.connector_id = c.id;
    filter.limit = 1;
    if (auto runs = store.ListRuns(filter); runs && !runs->empty()) {
      j["last_run"] = store::RunJson(runs->front());
    }
    return j;
  }

  // A connector's response after a change that moves its schedule.
  void SendRescheduled(Response& res, int status, const std::string& id) {
    if (auto ok = scheduler.Reschedule(id); !ok) return SendError(res, ok.error());
    auto stored = store.GetConnector(id);
    if (!stored) return SendError(res, stored.error());
    SendJson(res, status, ConnectorOut(*stored));
  }

  void SetEnabled(const Request& req, Response& res, bool enabled) {
    auto c = store.GetConnector(req.matches[1].str());
    if (!c) return SendError(res, c.error());
    c->enabled = enabled;
    auto updated = store.UpdateConnector(*c);
    if (!updated) return SendError(res, updated.error());
    log.Info(fmt::format("connector {} {}", c->name, enabled ? "enabled" : "disabled"));
    SendRescheduled(res, 200, c->id);
  }

  void ConnectorRoutes() {
    http.Get("/api/v1/connectors", Guard([this](const Request&, Response& res) {
               auto connectors = store.ListConnectors();
               if (!connectors) return SendError(res, connectors.error());
               json list = json::array();
               for (const auto& c : *connectors) list.push_back(ConnectorOut(c));
               SendJson(res, 200, {{"connectors", list}});
             }));
    http.Post("/api/v1/connectors/validate", WithBody([this](const Request& req, Response& res) {
                if (CheckedForm(req, res)) SendJson(res, 200, {{"ok", true}});
              }));
    http.Post("/api/v1/connectors/check", WithBody([this](const Request& req, Response& res) {
                if (auto checked = CheckedForm(req, res)) {
                  SendJson(res, 200, CheckJob(checked->spec));
                }
              }));
    http.Post("/api/v1/connectors/([^/]+)/check",
              WithBody([this](const Request& req, Response& res) {
                auto c = store.GetConnector(req.matches[1].str());
                if (!c) return SendError(res, c.error());
                auto form = FromRecord(*c);
                if (!form) return SendError(res, form.error());
                FieldErrors errors;
                auto spec = Validate(*form, errors);
                if (!spec) return SendFieldErrors(res, errors, "the connector");
                SendJson(res, 200, CheckJob(*spec));
              }));
    http.Post("/api/v1/connectors", WithBody([this](const Request& req, Response& res) {
                auto checked = CheckedForm(req, res);
                if (!checked) return;
                auto created = store.CreateConnector(ToRecord(checked->form));
                if (!created) return SendError(res, created.error());
                log.Info("connector " + created->name + " created (" + created->id + ")");
                SendRescheduled(res, 201, created->id);
              }));
    http.Get("/api/v1/connectors/([^/]+)", Guard([this](const Request& req, Response& res) {
               auto c = store.GetConnector(req.matches[1].str());
               if (!c) return SendError(res, c.error());
               SendJson(res, 200, ConnectorOut(*c));
             }));
    http.Put("/api/v1/connectors/([^/]+)", WithBody([this](const Request& req, Response& res) {
               auto existing = store.GetConnector(req.matches[1].str());
               if (!existing) return SendError(res, existing.error());
               auto checked = CheckedForm(req, res);
               if (!checked) return;
               store::ConnectorRecord record = ToRecord(checked->form);
               record.id = existing->id;
               auto updated = store.UpdateConnector(record);
               if (!updated) return SendError(res, updated.error());
               SendRescheduled(res, 200, existing->id);
             }));
    http.Delete("/api/v1/connectors/([^/]+)", Guard([this](const Request& req, Response& res) {
                  const std::string id = req.matches[1].str();
                  auto c = store.GetConnector(id);
                  if (!c) return SendError(res, c.error());
                  if (auto running = scheduler.RunningRun(id)) {
                    return SendError(res, Error{ErrorCode::kFailedPrecondition,
                                                "connector " + c->name,
                                                "run " + *running + " is running; cancel it first",
                                                0,
                                                {}});
                  }
                  if (auto ok = store.DeleteConnector(id); !ok) return SendError(res, ok.error());
                  log.Info("connector " + c->name + " deleted; its run history is kept");
                  res.status = 204;
                }));
    http.Post("/api/v1/connectors/([^/]+)/run", WithBody([this](const Request& req, Response& res) {
                auto body = Body(req, res, true);
                if (!body) return;
                std::optional<int> day;
                FieldErrors errors;
                if (!body->is_object()) {
                  errors.push_back({"body", "expected a JSON object"});
                } else {
                  for (const auto& [key, value] : body->items()) {
                    if (key != "specific_day") {
                      errors.push_back({key, "unknown field; the only one is specific_day"});
                    } else if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
                               value.get<int64_t>() > 3650) {
                      errors.push_back({key, "expected a whole number of days ago, 0 to 3650"});
                    } else {
                      day = value.get<int>();
                    }
                  }
                }
                if (!errors.empty()) return SendFieldErrors(res, errors, "the request");
                auto run = scheduler.RunNow(req.matches[1].str(), day);
                if (!run) return SendError(res, run.error());
                SendJson(res, 202, {{"run_id", *run}});
              }));
    http.Post("/api/v1/connectors/([^/]+)/cancel",
              WithBody([this](const Request& req, Response& res) {
                auto run = scheduler.Cancel(req.matches[1].str());
                if (!run) return SendError(res, run.error());
                SendJson(res, 202, {{"run_id", *run}});
              }));
    http.Post("/api/v1/connectors/([^/]+)/enable",
              WithBody([this](const Request& req, Response& res) { SetEnabled(req, res, true); }));
    http.Post("/api/v1/connectors/([^/]+)/disable",
              WithBody([this](const Request& req, Response& res) { SetEnabled(req, res, false); }));
    http.Get("/api/v1/connectors/([^/]+)/runs", Guard([this](const Request& req, Response& res) {
               auto c = store.GetConnector(req.matches[1].str());
               if (!c) return SendError(res, c.error());
               ListRuns(req, res, c->id);
             }));
  }

  // ---- backfills (service/backfill.h)

  void BackfillRoutes() {
    http.Post("/api/v1/connectors/([^/]+)/backfill",
              WithBody([this](const Request& req, Response& res) {
                auto body = Body(req, res);
                if (!body) return;
                FieldErrors errors;
                std::map<std::string, std::string> dates;
                if (!body->is_object()) {
                  errors.push_back({"body", "expected a JSON object"});
                } else {
                  for (const auto& [key, value] : body->items()) {
                    if (key != "from" && key != "to") {
                      errors.push_back({key, "unknown field; the fields are from and to"});
                    } else if (!value.is_string()) {
                      errors.push_back({key, "expected a date as a string, YYYY-MM-DD"});
                    } else {
                      dates[key] = value.get<std::string>();
                    }
                  }
                  for (const char* key : {"from", "to"}) {
                    if (!body->contains(key)) errors.push_back({key, "required, YYYY-MM-DD"});
                  }
                }
                if (!errors.empty()) return SendFieldErrors(res, errors, "the request");
                auto c = store.GetConnector(req.matches[1].str());
                if (!c) return SendError(res, c.error());
                // The connector's zone was checked when it was saved.
                auto zone = table::FindTimeZone(ConnectorTimeZone(*c), "details.time_zone");
                if (!zone) return SendError(res, zone.error());
                auto days = table::BackfillDates(dates["from"], dates["to"],
                                                 options.run_clock->Now(), **zone, "from", "to");
                if (!days) return SendFieldErrors(res, days.error(), "the request");
                auto started = backfills.Start(*c, std::move(*days));
                if (!started) return SendError(res, started.error());
                SendJson(res, 202, BackfillJson(*started));
              }));
    http.Get("/api/v1/backfills/([^/]+)", Guard([this](const Request& req, Response& res) {
               auto backfill = backfills.Get(req.matches[1].str());
               if (!backfill) return SendError(res, backfill.error());
               SendJson(res, 200, BackfillJson(*backfill));
             }));
    http.Post("/api/v1/backfills/([^/]+)/cancel",
              WithBody([this](const Request& req, Response& res) {
                auto backfill = backfills.Cancel(req.matches[1].str());
                if (!backfill) return SendError(res, backfill.error());
                SendJson(res, 202, BackfillJson(*backfill));
              }));
  }

  // ---- notifications (service/notifications.h); secrets go in, never out

  struct SavedNotifications {
    std::optional<NotificationSettings> settings;  // nullopt: none saved
    bool failing = false;
  };
  // The connector's saved settings; an error (unknown connector, ...) is sent as the answer.
  std::optional<SavedNotifications> LoadNotifications(const std::string& connector_id,
                                                      Response& res) {
    auto c = store.GetConnector(connector_id);
    if (!c) return SendError(res, c.error()), std::nullopt;
    auto record = store.GetNotifications(c->id);
    if (!record) return SendError(res, record.error()), std::nullopt;
    if (!*record) return SavedNotifications{};
    auto settings = NotificationsFromRecord(**record);
    if (!settings) return SendError(res, settings.error()), std::nullopt;
    return SavedNotifications{std::move(*settings), (*record)->failing};
  }

  void NotificationRoutes() {
    const std::string path = "/api/v1/connectors/([^/]+)/notifications";
    http.Get(path, Guard([this](const Request& req, Response& res) {
               auto saved = LoadNotifications(req.matches[1].str(), res);
               if (!saved) return;
               SendJson(res, 200,
                        NotificationsJson(saved->settings.value_or(NotificationSettings{}),
                                          saved->failing));
             }));
    http.Put(
        path, WithBody([this](const Request& req, Response& res) {
          auto body = Body(req, res);
          if (!body) return;
          auto saved = LoadNotifications(req.matches[1].str(), res);
          if (!saved) return;
          auto form = ParseNotificationForm(*body, saved->settings ? &*saved->settings : nullptr);
          if (!form) return SendFieldErrors(res, form.error(), "the notifications");
          auto stored = store.SaveNotifications(NotificationsToRecord(req.matches[1].str(), *form));
          if (!stored) return SendError(res, stored.error());
          SendJson(res, 200, NotificationsJson(*form, stored->failing));
        }));
    http.Get(path + "/deliveries", Guard([this](const Request& req, Response& res) {
               auto c = store.GetConnector(req.matches[1].str());
               if (!c) return SendError(res, c.error());
               int limit = 50;
               if (req.has_param("limit")) {
                 const std::string text = req.get_param_value("limit");
                 auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
                 if (ec != std::errc() || end != text.data() + text.size() || limit < 1 ||
                     limit > store::kMaxRunsPerPage) {
                   return SendFieldErrors(
                       res, {{"limit", "expected a whole number from 1 to 1000"}}, "the query");
                 }
               }
               auto list = store.ListDeliveries(c->id, limit);
               if (!list) return SendError(res, list.error());
               json out = json::array();
               for (const store::DeliveryRecord& d : *list) out.push_back(DeliveryJson(d));
               SendJson(res, 200, {{"deliveries", out}});
             }));
  }

  // ---- runs

  void ListRuns(const Request& req, Response& res, std::optional<std::string> connector_id) {
    store::RunFilter filter;
    filter.connector_id = std::move(connector_id);
    FieldErrors errors;
    if (req.has_param("limit")) {
      const std::string text = req.get_param_value("limit");
      try {
        size_t used = 0;
        filter.limit = std::stoi(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
      } catch (const std::exception&) {
        errors.push_back({"limit", "expected a whole number from 1 to 1000"});
      }
    }
    if (req.has_param("before")) filter.before = req.get_param_value("before");
    if (req.has_param("connector_id") && !filter.connector_id) {
      filter.connector_id = req.get_param_value("connector_id");
    }
    if (req.has_param("status")) {
      auto status = store::ParseRunStatus(req.get_param_value("status"), "status");
      if (!status) {
        errors.push_back({"status", "use RUNNING, SUCCEEDED, FAILED or CANCELLED"});
      } else {
        filter.status = *status;
      }
    }
    if (!errors.empty()) return SendFieldErrors(res, errors, "the query");
    auto runs = store.ListRuns(filter);
    if (!runs) return SendError(res, runs.error());
    json list = json::array();
    for (const auto& run : *runs) list.push_back(store::RunJson(run));
    const bool full = static_cast<int>(runs->size()) == filter.limit;
    SendJson(res, 200,
             {{"runs", list}, {"next_before", full ? json(runs->back().run_id) : json(nullptr)}});
  }

  void RunRoutes() {
    http.Get("/api/v1/runs",
             Guard([this](const Request& req, Response& res) { ListRuns(req, res, {}); }));
    http.Get("/api/v1/runs/([^/]+)", Guard([this](const Request& req, Response& res) {
               auto run = store.GetRun(req.matches[1].str());
               if (!run) return SendError(res, run.error());
               json j = store::RunJson(*run);
               std::optional<json> live;
               if (options.progress && run->status == RunStatus::kRunning) {
                 live = options.progress->Json(run->run_id);
               }
               j["progress"] = live ? *live : json(nullptr);
               SendJson(res, 200, j);
             }));
    http.Get("/api/v1/runs/([^/]+)/log", Guard([this](const Request& req, Response& res) {
               auto lines = store.ReadRunLog(req.matches[1].str());
               if (!lines) return SendError(res, lines.error());
               SendJson(res, 200, RunLogJson(req.matches[1].str(), *lines));
             }));
    http.Post("/api/v1/schedules/preview", WithBody([this](const Request& req, Response& res) {
                auto body = Body(req, res);
                if (!body) return;
                auto schedule = ParseSchedule(*body);
                if (!schedule) return SendFieldErrors(res, schedule.error(), "the schedule");
                json next = json::array();
                auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(clock.Now());
                for (int i = 0; i < 5; ++i) {
                  auto fire = NextRun(*schedule, at);
                  if (!fire) break;
                  next.push_back(IsoUtc(fire->time_since_epoch().count()));
                  at = *fire;
                }
                SendJson(res, 200, {{"text", DescribeSchedule(*schedule)}, {"next_runs", next}});
              }));
  }

  void TestRoutes() {
    if (!options.advance_test_clock) return;
    http.Post("/api/v1/test/clock", WithBody([this](const Request& req, Response& res) {
                auto body = Body(req, res);
                if (!body) return;
                if (!body->is_object() || !(*body)["advance_ms"].is_number_integer() ||
                    (*body)["advance_ms"].get<int64_t>() < 0) {
                  return SendFieldErrors(res, {{"advance_ms", "expected a whole number >= 0"}},
                                         "the request");
                }
                const int64_t now =
                    options.advance_test_clock((*body)["advance_ms"].get<int64_t>());
                SendJson(res, 200, {{"now_ms", now}});
              }));
  }

  // ---- metrics (docs/operations.md); the token is checked by Admit, as for the API

  void MetricsRoutes() {
    if (options.metrics == nullptr) return;
    http.Get("/metrics", Guard([this](const Request&, Response& res) {
               auto page = ScrapeMetrics(store, *options.metrics, EpochMillis(clock.Now()));
               if (!page) return SendError(res, page.error());
               res.set_header("Cache-Control", "no-store");
               res.set_content(*page, std::string(kExpositionContentType));
             }));
  }

  // ---- the page

  void PageRoutes() {
    http.Get("/api/v1/health", [this](const Request&, Response& res) {
      SendJson(res, stopping ? 503 : 200,
               {{"status", stopping ? "stopping" : "ok"}, {"version", std::string(kVersion)}});
    });
    auto serve_file = [this](const Request& req, Response& res) {
      std::string path = req.path == "/" ? "/index.html" : req.path;
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; style-src 'self' "
                     "'unsafe-inline'; frame-ancestors 'none'");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Referrer-Policy", "no-referrer");
      if (!options.web_dir.empty()) {
        if (path.find("..") == std::string::npos) {
          std::filesystem::path file = options.web_dir / path.substr(1);
          if (path == "/vendor/htm-preact.js") {
            for (const WebAsset& asset : WebAssets()) {
              if (asset.path == path) {
                res.set_content(std::string(asset.body), std::string(asset.content_type));
                return;
              }
            }
          }
          std::ifstream in(file, std::ios::binary);
          if (in) {
            std::stringstream content;
            content << in.rdbuf();
            const std::string ext = file.extension().string();
            const char* type = ext == ".html"  ? "text/html; charset=utf-8"
                               : ext == ".js"  ? "text/javascript; charset=utf-8"
                               : ext == ".css" ? "text/css; charset=utf-8"
                               : ext == ".png" ? "image/png"
                               : ext == ".svg" ? "image/svg+xml"
                                               : "application/octet-stream";
            res.set_content(content.str(), type);
            return;
          }
        }
      } else {
        for (const WebAsset& asset : WebAssets()) {
          if (asset.path == path) {
            res.set_content(std::string(asset.body), std::string(asset.content_type));
            return;
          }
        }
      }
      SendError(res, Error{ErrorCode::kNotFound, req.path, "no such page or route", 0, {}});
    };
    http.Get("/", serve_file);
    http.Get("/((?!api/).+)", serve_file);
  }
};

Api::Api(store::Store& store, Scheduler& scheduler, Backfills& backfills, Clock& clock, Logger& log,
         ApiOptions options)
    : impl_(std::make_unique<Impl>(store, scheduler, backfills, clock, log, std::move(options))) {
  Impl& i = *impl_;
  // Limits (docs/api.md, "Limits"). Each connection has a thread of its own from a fixed pool,
  // so one slow client holds one thread: kConnectionThreads bounds the connections (and so
  // the requests) served at once, and leaves room for health checks and the page beside many
  // slow clients; later connections wait in the pool's queue. A read that makes no progress
  // for kReadTimeout (headers or body) ends the connection.
  i.http.new_task_queue = [] { return new httplib::ThreadPool(kConnectionThreads); };
  i.http.set_read_timeout(kReadTimeout);
  i.http.set_write_timeout(kReadTimeout);
  // One request per connection: a refused body is never read, and an idle keep-alive
  // connection never holds a thread.
  i.http.set_keep_alive_max_count(1);
  i.http.set_payload_max_length(kMaxBodyBytes);
  i.http.set_socket_options([&i](socket_t sock) {
    httplib::default_socket_options(sock);
    i.listener = sock;
  });
  i.http.set_pre_routing_handler(
      [&i](const Request& req, Response& res) { return i.AdmitOrRefuse(req, res); });
  i.MetricsRoutes();  // before the page's catch-all GET
  i.PageRoutes();
  i.AccountRoutes();
  i.ConnectorRoutes();
  i.BackfillRoutes();
  i.NotificationRoutes();
  i.RunRoutes();
  i.TestRoutes();
  // A body sent to no route is not read either (httplib would read a chunked one whole).
  auto no_route = [&i](const Request& req, Response& res, const httplib::ContentReader&) {
    i.SendError(res, Error{ErrorCode::kNotFound,
                           req.method + " " + req.path,
                           "no such route (see docs/api.md)",
                           0,
                           {}});
  };
  i.http.Post(".*", no_route);
  i.http.Put(".*", no_route);
  // Unknown routes and methods: the documented error shape.
  i.http.set_error_handler([&i](const Request& req, Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) return i.SendError(res, BodyTooLarge());
    const ErrorCode code = res.status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument;
    i.SendError(res, Error{code,
                           req.method + " " + req.path,
                           res.status == 404 ? "no such route (see docs/api.md)"
                                             : fmt::format("HTTP {}", res.status),
                           0,
                           {}});
  });
}

Api::~Api() = default;

Result<int> Api::Bind(const std::string& host, int port) {
  if (!impl_->http.is_valid()) {
    return Fail(ErrorCode::kInvalidArgument, "--tls-cert",
                "cannot load the certificate " + impl_->options.tls_cert.string() +
                    " with the key " + impl_->options.tls_key.string() +
                    ": both must be PEM files, the key unencrypted and matching the certificate");
  }
  const int bound = port == 0 ? impl_->http.bind_to_any_port(host)
                              : (impl_->http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return Fail(ErrorCode::kUnavailable, fmt::format("{}:{}", host, port),
                "cannot listen there (in use, or not an address of this machine); choose "
                "another with --listen HOST:PORT");
  }
  // Debian's compiled httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG): with
  // more connections arriving at once than that, the kernel drops SYNs and the client only
  // retries after a second, so /health took 1024 ms beside 64 slow clients. Listening again
  // on the bound socket only sets its queue length (Linux and the BSDs); the kernel caps it at
  // net.core.somaxconn.
  if (::listen(impl_->listener, kListenBacklog) != 0) {
    return Fail(ErrorCode::kUnavailable, fmt::format("{}:{}", host, port),
                fmt::format("cannot set the accept queue to {} connections: {}", kListenBacklog,
                            std::strerror(errno)));
  }
  return bound;
}

void Api::Run() {
  impl_->http.listen_after_bind();
  impl_->run_ended = true;
}
void Api::SetStopping() { impl_->stopping = true; }
// httplib's stop() does nothing until listen_after_bind has marked the server running, and a
// listen that starts after it then never ends: a SIGTERM right after the start hung the
// service. So Stop waits for the server thread to get there (or to have given up).
void Api::Stop() {
  while (!impl_->http.is_running() && !impl_->run_ended) std::this_thread::yield();
  impl_->http.stop();
}

}  // namespace s3u::service
