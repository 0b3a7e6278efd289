#include "jobs/accounts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "store/test_util.h"

namespace s3u::jobs {
namespace {

using ::s3u::testing::SampleAwsAccount;
using ::s3u::testing::SampleDomoAccount;
using ::s3u::testing::SampleRoleAccount;
using ::testing::HasSubstr;

std::map<std::string, std::string> ByKey(const std::vector<unload::SpecValue>& values) {
  std::map<std::string, std::string> by_key;
  for (const unload::SpecValue& v : values) by_key[v.key] = v.items.at(0);
  return by_key;
}

TEST(AccountSpecValuesTest, ARoleSuppliesItsRoleAndItsBasesKeys) {
  store::Account role = SampleRoleAccount("writer", "acc_keys");
  role.external_id = "ext-0123";
  role.role_session_name = "s3unload";
  role.endpoint_url = "http://127.0.0.1:7480";
  store::Account base = SampleAwsAccount("keys");
  const auto values = ByKey(AccountSpecValues(role, "account writer", &base));
  EXPECT_EQ(values, (std::map<std::string, std::string>{
                        {"credentials.role_arn", role.role_arn},
                        {"credentials.external_id", "ext-0123"},
                        {"credentials.role_session_name", "s3unload"},
                        {"credentials.aws_access_key_id", base.aws_access_key_id},
                        {"credentials.aws_secret_access_key", base.aws_secret_access_key},
                        {"credentials.aws_session_token", base.aws_session_token},
                        {"credentials.bucket", "exports"},
                        {"credentials.region", "eu-west-1"},
                        {"credentials.endpoint_url", "http://127.0.0.1:7480"}}));
  // Without a base: no keys (the process's own chain assumes the role); the base's bucket and
  // region never count.
  const auto own = ByKey(AccountSpecValues(role, "", nullptr));
  EXPECT_EQ(own.count("credentials.aws_access_key_id"), 0u);
  EXPECT_EQ(own.at("credentials.role_arn"), role.role_arn);
  // An AWS account's own keys, and no role.
  const auto keys = ByKey(AccountSpecValues(base, ""));
  EXPECT_EQ(keys.at("credentials.aws_access_key_id"), base.aws_access_key_id);
  EXPECT_EQ(keys.count("credentials.role_arn"), 0u);
}

// Issue 14's rule for a role's base: its keys only go to the address they were saved for.
TEST(CheckRoleBaseTest, TheBasesKeysOnlyGoWhereTheyWereSavedFor) {
  store::Account base = SampleAwsAccount("keys");
  base.endpoint_url = "http://127.0.0.1:7480";
  store::Account role = SampleRoleAccount("writer", "acc_keys");
  role.endpoint_url = "http://127.0.0.1:7480/";  // the same address, spelled otherwise
  role.region = "us-east-2";                     // another region of the same store
  EXPECT_TRUE(CheckRoleBase(role, &base).empty());

  for (const char* elsewhere : {"http://127.0.0.1:47123", ""}) {
    role.endpoint_url = elsewhere;
    const FieldErrors errors = CheckRoleBase(role, &base);
    ASSERT_EQ(errors.size(), 1u) << elsewhere;
    EXPECT_EQ(errors[0].field, "endpoint_url");
    EXPECT_THAT(errors[0].message, HasSubstr("the base account \"keys\" was saved for "
                                             "http://127.0.0.1:7480"));
    EXPECT_THAT(errors[0].message, ::testing::Not(HasSubstr(base.aws_secret_access_key)));
  }
}

TEST(CheckRoleBaseTest, TheServicesOwnCredentialsOnlyGoToAws) {
  store::Account role = SampleRoleAccount();
  EXPECT_TRUE(CheckRoleBase(role, nullptr).empty());
  role.endpoint_url = "http://127.0.0.1:47123";
  const FieldErrors errors = CheckRoleBase(role, nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "endpoint_url");
  EXPECT_THAT(errors[0].message, HasSubstr("only sent to AWS"));
  EXPECT_TRUE(CheckRoleBase(SampleAwsAccount(), nullptr).empty());  // only roles have a base
}

class RoleBaseTest : public ::s3u::testing::StoreWithSecretsTest {};

TEST_F(RoleBaseTest, ReadsTheBaseWithItsSecretsAndChecksIt) {
  const store::Account keys = Create(SampleAwsAccount("keys"));
  const store::Account role = Create(SampleRoleAccount("writer", keys.id));
  auto base = RoleBase(*store_, role);
  ASSERT_TRUE(base.has_value());
  ASSERT_TRUE(base->has_value());
  EXPECT_EQ((*base)->aws_secret_access_key, keys.aws_secret_access_key);

  EXPECT_FALSE(RoleBase(*store_, Create(SampleRoleAccount("own")))->has_value());
  EXPECT_FALSE(RoleBase(*store_, keys)->has_value());

  store::Account moved = role;
  moved.endpoint_url = "http://127.0.0.1:47123";
  auto refused = RoleBase(*store_, moved);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error()[0].field, "endpoint_url");

  const store::Account domo = Create(SampleDomoAccount());
  for (const std::string& id : {domo.id, std::string("acc_ffffffffffffffff")}) {
    store::Account other = role;
    other.base_account_id = id;
    auto wrong = RoleBase(*store_, other);
    ASSERT_FALSE(wrong.has_value()) << id;
    EXPECT_EQ(wrong.error()[0].field, "base_account_id");
  }
}

// `s3unload run` with credentials.aws_account naming a role account: its role and its base's
// keys (AWS and role accounts share names, so "aws" names either).
TEST_F(RoleBaseTest, AJobNamingARoleAccountGetsTheRoleAndItsBasesKeys) {
  const store::Account keys = Create(SampleAwsAccount("keys"));
  Create(SampleRoleAccount("writer", keys.id));
  auto resolve = SavedAccounts(store::SqliteStoreUrl(DbPath()), {});
  auto values = resolve("aws", "writer");
  ASSERT_TRUE(values.has_value()) << values.error().ToString();
  const auto by_key = ByKey(*values);
  EXPECT_EQ(by_key.at("credentials.role_arn"), SampleRoleAccount().role_arn);
  EXPECT_EQ(by_key.at("credentials.aws_secret_access_key"), keys.aws_secret_access_key);
  EXPECT_EQ((*values)[0].origin, "account writer");

  auto missing = resolve("aws", "nobody");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message, HasSubstr("no AWS account named \"nobody\""));
}

}  // namespace
}  // namespace s3u::jobs
