#include "s3/credential_chain.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/sha.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "core/time_format.h"
#include "s3/errors.h"

extern char** environ;

namespace s3u::s3 {
namespace {

using ReadFile = std::function<std::optional<std::string>(const std::string&)>;

bool IsTrue(const std::optional<std::string>& v) { return v && AsciiLower(Trim(*v)) == "true"; }

std::string JsonString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Fills expiration from an ISO 8601 field; absent is allowed (static credentials).
Result<void> SetExpiration(Credentials& c, const std::string& text, const std::string& where) {
  if (text.empty()) return {};
  auto t = ParseS3Time(text);
  if (!t) {
    return Fail(ErrorCode::kInternal, where, "Expiration is not an ISO 8601 time");
  }
  c.expiration = *t;
  return {};
}

std::string Sha1Hex(std::string_view s) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string DefaultSessionName(const Clock& clock) {
  return "s3unload-" + std::to_string(EpochMillis(clock.Now()));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
RefreshingCredentialsProvider::RefreshingCredentialsProvider(std::string name, const Clock& clock,
                                                             Logger& log)
    : name_(std::move(name)), clock_(clock), log_(log) {}

Result<Credentials> RefreshingCredentialsProvider::Get() {
  std::lock_guard lock(mu_);
  if (!cached_) return FetchLocked(false);
  if (!cached_->expiration) return *cached_;
  const auto now = clock_.Now();
  const auto lifetime = *cached_->expiration - fetched_at_;
  const auto advisory =
      std::min<std::chrono::system_clock::duration>(kAdvisoryRefreshWindow, lifetime / 2);
  const auto mandatory =
      std::min<std::chrono::system_clock::duration>(kMandatoryRefreshWindow, lifetime / 3);
  if (now < *cached_->expiration - advisory) return *cached_;
  return FetchLocked(now < *cached_->expiration - mandatory);
}

Result<Credentials> RefreshingCredentialsProvider::Refresh() {
  std::lock_guard lock(mu_);
  if (cached_ && last_fetch_ && clock_.Monotonic() - *last_fetch_ < std::chrono::seconds(1)) {
    return *cached_;
  }
  return FetchLocked(false);
}

Result<Credentials> RefreshingCredentialsProvider::FetchLocked(bool keep_current_on_failure) {
  const auto now = clock_.Now();
  last_fetch_ = clock_.Monotonic();
  Result<Credentials> fresh = Fetch();
  if (!fresh) {
    if (keep_current_on_failure && cached_) {
      log_.Warn(fmt::format(
          "refreshing the credentials from {} failed ({}); using the current "
          "ones, which expire in {}",
          name_, fresh.error().ToString(),
          FormatDuration(
              std::chrono::duration_cast<std::chrono::milliseconds>(*cached_->expiration - now))));
      return *cached_;
    }
    Error e = fresh.error();
    e.message = fmt::format("credentials from {} could not be {}: {}", name_,
                            cached_ ? "refreshed" : "obtained", e.ToString());
    e.subject = "credentials";
    return Fail(std::move(e));
  }
  if (fresh->expiration && *fresh->expiration <= now) {
    return Fail(ErrorCode::kUnauthenticated, "credentials",
                "credentials from " + name_ + " were already expired when received");
  }
  log_.AddSecret(fresh->secret_access_key);
  log_.AddSecret(fresh->session_token);
  if (cached_) log_.Info("refreshed the temporary credentials from " + name_);
  cached_ = *fresh;
  fetched_at_ = now;
  return *cached_;
}

// ---------------------------------------------------------------------------------------------
StsRoleProvider::StsRoleProvider(std::string name, AssumeRoleParams params, StsSettings sts,
                                 http::HttpClient& http, Clock& clock, Logger& log)
    : RefreshingCredentialsProvider(std::move(name), clock, log),
      params_(std::move(params)),
      sts_(http, clock, std::move(sts)) {}

std::string StsRoleProvider::IdentityArn() const {
  std::lock_guard lock(arn_mu_);
  return arn_;
}

Result<Credentials> StsRoleProvider::Take(Result<StsCredentials> answer) {
  if (!answer) return Fail(answer.error());
  std::lock_guard lock(arn_mu_);
  arn_ = answer->arn;
  return answer->credentials;
}

AssumeRoleProvider::AssumeRoleProvider(std::unique_ptr<CredentialsProvider> base,
                                       AssumeRoleParams params, StsSettings sts,
                                       http::HttpClient& http, Clock& clock, Logger& log)
    : StsRoleProvider("assume-role " + params.role_arn, params, std::move(sts), http, clock, log),
      base_(std::move(base)) {}

Result<Credentials> AssumeRoleProvider::Fetch() {
  auto base = base_->Get();
  if (!base) return Fail(base.error());
  auto answer = sts_.AssumeRole(*base, params_);
  if (!answer && answer.error().code == ErrorCode::kUnauthenticated) {
    base = base_->Refresh();
    if (!base) return Fail(base.error());
    answer = sts_.AssumeRole(*base, params_);
  }
  return Take(std::move(answer));
}

WebIdentityProvider::WebIdentityProvider(std::string token_file, ReadFile read_file,
                                         AssumeRoleParams params, StsSettings sts,
                                         http::HttpClient& http, Clock& clock, Logger& log)
    : StsRoleProvider("web identity " + params.role_arn, params, std::move(sts), http, clock, log),
      token_file_(std::move(token_file)),
      read_file_(std::move(read_file)) {}

Result<Credentials> WebIdentityProvider::Fetch() {
  std::optional<std::string> token = read_file_ ? read_file_(token_file_) : std::nullopt;
  if (!token || Trim(*token).empty()) {
    return Fail(ErrorCode::kUnauthenticated, token_file_,
                "the web identity token file " + token_file_ + " is missing or empty");
  }
  return Take(sts_.AssumeRoleWithWebIdentity(std::string(Trim(*token)), params_));
}

// ---------------------------------------------------------------------------------------------
Result<Credentials> ParseProcessCredentials(std::string_view json, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, where, "the output is not a JSON object");
  }
  auto version = j.find("Version");
  if (version == j.end() || !version->is_number_integer() || version->get<int>() != 1) {
    return Fail(ErrorCode::kInvalidArgument, where, "the output's Version is not 1");
  }
  Credentials c;
  c.access_key_id = JsonString(j, "AccessKeyId");
  c.secret_access_key = JsonString(j, "SecretAccessKey");
  c.session_token = JsonString(j, "SessionToken");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Fail(ErrorCode::kInvalidArgument, where,
                "the output lacks AccessKeyId or SecretAccessKey");
  }
  if (auto ok = SetExpiration(c, JsonString(j, "Expiration"), where); !ok) {
    return Fail(ok.error());
  }
  return c;
}

