#include "jobs/clients.h"

#include <gtest/gtest.h>

#include "store/test_util.h"

namespace s3u::jobs {
namespace {

using ::s3u::testing::SampleAwsAccount;
using ::s3u::testing::SampleRoleAccount;

TEST(S3SourceForAccountTest, AnAwsAccountSignsWithItsOwnKeys) {
  store::Account aws = SampleAwsAccount();
  aws.endpoint_url = "http://127.0.0.1:7480";
  const S3Source source = S3SourceFor(aws);
  EXPECT_EQ(source.access_key_id, aws.aws_access_key_id);
  EXPECT_EQ(source.secret_access_key, aws.aws_secret_access_key);
  EXPECT_EQ(source.session_token, aws.aws_session_token);
  EXPECT_EQ(source.region, "eu-west-1");
  EXPECT_EQ(source.endpoint_url, "http://127.0.0.1:7480");
  EXPECT_FALSE(source.role_arn.has_value());
}

TEST(S3SourceForAccountTest, ARoleAssumesItsRoleWithItsBasesKeysOrNone) {
  store::Account role = SampleRoleAccount("writer", "acc_keys");
  role.external_id = "ext-0123";
  role.role_session_name = "nightly";
  store::Account base = SampleAwsAccount("keys");
  base.region = "us-east-1";  // the base's bucket and region are not the role's
  const S3Source source = S3SourceFor(role, &base);
  EXPECT_EQ(source.role_arn, role.role_arn);
  EXPECT_EQ(source.external_id, "ext-0123");
  EXPECT_EQ(source.role_session_name, "nightly");
  EXPECT_EQ(source.access_key_id, base.aws_access_key_id);
  EXPECT_EQ(source.secret_access_key, base.aws_secret_access_key);
  EXPECT_EQ(source.session_token, base.aws_session_token);
  EXPECT_EQ(source.region, "eu-west-1");
  EXPECT_FALSE(source.endpoint_url.has_value());

  const S3Source own = S3SourceFor(role, nullptr);
  EXPECT_FALSE(own.access_key_id.has_value());
  EXPECT_FALSE(own.secret_access_key.has_value());
  EXPECT_EQ(own.role_arn, role.role_arn);
}

}  // namespace
}  // namespace s3u::jobs
