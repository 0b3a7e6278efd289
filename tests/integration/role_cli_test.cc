// The s3unload binary with a role and no keys in its environment, end to end against radosgw's
// own STS (a radosgw started with STS on, the role made by radosgw-admin): `upload` and
// `check-s3` with a role profile of ~/.aws/config (role_arn + source_profile, as production
// configurations name roles), and with --role-arn; `run` of a job whose credentials name a
// role. Objects are read back by the aws cli with the bucket owner's keys.
//
// radosgw 16 has no GetCallerIdentity, so the identity reported is the assumed role's ARN as
// AssumeRole returned it (what GetCallerIdentity would say of the session; moto's answer to
// GetCallerIdentity is tested in s3/sts_integration_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/emulator.h"
#include "support/servers.h"

namespace s3u {
namespace {

using nlohmann::json;
using testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RadosGwWithSts;
using testing::StandardDomo;

constexpr char kRole[] = "arn:aws:iam:::role/s3unload-cli-writer";

class RoleCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto made = testing::MakeRadosGwRole(RadosGwWithSts(), "s3unload-cli-writer");
    ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  }

  RoleCliTest() : bucket_(testing::UniqueBucket("role-cli")) {
    testing::CreateBucketWithAwsCli(RadosGwWithSts(), bucket_);
    home_ = std::filesystem::temp_directory_path() /
            ("s3u-role-" + std::to_string(::getpid()) + "-" + bucket_);
    std::filesystem::create_directories(home_ / ".aws");
    const testing::S3Server& rgw = RadosGwWithSts();
    // The base keys are in the shared credentials file only; the role in the config file.
    std::ofstream(home_ / ".aws" / "credentials")
        << "[base]\naws_access_key_id = " << rgw.owner.access_key_id
        << "\naws_secret_access_key = " << rgw.owner.secret_access_key << "\n";
    std::ofstream(home_ / ".aws" / "config")
        << "[profile base]\nregion = us-east-1\nendpoint_url = " << rgw.endpoint
        << "\n[profile writer]\nrole_arn = " << kRole
        << "\nsource_profile = base\nrole_session_name = cli-e2e\nregion = us-east-1\n"
        << "endpoint_url = " << rgw.endpoint << "\n";
  }
  ~RoleCliTest() override { std::filesystem::remove_all(home_); }

  // The binary with an empty environment but for HOME, PATH and `env` (no AWS_* keys).
  CommandResult Run(std::vector<std::string> args,
                    const std::vector<std::string>& env = {"AWS_PROFILE=writer"},
                    const std::string& input = "") {
    std::vector<std::string> argv = {"env", "-i", "PATH=/usr/bin:/bin", "HOME=" + home_.string(),
                                     "AWS_EC2_METADATA_DISABLED=true"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(S3UNLOAD_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = testing::RunCommand(argv, {}, input);
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(RadosGwWithSts().owner.secret_access_key)))
        << "a secret was printed";
    return r;
  }
  static json Parse(const CommandResult& r) {
    try {
      return json::parse(r.out);
    } catch (const json::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << r.out << r.err;
      return nullptr;
    }
  }

  // `s3unload run` of a job whose credentials are a role on a profile, against `emulator`,
  // with `details` added to the job's [details]; the run's JSON answer (exit 0 expected).
  json RunJob(const testing::EmulatorProcess& emulator, const std::string& details) {
    const std::string job = (home_ / "job.toml").string();
    std::ofstream(job)
        << "name = \"role-e2e\"\n[credentials]\ndomo_client_id = \"" << StandardDomo::kOwnerClientId
        << "\"\ndomo_api_url = \"" << emulator.url() << "\"\nbucket = \"" << bucket_
        << "\"\naws_profile = \"base\"\nrole_arn = \"" << kRole
        << "\"\nrole_session_name = \"run-e2e\"\n[details]\n"
        << "input_dataset = \"" << StandardDomo::kSalesDatasetId
        << "\"\npath = \"sales/\"\nprimary_key = [\"id\"]\ndate_column = \"day\"\nspecific_day = "
        << testing::SpecificDayFor("2026-10-03") << "\n"
        << details;
    const CommandResult r =
        Run({"run", "--config", job, "--no-progress", "--json"},
            {std::string("DOMO_CLIENT_SECRET=") + StandardDomo::kOwnerClientSecret,
             "S3UNLOAD_STORE=" + (home_ / "history.db").string()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(StandardDomo::kOwnerClientSecret)));
    return Parse(r);
  }

  std::string bucket_;
  std::filesystem::path home_;
};

TEST_F(RoleCliTest, UploadWithARoleProfileAndNoKeysInTheEnvironmentIsReadBack) {
  const std::string data = testing::TestBytes((5 << 20) + 7, 31);
  const CommandResult r =
      Run({"upload", "-", "s3://" + bucket_ + "/role/orders.bin", "--part-size", "5MiB", "--json"},
          {"AWS_PROFILE=writer"}, data);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Parse(r)["parts"], 2);
  EXPECT_EQ(testing::ReadBackWithAwsCli(RadosGwWithSts(), bucket_, "role/orders.bin"), data);
}