ProcessProvider::ProcessProvider(std::string command, const Clock& clock, Logger& log)
    : RefreshingCredentialsProvider("credential_process", clock, log),
      command_(std::move(command)) {}

Result<Credentials> ProcessProvider::Fetch() {
  int out[2];
  if (pipe(out) != 0) {
    return Fail(ErrorCode::kInternal, "credential_process", "cannot create a pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, out[1]);
  const char* argv[] = {"/bin/sh", "-c", command_.c_str(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return Fail(ErrorCode::kInternal, "credential_process", "cannot start /bin/sh");
  }
  std::string output;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    output.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Fail(ErrorCode::kUnauthenticated, "credential_process",
                WIFEXITED(status)
                    ? "the credential_process command exited with status " +
                          std::to_string(WEXITSTATUS(status))
                    : std::string("the credential_process command was killed by a signal"));
  }
  return ParseProcessCredentials(output, "credential_process");
}

// ---------------------------------------------------------------------------------------------
Result<Credentials> ParseMetadataCredentials(std::string_view json, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(ErrorCode::kInternal, where, "the answer is not a JSON object");
  }
  if (const std::string code = JsonString(j, "Code"); !code.empty() && code != "Success") {
    return Fail(ErrorCode::kUnauthenticated, where,
                "the answer's Code is " + http::SanitizeServerText(code, 80));
  }
  Credentials c;
  c.access_key_id = JsonString(j, "AccessKeyId");
  c.secret_access_key = JsonString(j, "SecretAccessKey");
  c.session_token = JsonString(j, "Token");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Fail(ErrorCode::kInternal, where, "the answer lacks AccessKeyId or SecretAccessKey");
  }
  if (auto ok = SetExpiration(c, JsonString(j, "Expiration"), where); !ok) {
    return Fail(ok.error());
  }
  return c;
}

