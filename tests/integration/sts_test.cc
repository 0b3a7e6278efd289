// Temporary credentials from real STS servers: radosgw's own STS (AssumeRole on the S3
// port, roles created by scripts/servers/start-rgw) and moto's (AssumeRoleWithWebIdentity),
// used through the default chain exactly as `s3unload upload` uses it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "core/log.h"
#include "http/curl_client.h"
#include "s3/client.h"
#include "s3/credential_chain.h"
#include "support/servers.h"

namespace s3u::s3 {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::RadosGw;
using ::testing::StartsWith;

// Environment and files for one chain, in maps.
struct World {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;

  AwsSettingsInput Input() {
    AwsSettingsInput in;
    in.getenv = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    in.read_file = [this](const std::string& path) -> std::optional<std::string> {
      auto it = files.find(path);
      return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    in.home = "/home/it";
    return in;
  }
};

// Profile `writer` assumes `role` at radosgw with the owner's keys as source profile.
World RadosGwRoleWorld(const std::string& role) {
  World w;
  w.env["AWS_PROFILE"] = "writer";
  w.env["AWS_ENDPOINT_URL_STS"] = RadosGw().endpoint;
  w.files["/home/it/.aws/config"] =
      "[profile writer]\nrole_arn = " + role +
      "\nsource_profile = owner\nexternal_id = s3unload-it-external-id\n"
      "role_session_name = s3unload-it\nduration_seconds = 900\nregion = us-east-1\n"
      "[profile owner]\naws_access_key_id = " +
      RadosGw().owner.access_key_id +
      "\naws_secret_access_key = " + RadosGw().owner.secret_access_key + "\n";
  return w;
}

class StsTest : public ::testing::Test {
 protected:
  SystemClock clock_;
  Logger log_{LogLevel::kOff};
  http::CurlHttpClient http_{http::HttpOptions{}};
};

TEST_F(StsTest, RadosGwAssumeRoleSignsUploadsWithTheSessionCredentials) {
  World w = RadosGwRoleWorld(testing::kRgwWriterRole);
  auto chain = MakeDefaultChain(w.Input(), http_, clock_, log_);
  ASSERT_TRUE(chain.has_value()) << chain.error().ToString();
  auto creds = (*chain)->Get();
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EXPECT_NE(creds->access_key_id, RadosGw().owner.access_key_id);
  EXPECT_FALSE(creds->session_token.empty());
  ASSERT_TRUE(creds->expiration.has_value());
  EXPECT_LE(*creds->expiration, clock_.Now() + std::chrono::seconds(901));
  EXPECT_EQ((*chain)->Describe(), std::string("assume-role ") + testing::kRgwWriterRole);
  StsClient sts(http_, clock_, {RadosGw().endpoint, "us-east-1"});
  auto identity = WhichIdentity(**chain, sts);
  ASSERT_TRUE(identity.has_value()) << identity.error().ToString();
  EXPECT_EQ(*identity, "arn:aws:sts:::assumed-role/s3unload-writer/s3unload-it");

  // Single PUT and multipart, both signed with the session credentials.
  ClientOptions options;
  options.endpoint_url = RadosGw().endpoint;
  auto client = S3Client::Create(http_, **chain, clock_, log_, options);
  ASSERT_TRUE(client.has_value());
  const std::string bucket = testing::UniqueBucket("sts");
  ASSERT_TRUE((*client)->CreateBucket(bucket).has_value());
  const std::string body = testing::TestBytes(70000, 7);
  auto put = (*client)->PutObject({bucket, "role/put.bin"}, body, {});
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  const S3Location loc{bucket, "role/multipart.bin"};
  auto upload = (*client)->CreateMultipartUpload(loc, {});
  ASSERT_TRUE(upload.has_value()) << upload.error().ToString();
  auto part = (*client)->UploadPart(loc, *upload, 1, body, ChecksumAlgorithm::kMd5);
  ASSERT_TRUE(part.has_value()) << part.error().ToString();
  auto done = (*client)->CompleteMultipartUpload(loc, *upload, {*part}, false);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(testing::ReadBackWithAwsCli(RadosGw(), bucket, "role/put.bin"), body);
  EXPECT_EQ(testing::ReadBackWithAwsCli(RadosGw(), bucket, "role/multipart.bin"), body);

  // The session key without its token is refused: radosgw checked the token.
  StaticCredentialsProvider no_token(
      Credentials{creds->access_key_id, creds->secret_access_key, "", std::nullopt});
  auto bare = S3Client::Create(http_, no_token, clock_, log_, options);
  auto refused = (*bare)->PutObject({bucket, "role/no-token.bin"}, "x", {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().http_status, 403);
}

TEST_F(StsTest, RadosGwRefusesARoleWhoseTrustPolicyExcludesTheCaller) {
  World w = RadosGwRoleWorld(testing::kRgwPutOnlyRole);
  auto chain = MakeDefaultChain(w.Input(), http_, clock_, log_);
  ASSERT_TRUE(chain.has_value());
  auto creds = (*chain)->Get();
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(creds.error().message,
              HasSubstr(std::string("credentials from assume-role ") + testing::kRgwPutOnlyRole +
                        " could not be obtained"));
  EXPECT_THAT(creds.error().message, HasSubstr("HTTP 403"));
  EXPECT_THAT(creds.error().message, Not(HasSubstr(RadosGw().owner.secret_access_key)));
}

TEST_F(StsTest, UploadCommandUsesARoleProfileWithNoKeysInTheEnvironment) {
  const std::string dir = testing::RunShell("mktemp -d").out;
  const std::string home = dir.substr(0, dir.find('\n'));
  World w = RadosGwRoleWorld(testing::kRgwWriterRole);
  const std::string config = home + "/config";
  { std::ofstream(config) << w.files["/home/it/.aws/config"]; }
  const std::string bucket = testing::UniqueBucket("sts-cli");
  testing::CreateBucketWithAwsCli(RadosGw(), bucket);
  const std::string data = testing::TestBytes(5000, 3);
  auto r = testing::RunCommand({S3UNLOAD_BINARY, "upload", "-", "s3://" + bucket + "/cli.bin",
                                "--endpoint-url", RadosGw().endpoint, "--json"},
                               {{"AWS_ACCESS_KEY_ID", ""},
                                {"AWS_SECRET_ACCESS_KEY", ""},
                                {"AWS_SESSION_TOKEN", ""},
                                {"AWS_CONFIG_FILE", config},
                                {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
                                {"AWS_PROFILE", "writer"},
                                {"AWS_ENDPOINT_URL_STS", RadosGw().endpoint},
                                {"AWS_EC2_METADATA_DISABLED", "true"}},
                               data);
  testing::RunCommand({"rm", "-rf", home});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(testing::ReadBackWithAwsCli(RadosGw(), bucket, "cli.bin"), data);
}

TEST_F(StsTest, MotoAssumeRoleWithWebIdentity) {
  const auto& moto = testing::MotoSts();
  if (!moto) GTEST_SKIP() << "Python's moto is not installed";
  World w;
  w.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/secrets/eks/token";
  w.env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/Pod";
  w.env["AWS_ROLE_SESSION_NAME"] = "pod-7";
  w.env["AWS_ENDPOINT_URL_STS"] = *moto;
  w.files["/var/run/secrets/eks/token"] = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n";
  auto chain = MakeDefaultChain(w.Input(), http_, clock_, log_);
  ASSERT_TRUE(chain.has_value());
  auto creds = (*chain)->Get();
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EXPECT_THAT(creds->access_key_id, StartsWith("ASIA"));
  EXPECT_FALSE(creds->session_token.empty());
  EXPECT_TRUE(creds->expiration.has_value());
  EXPECT_EQ((*chain)->Describe(), "web identity arn:aws:iam::123456789012:role/Pod");
  EXPECT_THAT((*chain)->IdentityArn(), HasSubstr("assumed-role/Pod/pod-7"));
}

}  // namespace
}  // namespace s3u::s3
