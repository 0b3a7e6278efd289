// Conformance of the emulator's OAuth token endpoint and request authentication with
// domo-api.md §1-§2: every SDK's token request form, the token response, JWT claims, Basic
// auth failures, bearer scheme case, scopes per route family, expiry with the RFC 6750
// header, the canonical error body, internal routes' developer-token header, legacy 406.
#include <gtest/gtest.h>

#include <regex>

#include "support/emulator.h"

namespace s3u::emulator {
namespace {

using nlohmann::json;
using testing::Base64;
using testing::EmulatorProcess;
using testing::RawAnswer;
using D = testing::StandardDomo;

const std::regex kToe("[A-Z0-9]{10}-[A-Z0-9]{5}-[A-Z0-9]{5}");

std::string OwnerBasic() {
  return "Basic " + Base64(std::string(D::kOwnerClientId) + ":" + D::kOwnerClientSecret);
}

// The JWT payload (second segment, base64url) as JSON.
json JwtPayload(const std::string& token) {
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  std::string segment = token.substr(first + 1, second - first - 1);
  for (char& c : segment) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (segment.size() % 4) segment += '=';
  std::string decoded;
  uint32_t buffer = 0;
  int bits = 0;
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (char c : segment) {
    if (c == '=') break;
    buffer = (buffer << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return json::parse(decoded);
}

void ExpectCanonicalError(const RawAnswer& answer, int status, const std::string& path) {
  EXPECT_EQ(answer.status, status) << answer.body;
  EXPECT_EQ(answer.Header("Content-Type").value_or(""), "application/json;charset=UTF-8");
  const json body = answer.Json();
  EXPECT_EQ(body.value("status", 0), status);
  EXPECT_TRUE(body.contains("statusReason"));
  EXPECT_EQ(body.value("path", ""), path);
  EXPECT_TRUE(body.contains("message"));
  EXPECT_TRUE(std::regex_match(body.value("toe", ""), kToe)) << body.value("toe", "");
}

class OauthConformanceTest : public ::testing::Test {
 protected:
  RawAnswer Datasets(const std::vector<std::pair<std::string, std::string>>& headers) {
    return emulator_.Call("GET", "/v1/datasets?limit=1", headers);
  }
  EmulatorProcess emulator_;
};

TEST_F(OauthConformanceTest, PydomoPostFormWithPlusSeparatedScope) {
  auto answer = emulator_.Call(
      "POST", "/oauth/token",
      {{"Authorization", OwnerBasic()}, {"Content-Type", "application/x-www-form-urlencoded"}},
      "grant_type=client_credentials&scope=data+user");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Header("Cache-Control").value_or(""), "no-store");
  EXPECT_EQ(answer.Header("Pragma").value_or(""), "no-cache");
  EXPECT_EQ(answer.Header("Content-Type").value_or(""), "application/json;charset=UTF-8");
  const json body = answer.Json();
  EXPECT_EQ(body["scope"], "data user");
  EXPECT_EQ(body["token_type"], "bearer");
  EXPECT_EQ(body["expires_in"], 3599);
  EXPECT_EQ(body["customer"], "acmecompany");
  EXPECT_EQ(body["role"], "Admin");
  EXPECT_EQ(body["userId"], D::kOwnerUserId);
  EXPECT_TRUE(body["userId"].is_number_integer());
  EXPECT_TRUE(std::regex_match(body["jti"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                          "[0-9a-f]{12}")));
  EXPECT_FALSE(body.contains("domain"));  // no source shows one (§1)
  EXPECT_EQ(body.size(), 8u) << body.dump();
}

TEST_F(OauthConformanceTest, JavaPostRawSpaceInScope) {
  auto answer = emulator_.Call("POST", "/oauth/token",
                               {{"Authorization", OwnerBasic()},
                                {"Content-Type", "application/x-www-form-urlencoded"},
                                {"Accept", "application/json"}},
                               "grant_type=client_credentials&scope=data user");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Json()["scope"], "data user");
}

TEST_F(OauthConformanceTest, NodeGetWithPercentEncodedScope) {
  auto answer =
      emulator_.Call("GET", "/oauth/token?scope=data%20user&grant_type=client_credentials",
                     {{"Authorization", OwnerBasic()}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Json()["scope"], "data user");
}

TEST_F(OauthConformanceTest, RdomoGetWithOnlyGrantTypeGetsEveryClientScope) {
  auto answer = emulator_.Call("GET", "/oauth/token?grant_type=client_credentials",
                               {{"Authorization", OwnerBasic()}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Json()["scope"], "data user");
}

TEST_F(OauthConformanceTest, SingleScopeNarrowsTheToken) {
  const std::string token = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret, "data");
  EXPECT_EQ(JwtPayload(token)["scope"], "data");
  EXPECT_EQ(Datasets({{"Authorization", "bearer " + token}}).status, 200);
  EXPECT_EQ(emulator_.Call("GET", "/v1/users", {{"Authorization", "bearer " + token}}).status, 403);
}

TEST_F(OauthConformanceTest, TokenIsAJwtWithDomoClaims) {
  const std::string token = emulator_.Token(D::kCoOwnerClientId, D::kCoOwnerClientSecret);
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  const json claims = JwtPayload(token);
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 3599);
  EXPECT_EQ(claims["userId"], D::kCoOwnerUserId);
  EXPECT_EQ(claims["customer"], "acmecompany");
  EXPECT_EQ(claims["role"], "Privileged");
  EXPECT_EQ(claims["scope"], "data user");
  EXPECT_TRUE(claims.contains("jti"));
}

TEST_F(OauthConformanceTest, ConfiguredLifetimeIsExpiresIn) {
  json config = testing::StandardEmulatorConfig();
  config["token_lifetime_seconds"] = 120;
  EmulatorProcess short_lived(config);
  auto answer = short_lived.Call("GET", "/oauth/token?grant_type=client_credentials",
                                 {{"Authorization", OwnerBasic()}});
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.Json()["expires_in"], 120);
}

TEST_F(OauthConformanceTest, MissingBasicAuthIs401WithBasicChallenge) {
  auto answer = emulator_.Call("POST", "/oauth/token",
                               {{"Content-Type", "application/x-www-form-urlencoded"}},
                               "grant_type=client_credentials");
  ExpectCanonicalError(answer, 401, "/oauth/token");
  EXPECT_EQ(answer.Header("WWW-Authenticate").value_or(""), "Basic realm=\"oauth\"");
}

TEST_F(OauthConformanceTest, WrongSecretIs401BadCredentials) {
  auto answer = emulator_.Call(
      "POST", "/oauth/token",
      {{"Authorization", "Basic " + Base64(std::string(D::kOwnerClientId) + ":wrong")},
       {"Content-Type", "application/x-www-form-urlencoded"}},
      "grant_type=client_credentials");
  ExpectCanonicalError(answer, 401, "/oauth/token");
  EXPECT_EQ(answer.Json()["message"], "Bad credentials");
  EXPECT_EQ(answer.Json()["statusReason"], "Unauthorized");
  EXPECT_EQ(answer.Header("WWW-Authenticate").value_or(""), "Basic realm=\"oauth\"");
}

TEST_F(OauthConformanceTest, UnknownClientIs401) {
  auto answer = emulator_.Call("GET", "/oauth/token?grant_type=client_credentials",
                               {{"Authorization", "Basic " + Base64("nobody:secret")}});
  ExpectCanonicalError(answer, 401, "/oauth/token");
}

TEST_F(OauthConformanceTest, MalformedBasicHeaderIs401) {
  auto answer = emulator_.Call("GET", "/oauth/token?grant_type=client_credentials",
                               {{"Authorization", "Basic !!!not-base64"}});
  EXPECT_EQ(answer.status, 401);
}

TEST_F(OauthConformanceTest, MissingGrantTypeIsUnsupportedGrantType) {
  auto answer = emulator_.Call("GET", "/oauth/token?scope=data", {{"Authorization", OwnerBasic()}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.Json()["error"], "unsupported_grant_type");
  EXPECT_TRUE(answer.Json().contains("error_description"));
}

TEST_F(OauthConformanceTest, PasswordGrantIsUnsupportedGrantType) {
  auto answer =
      emulator_.Call("GET", "/oauth/token?grant_type=password", {{"Authorization", OwnerBasic()}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.Json()["error"], "unsupported_grant_type");
}

TEST_F(OauthConformanceTest, ScopeNotGrantedToTheClientIsInvalidScope) {
  auto answer = emulator_.Call(
      "GET", "/oauth/token?grant_type=client_credentials&scope=data%20user",
      {{"Authorization",
        "Basic " + Base64(std::string(D::kDataOnlyClientId) + ":" + D::kDataOnlyClientSecret)}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.Json()["error"], "invalid_scope");
}

TEST_F(OauthConformanceTest, BearerSchemeIsCaseInsensitive) {
  const std::string token = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret);
  for (const char* scheme : {"bearer ", "Bearer ", "BEARER "}) {
    EXPECT_EQ(Datasets({{"Authorization", scheme + token}}).status, 200) << scheme;
  }
}

TEST_F(OauthConformanceTest, NoTokenIsCanonical401) {
  auto answer = Datasets({});
  ExpectCanonicalError(answer, 401, "/v1/datasets");
  EXPECT_EQ(answer.Json()["message"], "Full authentication is required to access this resource");
}

TEST_F(OauthConformanceTest, GarbageTokenIsInvalidTokenBody) {
  auto answer = Datasets({{"Authorization", "bearer not.a.token"}});
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(answer.Json(), json({{"error", "invalid_token"},
                                 {"error_description", "Cannot convert access token to JSON"}}));
}

TEST_F(OauthConformanceTest, TamperedSignatureIsRejected) {
  std::string token = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret);
  token.back() = token.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Datasets({{"Authorization", "bearer " + token}}).status, 401);
}

TEST_F(OauthConformanceTest, ExpiredTokenIs401WithRfc6750Header) {
  const std::string token = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret);
  const int64_t exp = JwtPayload(token)["exp"];
  emulator_.Admin("POST", "/__admin/clock", {{"advance_seconds", 3600}});
  auto answer = Datasets({{"Authorization", "bearer " + token}});
  ExpectCanonicalError(answer, 401, "/v1/datasets");
  const std::string header = answer.Header("WWW-Authenticate").value_or("");
  const std::regex expected(
      "Bearer error=\"invalid_token\", error_description=\"An error occurred while attempting "
      "to decode the Jwt: Jwt expired at "
      "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\", "
      "error_uri=\"https://tools.ietf.org/html/rfc6750#section-3.1\"");
  EXPECT_TRUE(std::regex_match(header, expected)) << header;
  // The time in the header is the token's exp.
  std::time_t exp_time = static_cast<std::time_t>(exp);
  std::tm tm{};
  gmtime_r(&exp_time, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  EXPECT_NE(header.find(stamp), std::string::npos) << header;
}

TEST_F(OauthConformanceTest, TokenIsValidUntilItsLifetimeEnds) {
  const std::string token = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret);
  emulator_.Admin("POST", "/__admin/clock", {{"advance_seconds", 3500}});
  EXPECT_EQ(Datasets({{"Authorization", "bearer " + token}}).status, 200);
}