ContainerProvider::ContainerProvider(Settings settings, ReadFile read_file, http::HttpClient& http,
                                     Clock& clock, Logger& log)
    : RefreshingCredentialsProvider("container credentials " + settings.url, clock, log),
      settings_(std::move(settings)),
      read_file_(std::move(read_file)),
      http_(http) {}

Result<Credentials> ContainerProvider::Fetch() {
  http::Request request;
  request.url = settings_.url;
  request.timeout = std::chrono::seconds(2);
  request.headers.emplace_back("Accept", "application/json");
  std::string token = settings_.token;
  if (!settings_.token_file.empty()) {
    auto text = read_file_ ? read_file_(settings_.token_file) : std::nullopt;
    if (!text) {
      return Fail(ErrorCode::kUnauthenticated, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                  "cannot read " + settings_.token_file);
    }
    token = std::string(Trim(*text));
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                "the authorization token contains a line break");
  }
  if (!token.empty()) request.headers.emplace_back("Authorization", token);
  Result<http::Response> response = Fail(ErrorCode::kUnavailable, "", "");
  for (int attempt = 0; attempt < 3; ++attempt) {
    response = http_.Send(request);
    if (response && response->status < 500) break;
  }
  if (!response) return Fail(response.error());
  if (response->status != 200) {
    return Fail(
        response->status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kUnauthenticated,
        settings_.url,
        fmt::format("the container credentials endpoint answered HTTP {}", response->status));
  }
  return ParseMetadataCredentials(response->body, settings_.url);
}

// ---------------------------------------------------------------------------------------------
InstanceMetadataProvider::InstanceMetadataProvider(Settings settings, http::HttpClient& http,
                                                   Clock& clock, Logger& log)
    : RefreshingCredentialsProvider("instance metadata " + settings.endpoint, clock, log),
      settings_(std::move(settings)),
      http_(http),
      clock_(clock) {}

Result<http::Response> InstanceMetadataProvider::Send(http::Request request) {
  request.timeout = settings_.timeout;
  Result<http::Response> response = Fail(ErrorCode::kUnavailable, "", "");
  for (int attempt = 0; attempt < std::max(1, settings_.attempts); ++attempt) {
    response = http_.Send(request);
    if (response && response->status < 500) break;
  }
  return response;
}

Result<std::optional<std::string>> InstanceMetadataProvider::Token() {
  if (token_ && clock_.Monotonic() < token_expires_) return token_;
  http::Request request;
  request.method = "PUT";
  request.url = settings_.endpoint + "/latest/api/token";
  request.headers.emplace_back("x-aws-ec2-metadata-token-ttl-seconds", "21600");
  auto response = Send(request);
  if (!response) return Fail(response.error());
  if (response->status == 200 && !response->body.empty()) {
    token_ = response->body;
    // Renewed a minute before the server forgets it.
    token_expires_ = clock_.Monotonic() + std::chrono::seconds(21600 - 60);
    log().AddSecret(*token_);
    return token_;
  }
  if ((response->status == 403 || response->status == 404 || response->status == 405) &&
      !settings_.v1_disabled) {
    return std::optional<std::string>();
  }
  return Fail(ErrorCode::kUnavailable, settings_.endpoint,
              fmt::format("the instance metadata service answered HTTP {} to the token request",
                          response->status));
}

