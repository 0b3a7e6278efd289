#include "s3/credential_providers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "s3/errors.h"

extern char** environ;

namespace s3u::s3 {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

std::string FormatTime(system_clock::time_point t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss<std::chrono::seconds> hms(secs - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// Empty values count as unset, as everywhere in s3unload (s3/credentials.h).
std::optional<std::string> Env(const Getenv& getenv, std::string_view name) {
  if (!getenv) return std::nullopt;
  std::optional<std::string> value = getenv(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::optional<std::string> JsonString(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::string StatusText(int status) { return "HTTP " + std::to_string(status); }

// What a non-2xx answer says about itself: its message when it is JSON with one, else the
// start of the body. Error bodies carry no credentials.
std::string ErrorDetail(std::string_view body) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    for (const char* key : {"message", "Message", "code", "Code"}) {
      if (auto m = JsonString(j, key)) return http::SanitizeServerText(*m, 200);
    }
  }
  return http::SanitizeServerText(Trim(body), 200);
}

// The code of a failed metadata answer: 5xx may pass, anything else needs a fix.
ErrorCode CodeForStatus(int status) {
  if (status >= 500) return ErrorCode::kUnavailable;
  if (status == 429) return ErrorCode::kResourceExhausted;
  return ErrorCode::kUnauthenticated;
}

// AccessKeyId, SecretAccessKey, <token_key>, Expiration from a metadata answer. Messages name
// the missing field, never a value.
Result<Credentials> CredentialsFromJson(const json& j, const char* token_key,
                                        const std::string& subject, std::string_view who) {
  Credentials c;
  const auto id = JsonString(j, "AccessKeyId");
  const auto secret = JsonString(j, "SecretAccessKey");
  const auto token = JsonString(j, token_key);
  const auto expiration = JsonString(j, "Expiration");
  for (const auto& [value, name] : {std::pair{&id, "AccessKeyId"},
                                    {&secret, "SecretAccessKey"},
                                    {&token, token_key},
                                    {&expiration, "Expiration"}}) {
    if (!*value) {
      return Fail(ErrorCode::kInternal, subject,
                  std::string(who) + " answered without " + name + " (a string)");
    }
  }
  c.access_key_id = *id;
  c.secret_access_key = *secret;
  c.session_token = *token;
  c.expiration = ParseS3Time(*expiration);
  if (!c.expiration) {
    return Fail(ErrorCode::kInternal, subject,
                std::string(who) + " answered an Expiration that is not an ISO 8601 time: " +
                    http::SanitizeServerText(*expiration, 40));
  }
  return c;
}

bool ValidHttpUrl(std::string_view url) {
  const std::string lower = AsciiLower(url.substr(0, 8));
  const size_t scheme = lower.starts_with("http://") ? 7 : lower.starts_with("https://") ? 8 : 0;
  return scheme != 0 && url.size() > scheme && url[scheme] != '/';
}

}  // namespace

// --- RefreshingCredentialsProvider ---------------------------------------------------------

RefreshingCredentialsProvider::RefreshingCredentialsProvider(std::string name,
                                                             CredentialsFetch fetch,
                                                             const Clock& clock, Logger* log)
    : name_(std::move(name)), fetch_(std::move(fetch)), clock_(clock), log_(log) {}

Result<Credentials> RefreshingCredentialsProvider::Get() {
  std::unique_lock lock(mu_);
  if (!cached_) return FetchShared(lock);
  if (!cached_->expiration) return *cached_;
  const auto left = *cached_->expiration - clock_.Now();
  if (left >= kAdvisoryRefreshWindow) return *cached_;
  // A fetch tried moments ago (or still running) is not repeated while these still work.
  if (left > system_clock::duration::zero() && last_try_ &&
      clock_.Monotonic() - *last_try_ < kFetchRetryPause) {
    return *cached_;
  }
  auto fetched = FetchShared(lock);
  if (fetched) return fetched;
  const std::string expires = FormatTime(*cached_->expiration);
  if (*cached_->expiration - clock_.Now() >= kMandatoryRefreshWindow) {
    if (log_ != nullptr) {
      log_->Warn(fetched.error().message + "; using the current credentials, which expire at " +
                 expires + ", and trying again in " + std::to_string(kFetchRetryPause.count()) +
                 "s");
    }
    return *cached_;
  }
  const bool expired = *cached_->expiration <= clock_.Now();
  fetched.error().message += std::string(expired ? " (the current credentials expired at "
                                                 : " (the current credentials expire at ") +
                             expires + ")";
  return fetched;
}

Result<Credentials> RefreshingCredentialsProvider::Refresh() {
  std::unique_lock lock(mu_);
  return FetchShared(lock);
}

Result<Credentials> RefreshingCredentialsProvider::FetchShared(std::unique_lock<std::mutex>& lock) {
  if (fetching_) {
    const uint64_t seen = fetch_count_;
    fetched_.wait(lock, [&] { return fetch_count_ != seen; });
    return *outcome_;
  }
  fetching_ = true;
  last_try_ = clock_.Monotonic();
  const bool first = !cached_.has_value();
  lock.unlock();
  Result<Credentials> result = fetch_();
  lock.lock();
  if (result && result->expiration && *result->expiration <= clock_.Now()) {
    result = Fail(ErrorCode::kUnauthenticated, "credentials",
                  "the credentials it returned expired at " + FormatTime(*result->expiration) +
                      ", and this machine's clock says " + FormatTime(clock_.Now()) +
                      "; check the clock");
  }
  if (result) {
    cached_ = *result;
  } else {
    Error& error = result.error();
    error.message =
        name_ + (first ? ": cannot get credentials: " : ": cannot refresh: ") + error.message;
    if (error.subject.empty()) error.subject = "credentials";
  }
  outcome_ = std::move(result);
  fetching_ = false;
  ++fetch_count_;
  fetched_.notify_all();
  return *outcome_;
}

http::HttpOptions MetadataHttpOptions(std::chrono::seconds timeout) {
  http::HttpOptions options;
  options.connect_timeout = timeout;
  options.low_speed_limit = 1;
  options.low_speed_time = timeout;
  return options;
}

// --- Container credentials -------------------------------------------------------------------

namespace {

constexpr std::string_view kRelativeUriVar = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr std::string_view kFullUriVar = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr std::string_view kTokenFileVar = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
constexpr std::string_view kTokenVar = "AWS_CONTAINER_AUTHORIZATION_TOKEN";

// The host of an absolute URL, lower-cased, without brackets, port or user info.
std::string UrlHost(std::string_view url) {
  const size_t start = url.find("://");
  std::string_view authority = url.substr(start + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    return close == std::string_view::npos ? "" : AsciiLower(authority.substr(1, close - 1));
  }
  return AsciiLower(authority.substr(0, authority.find(':')));
}

bool IsLoopback(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

Result<std::string> ContainerUrl(const Getenv& getenv) {
  if (auto relative = Env(getenv, kRelativeUriVar)) return "http://169.254.170.2" + *relative;
  const auto full = Env(getenv, kFullUriVar);
  if (!full) {
    return Fail(
        ErrorCode::kUnauthenticated, std::string(kFullUriVar),
        "neither " + std::string(kRelativeUriVar) + " nor " + std::string(kFullUriVar) + " is set");
  }
  const std::string shown = WithoutUserInfo(*full);
  if (!ValidHttpUrl(*full)) {
    return Fail(ErrorCode::kInvalidArgument, std::string(kFullUriVar),
                shown + " is not an http:// or https:// URL");
  }
  if (AsciiLower(full->substr(0, 8)) == "https://") return *full;
  const std::string host = UrlHost(*full);
  if (IsLoopback(host) || host == "localhost" || host == "169.254.170.2" ||
      host == "169.254.170.23" || host == "fd00:ec2::23") {
    return *full;
  }
  return Fail(ErrorCode::kInvalidArgument, std::string(kFullUriVar),
              shown +
                  ": plain http is allowed only to a loopback address, localhost, "
                  "169.254.170.2, 169.254.170.23 or [fd00:ec2::23] (the ECS and EKS agents); "
                  "use https for any other host");
}

Result<std::optional<std::string>> ContainerAuthorization(const Getenv& getenv,
                                                          const ReadFile& read_file) {
  std::optional<std::string> token;
  std::string variable;
  std::string source;
  if (auto path = Env(getenv, kTokenFileVar)) {
    variable = kTokenFileVar;
    token = read_file ? read_file(*path) : std::nullopt;
    if (!token) {
      return Fail(ErrorCode::kUnauthenticated, variable,
                  "cannot read the authorization token file " + *path + " (" + variable + ")");
    }
    source = "the token in " + *path + " (" + variable + ")";
  } else if ((token = Env(getenv, kTokenVar))) {
    variable = kTokenVar;
    source = variable;
  }
  if (token && token->find_first_of("\r\n") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, variable,
                source +
                    " holds a line break (CR or LF), which an Authorization header cannot carry; "
                    "write it without one (printf, not echo)");
  }
  return token;
}

}  // namespace

bool ContainerCredentialsConfigured(const Getenv& getenv) {
  return Env(getenv, kRelativeUriVar) || Env(getenv, kFullUriVar);
}

ContainerCredentialsFetcher::ContainerCredentialsFetcher(Getenv getenv, ReadFile read_file,
                                                         http::HttpClient& http, Clock& clock)
    : getenv_(std::move(getenv)), read_file_(std::move(read_file)), http_(&http), clock_(&clock) {}

Result<Credentials> ContainerCredentialsFetcher::operator()() const {
  auto url = ContainerUrl(getenv_);
  if (!url) return Fail(url.error());
  auto authorization = ContainerAuthorization(getenv_, read_file_);
  if (!authorization) return Fail(authorization.error());
  http::Request request;
  request.url = *url;
  request.headers = {{"Accept", "application/json"}};
  if (*authorization) request.headers.emplace_back("Authorization", **authorization);
  const std::string subject = WithoutUserInfo(url->substr(0, url->find('?')));
  constexpr int kAttempts = 3;  // botocore's, 1 s apart
  Error last;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    if (attempt > 1) clock_->SleepFor(std::chrono::seconds(1));
    auto response = http_->Send(request);
    if (!response) {
      last = response.error();
      continue;
    }
    if (response->status != 200) {
      last = Error{CodeForStatus(response->status),
                   subject,
                   "the container endpoint answered " + StatusText(response->status) + ": " +
                       ErrorDetail(response->body),
                   response->status,
                   {}};
      continue;
    }
    const json j = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
      last = Error{ErrorCode::kInternal,
                   subject,
                   "the container endpoint answered 200 with something that is not a JSON "
                   "object",
                   200,
                   {}};
      continue;
    }
    return CredentialsFromJson(j, "Token", subject, "the container endpoint");
  }
  last.message += " (after " + std::to_string(kAttempts) + " attempts)";
  return Fail(std::move(last));
}

// --- Instance metadata -------------------------------------------------------------------------

namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kRolePath = "/latest/meta-data/iam/security-credentials/";
// botocore's refresh window (15 min) plus its 2-10 min jitter, fixed at 5.
constexpr std::chrono::minutes kImdsExtension{20};

Result<int> PositiveInt(const Getenv& getenv, std::string_view name, int fallback, int max) {
  const auto text = Env(getenv, name);
  if (!text) return fallback;
  int value = 0;
  bool ok = !text->empty() && text->size() <= 6;
  for (const char c : *text) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) value = value * 10 + (c - '0');
  }
  if (!ok || value < 1 || value > max) {
    return Fail(ErrorCode::kInvalidArgument, std::string(name),
                std::string(name) + " must be a whole number from 1 to " + std::to_string(max) +
                    ", not " + http::SanitizeServerText(*text, 20));
  }
  return value;
}