TEST_F(OauthConformanceTest, UserScopeRoutesRefuseADataOnlyToken) {
  const std::string token = emulator_.Token(D::kDataOnlyClientId, D::kDataOnlyClientSecret);
  for (const char* path : {"/v1/users", "/v1/groups", "/v1/users/964382593"}) {
    auto answer = emulator_.Call("GET", path, {{"Authorization", "bearer " + token}});
    ExpectCanonicalError(answer, 403, path);
  }
  EXPECT_EQ(Datasets({{"Authorization", "bearer " + token}}).status, 200);
}

TEST_F(OauthConformanceTest, DataScopeRoutesRefuseAUserOnlyToken) {
  const std::string token = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret, "user");
  for (const std::string& path :
       {std::string("/v1/datasets"), std::string("/v1/streams"),
        "/api/data/v3/datasources/" + std::string(D::kSalesDatasetId) + "/permissions",
        "/api/query/v1/export/" + std::string(D::kSalesDatasetId)}) {
    EXPECT_EQ(emulator_.Call("GET", path, {{"Authorization", "bearer " + token}}).status, 403)
        << path;
  }
}

TEST_F(OauthConformanceTest, InternalRoutesAcceptTheDeveloperTokenHeader) {
  const std::string token = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret);
  const std::string id = D::kSalesDatasetId;
  EXPECT_EQ(emulator_
                .Call("GET", "/api/data/v3/datasources/" + id + "/permissions",
                      {{"X-DOMO-Developer-Token", token}})
                .status,
            200);
  EXPECT_EQ(emulator_.Call("GET", "/api/query/v1/export/" + id, {{"X-DOMO-Developer-Token", token}})
                .status,
            200);
}

