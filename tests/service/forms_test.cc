#include "service/forms.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace s3u::service {
namespace {

using nlohmann::json;

std::vector<std::string> Fields(const FieldErrors& errors) {
  std::vector<std::string> fields;
  for (const FieldError& e : errors) fields.push_back(e.field);
  return fields;
}

bool Has(const FieldErrors& errors, const std::string& field) {
  auto f = Fields(errors);
  return std::find(f.begin(), f.end(), field) != f.end();
}

store::Account Domo() {
  store::Account a;
  a.id = "acc_d";
  a.kind = store::AccountKind::kDomo;
  a.name = "domo";
  a.domo_client_id = "client-1";
  a.domo_client_secret = "domo-secret-value";
  a.domo_api_url = "http://127.0.0.1:9";
  return a;
}

store::Account Aws() {
  store::Account a;
  a.id = "acc_a";
  a.kind = store::AccountKind::kAws;
  a.name = "aws";
  a.aws_access_key_id = "AKIAEXAMPLE";
  a.aws_secret_access_key = "aws-secret-value";
  a.bucket = "unload-bucket";
  a.region = "eu-west-1";
  a.endpoint_url = "http://127.0.0.1:7480";
  return a;
}

json GoodConnector() {
  return {{"name", "orders"},
          {"domo_account_id", "acc_d"},
          {"aws_account_id", "acc_a"},
          {"settings",
           {{"details",
             {{"input_dataset", "5e1f0c2a-8d3b-4c6e-9a7f-0b1c2d3e4f50"},
              {"path", "orders/{yyyy}/"},
              {"primary_key", {"order_id"}},
              {"specific_day", 1}}},
            {"output", {{"manifest", true}}}}},
          {"schedule", {{"kind", "daily"}, {"time", "02:30"}, {"time_zone", "Europe/Paris"}}},
          {"retry", {{"every_minutes", 5}, {"max_retries", 3}}}};
}

TEST(AccountFormTest, ANewAwsAccountNeedsItsKeysBucketAndRegion) {
  auto form = ParseAccountForm({{"kind", "aws"}, {"name", "prod"}}, std::nullopt);
  ASSERT_FALSE(form.has_value());
  for (const char* field : {"aws_access_key_id", "aws_secret_access_key", "bucket", "region"}) {
    EXPECT_TRUE(Has(form.error(), field)) << field;
  }
}

TEST(AccountFormTest, ReportsBadValuesAndUnknownFieldsTogether) {
  auto form = ParseAccountForm({{"kind", "aws"},
                                {"name", "prod"},
                                {"aws_access_key_id", "AKIA"},
                                {"aws_secret_access_key", "s"},
                                {"bucket", "Not_A_Bucket"},
                                {"region", "us-east-1"},
                                {"endpoint_url", "ftp://x"},
                                {"colour", "blue"}},
                               std::nullopt);
  ASSERT_FALSE(form.has_value());
  EXPECT_TRUE(Has(form.error(), "bucket"));
  EXPECT_TRUE(Has(form.error(), "endpoint_url"));
  EXPECT_TRUE(Has(form.error(), "colour"));
  EXPECT_EQ(form.error().size(), 3u);
}

TEST(AccountFormTest, AnEditMayLeaveSecretsOutAndCannotChangeTheKind) {
  auto edit = ParseAccountForm({{"name", "prod"},
                                {"aws_access_key_id", "AKIA2"},
                                {"bucket", "b-1"},
                                {"region", "r"},
                                {"aws_session_token", nullptr}},
                               store::AccountKind::kAws);
  ASSERT_TRUE(edit.has_value());
  EXPECT_TRUE(edit->account.aws_secret_access_key.empty());  // kept by the store
  EXPECT_TRUE(edit->clear_session_token);
  auto kind = ParseAccountForm({{"kind", "domo"}, {"name", "x"}, {"domo_client_id", "c"}},
                               store::AccountKind::kAws);
  ASSERT_FALSE(kind.has_value());
  EXPECT_TRUE(Has(kind.error(), "kind"));
}

// Issue 14, S1: testing an unsaved edit sent the saved Domo secret to the edited address.
TEST(SavedSecretsTest, AnEditThatKeepsTheAddressKeepsTheSavedSecrets) {
  store::Account saved = Aws();
  saved.aws_session_token = "saved-token";
  auto edit = ParseAccountForm({{"name", "renamed"},
                                {"aws_access_key_id", "AKIA2"},
                                {"bucket", "unload-bucket"},
                                {"region", "eu-west-1"},
                                {"endpoint_url", "http://127.0.0.1:7480/"}},
                               store::AccountKind::kAws);
  ASSERT_TRUE(edit.has_value());
  auto merged = WithSavedSecrets(saved, *edit);
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(merged->name, "renamed");
  EXPECT_EQ(merged->aws_access_key_id, "AKIA2");
  EXPECT_EQ(merged->aws_secret_access_key, "aws-secret-value");
  EXPECT_EQ(merged->aws_session_token, "saved-token");

  // Domo's default API URL, spelled out, is the same address as none.
  store::Account domo = Domo();
  domo.domo_api_url = "";
  auto same = ParseAccountForm(
      {{"name", "domo"}, {"domo_client_id", "client-1"}, {"domo_api_url", "https://api.domo.com/"}},
      store::AccountKind::kDomo);
  ASSERT_TRUE(same.has_value());
  auto kept = WithSavedSecrets(domo, *same);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->domo_client_secret, "domo-secret-value");
}

