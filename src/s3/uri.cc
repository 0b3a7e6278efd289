#include "s3/uri.h"

#include <cstdint>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/characters.h"
#include "core/text.h"

namespace s3u::s3 {
namespace {

constexpr std::string_view kS3Scheme = "s3://";
constexpr size_t kMaxKeyBytes = 1024;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHexDigit(char c) { return HexDigitValue(c) >= 0; }

std::string Quote(std::string_view s) { return "'" + Printable(s) + "'"; }

// "192.168.5.4": four dot-separated groups of 1-3 digits.
bool LooksLikeIpv4(std::string_view s) {
  int groups = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string_view group =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (group.empty() || group.size() > 3) return false;
    for (char c : group) {
      if (!IsDigit(c)) return false;
    }
    ++groups;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return groups == 4;
}

Result<void> BucketError(std::string_view bucket, std::string what) {
  return Fail(ErrorCode::kInvalidArgument, "bucket", "bucket name " + Quote(bucket) + " " + what);
}

// RFC 3986 pchar plus '/', with '%' only as the start of "%XX".
bool IsValidEncodedPath(std::string_view path) {
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/";
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (IsAlpha(c) || IsDigit(c) || kAllowed.find(c) != std::string_view::npos) continue;
    if (c == '%' && i + 2 < path.size() && IsHexDigit(path[i + 1]) && IsHexDigit(path[i + 2])) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

// The URL is quoted without its user info: "http://user:secret@host" must not carry the
// secret into a message, a log line or an API answer.
tl::unexpected<Error> EndpointError(std::string_view subject, std::string_view url,
                                    std::string what) {
  return Fail(ErrorCode::kInvalidArgument, std::string(subject),
              Quote(WithoutUserInfo(url)) + " " + what +
                  "; expected http(s)://host[:port][/path], e.g. http://127.0.0.1:9000");
}

// A deliberately small parser: the endpoint becomes part of every signed request, so anything
// that a URL library might silently rewrite (user info, query, fragment, unencoded path bytes)
// is rejected with a message instead.
Result<Endpoint> ParseCustomEndpoint(std::string_view url, std::string_view subject) {
  if (url.empty()) return EndpointError(subject, url, "is empty");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return EndpointError(subject, url, "contains a space or control character");
    }
  }
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return EndpointError(subject, url, "has no scheme");
  Endpoint ep;
  ep.scheme = AsciiLower(url.substr(0, sep));
  if (ep.scheme != "http" && ep.scheme != "https") {
    return EndpointError(subject, url,
                         "has scheme " + Quote(ep.scheme) + " (only http and https work)");
  }
  const std::string_view rest = url.substr(sep + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view path =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (path.find('?') != std::string_view::npos)
    return EndpointError(subject, url, "has a query ('?')");
  if (path.find('#') != std::string_view::npos)
    return EndpointError(subject, url, "has a fragment ('#')");
  if (authority.find('@') != std::string_view::npos) {
    return EndpointError(subject, url,
                         "has user info ('user@'); credentials come from the usual sources");
  }

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal: [::1]:9000
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return EndpointError(subject, url, "has an unclosed '['");
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return EndpointError(subject, url, "has text after ']'");
      port = after.substr(1);
      if (port.empty()) return EndpointError(subject, url, "has an empty port");
    }
    for (char c : host.substr(1, host.size() - 2)) {
      if (!IsHexDigit(c) && c != ':' && c != '.') {
        return EndpointError(subject, url, "has an invalid IPv6 address");
      }
    }
    if (host.size() <= 2) return EndpointError(subject, url, "has an empty IPv6 address");
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return EndpointError(subject, url, "has an empty port");
    }
    for (char c : host) {
      if (!IsAlpha(c) && !IsDigit(c) && c != '-' && c != '.' && c != '_') {
        return EndpointError(
            subject, url, "has an invalid character " + Quote(std::string(1, c)) + " in the host");
      }
    }
  }
  if (host.empty()) return EndpointError(subject, url, "has no host");

  if (!port.empty()) {
    uint32_t value = 0;
    for (char c : port) {
      if (!IsDigit(c) || port.size() > 5) return EndpointError(subject, url, "has an invalid port");
      value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value == 0 || value > 65535)
      return EndpointError(subject, url, "has a port outside 1-65535");
    // Default ports are left out of Host so the signed Host matches what clients send.
    const bool is_default =
        (ep.scheme == "https" && value == 443) || (ep.scheme == "http" && value == 80);
    if (is_default) port = {};
  }
  ep.host = AsciiLower(host);
  if (!port.empty()) {
    ep.host.push_back(':');
    ep.host += port;
  }

  if (!IsValidEncodedPath(path)) {
    return EndpointError(subject, url, "has a path that is not percent-encoded");
  }
  std::string_view base = path;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  ep.base_path = std::string(base);
  return ep;
}

}  // namespace

