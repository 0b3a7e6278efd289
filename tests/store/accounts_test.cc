#include "store/accounts.h"

#include <fstream>
#include <functional>
#include <iterator>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::RawDb;
using ::s3u::testing::SampleAwsAccount;
using ::s3u::testing::SampleDomoAccount;
using ::s3u::testing::SampleRoleAccount;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

class AccountsTest : public ::s3u::testing::StoreWithSecretsTest {};

TEST(AccountKindTest, NamesRoundTripAndUnknownKindsAreRefused) {
  for (const AccountKind kind : {AccountKind::kDomo, AccountKind::kAws, AccountKind::kRole}) {
    auto parsed = ParseAccountKind(AccountKindName(kind), "kind");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, kind);
  }
  auto unknown = ParseAccountKind("AWS", "kind");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().subject, "kind");
  EXPECT_THAT(unknown.error().message, HasSubstr("accepted: domo, aws, role"));
  EXPECT_EQ(AccountKindName(AccountKind::kRole), "role");
  EXPECT_EQ(AccountKindTitle(AccountKind::kRole), "AWS role");
}

TEST_F(AccountsTest, CreateAssignsIdAndTimesAndGetReturnsTheSecrets) {
  const Account created = Create(SampleAwsAccount());
  EXPECT_THAT(created.id, MatchesRegex("acc_[0-9a-f]{16}"));
  EXPECT_EQ(created.created_ms, kStartMs);
  EXPECT_EQ(created.updated_ms, kStartMs);
  EXPECT_TRUE(created.has_session_token);

  auto read = store_->GetAccount(created.id);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(*read, created);
  EXPECT_EQ(read->aws_secret_access_key, SampleAwsAccount().aws_secret_access_key);
  EXPECT_EQ(read->aws_session_token, SampleAwsAccount().aws_session_token);

  EXPECT_NE(Create(SampleDomoAccount()).id, created.id);
}

TEST_F(AccountsTest, GivenIdIsKeptAndMayNotBeReused) {
  Account account = SampleDomoAccount();
  account.id = "acc_0000000000000001";
  EXPECT_EQ(Create(account).id, "acc_0000000000000001");
  account.name = "other";
  auto again = store_->CreateAccount(account);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(again.error().subject, "id");
}

TEST_F(AccountsTest, CreateListsEveryMissingFieldOfTheKind) {
  Account domo;
  domo.kind = AccountKind::kDomo;
  auto refused = store_->CreateAccount(domo);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().subject, "name");
  EXPECT_THAT(refused.error().message,
              AllOf(HasSubstr("3 problems"), HasSubstr("name: empty"),
                    HasSubstr("domo_client_id: empty"), HasSubstr("domo_client_secret: empty")));

  Account aws;
  aws.kind = AccountKind::kAws;
  aws.name = "aws";
  refused = store_->CreateAccount(aws);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().subject, "aws_access_key_id");
  EXPECT_THAT(refused.error().message,
              AllOf(HasSubstr("4 problems"), HasSubstr("aws_access_key_id: empty"),
                    HasSubstr("aws_secret_access_key: empty"), HasSubstr("bucket: empty"),
                    HasSubstr("region: empty")));
  EXPECT_THAT(refused.error().message, Not(HasSubstr("session")));
}

TEST_F(AccountsTest, FieldsOfTheOtherKindAreRefused) {
  Account domo = SampleDomoAccount();
  domo.bucket = "exports";
  domo.aws_session_token = "aws-token-Kd8sWq1";
  auto refused = store_->CreateAccount(domo);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().subject, "bucket");
  EXPECT_THAT(
      refused.error().message,
      AllOf(HasSubstr("bucket: set on a Domo account; only AWS and AWS role accounts have it"),
            HasSubstr("aws_session_token: set on a Domo account")));
  // The message names the field, never the secret's value.
  EXPECT_THAT(refused.error().message, Not(HasSubstr(domo.aws_session_token)));
}

TEST_F(AccountsTest, NamesAreLimitedToOneHundredCharacters) {
  Account account = SampleDomoAccount(std::string(101, 'n'));
  auto refused = store_->CreateAccount(account);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().subject, "name");
  EXPECT_THAT(refused.error().message, HasSubstr("101 characters; at most 100"));

  std::string hundred_accented;
  for (int i = 0; i < 100; ++i) hundred_accented += "\xC3\xA9";  // é: 2 bytes, 1 character
  EXPECT_EQ(Create(SampleDomoAccount(hundred_accented)).name, hundred_accented);
}