// One fetch's exchange with IMDS: the token it holds and why it has none.
class ImdsExchange {
 public:
  ImdsExchange(const ImdsSettings& settings, http::HttpClient& http)
      : settings_(settings), http_(http) {}

  // A token, or nothing (fall back to IMDSv1) when the PUT answers 403/404/405 or fails
  // every attempt; a 400 is an error.
  Result<void> FetchToken() {
    http::Request request;
    request.method = "PUT";
    request.url = settings_.endpoint + std::string(kTokenPath);
    request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    token_.reset();
    for (int attempt = 1; attempt <= settings_.attempts; ++attempt) {
      auto response = http_.Send(request);
      if (!response) {
        no_token_ = response.error().message;
        continue;
      }
      const int status = response->status;
      if (status == 200 && !response->body.empty()) {
        token_ = std::move(response->body);
        return {};
      }
      if (status == 400) {
        return Fail(ErrorCode::kUnauthenticated, request.url,
                    "IMDS refused the token request (HTTP 400)");
      }
      no_token_ = "the token request was answered " + StatusText(status);
      if (status == 403 || status == 404 || status == 405) return {};
    }
    return {};
  }

  bool has_token() const { return token_.has_value(); }
  const std::string& no_token() const { return no_token_; }

  // GETs `path`, with settings_.attempts tries for answers that are not 200 with a body
  // (`json`: a JSON object); a 401 fetches a new token once, without using up a try.
  Result<std::string> Get(const std::string& path, bool json_body) {
    const std::string url = settings_.endpoint + path;
    Error last;
    for (int attempt = 1; attempt <= settings_.attempts; ++attempt) {
      http::Request request;
      request.url = url;
      if (token_) request.headers = {{"X-aws-ec2-metadata-token", *token_}};
      auto response = http_.Send(request);
      if (!response) {
        last = response.error();
        continue;
      }
      const int status = response->status;
      if (status == 401 && token_ && !renewed_) {
        renewed_ = true;
        if (auto renewed = FetchToken(); !renewed) return Fail(renewed.error());
        if (token_) {
          --attempt;
          continue;
        }
      }
      if (status == 200 && !response->body.empty() &&
          (!json_body || json::parse(response->body, nullptr, false).is_object())) {
        return std::move(response->body);
      }
      last = Error{CodeForStatus(status), url, Describe(status, path), status, {}};
      if (status == 200) {
        last.code = ErrorCode::kInternal;
        last.message =
            response->body.empty()
                ? "IMDS answered 200 with an empty body for " + path
                : "IMDS answered 200 with something that is not a JSON object for " + path;
      }
    }
    return Fail(std::move(last));
  }