TEST_F(OauthConformanceTest, PlatformRoutesIgnoreTheDeveloperTokenHeader) {
  const std::string token = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret);
  EXPECT_EQ(Datasets({{"X-DOMO-Developer-Token", token}}).status, 401);
}

TEST_F(OauthConformanceTest, CsvRequestWithBadTokenGetsJsonByDefault) {
  auto answer = emulator_.Call("GET", "/v1/datasets/" + std::string(D::kSalesDatasetId) + "/data",
                               {{"Accept", "text/csv"}});
  EXPECT_EQ(answer.status, 401);
}

TEST_F(OauthConformanceTest, Legacy406HtmlSwitchAnswersCsvRequestsWithBadTokens) {
  json config = testing::StandardEmulatorConfig();
  config["legacy_406_html"] = true;
  EmulatorProcess legacy(config);
  const std::string path = "/v1/datasets/" + std::string(D::kSalesDatasetId) + "/data";
  auto csv = legacy.Call("GET", path, {{"Accept", "text/csv"}, {"Authorization", "bearer x.y.z"}});
  EXPECT_EQ(csv.status, 406);
  EXPECT_NE(csv.Header("Content-Type").value_or("").find("text/html"), std::string::npos);
  EXPECT_NE(csv.body.find("Full authentication is required"), std::string::npos);
  // JSON requests still get JSON 401s.
  EXPECT_EQ(legacy.Call("GET", "/v1/datasets", {{"Accept", "application/json"}}).status, 401);
}

TEST_F(OauthConformanceTest, ClientSecretsAndTokensNeverReachTheLog) {
  const std::string token = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret);
  Datasets({{"Authorization", "bearer " + token}});
  emulator_.Call("GET", "/v1/datasets?access_token=" + token);
  const std::string log = emulator_.Log();
  EXPECT_NE(log.find("/v1/datasets"), std::string::npos);
  EXPECT_EQ(log.find(D::kOwnerClientSecret), std::string::npos);
  EXPECT_EQ(log.find(token), std::string::npos);
}

TEST_F(OauthConformanceTest, EveryErrorGetsAFreshToe) {
  auto first = Datasets({}).Json()["toe"];
  auto second = Datasets({}).Json()["toe"];
  EXPECT_NE(first, second);
}

}  // namespace
}  // namespace s3u::emulator
