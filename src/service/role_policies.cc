#include "service/role_policies.h"

#include <fmt/format.h>

#include <vector>

namespace s3u::service {
namespace {

using nlohmann::ordered_json;

// The ARN's fields split at its first five ':' (the resource may hold more); fewer than six
// fields when it is not an ARN.
std::vector<std::string_view> ArnFields(std::string_view arn) {
  std::vector<std::string_view> fields;
  while (fields.size() < 5) {
    const size_t colon = arn.find(':');
    if (colon == std::string_view::npos) break;
    fields.push_back(arn.substr(0, colon));
    arn.remove_prefix(colon + 1);
  }
  fields.push_back(arn);
  return fields;
}

ordered_json Statement(std::string_view sid, const ordered_json& action,
                       const std::string& resource) {
  return ordered_json{
      {"Sid", sid}, {"Effect", "Allow"}, {"Action", action}, {"Resource", resource}};
}

ordered_json Feature(std::string_view feature, std::string_view why, ordered_json statements) {
  return ordered_json{{"feature", feature}, {"why", why}, {"statements", std::move(statements)}};
}

}  // namespace

std::string TrustPrincipal(std::string_view caller_arn) {
  const auto fields = ArnFields(caller_arn);
  constexpr std::string_view kSession = "assumed-role/";
  if (fields.size() == 6 && fields[0] == "arn" && fields[2] == "sts" &&
      fields[5].starts_with(kSession)) {
    const std::string_view role_and_session = fields[5].substr(kSession.size());
    const size_t slash = role_and_session.find('/');
    if (slash != 0 && slash != std::string_view::npos) {
      return fmt::format("arn:{}:iam::{}:role/{}", fields[1], fields[4],
                         role_and_session.substr(0, slash));
    }
  }
  return std::string(caller_arn);
}

ordered_json TrustPolicy(std::string_view principal, std::string_view external_id) {
  ordered_json statement = {
      {"Effect", "Allow"}, {"Principal", {{"AWS", principal}}}, {"Action", "sts:AssumeRole"}};
  if (!external_id.empty()) {
    statement["Condition"] = {{"StringEquals", {{"sts:ExternalId", external_id}}}};
  }
  return ordered_json{{"Version", "2012-10-17"}, {"Statement", ordered_json::array({statement})}};
}

ordered_json RolePoliciesJson(const store::Account& role) {
  const auto fields = ArnFields(role.role_arn);
  const std::string partition = fields.size() == 6 ? std::string(fields[1]) : "aws";
  const std::string bucket = fmt::format("arn:{}:s3:::{}", partition, role.bucket);
  const std::string objects = bucket + "/*";
  const bool known = !role.base_identity_arn.empty();
  const std::string principal =
      known ? TrustPrincipal(role.base_identity_arn) : std::string(kPrincipalPlaceholder);
  std::string note;
  if (known) {
    note =
        "The principal is the identity of the account's base credentials, as STS reported "
        "it at the last test.";
  } else if (role.base_account_id.empty()) {
    note =
        "Replace <YOUR-ACCOUNT-ID> with the AWS account the service runs in (the account of "
        "its instance or task role), or name that role itself; testing the account fills "
        "this in.";
  } else {
    note =
        "Replace <YOUR-ACCOUNT-ID> with the AWS account of the base account's keys (or name "
        "their user); testing the account fills this in.";
  }
  ordered_json optional = ordered_json::array();
  optional.push_back(
      Feature("output.if_exists = \"fail\" or \"unique\"; details.engine = \"domo-export\"",
              "a run asks whether an object exists (HeadObject) before it writes, or after Domo's "
              "export; without s3:ListBucket a missing object reads as access denied",
              ordered_json::array({Statement("S3UnloadHead", "s3:GetObject", objects),
                                   Statement("S3UnloadList", "s3:ListBucket", bucket)})));
  optional.push_back(
      Feature("clean-up of split output, manifests and interrupted runs",
              "a publish that fails (output.max_object_size, output.manifest) and the recovery "
              "after a crash delete the objects they had completed",
              ordered_json::array({Statement("S3UnloadCleanUp", "s3:DeleteObject", objects)})));
  optional.push_back(Feature(
      "s3.sse = \"aws:kms\"",
      "objects encrypted with a KMS key: a data key per object, and Decrypt for the parts of a "
      "multipart upload",
      ordered_json::array({Statement(
          "S3UnloadKms", ordered_json::array({"kms:GenerateDataKey", "kms:Decrypt"}),
          fmt::format("arn:{}:kms:{}:<KEY-ACCOUNT-ID>:key/<KEY-ID>", partition, role.region))})));
  optional.push_back(
      Feature("the account test (Test credentials)",
              "it checks the bucket (HeadBucket) and removes the probe objects it writes",
              ordered_json::array({Statement("S3UnloadTestBucket", "s3:ListBucket", bucket),
                                   Statement("S3UnloadTestProbes", "s3:DeleteObject", objects)})));
  return ordered_json{
      {"principal", principal},
      {"principal_known", known},
      {"note", note},
      {"trust_policy", TrustPolicy(principal, role.external_id)},
      {"permissions_policy",
       {{"Version", "2012-10-17"},
        {"Statement",
         ordered_json::array({Statement(
             "S3UnloadWrite", ordered_json::array({"s3:PutObject", "s3:AbortMultipartUpload"}),
             objects)})}}},
      {"optional_statements", std::move(optional)}};
}

}  // namespace s3u::service
