// The s3unload binary, run as a user would, against radosgw; results read back with the
// aws cli.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/servers.h"

namespace s3u {
namespace {

using testing::CommandResult;
using testing::RadosGw;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = testing::UniqueBucket("cli");
    testing::CreateBucketWithAwsCli(RadosGw(), bucket_);
  }
  std::vector<std::pair<std::string, std::string>> Env(const s3::Credentials& c) {
    return {{"AWS_ACCESS_KEY_ID", c.access_key_id},
            {"AWS_SECRET_ACCESS_KEY", c.secret_access_key},
            {"AWS_CONFIG_FILE", "/dev/null"},
            {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
            {"AWS_ENDPOINT_URL", RadosGw().endpoint}};
  }
  CommandResult Run(std::vector<std::string> args, const std::string& input = "",
                    std::optional<s3::Credentials> creds = std::nullopt) {
    args.insert(args.begin(), S3UNLOAD_BINARY);
    return testing::RunCommand(args, Env(creds.value_or(RadosGw().owner)), input);
  }
  std::string bucket_;
};

TEST_F(CliTest, StdinStreamOf200MiBIsReadBackIdentical) {
  const std::string uri = "s3://" + bucket_ + "/stream.bin";
  // A pipe, so the uploader sees a stream of unknown length; the aws cli reads it back.
  auto r = testing::RunShell(
      "set -e; d=$(mktemp -d); head -c 209715200 /dev/urandom > $d/src; "
      "cat $d/src | " +
          std::string(S3UNLOAD_BINARY) + " upload - " + uri +
          " --json; "
          "/usr/bin/aws --endpoint-url " +
          RadosGw().endpoint + " s3 cp --quiet " + uri + " $d/back; cmp $d/src $d/back; rm -rf $d",
      [&] {
        auto env = Env(RadosGw().owner);
        env.emplace_back("AWS_DEFAULT_REGION", "us-east-1");
        return env;
      }());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto summary = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_EQ(summary["bytes"], 209715200);
  EXPECT_EQ(summary["parts"], 25);  // 8 MiB parts
}

TEST_F(CliTest, FileUploadWithOptionsPrintsJsonSummary) {
  const std::string data = testing::TestBytes(12 << 20, 5);
  char path[] = "/tmp/s3unload-cli-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fd);
  auto r = Run({"upload", path, "s3://" + bucket_ + "/dir/file.bin", "--json", "--part-size",
                "5MiB", "--concurrency", "2", "--content-type", "application/octet-stream",
                "--metadata", "origin=test"});
  unlink(path);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["bytes"], 12 << 20);
  EXPECT_EQ(summary["parts"], 3);
  // create + 3 parts + complete + HEAD (radosgw completes with an empty ETag).
  EXPECT_EQ(summary["requests"], 6);
  EXPECT_EQ(testing::ReadBackWithAwsCli(RadosGw(), bucket_, "dir/file.bin"), data);
}