 private:
  std::string Describe(int status, const std::string& path) const {
    if (status == 404 && path == kRolePath) {
      return "no IAM role is attached to this instance (IMDS answered HTTP 404 for the role "
             "name); attach an instance profile with a role";
    }
    if (status == 401) {
      return token_ ? "IMDS refused the session token (HTTP 401)"
                    : "IMDS requires a session token (IMDSv2) and none was had: " + no_token_;
    }
    return "IMDS answered " + StatusText(status) + " for " + path;
  }

  const ImdsSettings& settings_;
  http::HttpClient& http_;
  std::optional<std::string> token_;
  std::string no_token_;
  bool renewed_ = false;
};

}  // namespace

Result<ImdsSettings> ReadImdsSettings(const Getenv& getenv) {
  ImdsSettings settings;
  if (auto v = Env(getenv, "AWS_EC2_METADATA_DISABLED")) {
    settings.disabled = AsciiLower(Trim(*v)) == "true";
  }
  if (auto v = Env(getenv, "AWS_EC2_METADATA_V1_DISABLED")) {
    settings.v1_disabled = AsciiLower(Trim(*v)) == "true";
  }
  if (auto endpoint = Env(getenv, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    if (!ValidHttpUrl(*endpoint)) {
      return Fail(ErrorCode::kInvalidArgument, "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                  "AWS_EC2_METADATA_SERVICE_ENDPOINT must be an http:// or https:// URL, not " +
                      http::SanitizeServerText(WithoutUserInfo(*endpoint), 100));
    }
    settings.endpoint = *endpoint;
    while (settings.endpoint.ends_with('/')) settings.endpoint.pop_back();
  } else if (auto mode = Env(getenv, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) {
    const std::string lower = AsciiLower(Trim(*mode));
    if (lower == "ipv6") {
      settings.endpoint = "http://[fd00:ec2::254]";
    } else if (lower != "ipv4") {
      return Fail(ErrorCode::kInvalidArgument, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                  "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6, not " +
                      http::SanitizeServerText(*mode, 20));
    }
  }
  auto timeout = PositiveInt(getenv, "AWS_METADATA_SERVICE_TIMEOUT", 1, 600);
  if (!timeout) return Fail(timeout.error());
  settings.timeout = std::chrono::seconds(*timeout);
  auto attempts = PositiveInt(getenv, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1, 20);
  if (!attempts) return Fail(attempts.error());
  settings.attempts = *attempts;
  return settings;
}

InstanceMetadataFetcher::InstanceMetadataFetcher(ImdsSettings settings, http::HttpClient& http,
                                                 const Clock& clock, Logger* log)
    : settings_(std::move(settings)), http_(&http), clock_(&clock), log_(log) {}

Result<Credentials> InstanceMetadataFetcher::operator()() const {
  if (settings_.disabled) {
    return Fail(ErrorCode::kUnauthenticated, "AWS_EC2_METADATA_DISABLED",
                "instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true)");
  }
  ImdsExchange exchange(settings_, *http_);
  if (auto token = exchange.FetchToken(); !token) return Fail(token.error());
  if (!exchange.has_token()) {
    if (settings_.v1_disabled) {
      return Fail(ErrorCode::kUnauthenticated, settings_.endpoint + std::string(kTokenPath),
                  "no IMDSv2 session token (" + exchange.no_token() +
                      ") and IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED=true)");
    }
    if (log_ != nullptr) {
      log_->Warn("instance metadata: no IMDSv2 session token (" + exchange.no_token() +
                 "); trying IMDSv1");
    }
  }
  auto roles = exchange.Get(std::string(kRolePath), false);
  if (!roles) return Fail(roles.error());
  const std::string role(Trim(std::string_view(*roles).substr(0, roles->find('\n'))));
  if (role.empty()) {
    return Fail(ErrorCode::kInternal, settings_.endpoint + std::string(kRolePath),
                "IMDS answered an empty role name");
  }
  const std::string path = std::string(kRolePath) + UriEncode(role, true);
  auto body = exchange.Get(path, true);
  if (!body) return Fail(body.error());
  const json j = json::parse(*body, nullptr, /*allow_exceptions=*/false);
  const std::string subject = settings_.endpoint + path;
  if (auto code = JsonString(j, "Code"); code && *code != "Success") {
    return Fail(ErrorCode::kUnauthenticated, subject,
                "IMDS has no credentials for role " + role + ": " +
                    http::SanitizeServerText(*code, 60) + ": " +
                    http::SanitizeServerText(JsonString(j, "Message").value_or(""), 200));
  }
  auto credentials = CredentialsFromJson(j, "Token", subject, "IMDS");
  if (!credentials) return credentials;
  const auto now = clock_->Now();
  if (*credentials->expiration - now < kImdsExtension) {
    if (log_ != nullptr) {
      log_->Warn("instance metadata: the credentials of role " + role + " expire at " +
                 FormatTime(*credentials->expiration) + "; using them until " +
                 FormatTime(now + kImdsExtension) + " while IMDS cannot rotate them");
    }
    credentials->expiration = now + kImdsExtension;
  }
  return credentials;
}

// --- credential_process ------------------------------------------------------------------------

Result<std::vector<std::string>> SplitCommandLine(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  auto fail = [](std::string what) {
    return Fail(ErrorCode::kInvalidArgument, "credential_process",
                "the command line " + what + " (it is split like a POSIX shell line)");
  };
  for (size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == command.size()) return fail("ends with a backslash");
      word += command[i];
    } else if (c == '\'') {
      const size_t close = command.find('\'', i + 1);
      if (close == std::string_view::npos) return fail("has a ' without its closing quote");
      word.append(command.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < command.size() && command[j] != '"'; ++j) {
        if (command[j] == '\\' && j + 1 < command.size() &&
            (command[j + 1] == '"' || command[j + 1] == '\\')) {
          ++j;
        }
        word += command[j];
      }
      if (j >= command.size()) return fail("has a \" without its closing quote");
      i = j;
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return fail("is empty");
  return words;
}

namespace {

struct ProcessRun {
  int status = 0;  // waitpid's
  std::string out;
  std::string err;  // the first kErrKept bytes
  bool timed_out = false;
  bool too_much_output = false;
  std::string io_error;  // why its output could not be read
};

constexpr size_t kErrKept = 4096;

// Runs argv with stdout and stderr piped, stdin and the environment inherited. Errors only
// when the program cannot be started.
Result<ProcessRun> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    return Fail(ErrorCode::kInternal, "credential_process", std::strerror(errno));
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    close(out[0]);
    close(out[1]);
    return Fail(ErrorCode::kInternal, "credential_process", std::strerror(e));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (spawned != 0) {
    close(out[0]);
    close(err[0]);
    return Fail(
        ErrorCode::kInvalidArgument, "credential_process",
        "cannot run " + http::SanitizeServerText(argv[0], 200) + ": " + std::strerror(spawned));
  }
  ProcessRun run;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  char buffer[4096];
  while ((fds[0].fd >= 0 || fds[1].fd >= 0) && !run.too_much_output) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      run.timed_out = true;
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) continue;
      run.io_error = std::strerror(errno);
      break;
    }
    for (pollfd& p : fds) {
      if (p.fd < 0 || p.revents == 0) continue;
      const ssize_t n = read(p.fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(p.fd);
        p.fd = -1;
        continue;
      }
      const std::string_view chunk(buffer, static_cast<size_t>(n));
      if (&p == &fds[0]) {
        run.too_much_output = run.out.size() + chunk.size() > options.max_output;
        if (!run.too_much_output) run.out.append(chunk);
      } else if (run.err.size() < kErrKept) {
        run.err.append(chunk.substr(0, kErrKept - run.err.size()));
      }
    }
  }
  if (run.timed_out || run.too_much_output || !run.io_error.empty()) kill(pid, SIGKILL);
  for (pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
  while (waitpid(pid, &run.status, 0) < 0 && errno == EINTR) {
  }
  return run;
}

}  // namespace

