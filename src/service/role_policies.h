// What to paste into the AWS role that an AWS role account assumes, as Domo's AssumeRole
// connector shows it: the role's trust policy (who may assume it, with which external ID) and
// a minimal permissions policy (what s3unload does in the bucket), with the statements that
// optional features add. docs/api.md, "Trust policy"; the IAM policy also in docs/service.md.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "store/accounts.h"

namespace s3u::service {

// The principal named while the identity of the base credentials is not known (before a test
// of the account): the user puts their account ID in.
inline constexpr std::string_view kPrincipalPlaceholder = "arn:aws:iam::<YOUR-ACCOUNT-ID>:root";

// The principal a trust policy names for `caller_arn`, what STS GetCallerIdentity says of the
// base credentials. A role session (arn:aws:sts::A:assumed-role/R/S: an instance, task or
// assumed role reports itself so) becomes its role, arn:aws:iam::A:role/R, since a session's
// name changes with each instance; a role with a path must then be written with it (STS does
// not report the path). Any other ARN (a user, an account root, radosgw's account-less user)
// is named as it is.
std::string TrustPrincipal(std::string_view caller_arn);

// {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":principal},
// "Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":external_id}}}]},
// keys in that order. Without an external ID, no Condition.
nlohmann::ordered_json TrustPolicy(std::string_view principal, std::string_view external_id);

// The answer of GET /api/v1/accounts/{id}/trust-policy for the role account `role`:
//   principal, principal_known, note    who the trust policy names, and what to do about it
//   trust_policy                         TrustPolicy(principal, role.external_id)
//   permissions_policy                   s3:PutObject and s3:AbortMultipartUpload on the
//                                        bucket's objects: what every run needs
//   optional_statements                  [{feature, why, statements}]: what optional
//                                        features add (if_exists, the domo-export engine,
//                                        clean-up, SSE-KMS, the account test)
// ARNs use the partition of role.role_arn (aws, aws-cn, aws-us-gov, ...).
nlohmann::ordered_json RolePoliciesJson(const store::Account& role);

}  // namespace s3u::service
