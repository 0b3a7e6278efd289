// The instance metadata and container fetchers over the real CurlHttpClient against the
// metadata stand-in (tests/support/metadata_server.h): EC2 IMDS and the ECS/EKS agents cannot
// run here, so this is as close as these tests get. Timeouts are real (1 s), hence the
// integration label.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "core/env.h"
#include "http/curl_client.h"
#include "s3/credential_providers.h"
#include "s3/errors.h"
#include "support/fake_clock.h"
#include "support/metadata_server.h"

namespace s3u::s3 {
namespace {

using std::chrono::minutes;
using ::testing::HasSubstr;
using testing::MetadataServer;
using ::testing::StartsWith;

const std::string kRoleRoute = "GET " + std::string(MetadataServer::kRolePath);
const std::string kCredsRoute = kRoleRoute + "app-role";

Getenv EnvOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string Id(const Result<Credentials>& r) {
  return r ? r->access_key_id : "error: " + r.error().message;
}

class ImdsServerTest : public ::testing::Test {
 protected:
  Result<ImdsSettings> Settings(std::map<std::string, std::string> env = {}) {
    env.emplace("AWS_EC2_METADATA_SERVICE_ENDPOINT", server_.Url());
    return ReadImdsSettings(EnvOf(std::move(env)));
  }
  Result<Credentials> Fetch(std::map<std::string, std::string> env = {}) {
    auto settings = Settings(std::move(env));
    if (!settings) return Fail(settings.error());
    http::CurlHttpClient http(MetadataHttpOptions(settings->timeout));
    return InstanceMetadataFetcher(*settings, http, clock_, &log_)();
  }

  MetadataServer server_;
  testing::FakeClock clock_{*ParseS3Time("2026-12-05T10:00:00Z")};
  Logger log_{LogLevel::kOff};
};

TEST_F(ImdsServerTest, TheImdsV2FlowGivesTheRolesCredentials) {
  auto c = Fetch();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIASTANDIN1");
  EXPECT_EQ(c->secret_access_key, "stand-in-secret-1");
  EXPECT_EQ(c->session_token, "stand-in-session-token-1");
  EXPECT_EQ(c->expiration, ParseS3Time("2030-01-01T00:00:00Z"));
  const auto seen = server_.Requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].Route(), MetadataServer::kTokenRoute);
  EXPECT_EQ(seen[0].Header("X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(seen[1].Route(), kRoleRoute);
  EXPECT_EQ(seen[2].Route(), kCredsRoute);
  EXPECT_EQ(seen[1].Header("X-aws-ec2-metadata-token"), "imds-token-1");
  EXPECT_EQ(seen[2].Header("X-aws-ec2-metadata-token"), "imds-token-1");
}

TEST_F(ImdsServerTest, ATokenThatExpiredIsFetchedAgainOnce) {
  server_.ExpireTokensBefore(kCredsRoute);  // expires between the role name and the credentials
  auto c = Fetch();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(server_.Count(std::string(MetadataServer::kTokenRoute)), 2u);
  const auto creds = server_.Requests();
  ASSERT_EQ(creds.size(), 5u);
  EXPECT_EQ(creds[2].status, 401);
  EXPECT_EQ(creds[4].Header("X-aws-ec2-metadata-token"), "imds-token-2");
  EXPECT_EQ(creds[4].status, 200);
}

TEST_F(ImdsServerTest, ATokenRefusedTwiceIsAnError) {
  server_.ExpireTokensBefore(kCredsRoute, 2);
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "IMDS refused the session token (HTTP 401)");
}

TEST_F(ImdsServerTest, DisabledSendsNothing) {
  auto c = Fetch({{"AWS_EC2_METADATA_DISABLED", "true"}});
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("disabled"));
  EXPECT_TRUE(server_.Requests().empty());
}

TEST_F(ImdsServerTest, ATokenPut404FallsBackToImdsV1WhereItIsAllowed) {
  server_.Script(std::string(MetadataServer::kTokenRoute), 404);
  server_.AllowImdsV1(true);
  auto c = Fetch();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(server_.Requests()[2].Header("X-aws-ec2-metadata-token"), "");
}

TEST_F(ImdsServerTest, NoRoleAnd500AreErrorsAndAttemptsRetryThe500) {
  server_.SetRole("");
  auto none = Fetch();
  ASSERT_FALSE(none);
  EXPECT_THAT(none.error().message, StartsWith("no IAM role is attached"));
  server_.SetRole("app-role");
  server_.Script(kCredsRoute, 500, 1);
  auto down = Fetch();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  server_.Script(kCredsRoute, 500, 1);
  auto retried = Fetch({{"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2"}});
  ASSERT_TRUE(retried) << retried.error().ToString();
}

