#include "domo/token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace s3u::domo {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const TimePoint kNow = TimePoint(seconds(1764000000));  // 2025-11-24T16:00:00Z

std::string Base64Url(std::string_view bytes) {
  std::string s = Base64Encode(bytes);
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string Jwt(const std::string& payload) {
  return Base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64Url(payload) + ".c2lnbmF0dXJl";
}

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, UrlDecodeAcceptsMissingPaddingAndRejectsOtherAlphabets) {
  EXPECT_EQ(Base64UrlDecode("Zm9vYg"), "foob");
  EXPECT_EQ(Base64UrlDecode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64UrlDecode("-_8"), "\xfb\xff");
  EXPECT_EQ(Base64UrlDecode("+/8"), std::nullopt);    // standard alphabet is not base64url
  EXPECT_EQ(Base64UrlDecode("Zm9vY"), std::nullopt);  // a lone trailing sextet
}

RC_GTEST_PROP(Base64Test, UrlRoundTrip, (const std::string& bytes)) {
  RC_ASSERT(Base64UrlDecode(Base64Url(bytes)) == bytes);
}

TEST(DecodeJwtExpiryTest, ReadsExpClaim) {
  EXPECT_EQ(DecodeJwtExpiry(Jwt(R"({"exp":1764003599,"userId":964382593})")),
            TimePoint(seconds(1764003599)));
}

TEST(DecodeJwtExpiryTest, DropsFractionalSeconds) {
  EXPECT_EQ(DecodeJwtExpiry(Jwt(R"({"exp":1764003599.75})")), TimePoint(seconds(1764003599)));
}

TEST(DecodeJwtExpiryTest, MalformedTokensHaveNoExpiry) {
  EXPECT_EQ(DecodeJwtExpiry("opaque-token-0123456789"), std::nullopt);
  EXPECT_EQ(DecodeJwtExpiry("a.b"), std::nullopt);                           // two segments
  EXPECT_EQ(DecodeJwtExpiry(Jwt("{}") + ".extra"), std::nullopt);            // four segments
  EXPECT_EQ(DecodeJwtExpiry("eyJ.!!!.sig"), std::nullopt);                   // bad base64url
  EXPECT_EQ(DecodeJwtExpiry(Jwt("not json")), std::nullopt);                 // bad JSON
  EXPECT_EQ(DecodeJwtExpiry(Jwt(R"(["exp",1])")), std::nullopt);             // not an object
  EXPECT_EQ(DecodeJwtExpiry(Jwt(R"({"iat":1764000000})")), std::nullopt);    // no exp
  EXPECT_EQ(DecodeJwtExpiry(Jwt(R"({"exp":"1764003599"})")), std::nullopt);  // string exp
  EXPECT_EQ(DecodeJwtExpiry(Jwt(R"({"exp":-5})")), std::nullopt);
  EXPECT_EQ(DecodeJwtExpiry(Jwt(R"({"exp":1e300})")), std::nullopt);  // would overflow
}

TEST(ParseTokenResponseTest, DocumentedAnswerWithJwtTakesExpiryFromTheJwt) {
  const std::string token = Jwt(R"({"exp":1764003000})");
  auto t =
      ParseTokenResponse(R"({"access_token":")" + token +
                             R"(","customer":"acmecompany","expires_in":3599,)"
                             R"("jti":"81dece4c-df73-4569-853c-2d1a328897fd","role":"Admin",)"
                             R"("scope":"data user","token_type":"bearer","userId":964382593})",
                         kNow);
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(t->access_token, token);
  EXPECT_EQ(t->info.customer, "acmecompany");
  EXPECT_EQ(t->info.user_id, 964382593);
  EXPECT_EQ(t->info.role, "Admin");
  EXPECT_THAT(t->info.scopes, ElementsAre("data", "user"));
  EXPECT_EQ(t->info.issued_at, kNow);
  EXPECT_EQ(t->info.expires_at, TimePoint(seconds(1764003000)));
  EXPECT_TRUE(t->info.expiry_from_jwt);
}

TEST(ParseTokenResponseTest, OpaqueTokenFallsBackOnExpiresIn) {
  auto t = ParseTokenResponse(R"({"access_token":"opaque","expires_in":3599,"scope":"data+user"})",
                              kNow);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->info.expires_at, kNow + seconds(3599));
  EXPECT_FALSE(t->info.expiry_from_jwt);
  EXPECT_THAT(t->info.scopes, ElementsAre("data", "user"));
}

