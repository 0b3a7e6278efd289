#include "store/connectors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::SampleAwsAccount;
using ::s3u::testing::SampleDomoAccount;
using ::s3u::testing::SampleRun;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class ConnectorsTest : public ::s3u::testing::StoreWithSecretsTest {
 protected:
  void SetUp() override {
    StoreWithSecretsTest::SetUp();
    domo_ = Create(SampleDomoAccount());
    aws_ = Create(SampleAwsAccount());
  }

  ConnectorRecord Sample(std::string name = "orders-daily") const {
    ConnectorRecord connector;
    connector.name = std::move(name);
    connector.domo_account_id = domo_.id;
    connector.aws_account_id = aws_.id;
    connector.settings_json = R"({"input_dataset_id":"3c7e5a4e","path":"exports/"})";
    connector.schedule_json = R"({"kind":"daily","time":"06:30","time_zone":"UTC"})";
    connector.retry_json = R"({"every_minutes":15,"max_retries":3})";
    return connector;
  }

  ConnectorRecord CreateConnector(const ConnectorRecord& connector) {
    auto created = store_->CreateConnector(connector);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? *created : ConnectorRecord{};
  }

  Account domo_, aws_;
};

TEST_F(ConnectorsTest, CreateAssignsIdAndTimesAndReadsBack) {
  ConnectorRecord sample = Sample();
  sample.enabled = false;
  sample.next_run_ms = kStartMs + 3'600'000;
  const ConnectorRecord created = CreateConnector(sample);
  EXPECT_THAT(created.id, MatchesRegex("con_[0-9a-f]{16}"));
  EXPECT_EQ(created.created_ms, kStartMs);
  EXPECT_EQ(created.updated_ms, kStartMs);
  ConnectorRecord expected = sample;
  expected.id = created.id;
  expected.created_ms = expected.updated_ms = kStartMs;
  EXPECT_EQ(created, expected);

  auto read = store_->GetConnector(created.id);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(*read, expected);
}

TEST_F(ConnectorsTest, CreateListsEveryProblemByField) {
  ConnectorRecord connector;
  connector.domo_account_id = "acc_ffffffffffffffff";
  connector.settings_json = "[1, 2]";
  connector.schedule_json = "{";
  connector.retry_json = "{}";
  auto refused = store_->CreateConnector(connector);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().subject, "name");
  EXPECT_THAT(refused.error().message,
              AllOf(HasSubstr("5 problems"), HasSubstr("name: empty"),
                    HasSubstr("domo_account_id: no such account: acc_ffffffffffffffff"),
                    HasSubstr("aws_account_id: empty"), HasSubstr("settings_json: not a JSON"),
                    HasSubstr("schedule_json: not a JSON")));
  EXPECT_EQ(store_->ListConnectors()->size(), 0u);
}

TEST_F(ConnectorsTest, AccountsMustBeOfTheRightKind) {
  ConnectorRecord swapped = Sample();
  std::swap(swapped.domo_account_id, swapped.aws_account_id);
  auto refused = store_->CreateConnector(swapped);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().subject, "domo_account_id");
  EXPECT_THAT(
      refused.error().message,
      AllOf(HasSubstr("domo_account_id: account " + aws_.id +
                      " is an AWS account; a Domo account is needed"),
            HasSubstr("aws_account_id: account " + domo_.id +
                      " is a Domo account; an AWS account or an AWS role account is needed")));
}

TEST_F(ConnectorsTest, AnAwsRoleAccountMayBeTheAwsSide) {
  auto role = store_->CreateAccount(::s3u::testing::SampleRoleAccount());
  ASSERT_TRUE(role.has_value()) << role.error().ToString();
  ConnectorRecord connector = Sample();
  connector.aws_account_id = role->id;
  auto created = store_->CreateConnector(connector);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(created->aws_account_id, role->id);

  connector.name = "as-domo";
  connector.domo_account_id = role->id;
  auto refused = store_->CreateConnector(connector);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message,
              HasSubstr("is an AWS role account; a Domo account is needed"));
}

TEST_F(ConnectorsTest, NamesAreUnique) {
  CreateConnector(Sample("orders-daily"));
  auto duplicate = store_->CreateConnector(Sample("orders-daily"));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(duplicate.error().subject, "name");
  EXPECT_THAT(duplicate.error().message,
              HasSubstr("a connector named \"orders-daily\" already exists"));

  ConnectorRecord other = CreateConnector(Sample("other"));
  other.name = "orders-daily";
  auto renamed = store_->UpdateConnector(other);
  ASSERT_FALSE(renamed.has_value());
  EXPECT_EQ(renamed.error().subject, "name");
}