TEST_F(ImdsServerTest, AHungEndpointTimesOutWithinTheConfiguredBound) {
  // IMDS holds the token request; botocore then tries IMDSv1, which this IMDS refuses.
  server_.Hang(std::string(MetadataServer::kTokenRoute));
  const auto start = std::chrono::steady_clock::now();
  auto c = Fetch();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message,
              StartsWith("IMDS requires a session token (IMDSv2) and none was had: "));
  EXPECT_THAT(c.error().message, HasSubstr("timed out"));
  // Not a timing assertion: the server holds the request until it stops, so without the
  // 1 s timeout this would never end.
  EXPECT_LT(took, std::chrono::seconds(20));
  EXPECT_EQ(server_.Count(kRoleRoute), 1u);
}

TEST_F(ImdsServerTest, AProviderRefreshesFromImdsInTheAdvisoryWindow) {
  testing::ServedCredentials first;
  first.expiration = "2026-12-05T11:00:00Z";
  server_.SetCredentials(first);
  auto settings = Settings();
  ASSERT_TRUE(settings);
  http::CurlHttpClient http(MetadataHttpOptions(settings->timeout));
  RefreshingCredentialsProvider provider(std::string(kImdsProviderName),
                                         InstanceMetadataFetcher(*settings, http, clock_), clock_);
  EXPECT_EQ(Id(provider.Get()), "ASIASTANDIN1");
  testing::ServedCredentials second;
  second.access_key_id = "ASIASTANDIN2";
  second.expiration = "2026-12-05T17:00:00Z";
  server_.SetCredentials(second);
  clock_.Advance(minutes(30));
  EXPECT_EQ(Id(provider.Get()), "ASIASTANDIN1");
  clock_.Advance(minutes(16));
  EXPECT_EQ(Id(provider.Get()), "ASIASTANDIN2");
  EXPECT_EQ(server_.Count(kCredsRoute), 2u);
  server_.SetRole("");
  auto refreshed = provider.Refresh();
  ASSERT_FALSE(refreshed);
  EXPECT_THAT(refreshed.error().message,
              StartsWith("instance metadata (IMDSv2): cannot refresh: no IAM role is attached"));
}

// --- Container credentials ---------------------------------------------------------------------

class ContainerServerTest : public ::testing::Test {
 protected:
  ContainerServerTest() {
    char dir[] = "/tmp/s3u-container-XXXXXX";
    dir_ = mkdtemp(dir);
    token_file_ = dir_ + "/eks-pod-identity-token";
  }
  ~ContainerServerTest() override {
    std::remove(token_file_.c_str());
    rmdir(dir_.c_str());
  }
  void WriteToken(const std::string& token) { std::ofstream(token_file_) << token; }
  Result<Credentials> Fetch(std::map<std::string, std::string> env) {
    http::CurlHttpClient http(MetadataHttpOptions(kContainerTimeout));
    return ContainerCredentialsFetcher(EnvOf(std::move(env)), ReadWholeFile, http, clock_)();
  }
  std::string FullUri(const std::string& host) {
    return "http://" + host + ":" + std::to_string(server_.port()) +
           std::string(MetadataServer::kContainerPath);
  }

  MetadataServer server_;
  testing::FakeClock clock_;
  std::string dir_;
  std::string token_file_;
};

TEST_F(ContainerServerTest, TheTokenFileIsSentAndReadAgainOnEachFetch) {
  server_.SetContainerAuthorization("pod-token-1");
  WriteToken("pod-token-1");
  const std::map<std::string, std::string> env = {
      {"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri("127.0.0.1")},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file_}};
  auto c = Fetch(env);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIASTANDIN1");
  EXPECT_EQ(c->session_token, "stand-in-session-token-1");
  server_.SetContainerAuthorization("pod-token-2");  // the agent rotated it
  WriteToken("pod-token-2");
  ASSERT_TRUE(Fetch(env));
  const auto seen = server_.Requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].Header("Authorization"), "pod-token-1");
  EXPECT_EQ(seen[1].Header("Authorization"), "pod-token-2");
  EXPECT_EQ(seen[0].Header("Accept"), "application/json");
}

TEST_F(ContainerServerTest, AWrongTokenIsRefusedAfterThreeAttempts) {
  server_.SetContainerAuthorization("pod-token-1");
  WriteToken("stale");
  auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri("localhost")},
                  {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file_}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "the container endpoint answered HTTP 401: invalid authorization token (after 3 "
            "attempts)");
  EXPECT_EQ(server_.Requests().size(), 3u);
}

TEST_F(ContainerServerTest, AFullUriToAHostThatIsNotAllowedIsRefusedWithoutARequest) {
  // 127.0.0.1.nip.io resolves to this server for anyone who asks DNS; it is still refused.
  for (const std::string host : {"127.0.0.1.nip.io", "169.254.170.99", "10.0.0.1"}) {
    auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", FullUri(host)}});
    ASSERT_FALSE(c) << host;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(c.error().subject, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  }
  EXPECT_TRUE(server_.Requests().empty());
}

}  // namespace
}  // namespace s3u::s3