TEST(SavedSecretsTest, ANewDomoAddressNeedsTheSecretAgain) {
  for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"domo_api_url", "http://127.0.0.1:47123"},
           {"domo_api_url", ""},
           {"domo_instance_url", "https://evil.example"}}) {
    json body = {
        {"name", "domo"}, {"domo_client_id", "client-1"}, {"domo_api_url", "http://127.0.0.1:9"}};
    body[field] = value;
    auto edit = ParseAccountForm(body, store::AccountKind::kDomo);
    ASSERT_TRUE(edit.has_value()) << field;
    auto merged = WithSavedSecrets(Domo(), *edit);
    ASSERT_FALSE(merged.has_value()) << field << " " << value;
    ASSERT_EQ(Fields(merged.error()), std::vector<std::string>{"domo_client_secret"});
    EXPECT_NE(merged.error()[0].message.find(field + " changed"), std::string::npos)
        << merged.error()[0].message;
    EXPECT_EQ(merged.error()[0].message.find("domo-secret-value"), std::string::npos);
    // With the secret given again, the edit stands.
    body["domo_client_secret"] = "typed-again";
    auto again = WithSavedSecrets(Domo(), *ParseAccountForm(body, store::AccountKind::kDomo));
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->domo_client_secret, "typed-again");
  }
}

TEST(SavedSecretsTest, ANewAwsEndpointRegionOrBucketNeedsTheSecretsAgain) {
  store::Account saved = Aws();
  saved.aws_session_token = "saved-token";
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, std::string>>{{"endpoint_url", "http://127.0.0.1:47123"},
                                                        {"endpoint_url", ""},
                                                        {"region", "us-east-1"},
                                                        {"bucket", "someone-elses-bucket"}}) {
    json body = {{"name", "aws"},
                 {"aws_access_key_id", "AKIAEXAMPLE"},
                 {"bucket", "unload-bucket"},
                 {"region", "eu-west-1"},
                 {"endpoint_url", "http://127.0.0.1:7480"}};
    body[field] = value;
    auto merged = WithSavedSecrets(saved, *ParseAccountForm(body, store::AccountKind::kAws));
    ASSERT_FALSE(merged.has_value()) << field;
    EXPECT_EQ(Fields(merged.error()),
              (std::vector<std::string>{"aws_secret_access_key", "aws_session_token"}))
        << field;
    // The secret key again and the token dropped: accepted, and no saved secret goes along.
    body["aws_secret_access_key"] = "typed-again";
    body["aws_session_token"] = nullptr;
    auto again = WithSavedSecrets(saved, *ParseAccountForm(body, store::AccountKind::kAws));
    ASSERT_TRUE(again.has_value()) << field;
    EXPECT_EQ(again->aws_secret_access_key, "typed-again");
    EXPECT_EQ(again->aws_session_token, "");
  }
}

