#include "s3/credentials.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "core/text.h"
#include "s3/errors.h"

namespace s3u::s3 {
namespace {

// Cuts an inline comment: '#' or ';' preceded by whitespace.
std::string_view StripInlineComment(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if ((s[i] == '#' || s[i] == ';') && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
      return s.substr(0, i);
    }
  }
  return s;
}

// "profile   foo" -> "profile foo": botocore splits section names on whitespace.
std::string CollapseSpaces(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const bool space = c == ' ' || c == '\t';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string FormatIso(std::chrono::system_clock::time_point t) {
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

// Without a clock nothing is known to be expired locally; the server will say so.
bool Expired(const Credentials& c, const Clock* clock) {
  return clock != nullptr && c.expiration && clock->Now() >= *c.expiration;
}

tl::unexpected<Error> ExpiredError(const Credentials& c) {
  return Fail(ErrorCode::kUnauthenticated, "credentials",
              "the temporary credentials of access key id " + c.access_key_id + " expired at " +
                  FormatIso(*c.expiration) + "; provide fresh ones");
}

// One of the two files, read and parsed (or known to be missing).
struct ConfigFile {
  std::string path;            // empty when there is no location (no HOME, no override)
  std::optional<IniFile> ini;  // nullopt when missing

  const std::map<std::string, std::string>* Section(const std::string& name) const {
    if (!ini) return nullptr;
    auto it = ini->sections.find(name);
    return it == ini->sections.end() ? nullptr : &it->second;
  }
  std::string Describe() const {
    if (path.empty()) return "(no location: HOME is not set)";
    return ini ? path : path + " (missing)";
  }
};

std::optional<std::string> Get(const std::map<std::string, std::string>* section,
                               const std::string& key) {
  if (section == nullptr) return std::nullopt;
  auto it = section->find(key);
  if (it == section->end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// One resolution: reads each file at most once, records sources and warnings as it goes.
// Each step mirrors botocore's provider chain; deviations are noted where they happen.
class Resolver {
 public:
  explicit Resolver(const AwsSettingsInput& in) : in_(in) {}

  Result<AwsSettings> Run() {
    if (auto ok = CheckFlags(); !ok) return Fail(ok.error());
    LoadFiles();
    if (auto ok = ChooseProfile(); !ok) return Fail(ok.error());
    auto creds = ResolveCredentials();
    if (!creds) return Fail(creds.error());
    ResolveRegion();
    ResolveEndpoint();
    ResolveStsEndpoint();
    return std::move(out_);
  }

 private:
  std::optional<std::string> Env(std::string_view name) const {
    if (!in_.getenv) return std::nullopt;
    std::optional<std::string> v = in_.getenv(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  }

  std::string ExpandHome(const std::string& path) const {
    if (!in_.home.empty() && (path == "~" || path.rfind("~/", 0) == 0)) {
      return in_.home + path.substr(1);
    }
    return path;
  }

  ConfigFile Load(const char* env_name, const char* default_name) {
    ConfigFile f;
    if (auto p = Env(env_name)) {
      f.path = ExpandHome(*p);
    } else if (!in_.home.empty()) {
      f.path = in_.home + "/.aws/" + default_name;
    }
    if (f.path.empty() || !in_.read_file) return f;
    if (std::optional<std::string> text = in_.read_file(f.path)) {
      f.ini = ParseIni(*text);
      for (const std::string& p : f.ini->problems) out_.warnings.push_back(f.path + ": " + p);
    }
    return f;
  }

  void LoadFiles() {
    credentials_file_ = Load("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    config_file_ = Load("AWS_CONFIG_FILE", "config");
  }

  Result<void> CheckFlags() const {
    const std::pair<const std::optional<std::string>*, std::string_view> flags[] = {
        {&in_.flag_access_key, kFlagAccessKey},
        {&in_.flag_secret_key, kFlagSecretKey},
        {&in_.flag_session_token, kFlagSessionToken},
        {&in_.flag_profile, kFlagProfile},
        {&in_.flag_region, kFlagRegion},
        {&in_.flag_endpoint_url, kFlagEndpointUrl}};
    for (const auto& [value, name] : flags) {
      if (*value && Trim(**value).empty()) {
        return Fail(ErrorCode::kInvalidArgument, std::string(name),
                    std::string(name) + " was given an empty value");
      }
    }
    return {};
  }

  // An explicitly named profile (flag or AWS_PROFILE) must exist even when the keys come
  // from elsewhere, as with the aws cli; the implicit "default" may be absent.
  Result<void> ChooseProfile() {
    bool explicit_profile = true;
    if (in_.flag_profile) {
      out_.profile = *in_.flag_profile;
    } else if (auto p = Env("AWS_PROFILE")) {
      out_.profile = *p;
    } else {
      out_.profile = "default";
      explicit_profile = false;
    }
    cred_section_ = credentials_file_.Section(out_.profile);
    if (out_.profile == "default") {
      config_section_ = config_file_.Section("default");
      if (config_section_ == nullptr) config_section_ = config_file_.Section("profile default");
    } else {
      config_section_ = config_file_.Section("profile " + out_.profile);
    }
    // The config file names profiles "[profile x]"; a bare "[x]" there is ignored by botocore.
    if (explicit_profile && cred_section_ == nullptr && config_section_ == nullptr) {
      return Fail(ErrorCode::kNotFound, in_.flag_profile ? "--profile" : "AWS_PROFILE",
                  "profile " + out_.profile + " not found in " + credentials_file_.Describe() +
                      " or " + config_file_.Describe());
    }
    return {};
  }

  // A profile's two sections (either may be null).
  struct Profile {
    std::string name;
    const std::map<std::string, std::string>* credentials = nullptr;  // credentials file
    const std::map<std::string, std::string>* config = nullptr;       // config file
    std::optional<std::string> Find(const std::string& key) const {
      if (auto v = s3::Get(config, key)) return v;
      return s3::Get(credentials, key);
    }
    bool Exists() const { return credentials != nullptr || config != nullptr; }
  };

  Profile ProfileNamed(const std::string& name) const {
    Profile p;
    p.name = name;
    p.credentials = credentials_file_.Section(name);
    if (name == "default") {
      p.config = config_file_.Section("default");
      if (p.config == nullptr) p.config = config_file_.Section("profile default");
    } else {
      p.config = config_file_.Section("profile " + name);
    }
    return p;
  }

  // Keys from one file's profile section. nullopt when the section has no access key.
  Result<std::optional<Credentials>> FromSection(const std::string& profile,
                                                 const std::map<std::string, std::string>* s,
                                                 const ConfigFile& file) {
    const auto id = Get(s, "aws_access_key_id");
    const auto secret = Get(s, "aws_secret_access_key");
    if (!id) {
      if (secret) {
        out_.warnings.push_back("profile " + profile + " in " + file.path +
                                " has aws_secret_access_key without aws_access_key_id; ignored");
      }
      return std::optional<Credentials>();
    }
    if (!secret) {
      return Fail(ErrorCode::kInvalidArgument, file.path,
                  "profile " + profile + " in " + file.path +
                      " has aws_access_key_id but no aws_secret_access_key");
    }
    Credentials c;
    c.access_key_id = *id;
    c.secret_access_key = *secret;
    if (auto token = Get(s, "aws_session_token")) {
      c.session_token = *token;
    } else if (auto legacy = Get(s, "aws_security_token")) {
      c.session_token = *legacy;
    }
    return std::optional<Credentials>(std::move(c));
  }

  // A source found: its description, and fixed keys copied to out_.credentials.
  struct Found {
    CredentialSource source;
    std::string description;
  };
  static Found Fixed(Credentials c, std::string description) {
    return Found{CredentialSource{std::move(c)}, std::move(description)};
  }

  Result<Found> FromEnvironmentKeys(bool required) {
    const auto env_id = Env("AWS_ACCESS_KEY_ID");
    const auto env_secret = Env("AWS_SECRET_ACCESS_KEY");
    if (env_id && !env_secret) {
      return Fail(ErrorCode::kInvalidArgument, "AWS_SECRET_ACCESS_KEY",
                  "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    }
    if (!env_id) {
      if (env_secret) {
        out_.warnings.push_back(
            "AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID; ignored (as the aws cli "
            "does)");
      }
      if (!required) return Found{};
      return Fail(ErrorCode::kUnauthenticated, "AWS_ACCESS_KEY_ID",
                  "credential_source = Environment, but AWS_ACCESS_KEY_ID is not set");
    }
    Credentials c;
    c.access_key_id = *env_id;
    c.secret_access_key = *env_secret;
    if (auto token = Env("AWS_SESSION_TOKEN")) {
      c.session_token = *token;
    } else if (auto legacy = Env("AWS_SECURITY_TOKEN")) {
      c.session_token = *legacy;
    }
    if (auto exp = Env("AWS_CREDENTIAL_EXPIRATION")) {
      if (auto t = ParseS3Time(*exp)) {
        c.expiration = *t;
      } else {
        out_.warnings.push_back("AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time; ignored");
      }
    }
    return Fixed(std::move(c), "environment");
  }

  std::string Where(const Profile& p) const {
    return "profile " + p.name + " in " +
           (p.config != nullptr ? config_file_.path : credentials_file_.path);
  }

  static bool HasRole(const Profile& p) {
    return p.Find("role_arn") && (p.Find("source_profile") || p.Find("credential_source"));
  }

  // Step 3: role_arn with source_profile or credential_source. `visited` holds the profiles
  // of the chain so far (a cycle is refused).
  Result<Found> AssumeRoleFrom(const Profile& p, std::vector<std::string> visited) {
    const std::string where = Where(p);
    const auto source_profile = p.Find("source_profile");
    const auto credential_source = p.Find("credential_source");
    if (source_profile && credential_source) {
      return Fail(ErrorCode::kInvalidArgument, where,
                  where + " has both source_profile and credential_source; keep one");
    }
    AssumeRoleSource role;
    role.role_arn = *p.Find("role_arn");
    role.external_id = p.Find("external_id").value_or("");
    // botocore names its sessions "botocore-session-<epoch>"; a fixed name keeps CloudTrail
    // readable and the trust policy's conditions simple.
    role.session_name = p.Find("role_session_name").value_or("s3unload");
    if (auto d = p.Find("duration_seconds")) {
      int seconds = 0;
      const auto [end, ec] = std::from_chars(d->data(), d->data() + d->size(), seconds);
      if (ec != std::errc() || end != d->data() + d->size() || seconds < 900 || seconds > 43200) {
        return Fail(ErrorCode::kInvalidArgument, where,
                    where + ": duration_seconds must be a whole number from 900 to 43200");
      }
      role.duration_seconds = seconds;
    }
    Result<Found> base = credential_source
                             ? FromCredentialSource(where, *credential_source)
                             : FromSourceProfileOf(p, *source_profile, std::move(visited));
    if (!base) return Fail(base.error());
    role.base = std::make_shared<const CredentialSource>(std::move(base->source));
    role.base_description = base->description;
    std::string description = "assume-role " + role.role_arn + " (" + where + ")";
    return Found{CredentialSource{std::move(role)}, std::move(description)};
  }

  Result<Found> FromCredentialSource(const std::string& where, const std::string& name) {
    if (name == "Environment") return FromEnvironmentKeys(/*required=*/true);
    if (name == "Ec2InstanceMetadata") {
      return Found{CredentialSource{InstanceMetadataSource{}}, "instance metadata (IMDSv2)"};
    }
    if (name == "EcsContainer") {
      return Found{CredentialSource{ContainerSource{}}, "container credentials"};
    }
    return Fail(ErrorCode::kInvalidArgument, where,
                where +
                    ": credential_source must be Environment, Ec2InstanceMetadata or "
                    "EcsContainer");
  }

  Result<Found> FromSourceProfileOf(const Profile& p, const std::string& name,
                                    std::vector<std::string> visited) {
    visited.push_back(p.name);
    const Profile source = ProfileNamed(name);
    if (!source.Exists()) {
      return Fail(ErrorCode::kInvalidArgument, Where(p),
                  Where(p) + ": source_profile " + name + " not found in " +
                      credentials_file_.Describe() + " or " + config_file_.Describe());
    }
    return FromSourceProfile(source, visited);
  }

  // A source_profile's credentials, botocore's way: its keys, unless it is itself a role
  // (then chained); a profile naming itself as its source uses its own keys.
  Result<Found> FromSourceProfile(const Profile& p, const std::vector<std::string>& visited) {
    auto keys = ProfileKeys(p);
    if (!keys) return Fail(keys.error());
    const bool self = !visited.empty() && visited.back() == p.name;
    if (!keys->description.empty() && (!HasRole(p) || self)) return std::move(*keys);
    if (HasRole(p)) {
      if (std::find(visited.begin(), visited.end(), p.name) != visited.end()) {
        std::string chain;
        for (const std::string& v : visited) chain += v + " -> ";
        return Fail(ErrorCode::kInvalidArgument, Where(p),
                    "source_profile cycle: " + chain + p.name);
      }
      return AssumeRoleFrom(p, visited);
    }
    auto other = FromProfileProviders(p);
    if (!other) return Fail(other.error());
    if (!other->description.empty()) return std::move(*other);
    return Fail(ErrorCode::kInvalidArgument, Where(p),
                "source profile " + p.name +
                    " has no credentials (keys, a role, web identity, "
                    "SSO or credential_process)");
  }

  // Keys of a profile, credentials file first; an empty Found when it has none.
  Result<Found> ProfileKeys(const Profile& p) {
    for (const auto& [section, file] :
         {std::pair{p.credentials, &credentials_file_}, std::pair{p.config, &config_file_}}) {
      auto creds = FromSection(p.name, section, *file);
      if (!creds) return Fail(creds.error());
      if (*creds) return Fixed(**std::move(creds), "profile " + p.name + " in " + file->path);
    }
    return Found{};
  }

  // Steps 4 (profile part), 5 and 7 for one profile; an empty Found when none applies.
  Result<Found> FromProfileProviders(const Profile& p) {
    if (auto token_file = p.Find("web_identity_token_file")) {
      if (auto arn = p.Find("role_arn")) {
        return Found{
            CredentialSource{WebIdentitySource{ExpandHome(*token_file), *arn,
                                               p.Find("role_session_name").value_or("s3unload")}},
            "web identity " + *arn + " (" + Where(p) + ")"};
      }
    }
    if (auto sso = FromSso(p); !sso || !sso->description.empty()) return sso;
    if (auto command = p.Find("credential_process")) {
      return Found{CredentialSource{ProcessSource{*command}},
                   "credential_process (" + Where(p) + ")"};
    }
    return Found{};
  }

  Result<Found> FromSso(const Profile& p) {
    SsoSource sso;
    if (auto session = p.Find("sso_session")) {
      const auto* section = config_file_.Section("sso-session " + *session);
      if (section == nullptr) {
        return Fail(ErrorCode::kInvalidArgument, Where(p),
                    Where(p) + ": sso_session " + *session + " has no [sso-session " + *session +
                        "] section in " + config_file_.Describe());
      }
      sso.session_name = *session;
      sso.start_url = Get(section, "sso_start_url").value_or("");
      sso.region = Get(section, "sso_region").value_or("");
    } else if (auto url = p.Find("sso_start_url")) {
      sso.start_url = *url;
      sso.region = p.Find("sso_region").value_or("");
    } else {
      return Found{};
    }
    sso.account_id = p.Find("sso_account_id").value_or("");
    sso.role_name = p.Find("sso_role_name").value_or("");
    for (const auto& [value, key] :
         {std::pair{&sso.start_url, "sso_start_url"}, std::pair{&sso.region, "sso_region"},
          std::pair{&sso.account_id, "sso_account_id"},
          std::pair{&sso.role_name, "sso_role_name"}}) {
      if (value->empty()) {
        return Fail(ErrorCode::kInvalidArgument, Where(p),
                    Where(p) + " uses SSO but has no " + key);
      }
    }
    return Found{CredentialSource{std::move(sso)}, "SSO (" + Where(p) + ")"};
  }

  Result<void> ResolveCredentials() {
    auto found = FindCredentials();
    if (!found) return Fail(found.error());
    if (const auto* fixed = std::get_if<Credentials>(&found->source.where)) {
      out_.credentials = *fixed;
    }
    out_.source = std::move(found->source);
    out_.credentials_source = std::move(found->description);
    return {};
  }

  Result<Found> FindCredentials() {
    // 1. Flags: all or nothing.
    if (in_.flag_access_key || in_.flag_secret_key || in_.flag_session_token) {
      if (!in_.flag_access_key) {
        return Fail(ErrorCode::kInvalidArgument, std::string(kFlagAccessKey),
                    std::string(in_.flag_secret_key ? kFlagSecretKey : kFlagSessionToken) +
                        " was given without " + std::string(kFlagAccessKey));
      }
      if (!in_.flag_secret_key) {
        return Fail(
            ErrorCode::kInvalidArgument, std::string(kFlagSecretKey),
            std::string(kFlagAccessKey) + " was given without " + std::string(kFlagSecretKey));
      }
      Credentials c;
      c.access_key_id = *in_.flag_access_key;
      c.secret_access_key = *in_.flag_secret_key;
      if (in_.flag_session_token) c.session_token = *in_.flag_session_token;
      return Fixed(std::move(c), "flags");
    }
    // 2. Environment, unless --profile was given (botocore drops the env provider then).
    if (in_.flag_profile) {
      if (Env("AWS_ACCESS_KEY_ID") || Env("AWS_SECRET_ACCESS_KEY")) {
        out_.warnings.push_back(
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY ignored because --profile was given");
      }
    } else {
      auto env = FromEnvironmentKeys(/*required=*/false);
      if (!env || !env->description.empty()) return env;
    }
    const Profile profile = ProfileNamed(out_.profile);
    // 3. A role profile.
    if (HasRole(profile)) return AssumeRoleFrom(profile, {});
    // 4. Web identity from the environment (EKS IRSA), per setting before the profile's.
    const auto token_file = Env("AWS_WEB_IDENTITY_TOKEN_FILE");
    const auto role_arn = Env("AWS_ROLE_ARN");
    if (token_file && role_arn) {
      return Found{CredentialSource{WebIdentitySource{
                       ExpandHome(*token_file), *role_arn,
                       Env("AWS_ROLE_SESSION_NAME")
                           .value_or(profile.Find("role_session_name").value_or("s3unload"))}},
                   "web identity " + *role_arn + " (AWS_WEB_IDENTITY_TOKEN_FILE)"};
    }
    if (token_file || role_arn) {
      out_.warnings.push_back(
          std::string(token_file ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN") +
          " is set without " + (token_file ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE") +
          "; web identity skipped");
    }
    // 4-8. The profile's web identity, SSO, keys (credentials file), credential_process, keys
    // (config file): botocore reads the credentials file's keys before credential_process.
    if (auto token = profile.Find("web_identity_token_file"); token && profile.Find("role_arn")) {
      return FromProfileProviders(profile);
    }
    if (auto sso = FromSso(profile); !sso || !sso->description.empty()) return sso;
    auto from_credentials = FromSection(profile.name, profile.credentials, credentials_file_);
    if (!from_credentials) return Fail(from_credentials.error());
    if (*from_credentials) {
      return Fixed(**std::move(from_credentials),
                   "profile " + profile.name + " in " + credentials_file_.path);
    }
    if (auto command = profile.Find("credential_process")) {
      return Found{CredentialSource{ProcessSource{*command}},
                   "credential_process (" + Where(profile) + ")"};
    }
    auto from_config = FromSection(profile.name, profile.config, config_file_);
    if (!from_config) return Fail(from_config.error());
    if (*from_config) {
      return Fixed(**std::move(from_config),
                   "profile " + profile.name + " in " + config_file_.path);
    }
    // 9. Container credentials.
    if (Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
        Env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      return Found{CredentialSource{ContainerSource{}}, "container credentials"};
    }
    // 10. Instance metadata.
    const auto disabled = Env("AWS_EC2_METADATA_DISABLED");
    const bool imds = in_.instance_metadata && !(disabled && AsciiLower(*disabled) == "true");
    if (imds) {
      return Found{CredentialSource{InstanceMetadataSource{}}, "instance metadata (IMDSv2)"};
    }
    if (profile.Find("role_arn")) {
      return Fail(ErrorCode::kInvalidArgument, Where(profile),
                  Where(profile) +
                      " has role_arn but neither source_profile, credential_source "
                      "nor web_identity_token_file");
    }
    std::string looked = "no AWS credentials found; looked at " + std::string(kFlagAccessKey) +
                         "/" + std::string(kFlagSecretKey) + ", ";
    looked += in_.flag_profile ? "(environment skipped: --profile given), "
                               : "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ";
    looked += "profile " + out_.profile + " in " + credentials_file_.Describe() + " and " +
              config_file_.Describe() +
              " (keys, role, web identity, SSO, credential_process), container credentials (no "
              "AWS_CONTAINER_CREDENTIALS_*)";
    looked += in_.instance_metadata ? " and instance metadata (AWS_EC2_METADATA_DISABLED)"
                                    : " (instance metadata not used here)";
    return Fail(ErrorCode::kUnauthenticated, "credentials", looked);
  }

  // STS: AWS_ENDPOINT_URL_STS, the services section, then the S3 endpoint (S3-compatible
  // stores answer STS at the same address), else the regional endpoint.
  void ResolveStsEndpoint() {
    const auto ignore_env = Env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    const auto ignore_cfg = Get(config_section_, "ignore_configured_endpoint_urls");
    const bool ignore = (ignore_env && AsciiLower(*ignore_env) == "true") ||
                        (!ignore_env && ignore_cfg && AsciiLower(*ignore_cfg) == "true");
    if (!ignore) {
      if (auto e = Env("AWS_ENDPOINT_URL_STS")) {
        out_.sts_endpoint_url = *e;
        return;
      }
      if (auto services = Get(config_section_, "services")) {
        if (auto e = Get(config_file_.Section("services " + *services), "sts.endpoint_url")) {
          out_.sts_endpoint_url = *e;
          return;
        }
      }
    }
    out_.sts_endpoint_url = out_.endpoint_url;
  }

  void ResolveRegion() {
    if (in_.flag_region) {
      out_.region = *in_.flag_region;
      out_.region_source = std::string(kFlagRegion);
    } else if (auto r = Env("AWS_REGION")) {
      out_.region = *r;
      out_.region_source = "AWS_REGION";
    } else if (auto d = Env("AWS_DEFAULT_REGION")) {
      out_.region = *d;
      out_.region_source = "AWS_DEFAULT_REGION";
    } else if (auto p = Get(config_section_, "region")) {
      out_.region = *p;
      out_.region_source = "profile " + out_.profile + " in " + config_file_.path;
    } else {
      out_.region = "us-east-1";
      out_.region_source = "default";
    }
  }

  // The SDKs' documented precedence: service-specific before global, env before config.
  void ResolveEndpoint() {
    if (in_.flag_endpoint_url) {
      out_.endpoint_url = *in_.flag_endpoint_url;
      return;
    }
    const auto ignore_env = Env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    const auto ignore_cfg = Get(config_section_, "ignore_configured_endpoint_urls");
    if ((ignore_env && AsciiLower(*ignore_env) == "true") ||
        (!ignore_env && ignore_cfg && AsciiLower(*ignore_cfg) == "true")) {
      return;
    }
    if (auto e = Env("AWS_ENDPOINT_URL_S3")) {
      out_.endpoint_url = *e;
    } else if (auto g = Env("AWS_ENDPOINT_URL")) {
      out_.endpoint_url = *g;
    } else if (auto services = Get(config_section_, "services");
               services && Get(config_file_.Section("services " + *services), "s3.endpoint_url")) {
      out_.endpoint_url = Get(config_file_.Section("services " + *services), "s3.endpoint_url");
    } else if (auto p = Get(config_section_, "endpoint_url")) {
      out_.endpoint_url = *p;
    }
  }

  const AwsSettingsInput& in_;
  AwsSettings out_;
  ConfigFile credentials_file_;
  ConfigFile config_file_;
  const std::map<std::string, std::string>* cred_section_ = nullptr;
  const std::map<std::string, std::string>* config_section_ = nullptr;
};

}  // namespace

const std::string* IniFile::Find(const std::string& section, const std::string& key) const {
  auto s = sections.find(section);
  if (s == sections.end()) return nullptr;
  auto k = s->second.find(key);
  return k == s->second.end() ? nullptr : &k->second;
}

IniFile ParseIni(std::string_view text) {
  IniFile out;
  std::map<std::string, std::string>* section = nullptr;
  std::string parent;  // key of an empty-valued setting that may open a nested block
  bool parent_open = false;
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    const std::string where = "line " + std::to_string(line_no) + ": ";
    const std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const bool indented = raw[0] == ' ' || raw[0] == '\t';
    const std::string_view content = Trim(StripInlineComment(line));
    const size_t nested_eq = content.find_first_of("=:");
    if (indented && section != nullptr && !parent.empty() &&
        (parent_open || nested_eq == std::string_view::npos)) {
      // configparser would append an indented line to the previous value; an indented
      // "key = value" after a complete setting is read as a setting instead (friendlier).
      const size_t eq = nested_eq;
      if (!parent_open) {
        out.problems.push_back(where + "continuation line ignored");
      } else if (eq == std::string_view::npos || Trim(content.substr(0, eq)).empty()) {
        out.problems.push_back(where + "expected 'key = value' in a nested block");
      } else {
        (*section)[parent + "." + AsciiLower(Trim(content.substr(0, eq)))] =
            std::string(Trim(content.substr(eq + 1)));
      }
      continue;
    }
    parent.clear();
    parent_open = false;
    if (content[0] == '[') {
      if (content.size() < 2 || content.back() != ']' ||
          Trim(content.substr(1, content.size() - 2)).empty()) {
        out.problems.push_back(where + "malformed section header");
        section = nullptr;
        continue;
      }
      section = &out.sections[CollapseSpaces(Trim(content.substr(1, content.size() - 2)))];
      continue;
    }
    const size_t eq = content.find_first_of("=:");
    if (eq == std::string_view::npos) {
      out.problems.push_back(where + "expected 'key = value'");
      continue;
    }
    const std::string key = AsciiLower(Trim(content.substr(0, eq)));
    if (key.empty()) {
      out.problems.push_back(where + "missing key before '='");
      continue;
    }
    if (section == nullptr) {
      out.problems.push_back(where + "setting outside any [section]");
      continue;
    }
    const std::string value(Trim(content.substr(eq + 1)));
    (*section)[key] = value;
    parent = key;
    parent_open = value.empty();
  }
  return out;
}

Result<AwsSettings> ResolveAwsSettings(const AwsSettingsInput& in) { return Resolver(in).Run(); }

StaticCredentialsProvider::StaticCredentialsProvider(Credentials credentials)
    : credentials_(std::move(credentials)), clock_(nullptr) {}

StaticCredentialsProvider::StaticCredentialsProvider(Credentials credentials, const Clock& clock)
    : credentials_(std::move(credentials)), clock_(&clock) {}

Result<Credentials> StaticCredentialsProvider::Get() {
  if (Expired(credentials_, clock_)) return ExpiredError(credentials_);
  return credentials_;
}

Result<Credentials> StaticCredentialsProvider::Refresh() { return Get(); }

ResolvingCredentialsProvider::ResolvingCredentialsProvider(AwsSettingsInput input)
    : input_(std::move(input)), clock_(nullptr) {}

ResolvingCredentialsProvider::ResolvingCredentialsProvider(AwsSettingsInput input,
                                                           const Clock& clock)
    : input_(std::move(input)), clock_(&clock) {}

Result<Credentials> ResolvingCredentialsProvider::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cached_ && !Expired(*cached_, clock_)) return *cached_;
  return ResolveLocked();
}

Result<Credentials> ResolvingCredentialsProvider::Refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  return ResolveLocked();
}

// Re-reads env and files on every call: resolution is cheap (two small files) and happens
// only on the first Get, after expiry, or on Refresh.
Result<Credentials> ResolvingCredentialsProvider::ResolveLocked() {
  Result<AwsSettings> settings = ResolveAwsSettings(input_);
  if (!settings) return Fail(settings.error());
  if (!std::holds_alternative<Credentials>(settings->source.where)) {
    return Fail(ErrorCode::kUnauthenticated, "credentials",
                "the credentials now come from " + settings->credentials_source +
                    " instead of fixed keys; start again to use them");
  }
  if (Expired(settings->credentials, clock_)) return ExpiredError(settings->credentials);
  cached_ = settings->credentials;
  return *cached_;
}

}  // namespace s3u::s3