TEST_F(CliTest, EveryInvalidFlagIsReportedAtOnceWithExitCode2) {
  auto r = Run({"upload", "-", "s3://" + bucket_ + "/k", "--part-size", "1MiB", "--concurrency",
                "0", "--sse", "rot13", "--checksum", "sha1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("4 problems"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--part-size"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--concurrency"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--sse"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--checksum"), std::string::npos) << r.err;
}

TEST_F(CliTest, EndpointWithCredentialsInItIsRefusedWithoutEchoingThem) {
  for (const bool json : {false, true}) {
    std::vector<std::string> args = {"upload", "-", "s3://" + bucket_ + "/k", "--endpoint-url",
                                     "http://AKID:top-secret-pw@127.0.0.1:9"};
    if (json) args.push_back("--json");
    auto r = Run(args, "data");
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ((r.out + r.err).find("top-secret-pw"), std::string::npos) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("--endpoint-url"), std::string::npos) << r.out << r.err;
  }
}

TEST_F(CliTest, BadDestinationIsExplained) {
  auto r = Run({"upload", "-", "https://example.com/x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("destination"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("s3://"), std::string::npos) << r.err;
}

TEST_F(CliTest, WrongSecretExits3AndNeverPrintsTheSecret) {
  auto r = Run({"upload", "-", "s3://" + bucket_ + "/k", "--log-level", "debug"}, "data",
               s3::Credentials{RadosGw().owner.access_key_id, "wrong-secret-value-123", "", {}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ((r.out + r.err).find("wrong-secret-value-123"), std::string::npos);
  EXPECT_NE(r.err.find("secret"), std::string::npos) << r.err;
}

TEST_F(CliTest, MissingBucketExits4) {
  auto r = Run({"upload", "-", "s3://s3u-missing-bucket-zz/k"}, "data");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("s3u-missing-bucket-zz"), std::string::npos) << r.err;
}

TEST_F(CliTest, MissingSourceFileExits4) {
  auto r = Run({"upload", "/nonexistent/file.csv", "s3://" + bucket_ + "/k"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("/nonexistent/file.csv"), std::string::npos) << r.err;
}

TEST_F(CliTest, CreateOnlyRefusesToOverwrite) {
  ASSERT_EQ(Run({"upload", "-", "s3://" + bucket_ + "/once"}, "first").exit_code, 0);
  auto r = Run({"upload", "-", "s3://" + bucket_ + "/once", "--create-only"}, "second");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(testing::ReadBackWithAwsCli(RadosGw(), bucket_, "once"), "first");
}

TEST_F(CliTest, CheckS3WithFullAccessReportsEveryCheckOk) {
  auto r = Run({"check-s3", "s3://" + bucket_ + "/prefix/", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["can_upload"].get<bool>());
  ASSERT_EQ(j["checks"].size(), 5u);
  for (const auto& c : j["checks"]) EXPECT_EQ(c["result"], "ok") << c.dump();
  EXPECT_TRUE(j["left_behind"].empty());
  // The probes cleaned up after themselves.
  auto listed = testing::AwsCli(RadosGw(), {"s3api", "list-objects-v2", "--bucket", bucket_});
  EXPECT_EQ(listed.out.find("s3unload-check"), std::string::npos) << listed.out;
}

TEST_F(CliTest, FailedUploadThatCannotBeAbortedNamesWhatItLeftBehind) {
  testing::GrantPutObjectOnly(RadosGw(), bucket_);
  testing::FaultProxy proxy(RadosGw());
  proxy.SetRules(nlohmann::json::array({{{"op", "UploadPart"},
                                         {"nth", 2},
                                         {"times", 0},
                                         {"action", "respond"},
                                         {"status", 500},
                                         {"body", "<Error><Code>InternalError</Code></Error>"}}}));
  // 20 MiB through the writer: the failing part is noticed by Write, before Finish.
  auto r = Run({"upload", "-", "s3://" + bucket_ + "/big", "--part-size", "5MiB", "--concurrency",
                "1", "--max-attempts", "2", "--endpoint-url", proxy.endpoint(), "--json"},
               testing::TestBytes(20 << 20, 3), testing::RadosGwPutOnlyUser());
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["code"], "unavailable");
  EXPECT_NE(j["message"].get<std::string>().find("left behind"), std::string::npos) << r.out;
  EXPECT_EQ(proxy.Count("AbortMultipartUpload"), 1);
  EXPECT_EQ(proxy.Count("CompleteMultipartUpload"), 0);
  EXPECT_EQ(testing::ReadBackWithAwsCli(RadosGw(), bucket_, "big"), std::nullopt);
}

TEST_F(CliTest, CheckS3WithoutPutObjectReportsEveryDenialAndExits3) {
  // The put-only user without a bucket policy may do nothing here.
  auto r =
      Run({"check-s3", "s3://" + bucket_ + "/p/", "--json"}, "", testing::RadosGwPutOnlyUser());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["status"], "error");
  EXPECT_FALSE(j["can_upload"].get<bool>());
  ASSERT_GE(j["checks"].size(), 3u);
  for (const auto& c : j["checks"]) EXPECT_EQ(c["result"], "denied") << c.dump();
  EXPECT_TRUE(j["left_behind"].empty());
}

TEST_F(CliTest, CheckS3WithPutObjectOnlyPolicySaysWhatItCouldNotCheck) {
  testing::GrantPutObjectOnly(RadosGw(), bucket_);
  auto r = Run({"check-s3", "s3://" + bucket_ + "/p/"}, "", testing::RadosGwPutOnlyUser());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("denied  HeadBucket"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok      PutObject"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("denied  DeleteObject"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok      MultipartUpload"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("denied  AbortMultipartUpload"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("left behind"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict: uploads will work"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace s3u
