// `s3unload check-domo`, run as a user would, against the Domo emulator.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/emulator.h"
#include "support/servers.h"

namespace s3u {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::StandardDomo;

const std::string kSales = StandardDomo::kSalesDatasetId;

class CheckDomoTest : public ::testing::Test {
 protected:
  // Runs check-domo with the client's credentials in the environment (as documented).
  CommandResult Run(const std::string& client_id, const std::string& secret,
                    std::vector<std::string> args) {
    args.insert(args.begin(), {S3UNLOAD_BINARY, "check-domo"});
    return testing::RunCommand(args, {{"DOMO_CLIENT_ID", client_id},
                                      {"DOMO_CLIENT_SECRET", secret},
                                      {"DOMO_API_URL", emulator_.url()}});
  }
  CommandResult RunOwner(std::vector<std::string> args) {
    return Run(StandardDomo::kOwnerClientId, StandardDomo::kOwnerClientSecret, std::move(args));
  }
  // Neither the client secret nor any JWT (base64url of '{"' starts "eyJ") may be printed.
  static void ExpectNoSecrets(const CommandResult& r, const std::string& secret) {
    for (const std::string* stream : {&r.out, &r.err}) {
      EXPECT_THAT(*stream, AllOf(Not(HasSubstr(secret)), Not(HasSubstr("eyJ"))));
    }
  }

  testing::EmulatorProcess emulator_;
};

TEST_F(CheckDomoTest, OwnerIsAllowedAndTheSchemaIsPrinted) {
  auto r = RunOwner({"--dataset", kSales});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, AllOf(HasSubstr("user 964382593"), HasSubstr("(sales)"),
                           HasSubstr("event_time"), HasSubstr("DATETIME"),
                           HasSubstr("ownership        owner"), HasSubstr("verdict: ok")));
  ExpectNoSecrets(r, StandardDomo::kOwnerClientSecret);
}

TEST_F(CheckDomoTest, GroupCoOwnerIsAllowedNamingTheGroup) {
  auto r = Run(StandardDomo::kCoOwnerClientId, StandardDomo::kCoOwnerClientSecret,
               {"--dataset", kSales, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["writeback_owner"]["id"], StandardDomo::kCoOwnerUserId);
  EXPECT_EQ(j["ownership"]["how"], "co-owner through group 1324037627 (Data Engineers)");
  EXPECT_EQ(j["dataset"]["schema"].size(), 7u);
  EXPECT_EQ(j["token"]["user_id"], StandardDomo::kCoOwnerUserId);
  ExpectNoSecrets(r, StandardDomo::kCoOwnerClientSecret);
}

TEST_F(CheckDomoTest, StrangerIsRefusedWithTheReasonAndExitCode5) {
  auto r = Run(StandardDomo::kStrangerClientId, StandardDomo::kStrangerClientSecret,
               {"--dataset", kSales});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.out, AllOf(HasSubstr("verdict: REFUSED"), HasSubstr(kSales),
                           HasSubstr("user 964382593 (Ada Owner)"), HasSubstr("555000111")));
  ExpectNoSecrets(r, StandardDomo::kStrangerClientSecret);
}

TEST_F(CheckDomoTest, WritebackOwnerFlagChecksAnotherUser) {
  auto r = RunOwner({"--dataset", kSales, "--writeback-owner",
                     std::to_string(StandardDomo::kStrangerUserId), "--json"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["status"], "refused");
  EXPECT_EQ(j["writeback_owner"]["source"], "flag");
  EXPECT_FALSE(j["ownership"]["allowed"]);
}

TEST_F(CheckDomoTest, DatasetUrlIsAccepted) {
  auto r =
      RunOwner({"--dataset", "https://acme.domo.com/datasources/" + kSales + "/details/overview"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(CheckDomoTest, BadSecretExits3PointingAtTheDeveloperPortal) {
  auto r = Run(StandardDomo::kOwnerClientId, "wrong-secret-value-9999",
               {"--dataset", kSales, "--log-level", "debug"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("developer portal"));
  ExpectNoSecrets(r, "wrong-secret-value-9999");
}

TEST_F(CheckDomoTest, DebugLoggingNeverShowsSecretOrToken) {
  auto r = RunOwner({"--dataset", kSales, "--log-level", "debug"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("Domo GET"));  // debug lines were written
  ExpectNoSecrets(r, StandardDomo::kOwnerClientSecret);
}

TEST_F(CheckDomoTest, SecretGivenAsFlagIsNotEchoed) {
  auto r =
      testing::RunCommand({S3UNLOAD_BINARY, "check-domo", "--dataset", kSales, "--domo-client-id",
                           StandardDomo::kOwnerClientId, "--domo-client-secret",
                           "flag-secret-value-0000", "--domo-api-url", emulator_.url(), "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  ExpectNoSecrets(r, "flag-secret-value-0000");
}

TEST_F(CheckDomoTest, UnknownDatasetExits4) {
  auto r = RunOwner({"--dataset", "00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
}

TEST_F(CheckDomoTest, MalformedDatasetExits2WithoutCallingDomo) {
  auto r = RunOwner({"--dataset", "sales"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("--dataset"));
  EXPECT_EQ(emulator_.Admin("GET", "/__admin/requests").size(), 0u);
}

TEST_F(CheckDomoTest, MissingCredentialsExit2NamingTheVariable) {
  auto r = testing::RunCommand({S3UNLOAD_BINARY, "check-domo", "--dataset", kSales},
                               {{"DOMO_API_URL", emulator_.url()}});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("DOMO_CLIENT_ID"));
}

}  // namespace
}  // namespace s3u
