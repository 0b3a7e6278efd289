#include "unload/field_rules.h"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "core/characters.h"
#include "domo/model.h"
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

// [\w+=,.@-] and `extra`: the characters STS takes in an external ID ("+=,.@:/-" with ':'
// and '/') and a role session name ("+=,.@-"); `what` names the field in the message.
Result<void> CheckStsText(std::string_view key, std::string_view value, size_t min, size_t max,
                          std::string_view extra, std::string_view what) {
  const auto allowed = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           extra.find(c) != std::string_view::npos;
  };
  const std::string accepted =
      fmt::format("{} is {} to {} characters of letters, digits and _{}", what, min, max, extra);
  for (size_t i = 0; i < value.size(); ++i) {
    if (allowed(value[i])) continue;
    return Refuse(key,
                  fmt::format("has {} at character {}; {}",
                              value[i] == ' ' ? std::string("a space")
                                              : fmt::format("'{}'", Printable(value.substr(i, 1))),
                              i + 1, accepted));
  }
  if (value.size() < min || value.size() > max) {
    return Refuse(key, fmt::format("has {} characters; {}", value.size(), accepted));
  }
  return {};
}

// arn:<partition>:iam::<account>:role/<path/><name>: the account is 12 digits, or empty as in
// radosgw's account-less arn:aws:iam:::role/Name; a name is 1 to 64 characters of
// [\w+=,.@-]; a path is visible ASCII (IAM's rules). 2048 characters at most (STS's limit).
Result<void> CheckRoleArn(std::string_view key, std::string_view value) {
  constexpr std::string_view kShape =
      "expected a role ARN such as arn:aws:iam::123456789012:role/Name (or radosgw's "
      "account-less arn:aws:iam:::role/Name)";
  if (auto ok = CheckLength(key, value, 2048); !ok) return ok;
  std::vector<std::string_view> parts;  // arn, partition, service, region, account, resource
  std::string_view rest = value;
  while (parts.size() < 5) {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos) break;
    parts.push_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  if (parts.size() < 5 || parts[0] != "arn") {
    return Refuse(key, fmt::format("is not an ARN; {}", kShape));
  }
  const std::string_view partition = parts[1];
  const bool partition_ok =
      partition == "aws" ||
      (partition.starts_with("aws-") && partition.size() > 4 &&
       partition.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == std::string_view::npos);
  if (!partition_ok) {
    return Refuse(key, fmt::format("names the partition \"{}\"; an AWS partition is aws, "
                                   "aws-cn, aws-us-gov, ...; {}",
                                   Printable(partition), kShape));
  }
  if (parts[2] != "iam" || !parts[3].empty() || !rest.starts_with("role/")) {
    return Refuse(key, fmt::format("is not the ARN of an IAM role; {}", kShape));
  }
  const std::string_view account = parts[4];
  if (!account.empty() &&
      (account.size() != 12 || account.find_first_not_of("0123456789") != std::string_view::npos)) {
    return Refuse(key, fmt::format("has the account ID \"{}\"; an account ID is 12 digits "
                                   "(or none, for radosgw); {}",
                                   Printable(account), kShape));
  }
  const std::string_view path_and_name = rest.substr(5);
  const size_t slash = path_and_name.rfind('/');
  const std::string_view name =
      slash == std::string_view::npos ? path_and_name : path_and_name.substr(slash + 1);
  const std::string_view path =
      slash == std::string_view::npos ? std::string_view() : path_and_name.substr(0, slash);
  for (const char c : path) {
    if (c <= ' ' || c >= 0x7F) {
      return Refuse(key, fmt::format("has a role path with a character that is not visible "
                                     "ASCII; {}",
                                     kShape));
    }
  }
  if (auto ok = CheckStsText(key, name, 1, 64, "+=,.@-", "a role name"); !ok) return ok;
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
  if (key == "credentials.role_arn") return CheckRoleArn(key, value);
  if (key == "credentials.external_id") {
    return CheckStsText(key, value, 2, 1224, "+=,.@:/-", "an external ID");
  }
  if (key == "credentials.role_session_name") {
    return CheckStsText(key, value, 2, 64, "+=,.@-", "a role session name");
  }
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