Result<void> ValidateHttpUrl(std::string_view url, std::string_view subject) {
  auto parsed = ParseCustomEndpoint(url, subject);
  if (!parsed) return tl::unexpected(parsed.error());
  const std::string& path = parsed->base_path;
  if (AsciiLower(path).find("%00") != std::string::npos) {
    return EndpointError(subject, url, "has an encoded NUL ('%00') in the path");
  }
  for (size_t start = 0; start < path.size();) {
    size_t end = path.find('/', start + 1);
    if (end == std::string::npos) end = path.size();
    const std::string_view segment = std::string_view(path).substr(start + 1, end - start - 1);
    if (segment == "." || segment == "..") {
      return EndpointError(subject, url,
                           "has a '.' or '..' segment in the path (a client would remove it)");
    }
    start = end;
  }
  return {};
}

// Checks run from the most basic to the most specific so the message names the first thing
// a user would fix. The prefix/suffix lists are the reserved ones of the AWS naming rules; a
// custom store may accept more, but a name S3 rejects is worth catching before a long export.
Result<void> ValidateBucketName(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) {
    return BucketError(
        bucket, "has " + std::to_string(bucket.size()) + " characters; bucket names have 3 to 63");
  }
  for (size_t i = 0; i < bucket.size(); ++i) {
    const char c = bucket[i];
    if (IsLowerAlnum(c) || c == '.' || c == '-') continue;
    std::string what = (c >= 'A' && c <= 'Z') ? "has an uppercase letter"
                                              : "has the character " + Quote(std::string(1, c));
    return BucketError(bucket, what + " at position " + std::to_string(i) +
                                   "; only lowercase letters, digits, '.' and '-' are allowed");
  }
  if (!IsLowerAlnum(bucket.front()) || !IsLowerAlnum(bucket.back())) {
    return BucketError(bucket, "must begin and end with a lowercase letter or digit");
  }
  if (bucket.find("..") != std::string_view::npos) {
    return BucketError(bucket, "has two adjacent periods ('..')");
  }
  if (LooksLikeIpv4(bucket)) {
    return BucketError(bucket, "is formatted as an IP address");
  }
  for (std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (bucket.starts_with(prefix)) {
      return BucketError(bucket, "starts with the reserved prefix " + Quote(prefix));
    }
  }
  for (std::string_view suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (bucket.ends_with(suffix)) {
      return BucketError(bucket, "ends with the reserved suffix " + Quote(suffix));
    }
  }
  return {};
}

Result<void> ValidateKey(std::string_view key) {
  if (key.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "key", "object key is empty");
  }
  if (key.size() > kMaxKeyBytes) {
    return Fail(ErrorCode::kInvalidArgument, "key",
                "object key is " + std::to_string(key.size()) +
                    " bytes long; S3 allows at most 1024 bytes of UTF-8");
  }
  if (auto ok = ValidateKeyCharacters(key, "key"); !ok) {
    ok.error().message = "object key " + ok.error().message;
    return ok;
  }
  return {};
}

Result<void> ValidateKeyCharacters(std::string_view text, std::string_view subject) {
  const auto refused = FindRefusedCharacter(text);
  if (!refused) return {};
  if (refused->invalid_utf8) {
    return Fail(ErrorCode::kInvalidArgument, std::string(subject), refused->description);
  }
  return Fail(ErrorCode::kInvalidArgument, std::string(subject),
              refused->description +
                  "; object keys may not hold control characters (U+0000-U+001F, "
                  "U+007F-U+009F), bidirectional embeddings, overrides or isolates "
                  "(U+202A-U+202E, U+2066-U+2069) or line and paragraph separators (U+2028, "
                  "U+2029)");
}