Result<Credentials> InstanceMetadataProvider::Fetch() {
  const std::string base = settings_.endpoint + "/latest/meta-data/iam/security-credentials/";
  auto get = [&](const std::string& url) -> Result<http::Response> {
    for (int pass = 0;; ++pass) {
      auto token = Token();
      if (!token) return Fail(token.error());
      http::Request request;
      request.url = url;
      if (*token) request.headers.emplace_back("x-aws-ec2-metadata-token", **token);
      auto response = Send(request);
      if (!response) return response;
      if (response->status == 401 && pass == 0) {
        token_.reset();  // expired or revoked: one new token
        continue;
      }
      return response;
    }
  };
  auto roles = get(base);
  if (!roles) return Fail(roles.error());
  if (roles->status == 404) {
    return Fail(ErrorCode::kUnauthenticated, settings_.endpoint,
                "the instance has no IAM role (instance metadata answered 404)");
  }
  if (roles->status != 200) {
    return Fail(
        ErrorCode::kUnavailable, settings_.endpoint,
        fmt::format("instance metadata answered HTTP {} to the role request", roles->status));
  }
  const std::string role(Trim(roles->body.substr(0, roles->body.find('\n'))));
  if (role.empty()) {
    return Fail(ErrorCode::kUnauthenticated, settings_.endpoint, "the instance has no IAM role");
  }
  auto creds = get(base + UriEncode(role, true));
  if (!creds) return Fail(creds.error());
  if (creds->status != 200) {
    return Fail(ErrorCode::kUnavailable, settings_.endpoint,
                fmt::format("instance metadata answered HTTP {} for the credentials of role {}",
                            creds->status, role));
  }
  return ParseMetadataCredentials(creds->body, settings_.endpoint);
}

// ---------------------------------------------------------------------------------------------
SsoProvider::SsoProvider(Settings settings, ReadFile read_file, http::HttpClient& http,
                         Clock& clock, Logger& log)
    : RefreshingCredentialsProvider("sso " + settings.role_name + "@" + settings.account_id, clock,
                                    log),
      settings_(std::move(settings)),
      read_file_(std::move(read_file)),
      http_(http),
      clock_(clock) {}