TEST_F(ConnectorsTest, UpdateChangesTheUserFieldsAndKeepsTheSchedulerState) {
  ConnectorRecord sample = Sample();
  sample.next_run_ms = kStartMs + 1000;
  const ConnectorRecord created = CreateConnector(sample);
  ASSERT_TRUE(store_->SetPendingRetry(created.id, kStartMs + 900'000, 2, "run-1").has_value());
  const Account aws2 = Create(SampleAwsAccount("aws-2"));
  clock_.Advance(std::chrono::seconds(5));

  ConnectorRecord edit = created;
  edit.name = "orders-nightly";
  edit.enabled = false;
  edit.aws_account_id = aws2.id;
  edit.settings_json = R"({"path":"nightly/"})";
  edit.schedule_json = R"({"kind":"manual"})";
  edit.retry_json = R"({"every_minutes":5,"max_retries":1})";
  edit.created_ms = 1;
  edit.next_run_ms.reset();  // scheduler state in the input is ignored
  auto updated = store_->UpdateConnector(edit);
  ASSERT_TRUE(updated.has_value()) << updated.error().ToString();

  ConnectorRecord expected = edit;
  expected.created_ms = kStartMs;
  expected.updated_ms = kStartMs + 5000;
  expected.next_run_ms = kStartMs + 1000;
  expected.retry_due_ms = kStartMs + 900'000;
  expected.retry_attempt = 2;
  expected.retry_of_run_id = "run-1";
  EXPECT_EQ(*updated, expected);
  EXPECT_EQ(store_->GetConnector(created.id).value(), expected);
}

TEST_F(ConnectorsTest, UnknownIdsAreNotFound) {
  ConnectorRecord unknown = Sample();
  unknown.id = "con_ffffffffffffffff";
  const std::vector<Error> errors = {
      store_->GetConnector(unknown.id).error(),
      store_->UpdateConnector(unknown).error(),
      store_->DeleteConnector(unknown.id).error(),
      store_->SetNextRun(unknown.id, 1).error(),
      store_->SetPendingRetry(unknown.id, 1, 2, "run-1").error(),
      store_->ClearPendingRetry(unknown.id).error(),
  };
  for (const Error& error : errors) {
    EXPECT_EQ(error.code, ErrorCode::kNotFound) << error.ToString();
    EXPECT_EQ(error.subject, "connector con_ffffffffffffffff");
  }
}

TEST_F(ConnectorsTest, ListIsByName) {
  CreateConnector(Sample("b"));
  CreateConnector(Sample("a"));
  CreateConnector(Sample("c"));
  auto listed = store_->ListConnectors();
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  std::vector<std::string> names;
  for (const ConnectorRecord& connector : *listed) names.push_back(connector.name);
  EXPECT_THAT(names, ElementsAre("a", "b", "c"));
}

TEST_F(ConnectorsTest, DeleteKeepsTheRunHistory) {
  const ConnectorRecord created = CreateConnector(Sample());
  RunRecord run = SampleRun("r1", kStartMs);
  run.connector_id = created.id;
  ASSERT_TRUE(store_->BeginRun(run).has_value());

  ASSERT_TRUE(store_->DeleteConnector(created.id).has_value());
  EXPECT_EQ(store_->GetConnector(created.id).error().code, ErrorCode::kNotFound);
  RunFilter filter;
  filter.connector_id = created.id;
  auto runs = store_->ListRuns(filter);
  ASSERT_TRUE(runs.has_value()) << runs.error().ToString();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front(), run);
  // The accounts are free again.
  EXPECT_TRUE(store_->DeleteAccount(domo_.id).has_value());
}

TEST_F(ConnectorsTest, SchedulerStateIsSetAndClearedWithoutTouchingUpdatedMs) {
  const ConnectorRecord created = CreateConnector(Sample());
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_TRUE(store_->SetNextRun(created.id, kStartMs + 5000).has_value());
  ASSERT_TRUE(store_->SetPendingRetry(created.id, kStartMs + 7000, 3, "run-9").has_value());
  ConnectorRecord read = store_->GetConnector(created.id).value();
  EXPECT_EQ(read.next_run_ms, kStartMs + 5000);
  EXPECT_EQ(read.retry_due_ms, kStartMs + 7000);
  EXPECT_EQ(read.retry_attempt, 3);
  EXPECT_EQ(read.retry_of_run_id, "run-9");
  EXPECT_EQ(read.updated_ms, kStartMs);

  ASSERT_TRUE(store_->SetNextRun(created.id, std::nullopt).has_value());
  ASSERT_TRUE(store_->ClearPendingRetry(created.id).has_value());
  EXPECT_EQ(store_->GetConnector(created.id).value(), created);
}

TEST_F(ConnectorsTest, PendingRetrySurvivesARestart) {
  const ConnectorRecord created = CreateConnector(Sample());
  ASSERT_TRUE(store_->SetPendingRetry(created.id, kStartMs + 7000, 2, "run-1").has_value());
  store_.reset();
  auto reopened = Open();
  auto read = reopened->GetConnector(created.id);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(read->retry_due_ms, kStartMs + 7000);
  EXPECT_EQ(read->retry_attempt, 2);
  EXPECT_EQ(read->retry_of_run_id, "run-1");
}

TEST_F(ConnectorsTest, IncompletePendingRetriesAreRefused) {
  const ConnectorRecord created = CreateConnector(Sample());
  auto refused = store_->SetPendingRetry(created.id, kStartMs, 1, "");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(refused.error().message,
              AllOf(HasSubstr("retry_attempt: 1; a retry runs as attempt 2 or later"),
                    HasSubstr("retry_of_run_id: empty")));

  ConnectorRecord half = Sample("half");
  half.retry_attempt = 2;
  auto created_half = store_->CreateConnector(half);
  ASSERT_FALSE(created_half.has_value());
  EXPECT_EQ(created_half.error().subject, "retry_due_ms");
}

TEST_F(ConnectorsTest, TheDatabaseItselfRefusesToDeleteAnAccountInUse) {
  CreateConnector(Sample());
  auto refused = ::s3u::testing::ExecRaw(url_, "DELETE FROM accounts WHERE id = '" + aws_.id + "'");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);  // a constraint refused it
  EXPECT_EQ(::s3u::testing::QueryInt(url_, "SELECT count(*) FROM accounts"), 2);
}

}  // namespace
}  // namespace s3u::store