TEST(AccountFormTest, TheJsonOfAnAccountNeverHoldsASecret) {
  store::Account aws = Aws();
  aws.aws_session_token = "session-token-value";
  aws.has_session_token = true;
  const std::string text = AccountJson(aws, {"con_1"}).dump() + AccountJson(Domo(), {}).dump();
  for (const char* secret : {"aws-secret-value", "session-token-value", "domo-secret-value"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  }
  const json j = AccountJson(aws, {"con_1"});
  EXPECT_EQ(j["secrets"]["aws_session_token"], true);
  EXPECT_EQ(j["used_by"], json::array({"con_1"}));
  EXPECT_EQ(j["aws_access_key_id"], "AKIAEXAMPLE");
}

// ---- AWS role accounts (issue 15)

store::Account Role() {
  store::Account a;
  a.id = "acc_r";
  a.kind = store::AccountKind::kRole;
  a.name = "role";
  a.role_arn = "arn:aws:iam::123456789012:role/s3unload-writer";
  a.external_id = "0123456789abcdef0123456789abcdef";
  a.role_session_name = "s3unload";
  a.base_account_id = "acc_0123456789abcdef";
  a.bucket = "unload-bucket";
  a.region = "eu-west-1";
  a.endpoint_url = "http://127.0.0.1:7480";
  return a;
}

json RoleBody() {
  return {{"kind", "role"},
          {"name", "role"},
          {"role_arn", "arn:aws:iam::123456789012:role/s3unload-writer"},
          {"base_account_id", "acc_0123456789abcdef"},
          {"bucket", "unload-bucket"},
          {"region", "eu-west-1"}};
}

TEST(RoleAccountFormTest, ARoleNeedsItsArnBucketAndRegionAndTakesTheDefaults) {
  auto empty = ParseAccountForm({{"kind", "role"}, {"name", "role"}}, std::nullopt);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(Fields(empty.error()), (std::vector<std::string>{"role_arn", "bucket", "region"}));

  auto form = ParseAccountForm(RoleBody(), std::nullopt);
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(form->account.kind, store::AccountKind::kRole);
  EXPECT_EQ(form->account.role_session_name, "s3unload");
  EXPECT_EQ(form->account.external_id, "");  // generated by the store on create
  EXPECT_EQ(form->account.base_account_id, "acc_0123456789abcdef");
  json own = RoleBody();
  own.erase("base_account_id");
  EXPECT_EQ(ParseAccountForm(own, std::nullopt)->account.base_account_id, "");
}

TEST(RoleAccountFormTest, BadArnExternalIdSessionNameAndBaseAreFieldErrors) {
  for (const auto& [field, bad] : std::vector<std::pair<std::string, std::string>>{
           {"role_arn", "arn:aws:iam::1234:role/x"},
           {"role_arn", "arn:aws:s3:::bucket"},
           {"role_arn", "s3unload-writer"},
           {"external_id", "x"},
           {"external_id", "has space"},
           {"external_id", std::string(1225, 'e')},
           {"role_session_name", "a/b"},
           {"role_session_name", std::string(65, 's')},
           {"base_account_id", "../acc"},
           {"base_account_id", "acc_0123456789ABCDEF"}}) {
    json body = RoleBody();
    body[field] = bad;
    auto form = ParseAccountForm(body, std::nullopt);
    ASSERT_FALSE(form.has_value()) << field << " = " << bad;
    EXPECT_EQ(Fields(form.error()), std::vector<std::string>{field}) << bad;
  }
  // Keys belong to AWS accounts; a role account takes its base's.
  json keys = RoleBody();
  keys["aws_secret_access_key"] = "secret";
  auto form = ParseAccountForm(keys, std::nullopt);
  ASSERT_FALSE(form.has_value());
  EXPECT_EQ(Fields(form.error()), std::vector<std::string>{"aws_secret_access_key"});
  // And the kind is one of three.
  json kind = RoleBody();
  kind["kind"] = "sts";
  EXPECT_EQ(ParseAccountForm(kind, std::nullopt).error()[0].message, "use domo, aws or role");
}

TEST(RoleAccountFormTest, ATestOfAnEditKeepsTheSavedExternalIdAndNeedsNoSecret) {
  json body = RoleBody();
  body.erase("kind");
  body["role_arn"] = "arn:aws:iam::123456789012:role/other";
  body["bucket"] = "other-bucket";
  body["region"] = "us-east-2";
  body["base_account_id"] = "acc_fedcba9876543210";
  auto edit = ParseAccountForm(body, store::AccountKind::kRole);
  ASSERT_TRUE(edit.has_value());
  auto merged = WithSavedSecrets(Role(), *edit);
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(merged->external_id, Role().external_id);
  EXPECT_EQ(merged->role_arn, "arn:aws:iam::123456789012:role/other");
  EXPECT_EQ(merged->base_account_id, "acc_fedcba9876543210");
}

TEST(RoleAccountFormTest, TheJsonOfARoleShowsItsRoleAndNoSecrets) {
  store::Account role = Role();
  role.base_identity_arn = "arn:aws:iam::123456789012:user/ci";
  const json j = AccountJson(role, {"con_1"});
  EXPECT_EQ(j["kind"], "role");
  EXPECT_EQ(j["role_arn"], role.role_arn);
  EXPECT_EQ(j["external_id"], role.external_id);
  EXPECT_EQ(j["role_session_name"], "s3unload");
  EXPECT_EQ(j["base_account_id"], role.base_account_id);
  EXPECT_EQ(j["base_identity_arn"], role.base_identity_arn);
  EXPECT_EQ(j["bucket"], "unload-bucket");
  EXPECT_EQ(j["secrets"], json::object());
  EXPECT_FALSE(j.contains("aws_access_key_id"));
  // What was read may be sent back.
  json back = j;
  back.erase("kind");
  EXPECT_TRUE(ParseAccountForm(back, store::AccountKind::kRole).has_value());
}

TEST(RoleAccountFormTest, AConnectorOverARoleRunsWithTheRoleAndItsBasesKeys) {
  auto form = ParseConnectorForm(GoodConnector());
  ASSERT_TRUE(form.has_value());
  const store::Account domo = Domo();
  const store::Account role = Role();
  const store::Account base = Aws();
  auto spec = ConnectorJobSpec(*form, &domo, &role, &base);
  ASSERT_TRUE(spec.has_value()) << JoinFieldErrors(spec.error(), "").ToString();
  EXPECT_EQ(spec->role_arn, role.role_arn);
  EXPECT_EQ(spec->external_id, role.external_id);
  EXPECT_EQ(spec->role_session_name, "s3unload");
  EXPECT_EQ(spec->aws_access_key_id, base.aws_access_key_id);
  EXPECT_EQ(spec->aws_secret_access_key, base.aws_secret_access_key);
  EXPECT_EQ(spec->bucket, role.bucket);
  // With no base: no keys, the process's own chain assumes the role.
  auto own = ConnectorJobSpec(*form, &domo, &role, nullptr);
  ASSERT_TRUE(own.has_value());
  EXPECT_FALSE(own->aws_access_key_id.has_value());
  EXPECT_EQ(own->role_arn, role.role_arn);
}

TEST(ConnectorFormTest, AGoodConnectorBuildsItsJobFromTheAccountsAndSettings) {
  auto form = ParseConnectorForm(GoodConnector());
  ASSERT_TRUE(form.has_value());
  const store::Account domo = Domo(), aws = Aws();
  auto spec = ConnectorJobSpec(*form, &domo, &aws);
  ASSERT_TRUE(spec.has_value()) << JoinFieldErrors(spec.error(), "x").ToString();
  EXPECT_EQ(spec->name, "orders");
  EXPECT_EQ(spec->domo_client_secret, "domo-secret-value");
  EXPECT_EQ(spec->domo_api_url, "http://127.0.0.1:9");
  EXPECT_EQ(spec->aws_secret_access_key, "aws-secret-value");
  EXPECT_EQ(spec->bucket, "unload-bucket");
  EXPECT_EQ(spec->endpoint_url, "http://127.0.0.1:7480");
  EXPECT_EQ(spec->specific_day, 1);
  EXPECT_TRUE(spec->manifest);
  EXPECT_EQ(spec->writeback_name, "s3unload metrics: orders");
  auto override_day = ConnectorJobSpec(*form, &domo, &aws, nullptr, 7);
  ASSERT_TRUE(override_day.has_value());
  EXPECT_EQ(override_day->specific_day, 7);
}

TEST(ConnectorFormTest, EveryProblemIsReportedWithTheFieldThePageShowsItBeside) {
  json body = GoodConnector();
  body["name"] = "";
  body["schedule"] = {{"kind", "daily"}, {"time", "25:00"}};
  body["retry"] = {{"every_minutes", 0}};
  body["extra"] = 1;
  auto form = ParseConnectorForm(body);
  ASSERT_FALSE(form.has_value());
  EXPECT_TRUE(Has(form.error(), "name"));
  EXPECT_TRUE(Has(form.error(), "schedule.time"));
  EXPECT_TRUE(Has(form.error(), "retry.every_minutes"));
  EXPECT_TRUE(Has(form.error(), "extra"));
}

TEST(ConnectorFormTest, SettingsProblemsNameTheJobField) {
  json body = GoodConnector();
  body["settings"]["details"]["path"] = "x/{nope}/";
  body["settings"]["details"]["specific_day"] = -1;
  body["settings"]["output"]["colour"] = "red";
  auto form = ParseConnectorForm(body);
  ASSERT_TRUE(form.has_value());
  const store::Account domo = Domo(), aws = Aws();
  auto spec = ConnectorJobSpec(*form, &domo, &aws);
  ASSERT_FALSE(spec.has_value());
  EXPECT_TRUE(Has(spec.error(), "details.path")) << testing::PrintToString(Fields(spec.error()));
  EXPECT_TRUE(Has(spec.error(), "details.specific_day"));
  EXPECT_TRUE(Has(spec.error(), "output.colour"));
}

TEST(ConnectorFormTest, CredentialsComeOnlyFromTheAccounts) {
  json body = GoodConnector();
  body["settings"]["credentials"] = {{"bucket", "other"}};
  auto form = ParseConnectorForm(body);
  ASSERT_FALSE(form.has_value());
  EXPECT_TRUE(Has(form.error(), "credentials"));
}

TEST(ConnectorFormTest, AProblemWithAnAccountsValueIsReportedOnTheAccountField) {
  auto form = ParseConnectorForm(GoodConnector());
  ASSERT_TRUE(form.has_value());
  store::Account domo = Domo();
  domo.domo_client_id.clear();
  const store::Account aws = Aws();
  auto spec = ConnectorJobSpec(*form, &domo, &aws);
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(Fields(spec.error()), std::vector<std::string>{"domo_account_id"});
  // A missing account is the caller's to report: nothing about its values is added.
  auto missing = ConnectorJobSpec(*form, nullptr, &aws);
  ASSERT_FALSE(missing.has_value());
  EXPECT_TRUE(missing.error().empty());
}

TEST(ConnectorFormTest, StoredFormsRoundTripAndResponsesCanBeSentBack) {
  auto form = ParseConnectorForm(GoodConnector());
  ASSERT_TRUE(form.has_value());
  store::ConnectorRecord record = ToRecord(*form);
  auto back = FromRecord(record);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->schedule, form->schedule);
  EXPECT_EQ(back->retry, form->retry);
  EXPECT_EQ(back->settings, form->settings);

  json echoed = GoodConnector();  // what GET returned, edited and PUT back
  echoed["id"] = "con_1";
  echoed["state"] = "scheduled";
  echoed["last_run"] = nullptr;
  echoed["next_run"] = "2026-01-01T00:00:00Z";
  echoed["backfill_id"] = nullptr;
  echoed["running_run_id"] = nullptr;
  EXPECT_TRUE(ParseConnectorForm(echoed).has_value());
}

