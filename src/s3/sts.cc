#include "s3/sts.h"

#include <fmt/format.h>

#include <pugixml.hpp>
#include <random>

#include "core/text.h"
#include "http/retry.h"
#include "s3/errors.h"
#include "s3/uri.h"

namespace s3u::s3 {
namespace {

constexpr std::string_view kStsVersion = "2011-06-15";

// The first descendant element with local name `name` (namespaces ignored, as in s3/xml).
pugi::xml_node FindLocal(const pugi::xml_node& root, std::string_view name) {
  for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling()) {
    if (n.type() != pugi::node_element) continue;
    std::string_view full = n.name();
    const size_t colon = full.find(':');
    if ((colon == std::string_view::npos ? full : full.substr(colon + 1)) == name) return n;
    if (pugi::xml_node inner = FindLocal(n, name)) return inner;
  }
  return {};
}

std::string TextOf(const pugi::xml_node& root, std::string_view name) {
  pugi::xml_node n = FindLocal(root, name);
  return n ? std::string(Trim(n.child_value())) : std::string();
}

bool Parse(std::string_view body, pugi::xml_document& doc) {
  return doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
}

std::string AwsStsUrl(const std::string& region) {
  const bool china = region.rfind("cn-", 0) == 0;
  return "https://sts." + region + (china ? ".amazonaws.com.cn" : ".amazonaws.com");
}

}  // namespace

