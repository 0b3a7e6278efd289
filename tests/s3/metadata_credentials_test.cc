// Instance metadata (IMDSv2) and container credentials over real HTTP (CurlHttpClient)
// against the stand-in server of tests/support/metadata_server.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/curl_client.h"
#include "s3/credential_chain.h"
#include "support/fake_clock.h"
#include "support/metadata_server.h"

namespace s3u::s3 {
namespace {

using ::s3u::testing::FakeClock;
using ::s3u::testing::MetadataServer;
using ::testing::HasSubstr;
using ::testing::Not;

const std::chrono::system_clock::time_point kStart =
    std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + std::chrono::hours(10);

struct Fixture {
  MetadataServer server;
  http::CurlHttpClient http;
  FakeClock clock{kStart};
  Logger log{LogLevel::kOff};

  InstanceMetadataProvider Imds(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    InstanceMetadataProvider::Settings s;
    s.endpoint = server.endpoint();
    s.timeout = timeout;
    return InstanceMetadataProvider(s, http, clock, log);
  }
};

TEST(InstanceMetadataTest, TokenFlowThenRoleThenCredentials) {
  Fixture f;
  f.server.SetCredentials("ASIAIMDS1", "2026-11-24T16:00:00Z");
  auto imds = f.Imds();
  auto c = imds.Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS1");
  EXPECT_EQ(c->secret_access_key, "secret-ASIAIMDS1");
  EXPECT_EQ(c->session_token, "token-ASIAIMDS1");
  EXPECT_EQ(c->expiration, kStart + std::chrono::hours(6));
  EXPECT_EQ(f.server.token_requests(), 1);
  EXPECT_EQ(f.server.last_token_seen(), "imds-token-1");
}

TEST(InstanceMetadataTest, RefreshesBeforeExpiryReusingTheToken) {
  Fixture f;
  f.server.SetCredentials("ASIAIMDS1", "2026-11-24T11:00:00Z");
  auto imds = f.Imds();
  ASSERT_EQ(imds.Get()->access_key_id, "ASIAIMDS1");
  f.server.SetCredentials("ASIAIMDS2", "2026-11-24T17:00:00Z");
  f.clock.Advance(std::chrono::minutes(40));  // 20 min left: still used
  EXPECT_EQ(imds.Get()->access_key_id, "ASIAIMDS1");
  f.clock.Advance(std::chrono::minutes(6));  // 14 min left: advisory refresh
  EXPECT_EQ(imds.Get()->access_key_id, "ASIAIMDS2");
  EXPECT_EQ(f.server.token_requests(), 1);  // the 6-hour token is reused
}

TEST(InstanceMetadataTest, RevokedTokenIsReplacedOnce) {
  Fixture f;
  auto imds = f.Imds();
  ASSERT_TRUE(imds.Get().has_value());
  f.server.RevokeTokens();
  f.clock.Advance(std::chrono::seconds(2));
  auto c = imds.Refresh();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(f.server.token_requests(), 2);
  EXPECT_EQ(f.server.last_token_seen(), "imds-token-2");
}

TEST(InstanceMetadataTest, NoRoleIsNamed) {
  Fixture f;
  f.server.SetRole("");
  auto imds = f.Imds();
  auto c = imds.Get();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(c.error().message, HasSubstr("no IAM role"));
  EXPECT_THAT(c.error().message, HasSubstr("instance metadata " + f.server.endpoint()));
}

TEST(InstanceMetadataTest, RefusedTokenFallsBackToV1UnlessDisabled) {
  Fixture f;
  f.server.RefuseTokens(403);
  auto imds = f.Imds();
  auto c = imds.Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(f.server.last_token_seen(), "");

  InstanceMetadataProvider::Settings s;
  s.endpoint = f.server.endpoint();
  s.v1_disabled = true;
  InstanceMetadataProvider v2_only(s, f.http, f.clock, f.log);
  auto refused = v2_only.Get();
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("HTTP 403 to the token request"));
}

TEST(InstanceMetadataTest, ASilentServiceTimesOut) {
  Fixture f;
  auto imds = f.Imds(std::chrono::milliseconds(200));
  f.server.Hold();
  auto c = imds.Get();
  f.server.Release();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
}

TEST(InstanceMetadataTest, TheChainFallsBackToItAndReportsItsAbsence) {
  Fixture f;
  AwsSettingsInput in;
  std::map<std::string, std::string> env = {
      {"AWS_EC2_METADATA_SERVICE_ENDPOINT", f.server.endpoint() + "/"}};
  in.getenv = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto chain = MakeDefaultChain(in, f.http, f.clock, f.log);
  ASSERT_TRUE(chain.has_value());
  ASSERT_TRUE((*chain)->Get().has_value());
  EXPECT_EQ((*chain)->Describe(), "instance metadata " + f.server.endpoint());

  f.server.SetRole("");
  auto none = MakeDefaultChain(in, f.http, f.clock, f.log);
  auto c = (*none)->Get();
  ASSERT_FALSE(c.has_value());
  EXPECT_THAT(c.error().message, HasSubstr("no AWS credentials found"));
  EXPECT_THAT(c.error().message, HasSubstr("no IAM role"));
}

TEST(ContainerCredentialsTest, AuthorizationTokenIsSentAndChecked) {
  Fixture f;
  f.server.SetContainerToken("container-secret");
  f.server.SetCredentials("ASIACONT1", "2026-11-24T16:00:00Z");
  ContainerProvider ok({f.server.endpoint() + "/container/credentials", "container-secret", ""}, {},
                       f.http, f.clock, f.log);
  auto c = ok.Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIACONT1");
  EXPECT_EQ(c->session_token, "token-ASIACONT1");

  ContainerProvider wrong({f.server.endpoint() + "/container/credentials", "other", ""}, {}, f.http,
                          f.clock, f.log);
  auto refused = wrong.Get();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(refused.error().message, HasSubstr("HTTP 403"));
  EXPECT_THAT(refused.error().message, Not(HasSubstr("other")));
}

}  // namespace
}  // namespace s3u::s3
