#include "service/aws_environment.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace s3u::service {
namespace {

// The service reads nothing of its own for keys, or for a role assumed with saved keys.
TEST(ServiceEnvironmentTest, SavedKeysReadNothingOfTheService) {
  jobs::S3Source keys;
  keys.access_key_id = "AKIAEXAMPLE";
  keys.secret_access_key = "secret";
  for (bool role : {false, true}) {
    if (role) keys.role_arn = "arn:aws:iam::123456789012:role/x";
    const jobs::Environment env = ServiceEnvironment(keys);
    EXPECT_FALSE(env.getenv) << role;
    EXPECT_FALSE(env.read_file) << role;
    EXPECT_EQ(env.home, "") << role;
  }
}

// A role with no base account: the service's own chain, but never its endpoint settings.
TEST(ServiceEnvironmentTest, ARoleWithoutKeysUsesTheProcessChainButNotItsEndpoints) {
  jobs::S3Source role;
  role.role_arn = "arn:aws:iam::123456789012:role/x";
  const jobs::Environment env = ServiceEnvironment(role);
  ASSERT_TRUE(env.getenv);
  EXPECT_TRUE(env.read_file);
  EXPECT_EQ(env.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true");
  const char* path = std::getenv("PATH");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(env.getenv("PATH"), std::string(path));
}

}  // namespace
}  // namespace s3u::service