TEST_F(AccountsTest, NamesAreUniquePerKind) {
  Create(SampleAwsAccount("prod"));
  Create(SampleDomoAccount("prod"));
  auto duplicate = store_->CreateAccount(SampleAwsAccount("prod"));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(duplicate.error().subject, "name");
  EXPECT_THAT(duplicate.error().message, HasSubstr("an AWS account named \"prod\" already exists"));

  const Account other = Create(SampleAwsAccount("other"));
  Account renamed = other;
  renamed.name = "prod";
  auto update = store_->UpdateAccount(renamed);
  ASSERT_FALSE(update.has_value());
  EXPECT_EQ(update.error().subject, "name");
}

TEST_F(AccountsTest, UpdateKeepsSecretsLeftEmptyAndReplacesTheOnesGiven) {
  const Account created = Create(SampleAwsAccount());
  clock_.Advance(std::chrono::minutes(1));

  Account edit = created;
  edit.bucket = "exports-2";
  edit.aws_secret_access_key.clear();
  edit.aws_session_token.clear();
  auto updated = store_->UpdateAccount(edit);
  ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
  Account expected = created;
  expected.bucket = "exports-2";
  expected.updated_ms = kStartMs + 60'000;
  EXPECT_EQ(*updated, expected);
  EXPECT_EQ(store_->GetAccount(created.id).value(), expected);

  edit.aws_secret_access_key = "aws-secret-new";
  updated = store_->UpdateAccount(edit);
  ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
  EXPECT_EQ(updated->aws_secret_access_key, "aws-secret-new");
  EXPECT_EQ(updated->aws_session_token, created.aws_session_token);
}

TEST_F(AccountsTest, SessionTokenIsRemovedOnlyWhenAskedTo) {
  const Account created = Create(SampleAwsAccount());
  Account edit = created;
  edit.aws_session_token = "aws-token-new";
  auto both = store_->UpdateAccount(edit, /*clear_session_token=*/true);
  ASSERT_FALSE(both.has_value());
  EXPECT_EQ(both.error().subject, "aws_session_token");
  EXPECT_THAT(both.error().message, Not(HasSubstr("aws-token-new")));

  edit.aws_session_token.clear();
  auto cleared = store_->UpdateAccount(edit, /*clear_session_token=*/true);
  ASSERT_TRUE(cleared.has_value()) << cleared.error().ToString();
  EXPECT_EQ(cleared->aws_session_token, "");
  EXPECT_FALSE(cleared->has_session_token);
  EXPECT_FALSE(store_->GetAccount(created.id)->has_session_token);
  EXPECT_EQ(store_->GetAccount(created.id)->aws_secret_access_key, created.aws_secret_access_key);
}

TEST_F(AccountsTest, UpdateRefusesUnknownIdsAndKindChanges) {
  Account unknown = SampleDomoAccount();
  unknown.id = "acc_ffffffffffffffff";
  auto missing = store_->UpdateAccount(unknown);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().subject, "account acc_ffffffffffffffff");

  const Account domo = Create(SampleDomoAccount());
  Account as_aws = SampleAwsAccount();
  as_aws.id = domo.id;
  auto changed = store_->UpdateAccount(as_aws);
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(changed.error().subject, "kind");
  EXPECT_THAT(changed.error().message, HasSubstr("kind cannot change"));
}

TEST_F(AccountsTest, FindAccountByKindAndName) {
  const Account aws = Create(SampleAwsAccount("prod"));
  Create(SampleDomoAccount("prod"));
  auto found = store_->FindAccount(AccountKind::kAws, "prod");
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_EQ(*found, aws);

  auto missing = store_->FindAccount(AccountKind::kAws, "staging");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message, HasSubstr("no AWS account named \"staging\""));
}