TEST_F(RoleCliTest, CheckS3ReportsTheAssumedRoleItRanAs) {
  const CommandResult r = Run({"check-s3", "s3://" + bucket_ + "/role/", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json report = Parse(r);
  EXPECT_EQ(report["can_upload"], true) << report;
  EXPECT_EQ(report["identity"]["arn"], "arn:aws:sts:::assumed-role/s3unload-cli-writer/cli-e2e");
  EXPECT_EQ(report["identity"]["how"], "AssumeRole");
  EXPECT_THAT(report["credentials"].get<std::string>(),
              AllOf(HasSubstr("assume-role " + std::string(kRole)), HasSubstr("profile writer")));
  // The text report says the same on its second line.
  const CommandResult text = Run({"check-s3", "s3://" + bucket_ + "/role/"});
  ASSERT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_THAT(text.out, HasSubstr("identity: arn:aws:sts:::assumed-role/s3unload-cli-writer/"
                                  "cli-e2e (AssumeRole)"));
}

TEST_F(RoleCliTest, RoleFlagsAssumeTheRoleWithTheBaseProfile) {
  const CommandResult r = Run({"check-s3", "s3://" + bucket_ + "/", "--json", "--role-arn", kRole,
                               "--role-session-name", "from-flags"},
                              {"AWS_PROFILE=base"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Parse(r)["identity"]["arn"],
            "arn:aws:sts:::assumed-role/s3unload-cli-writer/from-flags");
  // Without a role, the base keys sign, and radosgw cannot say who they are.
  const CommandResult base =
      Run({"check-s3", "s3://" + bucket_ + "/", "--json"}, {"AWS_PROFILE=base"});
  ASSERT_EQ(base.exit_code, 0) << base.out << base.err;
  const json identity = Parse(base)["identity"];
  EXPECT_TRUE(identity["arn"].is_null()) << identity;
  EXPECT_EQ(identity["how"], "GetCallerIdentity");
  EXPECT_THAT(identity["note"].get<std::string>(), HasSubstr("GetCallerIdentity"));
}

TEST_F(RoleCliTest, RoleOptionsWithoutARoleAreAUsageError) {
  const CommandResult r =
      Run({"check-s3", "s3://" + bucket_ + "/", "--external-id", "abc123"}, {"AWS_PROFILE=base"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("--role-arn"));
}

TEST_F(RoleCliTest, ARoleThatCannotBeAssumedFailsNamingItAndWritesNothing) {
  const std::string missing = "arn:aws:iam:::role/s3unload-no-such-role";
  const CommandResult r =
      Run({"upload", "-", "s3://" + bucket_ + "/never.bin", "--role-arn", missing},
          {"AWS_PROFILE=base"}, "data");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out + r.err, HasSubstr(missing));
  EXPECT_THAT(testing::ListKeysWithAwsCli(RadosGwWithSts(), bucket_), ::testing::IsEmpty());
}

// `s3unload run` of a job whose credentials are a role on a profile: the day reaches the bucket,
// signed by the role's session.
TEST_F(RoleCliTest, RunOfAJobWithARoleWritesTheDay) {
  const testing::S3Server& rgw = RadosGwWithSts();
  testing::EmulatorProcess emulator(testing::StandardEmulatorConfig(rgw.endpoint));
  const json out = RunJob(emulator, "[output]\ncompression = \"none\"\n");
  ASSERT_EQ(out["s3_uris"].size(), 1u) << out;
  const std::string uri = out["s3_uris"][0];
  const auto body =
      testing::ReadBackWithAwsCli(rgw, bucket_, uri.substr(("s3://" + bucket_ + "/").size()));
  ASSERT_TRUE(body.has_value()) << uri;
  // The header and the day's rows, ids 201..300 (some values hold line breaks).
  EXPECT_TRUE(body->starts_with("id,event_time,day,")) << *body;
  EXPECT_THAT(*body, AllOf(HasSubstr("\n201,2026-10-03T"), HasSubstr("\n300,2026-10-03T"),
                           Not(HasSubstr("\n200,")), Not(HasSubstr("\n301,"))));
  EXPECT_EQ(out["rows"], 100) << out;
}

// The domo-export engine with a role: Domo is handed the role's session (its temporary access
// key and a session token, which the emulator's export signs its writes with), never the base
// profile's keys; the export lands in the bucket.
TEST_F(RoleCliTest, ADomoExportRunWithARoleHandsDomoTheSessionNotTheBaseKeys) {
  const testing::S3Server& rgw = RadosGwWithSts();
  testing::EmulatorProcess emulator(testing::StandardEmulatorConfig(rgw.endpoint));
  const json out = RunJob(emulator, "engine = \"domo-export\"\n");
  ASSERT_EQ(out["s3_uris"].size(), 1u) << out;
  EXPECT_EQ(out["rows"], 100) << out;
  const std::string uri = out["s3_uris"][0];
  const auto body =
      testing::ReadBackWithAwsCli(rgw, bucket_, uri.substr(("s3://" + bucket_ + "/").size()));
  ASSERT_TRUE(body.has_value()) << uri;
  const std::string log = emulator.Log();
  EXPECT_THAT(log, HasSubstr("writes with access key "));
  EXPECT_THAT(log, HasSubstr(" and a session token"));
  EXPECT_THAT(log, Not(HasSubstr(rgw.owner.access_key_id)));
  EXPECT_THAT(log, Not(HasSubstr(rgw.owner.secret_access_key)));
}

}  // namespace
}  // namespace s3u