TEST(ParseTokenResponseTest, NoExpiryAtAllMeansRefreshEveryTime) {
  auto t = ParseTokenResponse(R"({"access_token":"opaque"})", kNow);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->info.expires_at, kNow);
  EXPECT_TRUE(NeedsRefresh(t->info, kNow, seconds(60)));
}

TEST(ParseTokenResponseTest, MissingTokenIsInternalNamingTheField) {
  auto t = ParseTokenResponse(R"({"customer":"acme"})", kNow);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::kInternal);
  EXPECT_THAT(t.error().message, HasSubstr("access_token"));
}

TEST(ParseTokenResponseTest, WrongTypesAreRejectedNamingTheField) {
  auto t = ParseTokenResponse(R"({"access_token":"x","userId":"964382593"})", kNow);
  ASSERT_FALSE(t.has_value());
  EXPECT_THAT(t.error().message, HasSubstr("userId"));
  EXPECT_FALSE(ParseTokenResponse("<html>", kNow).has_value());
  EXPECT_FALSE(ParseTokenResponse(R"({"access_token":42})", kNow).has_value());
}

TEST(ParseTokenResponseTest, ErrorsNeverEchoTheToken) {
  auto t = ParseTokenResponse(R"({"access_token":"secret-token-value","scope":7})", kNow);
  ASSERT_FALSE(t.has_value());
  EXPECT_THAT(t.error().ToString(), ::testing::Not(HasSubstr("secret-token-value")));
}

TokenInfo Lifetime(seconds lifetime) {
  TokenInfo info;
  info.issued_at = kNow;
  info.expires_at = kNow + lifetime;
  return info;
}

TEST(RefreshTest, RefreshesMarginBeforeExpiry) {
  const TokenInfo info = Lifetime(seconds(3599));
  EXPECT_FALSE(NeedsRefresh(info, kNow, seconds(60)));
  EXPECT_FALSE(NeedsRefresh(info, kNow + seconds(3538), seconds(60)));
  EXPECT_TRUE(NeedsRefresh(info, kNow + seconds(3539), seconds(60)));
  EXPECT_TRUE(NeedsRefresh(info, kNow + seconds(4000), seconds(60)));
}

TEST(RefreshTest, ShortLivedTokensUseHalfTheirLifetimeAsMargin) {
  const TokenInfo info = Lifetime(seconds(30));
  EXPECT_EQ(RefreshAt(info, seconds(60)), kNow + seconds(15));
  EXPECT_FALSE(NeedsRefresh(info, kNow + seconds(14), seconds(60)));
  EXPECT_TRUE(NeedsRefresh(info, kNow + seconds(15), seconds(60)));
}

TEST(RefreshTest, ZeroMarginRefreshesAtExpiry) {
  const TokenInfo info = Lifetime(seconds(100));
  EXPECT_FALSE(NeedsRefresh(info, kNow + seconds(99), seconds(0)));
  EXPECT_TRUE(NeedsRefresh(info, kNow + seconds(100), seconds(0)));
}

TEST(RefreshTest, TokenAlreadyExpiredWhenIssuedIsRefreshed) {
  TokenInfo info;
  info.issued_at = kNow;
  info.expires_at = kNow - seconds(10);  // a JWT from a server with a skewed clock
  EXPECT_TRUE(NeedsRefresh(info, kNow, seconds(60)));
}

TEST(TokenRequestTest, BodyEncodesTheSpaceBetweenScopes) {
  EXPECT_EQ(TokenRequestBody({"data", "user"}), "grant_type=client_credentials&scope=data%20user");
  EXPECT_EQ(TokenRequestBody({"data"}), "grant_type=client_credentials&scope=data");
  EXPECT_EQ(TokenRequestBody({}), "grant_type=client_credentials");
}

TEST(TokenRequestTest, BasicAuthorizationEncodesIdAndSecret) {
  // RFC 7617's example.
  EXPECT_EQ(BasicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST(TokenRequestTest, UnknownScopeIsRejectedListingTheAcceptedOnes) {
  EXPECT_TRUE(ValidateScopes({"data", "user", "workflow"}, "scopes").has_value());
  auto bad = ValidateScopes({"data", "admin"}, "scopes");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message, AllOf(HasSubstr("'admin'"), HasSubstr("dashboard")));
}

}  // namespace
}  // namespace s3u::domo