ProcessCredentialsFetcher::ProcessCredentialsFetcher(std::string command, ProcessOptions options)
    : command_(std::move(command)), options_(options) {}

Result<Credentials> ProcessCredentialsFetcher::operator()() const {
  auto argv = SplitCommandLine(command_);
  if (!argv) return Fail(argv.error());
  auto run = RunProcess(*argv, options_);
  if (!run) return Fail(run.error());
  // The program only: arguments may carry secrets, and standard output always does.
  const std::string program = http::SanitizeServerText((*argv)[0], 200);
  auto fail = [&](std::string what) {
    return Fail(ErrorCode::kUnauthenticated, "credential_process", program + " " + what);
  };
  if (run->timed_out) {
    return fail("did not finish within " + std::to_string(options_.timeout.count()) +
                " ms and was stopped");
  }
  if (!run->io_error.empty()) {
    return fail("could not be read from (" + run->io_error + ") and was stopped");
  }
  if (run->too_much_output) {
    return fail("printed more than " + std::to_string(options_.max_output) +
                " bytes on standard output and was stopped");
  }
  if (!WIFEXITED(run->status) || WEXITSTATUS(run->status) != 0) {
    const std::string first_line = run->err.substr(0, run->err.find('\n'));
    const std::string how = WIFSIGNALED(run->status)
                                ? "was killed by signal " + std::to_string(WTERMSIG(run->status))
                                : "exited with status " + std::to_string(WEXITSTATUS(run->status));
    return fail(how + (Trim(first_line).empty()
                           ? " and wrote nothing on standard error"
                           : ": " + http::SanitizeServerText(Trim(first_line), 300)));
  }
  const json j = json::parse(run->out, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return fail("did not print a JSON object on standard output");
  const auto version = j.find("Version");
  if (version == j.end() || !version->is_number_integer() || *version != 1) {
    return fail("printed Version " +
                (version == j.end() ? std::string("(none)")
                                    : http::SanitizeServerText(version->dump(), 20)) +
                "; the supported Version is 1");
  }
  Credentials c;
  const auto id = JsonString(j, "AccessKeyId");
  const auto secret = JsonString(j, "SecretAccessKey");
  if (!id || !secret) {
    return fail(std::string("printed no ") + (id ? "SecretAccessKey" : "AccessKeyId") +
                " (a string)");
  }
  c.access_key_id = *id;
  c.secret_access_key = *secret;
  c.session_token = JsonString(j, "SessionToken").value_or("");
  if (auto expiration = JsonString(j, "Expiration")) {
    c.expiration = ParseS3Time(*expiration);
    if (!c.expiration) {
      return fail("printed an Expiration that is not an ISO 8601 time: " +
                  http::SanitizeServerText(*expiration, 40));
    }
  }
  return c;
}

// --- SSO ---------------------------------------------------------------------------------------

Result<std::optional<SsoSettings>> ReadSsoSettings(const IniFile& config,
                                                   std::string_view config_path,
                                                   std::string_view profile) {
  const std::string name(profile);
  auto section = config.sections.find(name == "default" ? "default" : "profile " + name);
  if (section == config.sections.end() && name == "default") {
    section = config.sections.find("profile default");
  }
  if (section == config.sections.end()) return std::optional<SsoSettings>();
  std::map<std::string, std::string> merged;
  for (const auto& [key, value] : section->second) {
    if (!value.empty()) merged[key] = value;
  }
  if (!merged.contains("sso_account_id") && !merged.contains("sso_role_name")) {
    return std::optional<SsoSettings>();
  }
  const std::string where = "profile " + name + " in " + std::string(config_path);
  SsoSettings settings;
  settings.profile = name;
  if (auto it = merged.find("sso_session"); it != merged.end()) {
    settings.session = it->second;
    auto session = config.sections.find("sso-session " + it->second);
    if (session == config.sections.end()) {
      return Fail(ErrorCode::kInvalidArgument, "profile " + name,
                  where + " names sso_session " + it->second + ", but there is no [sso-session " +
                      it->second + "] section");
    }
    for (const auto& [key, value] : session->second) {
      if (value.empty()) continue;
      if (auto mine = merged.find(key); mine != merged.end() && mine->second != value) {
        return Fail(ErrorCode::kInvalidArgument, "profile " + name,
                    where + " sets " + key + " to a value other than [sso-session " + it->second +
                        "] does; remove it from the profile or make them equal");
      }
      merged[key] = value;
    }
  }
  std::string missing;
  for (const char* key : {"sso_start_url", "sso_region", "sso_account_id", "sso_role_name"}) {
    if (!merged.contains(key)) missing += (missing.empty() ? "" : ", ") + std::string(key);
  }
  if (!missing.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "profile " + name,
                where + " is set up for SSO but lacks " + missing +
                    (settings.session ? " (in the profile or its [sso-session " +
                                            *settings.session + "] section)"
                                      : ""));
  }
  settings.start_url = merged["sso_start_url"];
  settings.region = merged["sso_region"];
  settings.account_id = merged["sso_account_id"];
  settings.role_name = merged["sso_role_name"];
  return std::optional<SsoSettings>(std::move(settings));
}

