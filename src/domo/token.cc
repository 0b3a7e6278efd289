#include "domo/token.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

namespace s3u::domo {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::string_view, 7> kKnownScopes = {
    "account", "audit", "buzz", "dashboard", "data", "user", "workflow"};

Error BadField(const std::string& field, const std::string& what) {
  return Error{ErrorCode::kInternal,
               "oauth token",
               "Domo's token answer has " + what + " in field '" + field + "'",
               0,
               {}};
}

std::vector<std::string> SplitScopes(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find_first_of(" +", pos), text.size());
    if (end > pos) out.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16 |
                       static_cast<uint8_t>(bytes[i + 1]) << 8 | static_cast<uint8_t>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;  // no encoding ends with a lone sextet
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::optional<TimePoint> DecodeJwtExpiry(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  const auto payload = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  const json claims = json::parse(*payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return std::nullopt;
  const auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number()) return std::nullopt;
  // Seconds since the epoch; fractions are dropped, out-of-range values rejected rather than
  // overflowing the time_point.
  const double value = exp->get<double>();
  if (!(value >= 0 && value < 1e11)) return std::nullopt;
  return TimePoint(seconds(static_cast<int64_t>(value)));
}

Result<Token> ParseTokenResponse(std::string_view body, TimePoint now) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return Fail(ErrorCode::kInternal, "oauth token",
                "Domo's token endpoint answered 200 with a body that is not a JSON object");
  }
  Token token;
  const auto access = j.find("access_token");
  if (access == j.end() || !access->is_string() || access->get<std::string>().empty()) {
    return Fail(BadField("access_token", "no token"));
  }
  token.access_token = access->get<std::string>();
  token.info.issued_at = now;
  if (auto it = j.find("customer"); it != j.end()) {
    if (!it->is_string()) return Fail(BadField("customer", "a non-string value"));
    token.info.customer = it->get<std::string>();
  }
  if (auto it = j.find("role"); it != j.end()) {
    if (!it->is_string()) return Fail(BadField("role", "a non-string value"));
    token.info.role = it->get<std::string>();
  }
  if (auto it = j.find("scope"); it != j.end()) {
    if (!it->is_string()) return Fail(BadField("scope", "a non-string value"));
    token.info.scopes = SplitScopes(it->get<std::string>());
  }
  if (auto it = j.find("userId"); it != j.end()) {
    if (!it->is_number_integer()) return Fail(BadField("userId", "a non-integer value"));
    token.info.user_id = it->get<int64_t>();
  }
  if (auto exp = DecodeJwtExpiry(token.access_token)) {
    token.info.expires_at = *exp;
    token.info.expiry_from_jwt = true;
  } else if (auto it = j.find("expires_in"); it != j.end() && it->is_number_integer()) {
    token.info.expires_at = now + seconds(std::clamp<int64_t>(it->get<int64_t>(), 0, 1LL << 32));
  } else {
    token.info.expires_at = now;
  }
  return token;
}

TimePoint RefreshAt(const TokenInfo& info, seconds margin) {
  const auto lifetime = info.expires_at - info.issued_at;
  const auto effective =
      std::min<std::chrono::system_clock::duration>(margin, std::max(lifetime / 2, {}));
  return info.expires_at - effective;
}

bool NeedsRefresh(const TokenInfo& info, TimePoint now, seconds margin) {
  return now >= RefreshAt(info, margin);
}

std::string TokenRequestBody(const std::vector<std::string>& scopes) {
  std::string body = "grant_type=client_credentials";
  if (scopes.empty()) return body;
  body += "&scope=";
  for (size_t i = 0; i < scopes.size(); ++i) body += (i == 0 ? "" : "%20") + scopes[i];
  return body;
}

std::string BasicAuthorization(std::string_view client_id, std::string_view client_secret) {
  std::string pair;
  pair.reserve(client_id.size() + client_secret.size() + 1);
  pair.append(client_id).append(":").append(client_secret);
  return "Basic " + Base64Encode(pair);
}

Result<void> ValidateScopes(const std::vector<std::string>& scopes, std::string_view subject) {
  for (const auto& scope : scopes) {
    if (std::find(kKnownScopes.begin(), kKnownScopes.end(), scope) == kKnownScopes.end()) {
      return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                  "unknown scope '" + scope +
                      "'; accepted: account, audit, buzz, dashboard, data, user, workflow");
    }
  }
  return {};
}

}  // namespace s3u::domo