Result<void> ValidateRegion(std::string_view region) {
  const auto error = [&](std::string what) -> Result<void> {
    return Fail(ErrorCode::kInvalidArgument, "--region",
                "region " + Quote(region) + " " + what +
                    "; expected a name like us-east-1 (lowercase letters, digits and '-')");
  };
  if (region.empty()) return error("is empty");
  if (region.size() > 63) return error("is longer than 63 characters");
  for (char c : region) {
    if (!IsLowerAlnum(c) && c != '-') {
      return error((c >= 'A' && c <= 'Z') ? "has an uppercase letter"
                                          : "has the character " + Quote(std::string(1, c)));
    }
  }
  if (!(region.front() >= 'a' && region.front() <= 'z')) return error("must start with a letter");
  if (region.back() == '-') return error("must not end with '-'");
  if (region.find("--") != std::string_view::npos) return error("has '--'");
  return {};
}

Result<S3Location> ParseS3Url(std::string_view url, std::string_view subject) {
  const auto error = [&](std::string what) -> Result<S3Location> {
    return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                Quote(url) + " " + what + "; expected s3://bucket or s3://bucket/key");
  };
  if (url.empty()) return error("is empty");
  if (!url.starts_with(kS3Scheme)) {
    const std::string lower = AsciiLower(url.substr(0, 8));
    if (lower.starts_with("http://") || lower.starts_with("https://")) {
      return error(
          "is an HTTP URL (for an S3-compatible store, pass its address with "
          "--endpoint-url and name the object as s3://bucket/key)");
    }
    return error("is not an s3:// URL");
  }
  const std::string_view rest = url.substr(kS3Scheme.size());
  const size_t slash = rest.find('/');
  S3Location loc;
  loc.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) loc.key = std::string(rest.substr(slash + 1));
  if (loc.bucket.empty()) return error("has no bucket name");
  if (auto ok = ValidateBucketName(loc.bucket); !ok) return error(ok.error().message);
  if (!loc.key.empty()) {
    if (auto ok = ValidateKey(loc.key); !ok) return error(ok.error().message);
  }
  return loc;
}

Result<Endpoint> ResolveEndpoint(std::string_view region,
                                 const std::optional<std::string>& endpoint_url,
                                 bool force_path_style, bool bucket_has_dot,
                                 bool virtual_hosted_custom) {
  if (auto ok = ValidateRegion(region); !ok) return Fail(std::move(ok.error()));
  if (!endpoint_url.has_value()) {
    Endpoint ep;
    ep.scheme = "https";
    ep.host = "s3." + std::string(region) + ".amazonaws.com";
    if (region.starts_with("cn-")) ep.host += ".cn";
    ep.path_style = force_path_style || bucket_has_dot;
    return ep;
  }
  auto ep = ParseCustomEndpoint(*endpoint_url, "--endpoint-url");
  if (!ep) return ep;
  // A dotted bucket breaks TLS hostname checks against a wildcard certificate; over plain
  // http there is no certificate, so the caller's choice stands.
  ep->path_style =
      force_path_style || !virtual_hosted_custom || (bucket_has_dot && ep->scheme == "https");
  return ep;
}

// Path style with an empty key gives "/bucket" (no trailing slash), as the AWS SDKs send it.
// The URL query reuses CanonicalQueryString so what is sent is byte-for-byte what is signed.
Target BuildTarget(const Endpoint& ep, std::string_view bucket, std::string_view key,
                   const NameValueList& query) {
  Target t;
  t.encoded_path = ep.base_path;
  if (bucket.empty()) {
    t.host = ep.host;
    t.encoded_path += "/";
  } else if (ep.path_style) {
    t.host = ep.host;
    t.encoded_path += "/" + UriEncodePath(bucket);
    if (!key.empty()) t.encoded_path += "/" + UriEncodePath(key);
  } else {
    t.host = std::string(bucket) + "." + ep.host;
    t.encoded_path += "/" + UriEncodePath(key);
  }
  t.url = ep.scheme + "://" + t.host + t.encoded_path;
  if (!query.empty()) t.url += "?" + CanonicalQueryString(query);
  return t;
}

}  // namespace s3u::s3
