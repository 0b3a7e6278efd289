#include "unload/field_rules.h"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "core/characters.h"
#include "domo/model.h"
#include "s3/sts.h"
#include "s3/uri.h"
#include "table/day_window.h"
#include "unload/path_template.h"

namespace s3u::unload {
namespace {

enum class Kind { kLabel, kDescription, kIdentifier, kSecret, kToken, kUrl, kColumn, kOther };

struct Rule {
  std::string_view key;
  Kind kind;
};

constexpr std::array kRules = {
    Rule{"name", Kind::kLabel},
    Rule{"writeback.name", Kind::kLabel},
    Rule{"writeback.description", Kind::kDescription},
    Rule{"credentials.domo_account", Kind::kLabel},
    Rule{"credentials.aws_account", Kind::kLabel},
    Rule{"credentials.domo_client_id", Kind::kIdentifier},
    Rule{"credentials.aws_access_key_id", Kind::kIdentifier},
    Rule{"credentials.aws_profile", Kind::kIdentifier},
    Rule{"s3.sse_kms_key_id", Kind::kIdentifier},
    Rule{"credentials.domo_client_secret", Kind::kSecret},
    Rule{"credentials.aws_secret_access_key", Kind::kSecret},
    Rule{"credentials.aws_session_token", Kind::kToken},
    Rule{"credentials.domo_api_url", Kind::kUrl},
    Rule{"credentials.domo_instance_url", Kind::kUrl},
    Rule{"credentials.endpoint_url", Kind::kUrl},
    Rule{"details.primary_key", Kind::kColumn},
    Rule{"details.date_column", Kind::kColumn},
};

Kind KindOf(std::string_view key) {
  for (const Rule& rule : kRules) {
    if (rule.key == key) return rule.kind;
  }
  return Kind::kOther;
}

tl::unexpected<Error> Refuse(std::string_view key, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::string(key), std::move(message));
}

Result<void> CheckLength(std::string_view key, std::string_view value, size_t limit) {
  const size_t count = CharacterCount(value);
  if (count <= limit) return {};
  return Refuse(key, fmt::format("has {} characters; at most {}", count, limit));
}

Result<void> CheckLabel(std::string_view key, std::string_view value, size_t limit) {
  if (auto ok = CheckLength(key, value, limit); !ok) return ok;
  const size_t at = value.find_first_of("<>");
  if (at == std::string_view::npos) return {};
  return Refuse(key, fmt::format("contains '{}'; a name or description may not hold '<' or '>' "
                                 "(it is shown in pages, emails and Domo)",
                                 value[at]));
}

// Visible ASCII without quotes, '<', '>' or '\': what access keys, client IDs, secrets and
// tokens are made of (base64, hex, GUIDs, ARNs), and nothing that could end a header or a
// quoted value.
Result<void> CheckIdentifier(std::string_view key, std::string_view value, size_t limit) {
  if (auto ok = CheckLength(key, value, limit); !ok) return ok;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c > ' ' && c < 0x7F && c != '"' && c != '\'' && c != '<' && c != '>' && c != '\\') {
      continue;
    }
    return Refuse(key, fmt::format("has {} at character {}; expected visible ASCII characters "
                                   "only (no spaces, quotes, '<', '>' or '\\')",
                                   c == ' ' ? std::string("a space")
                                            : fmt::format("'{}'", Printable(value.substr(i, 1))),
                                   i + 1));
  }
  return {};
}

}  // namespace

Result<void> CheckField(std::string_view key, std::string_view value) {
  if (value.empty()) return {};
  if (auto refused = FindRefusedCharacter(value)) {
    return Refuse(key, refused->description +
                           "; text may not hold control characters (U+0000-U+001F, "
                           "U+007F-U+009F, CR and LF among them), bidirectional controls "
                           "(U+202A-U+202E, U+2066-U+2069) or line separators (U+2028, U+2029)");
  }
  if (key == "credentials.region") {
    auto ok = s3::ValidateRegion(value);
    if (!ok) return Refuse(key, ok.error().message);
    return {};
  }
  if (key == "credentials.bucket") {
    auto ok = s3::ValidateBucketName(value);
    if (!ok) return Refuse(key, ok.error().message);
    return {};
  }
  if (key == "details.input_dataset" || key == "writeback.dataset_id") {
    auto id = domo::ParseDatasetId(value, key);
    if (!id) return Fail(id.error());
    return {};
  }
  if (key == "details.path") return ValidatePathTemplate(value, key);
  // The role's fields take what STS takes (s3/sts.h, the one owner of those rules).
  const auto sts_rule = [&](Result<void> ok) -> Result<void> {
    if (!ok) return Refuse(key, ok.error().message);
    return {};
  };
  if (key == "credentials.role_arn") return sts_rule(s3::ValidateRoleArn(value));
  if (key == "credentials.external_id") return sts_rule(s3::ValidateExternalId(value));
  if (key == "credentials.role_session_name") return sts_rule(s3::ValidateRoleSessionName(value));
  if (key == "details.time_zone") {
    auto zone = table::FindTimeZone(value, key);
    if (!zone) return Fail(zone.error());
    return {};
  }
  switch (KindOf(key)) {
    case Kind::kLabel:
      return CheckLabel(key, value, 100);
    case Kind::kDescription:
      return CheckLabel(key, value, 1000);
    case Kind::kIdentifier:
      return CheckIdentifier(key, value, 256);
    case Kind::kSecret:
      return CheckIdentifier(key, value, 1024);
    case Kind::kToken:
      return CheckIdentifier(key, value, 8192);
    case Kind::kUrl:
      if (auto ok = CheckLength(key, value, 2048); !ok) return ok;
      return s3::ValidateHttpUrl(value, key);
    case Kind::kColumn:
    case Kind::kOther:
      return CheckLength(key, value, 1024);
  }
  return {};
}

}  // namespace s3u::unload