Result<StsSettings> ResolveStsSettings(const AwsSettingsInput& in) {
  auto settings = ResolveAwsSettings(in, StaticKeys::kOptional);
  if (!settings) return Fail(settings.error());
  const SharedConfig shared = LoadSharedConfig(in);
  StsSettings out;
  out.region = settings->region;
  std::optional<std::string> url;
  std::string named_by;
  const auto ignore_env = LookupEnv(in, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  const auto ignore_cfg = shared.Config(shared.profile, "ignore_configured_endpoint_urls");
  const bool ignore = (ignore_env && AsciiLower(*ignore_env) == "true") ||
                      (!ignore_env && ignore_cfg && AsciiLower(*ignore_cfg) == "true");
  if (!ignore) {
    if ((url = LookupEnv(in, "AWS_ENDPOINT_URL_STS"))) {
      named_by = "AWS_ENDPOINT_URL_STS";
    } else if ((url = LookupEnv(in, "AWS_ENDPOINT_URL"))) {
      named_by = "AWS_ENDPOINT_URL";
    } else if (auto services = shared.Config(shared.profile, "services");
               services && (url = [&]() -> std::optional<std::string> {
                 const std::string* v =
                     shared.config.Find("services " + *services, "sts.endpoint_url");
                 if (v == nullptr || v->empty()) return std::nullopt;
                 return *v;
               }())) {
      named_by = shared.config_path;
    } else if ((url = shared.Config(shared.profile, "endpoint_url"))) {
      named_by = shared.config_path;
    }
  }
  if (!url) {
    out.endpoint_url = AwsStsUrl(out.region);
    return out;
  }
  if (auto ep = ResolveEndpoint(out.region, *url, true, false); !ep) {
    return Fail(ErrorCode::kInvalidArgument, named_by,
                "the STS endpoint URL is not valid: " + ep.error().message);
  }
  out.endpoint_url = *url;
  return out;
}

Error MapStsError(std::string_view action, int status, std::string_view body) {
  const std::string subject = "sts " + std::string(action);
  pugi::xml_document doc;
  std::string code, message;
  if (Parse(body, doc)) {
    code = TextOf(doc, "Code");
    message = TextOf(doc, "Message");
  }
  ErrorCode ec = ErrorCode::kInvalidArgument;
  if (code.rfind("ExpiredToken", 0) == 0 || code == "InvalidClientTokenId" ||
      code == "SignatureDoesNotMatch" || code == "InvalidIdentityToken" ||
      code == "IncompleteSignature" || code == "MissingAuthenticationToken") {
    ec = ErrorCode::kUnauthenticated;
  } else if (code == "AccessDenied" || status == 403) {
    ec = ErrorCode::kPermissionDenied;
  } else if (code == "Throttling" || status == 429) {
    ec = ErrorCode::kResourceExhausted;
  } else if (status >= 500 || code == "IDPCommunicationError") {
    ec = ErrorCode::kUnavailable;
  }
  std::string text = fmt::format("STS {} answered HTTP {}", action, status);
  if (!code.empty()) text += " " + http::SanitizeServerText(code, 80);
  if (!message.empty()) text += ": " + http::SanitizeServerText(message);
  return Error{ec, subject, text, status, {}};
}

Result<StsCredentials> ParseStsCredentials(std::string_view body, std::string_view action) {
  pugi::xml_document doc;
  if (!Parse(body, doc)) {
    return Fail(ErrorCode::kInternal, "sts " + std::string(action),
                "STS answered something that is not XML");
  }
  if (FindLocal(doc, "ErrorResponse") || (doc.first_child() && FindLocal(doc, "Error"))) {
    return Fail(MapStsError(action, 200, body));
  }
  pugi::xml_node creds = FindLocal(doc, "Credentials");
  StsCredentials out;
  out.credentials.access_key_id = TextOf(creds, "AccessKeyId");
  out.credentials.secret_access_key = TextOf(creds, "SecretAccessKey");
  out.credentials.session_token = TextOf(creds, "SessionToken");
  const std::string expiration = TextOf(creds, "Expiration");
  if (!creds || out.credentials.access_key_id.empty() ||
      out.credentials.secret_access_key.empty() || out.credentials.session_token.empty()) {
    return Fail(ErrorCode::kInternal, "sts " + std::string(action),
                "the STS answer lacks Credentials (AccessKeyId, SecretAccessKey, SessionToken)");
  }
  auto when = ParseS3Time(expiration);
  if (!when) {
    return Fail(ErrorCode::kInternal, "sts " + std::string(action),
                "the STS answer's Expiration is not an ISO 8601 time");
  }
  out.credentials.expiration = *when;
  out.arn = TextOf(FindLocal(doc, "AssumedRoleUser"), "Arn");
  return out;
}

Result<std::string> ParseCallerIdentity(std::string_view body) {
  pugi::xml_document doc;
  if (!Parse(body, doc)) {
    return Fail(ErrorCode::kInternal, "sts GetCallerIdentity",
                "STS answered something that is not XML");
  }
  std::string arn = TextOf(FindLocal(doc, "GetCallerIdentityResult"), "Arn");
  if (arn.empty()) {
    return Fail(ErrorCode::kInternal, "sts GetCallerIdentity", "the STS answer has no Arn");
  }
  return arn;
}

StsClient::StsClient(http::HttpClient& http, Clock& clock, StsSettings settings)
    : http_(http), clock_(clock), settings_(std::move(settings)) {}

Result<std::string> StsClient::Call(std::string_view action, NameValueList params,
                                    const Credentials* credentials) {
  auto ep = ResolveEndpoint(settings_.region, settings_.endpoint_url, true, false);
  if (!ep) return Fail(ep.error());
  params.emplace_back("Action", std::string(action));
  params.emplace_back("Version", std::string(kStsVersion));
  const std::string body = CanonicalQueryString(params);
  const std::string path = ep->base_path.empty() ? "/" : ep->base_path + "/";
  const std::string subject = "sts " + std::string(action);
  static thread_local std::mt19937_64 seed{std::random_device{}()};
  const auto random = http::MakeRandom(seed());
  return http::RunWithRetry<std::string>(
      http::RetryPolicy{}, clock_, random, [&](int) -> Result<std::string> {
        CanonicalInput in;
        in.method = "POST";
        in.encoded_path = path;
        in.headers = {{"host", ep->host},
                      {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
        in.payload_hash = Sha256Hex(body);
        http::Request request;
        request.method = "POST";
        request.url = ep->scheme + "://" + ep->host + path;
        if (credentials != nullptr) {
          const std::string auth = SignV4(in, *credentials, settings_.region, "sts", clock_.Now());
          in.headers.emplace_back("Authorization", auth);
        }
        for (auto& [name, value] : in.headers) {
          if (name != "host") request.headers.emplace_back(name, value);
        }
        request.body = body;
        auto response = http_.Send(request);
        if (!response) {
          Error e = response.error();
          e.subject = subject;
          return Fail(std::move(e));
        }
        if (response->status < 200 || response->status > 299) {
          return Fail(MapStsError(action, response->status, response->body));
        }
        return std::move(response->body);
      });
}

Result<StsCredentials> StsClient::AssumeRole(const Credentials& base,
                                             const AssumeRoleParams& params) {
  NameValueList q = {{"RoleArn", params.role_arn}, {"RoleSessionName", params.session_name}};
  if (!params.external_id.empty()) q.emplace_back("ExternalId", params.external_id);
  if (params.duration_seconds) {
    q.emplace_back("DurationSeconds", std::to_string(*params.duration_seconds));
  }
  auto body = Call("AssumeRole", std::move(q), &base);
  if (!body) return Fail(body.error());
  return ParseStsCredentials(*body, "AssumeRole");
}

Result<StsCredentials> StsClient::AssumeRoleWithWebIdentity(const std::string& web_identity_token,
                                                            const AssumeRoleParams& params) {
  NameValueList q = {{"RoleArn", params.role_arn},
                     {"RoleSessionName", params.session_name},
                     {"WebIdentityToken", web_identity_token}};
  if (params.duration_seconds) {
    q.emplace_back("DurationSeconds", std::to_string(*params.duration_seconds));
  }
  auto body = Call("AssumeRoleWithWebIdentity", std::move(q), nullptr);
  if (!body) return Fail(body.error());
  return ParseStsCredentials(*body, "AssumeRoleWithWebIdentity");
}

Result<std::string> StsClient::GetCallerIdentity(const Credentials& credentials) {
  auto body = Call("GetCallerIdentity", {}, &credentials);
  if (!body) return Fail(body.error());
  return ParseCallerIdentity(*body);
}

}  // namespace s3u::s3
