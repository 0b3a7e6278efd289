#include "s3/credentials.h"

#include <algorithm>
#include <cctype>
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

std::string ExpandHome(const AwsSettingsInput& in, const std::string& path) {
  if (!in.home.empty() && (path == "~" || path.rfind("~/", 0) == 0)) {
    return in.home + path.substr(1);
  }
  return path;
}

ConfigFile LoadConfigFile(const AwsSettingsInput& in, const char* env_name,
                          const char* default_name) {
  ConfigFile f;
  if (auto p = LookupEnv(in, env_name)) {
    f.path = ExpandHome(in, *p);
  } else if (!in.home.empty()) {
    f.path = in.home + "/.aws/" + default_name;
  }
  if (f.path.empty() || !in.read_file) return f;
  if (std::optional<std::string> text = in.read_file(f.path)) f.ini = ParseIni(*text);
  return f;
}

// One resolution: reads each file at most once, records sources and warnings as it goes.
// Each step mirrors botocore's provider chain; deviations are noted where they happen.
class Resolver {
 public:
  explicit Resolver(const AwsSettingsInput& in) : in_(in) {}

  Result<AwsSettings> Run(StaticKeys keys) {
    if (auto ok = CheckFlags(); !ok) return Fail(ok.error());
    LoadFiles();
    if (auto ok = ChooseProfile(); !ok) return Fail(ok.error());
    auto creds = ResolveCredentials();
    if (!creds &&
        !(keys == StaticKeys::kOptional && creds.error().code == ErrorCode::kUnauthenticated)) {
      return Fail(creds.error());
    }
    ResolveRegion();
    ResolveEndpoint();
    return std::move(out_);
  }

 private:
  std::optional<std::string> Env(std::string_view name) const { return LookupEnv(in_, name); }

