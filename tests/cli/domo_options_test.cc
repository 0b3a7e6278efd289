#include "cli/domo_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace s3u::cli {
namespace {

using ::testing::HasSubstr;

Getenv Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ResolveDomoOptionsTest, EnvironmentSuppliesWhatFlagsDoNot) {
  auto o = ResolveDomoOptions({}, Env({{"DOMO_CLIENT_ID", "id-env"},
                                       {"DOMO_CLIENT_SECRET", "secret-env"},
                                       {"DOMO_API_URL", "http://127.0.0.1:9999"},
                                       {"DOMO_INSTANCE_URL", "https://acme.domo.com"}}));
  ASSERT_TRUE(o.has_value()) << o.error().ToString();
  EXPECT_EQ(o->client_id, "id-env");
  EXPECT_EQ(o->client_secret, "secret-env");
  EXPECT_EQ(o->api_url, "http://127.0.0.1:9999");
  EXPECT_EQ(o->instance_url, "https://acme.domo.com");
}

TEST(ResolveDomoOptionsTest, FlagsWinOverEnvironment) {
  DomoFlags flags;
  flags.client_id = "id-flag";
  flags.api_url = "https://api.example.test";
  auto o = ResolveDomoOptions(flags, Env({{"DOMO_CLIENT_ID", "id-env"},
                                          {"DOMO_CLIENT_SECRET", "secret-env"},
                                          {"DOMO_API_URL", "http://127.0.0.1:9999"}}));
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->client_id, "id-flag");
  EXPECT_EQ(o->api_url, "https://api.example.test");
}

TEST(ResolveDomoOptionsTest, DefaultsToDomosApiWithoutInstance) {
  auto o = ResolveDomoOptions({}, Env({{"DOMO_CLIENT_ID", "id"}, {"DOMO_CLIENT_SECRET", "s"}}));
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->api_url, "https://api.domo.com");
  EXPECT_FALSE(o->instance_url.has_value());
  EXPECT_EQ(o->scopes, (std::vector<std::string>{"data", "user"}));
}

TEST(ResolveDomoOptionsTest, EmptyVariablesCountAsUnset) {
  auto o = ResolveDomoOptions(
      {}, Env({{"DOMO_CLIENT_ID", "id"}, {"DOMO_CLIENT_SECRET", "s"}, {"DOMO_API_URL", ""}}));
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->api_url, "https://api.domo.com");
}

TEST(ResolveDomoOptionsTest, MissingClientIdNamesFlagAndVariable) {
  auto o = ResolveDomoOptions({}, Env({{"DOMO_CLIENT_SECRET", "s"}}));
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(o.error().subject, "--domo-client-id");
  EXPECT_THAT(o.error().message, HasSubstr("DOMO_CLIENT_ID"));
}

TEST(ResolveDomoOptionsTest, MissingSecretNamesTheVariable) {
  auto o = ResolveDomoOptions({}, Env({{"DOMO_CLIENT_ID", "id"}}));
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().subject, "--domo-client-secret");
  EXPECT_THAT(o.error().message, HasSubstr("DOMO_CLIENT_SECRET"));
}

TEST(ResolveDomoOptionsTest, MalformedUrlIsRejectedWithAnExample) {
  DomoFlags flags;
  flags.instance_url = "acme.domo.com";
  auto o = ResolveDomoOptions(flags, Env({{"DOMO_CLIENT_ID", "id"}, {"DOMO_CLIENT_SECRET", "s"}}));
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().subject, "--domo-instance-url");
  EXPECT_THAT(o.error().message, HasSubstr("https://"));
}

}  // namespace
}  // namespace s3u::cli
