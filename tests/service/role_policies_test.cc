#include "service/role_policies.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace s3u::service {
namespace {

using ::testing::HasSubstr;

store::Account Role() {
  store::Account role;
  role.kind = store::AccountKind::kRole;
  role.name = "writer";
  role.role_arn = "arn:aws:iam::123456789012:role/s3unload-writer";
  role.external_id = "0123456789abcdef0123456789abcdef";
  role.bucket = "exports";
  role.region = "eu-west-1";
  return role;
}

TEST(TrustPolicyTest, IsExactlyWhatAwsTakes) {
  EXPECT_EQ(TrustPolicy("arn:aws:iam::111122223333:user/ci", "ext-1").dump(),
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":)"
            R"({"AWS":"arn:aws:iam::111122223333:user/ci"},"Action":"sts:AssumeRole",)"
            R"("Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}}]})");
  EXPECT_EQ(TrustPolicy("arn:aws:iam:::user/rgw", "").dump(),
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":)"
            R"({"AWS":"arn:aws:iam:::user/rgw"},"Action":"sts:AssumeRole"}]})");
}

TEST(TrustPolicyTest, ARoleSessionIsNamedByItsRole) {
  EXPECT_EQ(TrustPrincipal("arn:aws:sts::111122223333:assumed-role/ec2-service/i-0abc"),
            "arn:aws:iam::111122223333:role/ec2-service");
  EXPECT_EQ(TrustPrincipal("arn:aws-cn:sts::111122223333:assumed-role/task/abc"),
            "arn:aws-cn:iam::111122223333:role/task");
  for (const char* kept :
       {"arn:aws:iam::111122223333:user/ci", "arn:aws:iam::111122223333:root",
        "arn:aws:iam:::user/testid", "arn:aws:sts::111122223333:federated-user/bob",
        "arn:aws:sts::111122223333:assumed-role/", "not-an-arn"}) {
    EXPECT_EQ(TrustPrincipal(kept), kept);
  }
}

TEST(RolePoliciesTest, UntilATestThePrincipalIsAMarkedPlaceholder) {
  const auto policies = RolePoliciesJson(Role());
  EXPECT_EQ(policies["principal"], "arn:aws:iam::<YOUR-ACCOUNT-ID>:root");
  EXPECT_EQ(policies["principal_known"], false);
  EXPECT_THAT(policies["note"].get<std::string>(), HasSubstr("Replace <YOUR-ACCOUNT-ID>"));
  EXPECT_EQ(policies["trust_policy"]["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::<YOUR-ACCOUNT-ID>:root");
  EXPECT_EQ(policies["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            Role().external_id);
}

TEST(RolePoliciesTest, AfterATestThePrincipalIsTheBaseIdentity) {
  store::Account role = Role();
  role.base_identity_arn = "arn:aws:sts::111122223333:assumed-role/ec2-service/i-0abc";
  const auto policies = RolePoliciesJson(role);
  EXPECT_EQ(policies["principal"], "arn:aws:iam::111122223333:role/ec2-service");
  EXPECT_EQ(policies["principal_known"], true);
}

TEST(RolePoliciesTest, PermissionsArePutAndAbortOnTheBucketsObjectsAndFeaturesAddTheirOwn) {
  const auto policies = RolePoliciesJson(Role());
  EXPECT_EQ(policies["permissions_policy"].dump(),
            R"({"Version":"2012-10-17","Statement":[{"Sid":"S3UnloadWrite","Effect":"Allow",)"
            R"("Action":["s3:PutObject","s3:AbortMultipartUpload"],)"
            R"("Resource":"arn:aws:s3:::exports/*"}]})");
  std::string actions;
  for (const auto& feature : policies["optional_statements"]) {
    EXPECT_FALSE(feature["why"].get<std::string>().empty());
    for (const auto& statement : feature["statements"]) actions += statement["Action"].dump();
  }
  for (const char* action :
       {"s3:GetObject", "s3:ListBucket", "s3:DeleteObject", "kms:GenerateDataKey"}) {
    EXPECT_THAT(actions, HasSubstr(action));
  }
  // ARNs follow the role's partition.
  store::Account china = Role();
  china.role_arn = "arn:aws-cn:iam::123456789012:role/x";
  EXPECT_THAT(RolePoliciesJson(china)["permissions_policy"].dump(),
              HasSubstr("arn:aws-cn:s3:::exports/*"));
}

}  // namespace
}  // namespace s3u::service