  ConfigFile Load(const char* env_name, const char* default_name) {
    ConfigFile f = LoadConfigFile(in_, env_name, default_name);
    if (f.ini) {
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

  // Keys from one file's profile section. nullopt when the section has no access key.
  Result<std::optional<Credentials>> FromSection(const std::map<std::string, std::string>* s,
                                                 const ConfigFile& file) {
    const auto id = Get(s, "aws_access_key_id");
    const auto secret = Get(s, "aws_secret_access_key");
    if (!id) {
      if (secret) {
        out_.warnings.push_back("profile " + out_.profile + " in " + file.path +
                                " has aws_secret_access_key without aws_access_key_id; ignored");
      }
      return std::optional<Credentials>();
    }
    if (!secret) {
      return Fail(ErrorCode::kInvalidArgument, file.path,
                  "profile " + out_.profile + " in " + file.path +
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

  Result<void> ResolveCredentials() {
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
      out_.credentials.access_key_id = *in_.flag_access_key;
      out_.credentials.secret_access_key = *in_.flag_secret_key;
      if (in_.flag_session_token) out_.credentials.session_token = *in_.flag_session_token;
      out_.credentials_source = "flags";
      return {};
    }
    // 2. Environment, unless --profile was given (botocore drops the env provider then).
    const auto env_id = Env("AWS_ACCESS_KEY_ID");
    const auto env_secret = Env("AWS_SECRET_ACCESS_KEY");
    if (in_.flag_profile) {
      if (env_id || env_secret) {
        out_.warnings.push_back(
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY ignored because --profile was given");
      }
    } else if (env_id) {
      if (!env_secret) {
        return Fail(ErrorCode::kInvalidArgument, "AWS_SECRET_ACCESS_KEY",
                    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
      }
      out_.credentials.access_key_id = *env_id;
      out_.credentials.secret_access_key = *env_secret;
      if (auto token = Env("AWS_SESSION_TOKEN")) {
        out_.credentials.session_token = *token;
      } else if (auto legacy = Env("AWS_SECURITY_TOKEN")) {
        out_.credentials.session_token = *legacy;
      }
      if (auto exp = Env("AWS_CREDENTIAL_EXPIRATION")) {
        if (auto t = ParseS3Time(*exp)) {
          out_.credentials.expiration = *t;
        } else {
          out_.warnings.push_back("AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time; ignored");
        }
      }
      out_.credentials_source = "environment";
      return {};
    } else if (env_secret) {
      out_.warnings.push_back(
          "AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID; ignored (as the aws cli "
          "does)");
    }
    // 3. The profile: credentials file, then config file.
    for (const auto& [section, file] : {std::pair{cred_section_, &credentials_file_},
                                        std::pair{config_section_, &config_file_}}) {
      auto creds = FromSection(section, *file);
      if (!creds) return Fail(creds.error());
      if (*creds) {
        out_.credentials = **std::move(creds);
        out_.credentials_source = "profile " + out_.profile + " in " + file->path;
        return {};
      }
    }
    // 4. Nothing: say where we looked, and why a profile that exists did not help.
    for (const char* key : {"role_arn", "sso_session", "sso_start_url", "credential_process",
                            "web_identity_token_file", "source_profile"}) {
      if (Get(config_section_, key) || Get(cred_section_, key)) {
        return Fail(ErrorCode::kUnauthenticated, "credentials",
                    "profile " + out_.profile + " uses " + key +
                        ", which s3unload does not support; give static keys instead (e.g. "
                        "from `aws configure export-credentials --profile " +
                        out_.profile + " --format env`)");
      }
    }
    std::string looked = "no AWS credentials found; looked at " + std::string(kFlagAccessKey) +
                         "/" + std::string(kFlagSecretKey) + ", ";
    looked += in_.flag_profile ? "(environment skipped: --profile given), "
                               : "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ";
    looked += "profile " + out_.profile + " in " + credentials_file_.Describe() + " and " +
              config_file_.Describe() + " (IMDS, SSO and assume-role are not supported)";
    return Fail(ErrorCode::kUnauthenticated, "credentials", looked);
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

Result<AwsSettings> ResolveAwsSettings(const AwsSettingsInput& in, StaticKeys keys) {
  return Resolver(in).Run(keys);
}

std::optional<std::string> LookupEnv(const AwsSettingsInput& in, std::string_view name) {
  if (!in.getenv) return std::nullopt;
  std::optional<std::string> v = in.getenv(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

SharedConfig LoadSharedConfig(const AwsSettingsInput& in) {
  SharedConfig out;
  ConfigFile credentials = LoadConfigFile(in, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
  ConfigFile config = LoadConfigFile(in, "AWS_CONFIG_FILE", "config");
  out.credentials_path = credentials.path;
  out.config_path = config.path;
  if (credentials.ini) out.credentials = std::move(*credentials.ini);
  if (config.ini) out.config = std::move(*config.ini);
  out.profile_flag = in.flag_profile.has_value();
  if (in.flag_profile) {
    out.profile = *in.flag_profile;
  } else if (auto p = LookupEnv(in, "AWS_PROFILE")) {
    out.profile = *p;
  } else {
    out.profile = "default";
  }
  return out;
}

std::optional<std::string> SharedConfig::Config(const std::string& name,
                                                const std::string& key) const {
  const std::string* v =
      config.Find(name == "default" && !config.HasSection("default") ? "profile default"
                  : name == "default"                                ? "default"
                                                                     : "profile " + name,
                  key);
  if (v == nullptr || v->empty()) return std::nullopt;
  return *v;
}

std::optional<std::string> SharedConfig::Credentials(const std::string& name,
                                                     const std::string& key) const {
  const std::string* v = credentials.Find(name, key);
  if (v == nullptr || v->empty()) return std::nullopt;
  return *v;
}

std::optional<std::string> SharedConfig::Either(const std::string& name,
                                                const std::string& key) const {
  if (auto v = Credentials(name, key)) return v;
  return Config(name, key);
}

bool SharedConfig::HasProfile(const std::string& name) const {
  return credentials.HasSection(name) ||
         config.HasSection(name == "default" ? "default" : "profile " + name) ||
         (name == "default" && config.HasSection("profile default"));
}

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
  if (Expired(settings->credentials, clock_)) return ExpiredError(settings->credentials);
  cached_ = settings->credentials;
  return *cached_;
}

}  // namespace s3u::s3