TEST_F(AccountsTest, ListIsDomoFirstThenByNameWithoutSecrets) {
  Create(SampleAwsAccount("b-aws"));
  Account no_token = SampleAwsAccount("a-aws");
  no_token.aws_session_token.clear();
  Create(no_token);
  Create(SampleDomoAccount("z-domo"));
  auto listed = store_->ListAccounts();
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  std::vector<std::string> names;
  for (const Account& account : *listed) {
    names.push_back(account.name);
    EXPECT_EQ(account.domo_client_secret, "");
    EXPECT_EQ(account.aws_secret_access_key, "");
    EXPECT_EQ(account.aws_session_token, "");
    EXPECT_EQ(account.has_session_token, account.name == "b-aws") << account.name;
  }
  EXPECT_THAT(names, ElementsAre("z-domo", "a-aws", "b-aws"));
  Create(SampleRoleAccount("0-role"));
  listed = store_->ListAccounts();
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  EXPECT_EQ(listed->back().name, "0-role");  // role accounts come last
  EXPECT_EQ((*listed)[1].aws_access_key_id, no_token.aws_access_key_id);
}

TEST_F(AccountsTest, DeleteRefusesAnAccountInUseAndUnknownIds) {
  const Account domo = Create(SampleDomoAccount("prod"));
  const Account aws = Create(SampleAwsAccount());
  CreateConnector("orders-daily", domo, aws);
  CreateConnector("x", domo, aws);

  auto in_use = store_->DeleteAccount(domo.id);
  ASSERT_FALSE(in_use.has_value());
  EXPECT_EQ(in_use.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(in_use.error().message,
              HasSubstr("account \"prod\" is used by connectors: orders-daily, x"));
  EXPECT_TRUE(store_->GetAccount(domo.id).has_value());

  auto missing = store_->DeleteAccount("acc_ffffffffffffffff");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  auto connectors = store_->ListConnectors();
  ASSERT_TRUE(connectors.has_value());
  for (const ConnectorRecord& connector : *connectors) {
    ASSERT_TRUE(store_->DeleteConnector(connector.id).has_value());
  }
  ASSERT_TRUE(store_->DeleteAccount(domo.id).has_value());
  EXPECT_EQ(store_->GetAccount(domo.id).error().code, ErrorCode::kNotFound);
}

TEST_F(AccountsTest, MethodsThatTouchSecretsNeedTheKey) {
  const Account created = Create(SampleDomoAccount());
  auto keyless = OpenWithoutKey();
  const std::vector<Result<Account>> refused = {
      keyless->CreateAccount(SampleAwsAccount()), keyless->UpdateAccount(created),
      keyless->GetAccount(created.id), keyless->FindAccount(AccountKind::kDomo, created.name)};
  for (const Result<Account>& result : refused) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_THAT(result.error().message, HasSubstr("the store's key file is not loaded"));
  }
  auto listed = keyless->ListAccounts();
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  EXPECT_EQ(listed->size(), 1u);
}