TEST(RetryTest, BoundsAreChecked) {
  EXPECT_EQ(*ParseRetry(json::object()), RetryPolicy{});
  auto bad = ParseRetry({{"every_minutes", 1441}, {"max_retries", 21}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(Fields(bad.error()),
            (std::vector<std::string>{"retry.every_minutes", "retry.max_retries"}));
}

// Issue 13, item 2: the API and the page validate the path as the job file does.
TEST(ConnectorFormTest, APathWithACharacterAKeyCannotHoldIsAFieldError) {
  json body = GoodConnector();
  body["settings"]["details"]["path"] = "a\r\nb/\xE2\x80\xAE/";
  auto form = ParseConnectorForm(body);
  ASSERT_TRUE(form.has_value());
  const store::Account domo = Domo(), aws = Aws();
  auto spec = ConnectorJobSpec(*form, &domo, &aws);
  ASSERT_FALSE(spec.has_value());
  ASSERT_EQ(spec.error().size(), 1u) << testing::PrintToString(Fields(spec.error()));
  EXPECT_EQ(spec.error()[0].field, "details.path");
  EXPECT_NE(spec.error()[0].message.find("U+000D (carriage return) at character 2"),
            std::string::npos)
      << spec.error()[0].message;
}

// Issue 13, item 6: one default everywhere, yesterday.
TEST(ConnectorFormTest, WithoutSpecificDayAConnectorUnloadsYesterday) {
  json body = GoodConnector();
  body["settings"]["details"].erase("specific_day");
  auto form = ParseConnectorForm(body);
  ASSERT_TRUE(form.has_value());
  const store::Account domo = Domo(), aws = Aws();
  auto spec = ConnectorJobSpec(*form, &domo, &aws);
  ASSERT_TRUE(spec.has_value()) << JoinFieldErrors(spec.error(), "x").ToString();
  EXPECT_EQ(spec->specific_day, 1);
}

TEST(ParseBodyTest, AKeyGivenTwiceIsAnErrorOnThatKey) {
  auto top = ParseBody(R"({"name":"a","name":"b"})");
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error(), (FieldErrors{{"name", "given twice; give each field once"}}));
  auto nested = ParseBody(R"({"settings":{"details":{"path":"a/","path":"../b/"}}})");
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().front().field, "settings.details.path");
  // The same key in two objects is no duplicate.
  EXPECT_TRUE(ParseBody(R"({"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]})"));
  EXPECT_EQ(ParseBody("{nope").error().front().field, "body");
}

}  // namespace
}  // namespace s3u::service