std::string SsoPortalUrl(std::string_view region) {
  return "https://portal.sso." + std::string(region) + ".amazonaws.com";
}

std::string SsoTokenPath(const SsoSettings& settings, std::string_view home) {
  const std::string& key = settings.session ? *settings.session : settings.start_url;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(key.data(), key.size(), digest, &size, EVP_sha1(), nullptr);
  return std::string(home) + "/.aws/sso/cache/" +
         HexEncode(std::string_view(reinterpret_cast<const char*>(digest), size)) + ".json";
}

SsoCredentialsFetcher::SsoCredentialsFetcher(SsoSettings settings, std::string home,
                                             ReadFile read_file, http::HttpClient& http,
                                             const Clock& clock, std::string portal_url)
    : settings_(std::move(settings)),
      home_(std::move(home)),
      read_file_(std::move(read_file)),
      http_(&http),
      clock_(&clock),
      portal_url_(portal_url.empty() ? SsoPortalUrl(settings_.region) : std::move(portal_url)) {}

Result<Credentials> SsoCredentialsFetcher::operator()() const {
  const std::string subject = "profile " + settings_.profile;
  const std::string login = "; run `aws sso login --profile " + settings_.profile + "`";
  if (home_.empty()) {
    return Fail(ErrorCode::kUnauthenticated, subject,
                "HOME is not set, so the SSO token cache (~/.aws/sso/cache) cannot be found");
  }
  const std::string path = SsoTokenPath(settings_, home_);
  const std::optional<std::string> text = read_file_ ? read_file_(path) : std::nullopt;
  if (!text) {
    return Fail(ErrorCode::kUnauthenticated, subject, "no SSO token is cached in " + path + login);
  }
  const json token = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  const auto access_token = token.is_object() ? JsonString(token, "accessToken") : std::nullopt;
  auto expires_text = token.is_object() ? JsonString(token, "expiresAt") : std::nullopt;
  // The aws cli once wrote "2019-11-14T04:05:45UTC".
  if (expires_text && expires_text->ends_with("UTC")) {
    expires_text->replace(expires_text->size() - 3, 3, "Z");
  }
  const auto expires = expires_text ? ParseS3Time(*expires_text) : std::nullopt;
  if (!access_token || !expires) {
    return Fail(ErrorCode::kUnauthenticated, subject,
                path + " is not an SSO token (accessToken and expiresAt)" + login);
  }
  if (*expires <= clock_->Now()) {
    return Fail(ErrorCode::kUnauthenticated, subject,
                "the SSO token in " + path + " expired at " + FormatTime(*expires) + login);
  }
  http::Request request;
  request.url = portal_url_ +
                "/federation/credentials?account_id=" + UriEncode(settings_.account_id, true) +
                "&role_name=" + UriEncode(settings_.role_name, true);
  request.headers = {{"x-amz-sso_bearer_token", *access_token}};
  auto response = http_->Send(request);
  if (!response) return Fail(response.error());
  const std::string what = "role " + settings_.role_name + " in account " + settings_.account_id;
  const int status = response->status;
  if (status == 401 || status == 403) {
    return Fail(ErrorCode::kUnauthenticated, subject,
                "the SSO portal refused the cached token for " + what + " (" + StatusText(status) +
                    ": " + ErrorDetail(response->body) +
                    "): the SSO session expired or was revoked" + login);
  }
  if (status != 200) {
    return Fail(Error{CodeForStatus(status),
                      subject,
                      "the SSO portal answered " + StatusText(status) + " for " + what + ": " +
                          ErrorDetail(response->body),
                      status,
                      {}});
  }
  const json j = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  const auto role = j.is_object() ? j.find("roleCredentials") : j.end();
  std::optional<std::string> id, secret, session;
  std::optional<int64_t> expiration_ms;
  if (role != j.end() && role->is_object()) {
    id = JsonString(*role, "accessKeyId");
    secret = JsonString(*role, "secretAccessKey");
    session = JsonString(*role, "sessionToken");
    if (auto e = role->find("expiration"); e != role->end() && e->is_number_integer()) {
      expiration_ms = e->get<int64_t>();
    }
  }
  if (!id || !secret || !session || !expiration_ms) {
    return Fail(ErrorCode::kInternal, subject,
                "the SSO portal answered 200 without roleCredentials (accessKeyId, "
                "secretAccessKey, sessionToken, expiration in epoch milliseconds) for " +
                    what);
  }
  Credentials c;
  c.access_key_id = *id;
  c.secret_access_key = *secret;
  c.session_token = *session;
  c.expiration = system_clock::time_point(std::chrono::milliseconds(*expiration_ms));
  return c;
}

}  // namespace s3u::s3