TEST_F(AccountsTest, SecretsSealedUnderAnotherKeyAreDataLossNamingTheAccount) {
  const Account created = Create(SampleDomoAccount("prod"));
  auto other_key = OpenWithKey(dir_.path() / "other.key");

  auto read = other_key->GetAccount(created.id);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(read.error().subject, "account prod: domo_client_secret");

  // An edit that keeps the undecryptable secret is refused and changes nothing; retyping it
  // saves the account under the new key.
  Account edit = created;
  edit.domo_client_id = "client-new";
  edit.domo_client_secret.clear();
  auto kept = other_key->UpdateAccount(edit);
  ASSERT_FALSE(kept.has_value());
  EXPECT_EQ(kept.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(store_->GetAccount(created.id)->domo_client_id, created.domo_client_id);

  edit.domo_client_secret = "domo-secret-retyped";
  auto retyped = other_key->UpdateAccount(edit);
  ASSERT_TRUE(retyped.has_value()) << retyped.error().ToString();
  EXPECT_EQ(other_key->GetAccount(created.id)->domo_client_secret, "domo-secret-retyped");
}

std::string FileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(AccountsTest, SecretsAreNeverWrittenInClear) {
  S3U_SQLITE_ONLY(url_);  // PostgreSQL's columns are typed BYTEA; its files are not ours to scan
  const Account domo = Create(SampleDomoAccount());
  const Account aws = Create(SampleAwsAccount());
  Account edit = aws;
  edit.aws_secret_access_key = "aws-secret-Rotated5";
  ASSERT_TRUE(store_->UpdateAccount(edit).has_value());

  std::string bytes = FileBytes(DbPath()) + FileBytes(DbPath().string() + "-wal");
  // The scan works: the identifiers that are not secret are there in clear.
  ASSERT_THAT(bytes, HasSubstr(domo.domo_client_id));
  ASSERT_THAT(bytes, HasSubstr(aws.aws_access_key_id));
  for (const std::string& secret : {domo.domo_client_secret, aws.aws_secret_access_key,
                                    aws.aws_session_token, edit.aws_secret_access_key}) {
    EXPECT_THAT(bytes, Not(HasSubstr(secret))) << secret;
  }

  // Each secret is a BLOB 40 bytes longer than the plaintext (nonce and MAC).
  RawDb raw(DbPath());
  EXPECT_EQ(
      raw.QueryText("SELECT typeof(domo_client_secret) FROM accounts WHERE id = '" + domo.id + "'"),
      "blob");
  EXPECT_EQ(
      raw.QueryInt("SELECT length(domo_client_secret) FROM accounts WHERE id = '" + domo.id + "'"),
      static_cast<int64_t>(domo.domo_client_secret.size() + SecretBox::kSealOverhead));
}

// ---- AWS role accounts (issue 15)

TEST_F(AccountsTest, ARoleGetsAnExternalIdAndTheDefaultSessionNameAndReadsBack) {
  const Account base = Create(SampleAwsAccount("keys"));
  const Account created = Create(SampleRoleAccount("role", base.id));
  EXPECT_THAT(created.external_id, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(created.role_session_name, "s3unload");
  EXPECT_EQ(created.base_identity_arn, "");
  EXPECT_EQ(store_->GetAccount(created.id).value(), created);
  // Each role gets its own.
  EXPECT_NE(Create(SampleRoleAccount("role-2")).external_id, created.external_id);

  Account given = SampleRoleAccount("role-3");
  given.external_id = "Domo-Ext-Id=42";
  given.role_session_name = "nightly";
  const Account kept = Create(given);
  EXPECT_EQ(kept.external_id, "Domo-Ext-Id=42");
  EXPECT_EQ(kept.role_session_name, "nightly");
}

TEST_F(AccountsTest, ARoleNeedsItsArnBucketAndRegionAndHoldsNoKeys) {
  Account role;
  role.kind = AccountKind::kRole;
  role.name = "role";
  role.aws_access_key_id = "AKIAEXAMPLEKEY0001";
  role.aws_secret_access_key = "aws-secret-Zx9LmN4";
  auto refused = store_->CreateAccount(role);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(refused.error().message,
              AllOf(HasSubstr("bucket: empty; an AWS role account needs the bucket"),
                    HasSubstr("region: empty"), HasSubstr("role_arn: empty"),
                    HasSubstr("aws_access_key_id: set on an AWS role account; only AWS accounts"),
                    HasSubstr("aws_secret_access_key: set on an AWS role account"),
                    Not(HasSubstr(role.aws_secret_access_key))));

  Account aws = SampleAwsAccount();
  aws.role_arn = "arn:aws:iam::123456789012:role/x";
  aws.base_account_id = "acc_0000000000000001";
  refused = store_->CreateAccount(aws);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message,
              AllOf(HasSubstr("role_arn: set on an AWS account; only AWS role accounts have it"),
                    HasSubstr("base_account_id: set on an AWS account")));
}

TEST_F(AccountsTest, TheBaseOfARoleMustBeASavedAwsAccount) {
  const Account domo = Create(SampleDomoAccount());
  const Account other_role = Create(SampleRoleAccount("other"));
  for (const auto& [base, says] : std::vector<std::pair<std::string, std::string>>{
           {"acc_ffffffffffffffff", "no such account: acc_ffffffffffffffff"},
           {domo.id, "is a Domo account; an AWS account is needed"},
           {other_role.id, "is an AWS role account; an AWS account is needed"}}) {
    auto refused = store_->CreateAccount(SampleRoleAccount("role", base));
    ASSERT_FALSE(refused.has_value()) << base;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(refused.error().subject, "base_account_id");
    EXPECT_THAT(refused.error().message, HasSubstr(says));
  }
  // Nor on update.
  Account edit = other_role;
  edit.base_account_id = domo.id;
  auto update = store_->UpdateAccount(edit);
  ASSERT_FALSE(update.has_value());
  EXPECT_EQ(update.error().subject, "base_account_id");
  // An empty base is stored as NULL: no base, the service's own credentials.
  EXPECT_EQ(::s3u::testing::QueryInt(url_, "SELECT count(*) FROM accounts WHERE id = '" +
                                               other_role.id + "' AND base_account_id IS NULL"),
            1);
}

TEST_F(AccountsTest, AwsAndRoleAccountsShareTheirNames) {
  Create(SampleAwsAccount("prod"));
  Create(SampleDomoAccount("prod-role"));
  auto duplicate = store_->CreateAccount(SampleRoleAccount("prod"));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(duplicate.error().message, HasSubstr("an AWS account named \"prod\" already exists"));

  Create(SampleRoleAccount("prod-role"));  // a Domo account's name is free
  duplicate = store_->CreateAccount(SampleAwsAccount("prod-role"));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_THAT(duplicate.error().message,
              HasSubstr("an AWS role account named \"prod-role\" already exists"));
}

TEST_F(AccountsTest, UpdatingARoleKeepsAnEmptyExternalIdAndForgetsAStaleIdentity) {
  const Account keys = Create(SampleAwsAccount("keys"));
  const Account other_keys = Create(SampleAwsAccount("other-keys"));
  const Account created = Create(SampleRoleAccount("role", keys.id));
  ASSERT_TRUE(store_->SetRoleBaseIdentity(created.id, "arn:aws:iam::123456789012:user/ci"));
  EXPECT_EQ(store_->GetAccount(created.id)->updated_ms, created.updated_ms);  // no user edit

  Account edit = store_->GetAccount(created.id).value();
  edit.external_id.clear();
  edit.role_session_name.clear();
  edit.bucket = "exports-2";
  auto updated = store_->UpdateAccount(edit);
  ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
  EXPECT_EQ(updated->external_id, created.external_id);
  EXPECT_EQ(updated->role_session_name, "s3unload");
  EXPECT_EQ(updated->bucket, "exports-2");
  // The same base at the same endpoint: the identity still holds.
  EXPECT_EQ(updated->base_identity_arn, "arn:aws:iam::123456789012:user/ci");

  edit.external_id = "new-external-id";
  edit.base_identity_arn = "arn:aws:iam::999999999999:root";  // ignored: learnt, never given
  updated = store_->UpdateAccount(edit);
  ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
  EXPECT_EQ(updated->external_id, "new-external-id");
  EXPECT_EQ(updated->base_identity_arn, "arn:aws:iam::123456789012:user/ci");

  for (auto change : std::vector<std::function<void(Account&)>>{
           [&](Account& a) { a.base_account_id = other_keys.id; },
           [&](Account& a) { a.base_account_id.clear(); },
           [&](Account& a) { a.endpoint_url = "http://127.0.0.1:7480"; }}) {
    ASSERT_TRUE(store_->SetRoleBaseIdentity(created.id, "arn:aws:iam::123456789012:user/ci"));
    Account moved = store_->GetAccount(created.id).value();
    change(moved);
    updated = store_->UpdateAccount(moved);
    ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
    EXPECT_EQ(updated->base_identity_arn, "");
  }
}

TEST_F(AccountsTest, TheBaseIdentityIsOnlyRecordedForRoleAccounts) {
  const Account aws = Create(SampleAwsAccount());
  for (const std::string& id : {aws.id, std::string("acc_ffffffffffffffff")}) {
    auto refused = store_->SetRoleBaseIdentity(id, "arn:aws:iam::123456789012:root");
    ASSERT_FALSE(refused.has_value()) << id;
    EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  }
}

TEST_F(AccountsTest, AnAccountLendingItsKeysToARoleCannotBeDeleted) {
  const Account domo = Create(SampleDomoAccount());
  const Account keys = Create(SampleAwsAccount("keys"));
  const Account role = Create(SampleRoleAccount("writer", keys.id));
  Create(SampleRoleAccount("archiver", keys.id));
  CreateConnector("orders-daily", domo, keys);

  auto in_use = store_->DeleteAccount(keys.id);
  ASSERT_FALSE(in_use.has_value());
  EXPECT_EQ(in_use.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(in_use.error().message,
              HasSubstr("account \"keys\" is used by connectors: orders-daily and is the base of "
                        "AWS role accounts: archiver, writer"));
  // Even a stray statement cannot: the foreign key refuses it.
  EXPECT_FALSE(::s3u::testing::ExecRaw(url_, "DELETE FROM accounts WHERE id = '" + keys.id + "'")
                   .has_value());

  // A role used by a connector is refused like any account.
  CreateConnector("via-role", domo, role);
  EXPECT_THAT(store_->DeleteAccount(role.id).error().message,
              HasSubstr("is used by connectors: via-role"));
}

}  // namespace
}  // namespace s3u::store