Result<Credentials> SsoProvider::Fetch() {
  const std::string path = settings_.cache_dir + "/" + Sha1Hex(settings_.cache_key) + ".json";
  auto text = read_file_ ? read_file_(path) : std::nullopt;
  const std::string login = "run `aws sso login` for this profile";
  if (!text) {
    return Fail(ErrorCode::kUnauthenticated, path, "no cached SSO token at " + path + "; " + login);
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  const std::string token = j.is_object() ? JsonString(j, "accessToken") : std::string();
  const auto expires = ParseS3Time(j.is_object() ? JsonString(j, "expiresAt") : std::string());
  if (token.empty() || !expires) {
    return Fail(ErrorCode::kUnauthenticated, path,
                "the cached SSO token has no accessToken or expiresAt; " + login);
  }
  if (*expires <= clock_.Now()) {
    return Fail(ErrorCode::kUnauthenticated, path, "the cached SSO token expired; " + login);
  }
  log().AddSecret(token);
  const std::string portal = settings_.portal_url.empty()
                                 ? "https://portal.sso." + settings_.region + ".amazonaws.com"
                                 : settings_.portal_url;
  http::Request request;
  request.url = portal + "/federation/credentials?" +
                CanonicalQueryString(
                    {{"account_id", settings_.account_id}, {"role_name", settings_.role_name}});
  request.headers.emplace_back("x-amz-sso_bearer_token", token);
  auto response = http_.Send(request);
  if (!response) return Fail(response.error());
  if (response->status != 200) {
    return Fail(response->status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kUnauthenticated,
                "sso GetRoleCredentials",
                fmt::format("the SSO portal answered HTTP {} for role {} in account {}",
                            response->status, settings_.role_name, settings_.account_id));
  }
  nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
  const nlohmann::json* rc = nullptr;
  if (answer.is_object() && answer.contains("roleCredentials") &&
      answer["roleCredentials"].is_object()) {
    rc = &answer["roleCredentials"];
  }
  Credentials c;
  if (rc != nullptr) {
    c.access_key_id = JsonString(*rc, "accessKeyId");
    c.secret_access_key = JsonString(*rc, "secretAccessKey");
    c.session_token = JsonString(*rc, "sessionToken");
  }
  if (rc == nullptr || c.access_key_id.empty() || c.secret_access_key.empty() ||
      !rc->contains("expiration") || !(*rc)["expiration"].is_number_integer()) {
    return Fail(ErrorCode::kInternal, "sso GetRoleCredentials",
                "the SSO portal's answer lacks roleCredentials");
  }
  c.expiration = std::chrono::system_clock::time_point(
      std::chrono::milliseconds((*rc)["expiration"].get<int64_t>()));
  return c;
}

// ---------------------------------------------------------------------------------------------
namespace {

// Builds the chain's chosen provider on the first Get and delegates to it afterwards.
class DefaultChain final : public CredentialsProvider {
 public:
  DefaultChain(AwsSettingsInput in, StsSettings sts, http::HttpClient& http, Clock& clock,
               Logger& log)
      : in_(std::move(in)), sts_(std::move(sts)), http_(http), clock_(clock), log_(log) {}

  Result<Credentials> Get() override {
    auto p = Chosen();
    if (!p) return Fail(p.error());
    return (*p)->Get();
  }
  Result<Credentials> Refresh() override {
    auto p = Chosen();
    if (!p) return Fail(p.error());
    return (*p)->Refresh();
  }
  std::string Describe() const override {
    std::lock_guard lock(mu_);
    return chosen_ ? chosen_->Describe() : std::string();
  }
  std::string IdentityArn() const override {
    std::lock_guard lock(mu_);
    return chosen_ ? chosen_->IdentityArn() : std::string();
  }

 private:
  using ProviderPtr = std::unique_ptr<CredentialsProvider>;

  // A provider with a fixed name (flags, environment, a profile's keys).
  class Named final : public CredentialsProvider {
   public:
    Named(std::string name, ProviderPtr inner) : name_(std::move(name)), inner_(std::move(inner)) {}
    Result<Credentials> Get() override { return inner_->Get(); }
    Result<Credentials> Refresh() override { return inner_->Refresh(); }
    std::string Describe() const override { return name_; }

   private:
    const std::string name_;
    ProviderPtr inner_;
  };

  Result<CredentialsProvider*> Chosen() {
    std::lock_guard lock(mu_);
    if (!chosen_) {
      auto p = Choose();
      if (!p) return Fail(p.error());
      chosen_ = std::move(*p);
      log_.Info("AWS credentials from " + chosen_->Describe());
    }
    return chosen_.get();
  }

  std::optional<std::string> Env(std::string_view name) const { return LookupEnv(in_, name); }

  Result<ProviderPtr> Choose() {
    auto settings = ResolveAwsSettings(in_, StaticKeys::kOptional);
    if (!settings) return Fail(settings.error());
    for (const std::string& w : settings->warnings) log_.Warn(w);
    const SharedConfig shared = LoadSharedConfig(in_);
    const std::string& source = settings->credentials_source;
    // 1-2. Flags and environment.
    if (source == "flags" || source == "environment") {
      return ProviderPtr(std::make_unique<Named>(
          source, std::make_unique<StaticCredentialsProvider>(settings->credentials, clock_)));
    }
    const std::string& profile = shared.profile;
    // 3. Assume-role from the profile.
    if (shared.Config(profile, "role_arn") || shared.Credentials(profile, "role_arn")) {
      if (!shared.Either(profile, "web_identity_token_file")) {
        std::vector<std::string> seen;
        return ProfileRole(shared, profile, seen);
      }
    }
    // 4. Web identity: environment (unless --profile), else the profile.
    std::optional<std::string> token_file, role_arn, session;
    if (!shared.profile_flag) {
      token_file = Env("AWS_WEB_IDENTITY_TOKEN_FILE");
      role_arn = Env("AWS_ROLE_ARN");
      session = Env("AWS_ROLE_SESSION_NAME");
    }
    if (!token_file) token_file = shared.Config(profile, "web_identity_token_file");
    if (!role_arn) role_arn = shared.Config(profile, "role_arn");
    if (!session) session = shared.Config(profile, "role_session_name");
    if (token_file) {
      if (!role_arn) {
        return Fail(ErrorCode::kInvalidArgument, "AWS_ROLE_ARN",
                    "a web identity token file is set (" + *token_file +
                        ") but no role ARN (AWS_ROLE_ARN or the profile's role_arn)");
      }
      AssumeRoleParams params{*role_arn, session.value_or(DefaultSessionName(clock_)), "",
                              std::nullopt};
      return ProviderPtr(std::make_unique<WebIdentityProvider>(
          *token_file, in_.read_file, std::move(params), sts_, http_, clock_, log_));
    }
    // 5. SSO.
    if (auto account = shared.Config(profile, "sso_account_id")) {
      return Sso(shared, profile, *account);
    }
    // 6. The credentials file's keys (ResolvingCredentialsProvider re-reads rotated keys).
    const bool in_credentials_file = shared.Credentials(profile, "aws_access_key_id").has_value();
    if (in_credentials_file) return ProfileKeys(source);
    // 7. credential_process.
    if (auto command = shared.Either(profile, "credential_process")) {
      return ProviderPtr(std::make_unique<ProcessProvider>(*command, clock_, log_));
    }
    // 8. The config file's keys.
    if (!source.empty()) return ProfileKeys(source);
    // 9. Container.
    if (auto p = Container()) return p;
    // 10. Instance metadata, unless disabled; reaching it is the test of its presence.
    std::string looked =
        "no AWS credentials found; looked at " + std::string(kFlagAccessKey) + "/" +
        std::string(kFlagSecretKey) + ", " +
        (shared.profile_flag ? "(environment skipped: --profile given)"
                             : "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") +
        ", AWS_WEB_IDENTITY_TOKEN_FILE, profile " + profile + " in " +
        (shared.credentials_path.empty() ? "(no credentials file)" : shared.credentials_path) +
        " and " + (shared.config_path.empty() ? "(no config file)" : shared.config_path) +
        ", AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI";
    if (IsTrue(Env("AWS_EC2_METADATA_DISABLED"))) {
      return Fail(ErrorCode::kUnauthenticated, "credentials",
                  looked + " (instance metadata disabled by AWS_EC2_METADATA_DISABLED)");
    }
    auto imds = Imds(shared);
    if (!imds) return Fail(imds.error());
    if (auto first = (*imds)->Get(); !first) {
      return Fail(ErrorCode::kUnauthenticated, "credentials",
                  looked + " and instance metadata (" + first.error().message + ")");
    }
    return imds;
  }

  Result<ProviderPtr> ProfileKeys(const std::string& source) {
    return ProviderPtr(std::make_unique<Named>(
        source, std::make_unique<ResolvingCredentialsProvider>(in_, clock_)));
  }

  // The static keys of profile `name` (credentials file, then config file); nullopt if none.
  static std::optional<Credentials> StaticKeysOf(const SharedConfig& shared,
                                                 const std::string& name) {
    for (bool credentials_file : {true, false}) {
      auto get = [&](const char* key) {
        return credentials_file ? shared.Credentials(name, key) : shared.Config(name, key);
      };
      auto id = get("aws_access_key_id");
      auto secret = get("aws_secret_access_key");
      if (id && secret) {
        Credentials c{*id, *secret, get("aws_session_token").value_or(""), std::nullopt};
        return c;
      }
    }
    return std::nullopt;
  }

  // Profile `name` with role_arn: its base credentials from source_profile (keys, or another
  // role: a chain) or credential_source.
  Result<ProviderPtr> ProfileRole(const SharedConfig& shared, const std::string& name,
                                  std::vector<std::string>& seen) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return Fail(ErrorCode::kInvalidArgument, "source_profile",
                  "profile " + name + " is part of a source_profile loop");
    }
    seen.push_back(name);
    if (!shared.HasProfile(name)) {
      return Fail(ErrorCode::kNotFound, "source_profile",
                  "profile " + name + " (named by source_profile) does not exist");
    }
    auto role = shared.Either(name, "role_arn");
    const auto source_profile = shared.Either(name, "source_profile");
    const auto credential_source = shared.Either(name, "credential_source");
    if (!role) {
      auto keys = StaticKeysOf(shared, name);
      if (!keys) {
        return Fail(ErrorCode::kUnauthenticated, "source_profile",
                    "source profile " + name + " has neither keys nor role_arn");
      }
      return ProviderPtr(std::make_unique<Named>(
          "profile " + name, std::make_unique<StaticCredentialsProvider>(*keys, clock_)));
    }
    AssumeRoleParams params;
    params.role_arn = *role;
    params.external_id = shared.Either(name, "external_id").value_or("");
    params.session_name =
        shared.Either(name, "role_session_name").value_or(DefaultSessionName(clock_));
    if (auto d = shared.Either(name, "duration_seconds")) {
      int value = 0;
      try {
        size_t used = 0;
        value = std::stoi(*d, &used);
        if (used != d->size()) value = 0;
      } catch (const std::exception&) {
        value = 0;
      }
      if (value < 900 || value > 43200) {
        return Fail(ErrorCode::kInvalidArgument, "duration_seconds",
                    "profile " + name + ": duration_seconds must be 900 to 43200");
      }
      params.duration_seconds = value;
    }
    if (source_profile && credential_source) {
      return Fail(ErrorCode::kInvalidArgument, "profile " + name,
                  "profile " + name + " sets both source_profile and credential_source");
    }
    ProviderPtr base;
    if (source_profile) {
      // A profile naming itself uses its own keys (botocore allows this).
      if (*source_profile == name) {
        auto keys = StaticKeysOf(shared, name);
        if (!keys) {
          return Fail(ErrorCode::kUnauthenticated, "source_profile",
                      "profile " + name + " is its own source_profile but has no keys");
        }
        base = std::make_unique<StaticCredentialsProvider>(*keys, clock_);
      } else {
        auto b = ProfileRole(shared, *source_profile, seen);
        if (!b) return Fail(b.error());
        base = std::move(*b);
      }
    } else if (credential_source) {
      auto b = CredentialSource(shared, *credential_source);
      if (!b) return Fail(b.error());
      base = std::move(*b);
    } else {
      return Fail(ErrorCode::kInvalidArgument, "profile " + name,
                  "profile " + name +
                      " has role_arn but neither source_profile nor "
                      "credential_source");
    }
    return ProviderPtr(std::make_unique<AssumeRoleProvider>(std::move(base), std::move(params),
                                                            sts_, http_, clock_, log_));
  }

  Result<ProviderPtr> CredentialSource(const SharedConfig& shared, const std::string& source) {
    if (source == "Environment") {
      AwsSettingsInput env_only = in_;  // --profile does not hide the environment here
      env_only.flag_profile.reset();
      auto settings = ResolveAwsSettings(env_only, StaticKeys::kOptional);
      if (!settings) return Fail(settings.error());
      if (settings->credentials_source != "environment") {
        return Fail(ErrorCode::kUnauthenticated, "credential_source",
                    "credential_source is Environment but AWS_ACCESS_KEY_ID is not set");
      }
      return ProviderPtr(
          std::make_unique<StaticCredentialsProvider>(settings->credentials, clock_));
    }
    if (source == "EcsContainer") {
      if (auto p = Container()) return p;
      return Fail(ErrorCode::kUnauthenticated, "credential_source",
                  "credential_source is EcsContainer but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
                  "and _FULL_URI are not set");
    }
    if (source == "Ec2InstanceMetadata") return Imds(shared);
    return Fail(ErrorCode::kInvalidArgument, "credential_source",
                "credential_source must be Environment, Ec2InstanceMetadata or EcsContainer");
  }

  Result<ProviderPtr> Sso(const SharedConfig& shared, const std::string& profile,
                          const std::string& account) {
    SsoProvider::Settings s;
    s.account_id = account;
    s.role_name = shared.Config(profile, "sso_role_name").value_or("");
    if (auto session = shared.Config(profile, "sso_session")) {
      s.cache_key = *session;
      const std::string* region = shared.config.Find("sso-session " + *session, "sso_region");
      s.region = region != nullptr ? *region : "";
    } else {
      s.cache_key = shared.Config(profile, "sso_start_url").value_or("");
      s.region = shared.Config(profile, "sso_region").value_or("");
    }
    if (s.role_name.empty() || s.cache_key.empty() || s.region.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "profile " + profile,
                  "profile " + profile +
                      " has sso_account_id but lacks sso_role_name, sso_region or "
                      "sso_session/sso_start_url");
    }
    if (in_.home.empty()) {
      return Fail(ErrorCode::kUnauthenticated, "profile " + profile,
                  "SSO needs HOME to find ~/.aws/sso/cache");
    }
    s.cache_dir = in_.home + "/.aws/sso/cache";
    s.portal_url = Env("AWS_ENDPOINT_URL_SSO").value_or("");
    return ProviderPtr(
        std::make_unique<SsoProvider>(std::move(s), in_.read_file, http_, clock_, log_));
  }

  // nullptr when neither container variable is set.
  ProviderPtr Container() {
    ContainerProvider::Settings s;
    if (auto rel = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
      s.url = "http://169.254.170.2" + *rel;
    } else if (auto full = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      s.url = *full;
    } else {
      return nullptr;
    }
    s.token = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or("");
    s.token_file = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").value_or("");
    return std::make_unique<ContainerProvider>(std::move(s), in_.read_file, http_, clock_, log_);
  }

  Result<ProviderPtr> Imds(const SharedConfig& shared) {
    InstanceMetadataProvider::Settings s;
    auto setting = [&](const char* env, const char* key) {
      auto v = Env(env);
      return v ? v : shared.Config(shared.profile, key);
    };
    if (auto ep = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint")) {
      s.endpoint = *ep;
      while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
    } else if (auto mode = setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                                   "ec2_metadata_service_endpoint_mode");
               mode && AsciiLower(*mode) == "ipv6") {
      s.endpoint = "http://[fd00:ec2::254]";
    }
    for (auto [env, key, target, low, high] :
         {std::tuple{"AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout", 0, 1, 60},
          std::tuple{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts", 1, 1,
                     10}}) {
      auto v = setting(env, key);
      if (!v) continue;
      int n = 0;
      try {
        n = std::stoi(*v);
      } catch (const std::exception&) {
        n = 0;
      }
      if (n < low || n > high) {
        return Fail(ErrorCode::kInvalidArgument, env,
                    fmt::format("{} must be a whole number from {} to {}", env, low, high));
      }
      if (target == 0) {
        s.timeout = std::chrono::seconds(n);
      } else {
        s.attempts = n;
      }
    }
    s.v1_disabled = IsTrue(setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled"));
    return ProviderPtr(
        std::make_unique<InstanceMetadataProvider>(std::move(s), http_, clock_, log_));
  }

  const AwsSettingsInput in_;
  const StsSettings sts_;
  http::HttpClient& http_;
  Clock& clock_;
  Logger& log_;
  mutable std::mutex mu_;
  ProviderPtr chosen_;  // GUARDED_BY(mu_)
};

}  // namespace

Result<std::unique_ptr<CredentialsProvider>> MakeDefaultChain(const AwsSettingsInput& in,
                                                              http::HttpClient& http, Clock& clock,
                                                              Logger& log) {
  auto sts = ResolveStsSettings(in);
  if (!sts) return Fail(sts.error());
  return std::unique_ptr<CredentialsProvider>(
      std::make_unique<DefaultChain>(in, std::move(*sts), http, clock, log));
}

Result<std::string> WhichIdentity(CredentialsProvider& provider, StsClient& sts) {
  auto credentials = provider.Get();
  if (!credentials) return Fail(credentials.error());
  if (std::string arn = provider.IdentityArn(); !arn.empty()) return arn;
  return sts.GetCallerIdentity(*credentials);
}

}  // namespace s3u::s3
