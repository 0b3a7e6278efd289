#include "domo/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace s3u::domo {
namespace {

using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const std::chrono::system_clock::time_point kNow =
    std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + std::chrono::hours(10);

constexpr const char* kDataset = "08a061e2-12a2-4646-b4bc-20beddb403e3";

DomoCall GetDataset() {
  return {.operation = "GetDataset",
          .subject = std::string("dataset ") + kDataset,
          .dataset_id = kDataset,
          .scope = "data"};
}

DomoCall TokenCall() {
  return {.operation = "Token",
          .subject = "oauth token",
          .scope = "data user",
          .client_id = "s3unload-owner-client",
          .token_endpoint = true};
}

Error Map(const DomoCall& call, int status, std::string_view body, http::Headers headers = {}) {
  return MapDomoError(call, status, headers, body, kNow);
}

TEST(MapDomoErrorTest, CanonicalBodyKeepsServerMessageAndSupportId) {
  Error e = Map(GetDataset(), 400,
                R"({"status":400,"statusReason":"Bad Request","message":"Data import failed for )"
                R"(dataset e6277565.","toe":"CA6JIHTO46-28C5D-UEQ7I"})");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.subject, std::string("dataset ") + kDataset);
  EXPECT_THAT(e.message, HasSubstr("Bad Request: Data import failed for dataset e6277565."));
  EXPECT_THAT(e.message, HasSubstr("support id CA6JIHTO46-28C5D-UEQ7I"));
}

TEST(MapDomoErrorTest, ExpiredJwtHeaderSaysTheTokenExpired) {
  Error e = Map(GetDataset(), 401, "",
                {{"WWW-Authenticate",
                  "Bearer error=\"invalid_token\", error_description=\"An error occurred while "
                  "attempting to decode the Jwt: Jwt expired at 2025-04-25T04:28:44Z\", "
                  "error_uri=\"https://tools.ietf.org/html/rfc6750#section-3.1\""}});
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.message, HasSubstr("the Domo token expired"));
  EXPECT_THAT(e.message, HasSubstr("Jwt expired at 2025-04-25T04:28:44Z"));
}

TEST(MapDomoErrorTest, InvalidTokenHeaderWithoutExpiryIsAnInvalidToken) {
  Error e = Map(GetDataset(), 401, "",
                {{"www-authenticate",
                  "Bearer error=\"invalid_token\", error_description=\"bad "
                  "signature\""}});
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.message, AllOf(HasSubstr("invalid"), Not(HasSubstr("expired"))));
}

TEST(MapDomoErrorTest, LegacyUnauthorizedBodyIsUnauthenticated) {
  Error e = Map(GetDataset(), 401,
                R"({"status":401,"statusReason":"Internal Server Error","path":"/v1/streams/662",)"
                R"("message":"com.domo.bedrock.service.exception.UnauthorizedException: Full )"
                R"(authentication is required to access this resource","toe":""})");
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.message, HasSubstr("Full authentication is required"));
  EXPECT_THAT(e.message, Not(HasSubstr("support id")));  // toe "" is not worth printing
}

TEST(MapDomoErrorTest, GarbageBearerTokenSpringBodyIsUnauthenticated) {
  Error e = Map(GetDataset(), 401,
                R"({"error":"invalid_token","error_description":"Cannot convert access token )"
                R"(to JSON"})");
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.message, HasSubstr("Cannot convert access token to JSON"));
}

TEST(MapDomoErrorTest, Legacy406HtmlToCsvRequestIsUnauthenticated) {
  DomoCall call = GetDataset();
  call.operation = "ExportCsv";
  call.csv_request = true;
  Error e = Map(call, 406,
                "<html><head><title>Error 406 Not Acceptable</title></head><body><h2>HTTP ERROR "
                "406</h2><pre>UnauthorizedException: Full authentication is required</pre>"
                "</body></html>");
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.message, AllOf(HasSubstr("406"), Not(HasSubstr("<html>"))));
}

TEST(MapDomoErrorTest, A406ToAJsonRequestIsNotTakenForATokenProblem) {
  Error e = Map(GetDataset(), 406, "");
  EXPECT_EQ(e.code, ErrorCode::kInternal);
  EXPECT_THAT(e.message, HasSubstr("406"));
}

TEST(MapDomoErrorTest, InfrastructureProblem403IsPermissionDeniedNamingTheDataset) {
  Error e = Map(GetDataset(), 400,
                R"({"status":400,"statusReason":"Bad Request","message":"Infrastructure problem )"
                R"((403): Access is denied","toe":"DV3ET85U1V-GQ837-V5TN9"})");
  EXPECT_EQ(e.code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(e.message, HasSubstr(std::string("no access to dataset ") + kDataset));
  EXPECT_THAT(e.message, HasSubstr("support id DV3ET85U1V-GQ837-V5TN9"));
}

TEST(MapDomoErrorTest, NotFoundNamesTheDatasetAndWhereItsIdIs) {
  Error e = Map(GetDataset(), 404,
                R"({"status":404,"statusReason":"Not Found","toe":"8VGVLIN8CI-EODB4-G3CUS"})");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_THAT(e.message, AllOf(HasSubstr(std::string("dataset ") + kDataset + " does not exist"),
                               HasSubstr("/datasources/")));
}

TEST(MapDomoErrorTest, NotFoundOfOtherResourcesNamesTheSubject) {
  DomoCall call{.operation = "GetUser", .subject = "user 42", .scope = "user"};
  Error e = Map(call, 404, "");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_THAT(e.message, HasSubstr("user 42 does not exist"));
}

TEST(MapDomoErrorTest, ThrottledKeepsRetryAfterInSeconds) {
  Error e = Map(GetDataset(), 429,
                R"({"status":429,"statusReason":"Too Many Requests","message":"Rate limit )"
                R"(exceeded","toe":"X"})",
                {{"Retry-After", "2"}});
  EXPECT_EQ(e.code, ErrorCode::kResourceExhausted);
  ASSERT_TRUE(e.retry_after.has_value());
  EXPECT_EQ(*e.retry_after, seconds(2));
}

TEST(MapDomoErrorTest, ThrottledAcceptsAnHttpDateRetryAfter) {
  Error e = Map(GetDataset(), 429, "", {{"Retry-After", "Tue, 24 Nov 2026 10:00:30 GMT"}});
  ASSERT_TRUE(e.retry_after.has_value());
  EXPECT_EQ(*e.retry_after, seconds(30));
}

TEST(MapDomoErrorTest, ThrottledWithoutRetryAfterHasNoPause) {
  Error e = Map(GetDataset(), 429, "");
  EXPECT_EQ(e.code, ErrorCode::kResourceExhausted);
  EXPECT_FALSE(e.retry_after.has_value());
}

TEST(MapDomoErrorTest, ServerErrorsAreUnavailable) {
  for (int status : {500, 502, 503, 504}) {
    Error e = Map(GetDataset(), status, "<html>Bad gateway</html>");
    EXPECT_EQ(e.code, ErrorCode::kUnavailable) << status;
    EXPECT_THAT(e.message, HasSubstr(std::to_string(status)));
  }
}

TEST(MapDomoErrorTest, BadClientCredentialsPointAtTheDeveloperPortal) {
  Error e = Map(TokenCall(), 401,
                R"({"status":401,"statusReason":"Unauthorized","message":"Bad credentials",)"
                R"("toe":"T0E"})",
                {{"WWW-Authenticate", "Basic realm=\"oauth\""}});
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.message, AllOf(HasSubstr("client ID and secret"), HasSubstr("developer portal"),
                               HasSubstr("s3unload-owner-client"), HasSubstr("Bad credentials")));
}

TEST(MapDomoErrorTest, ScopeNotGrantedToTheClientNamesTheScopes) {
  Error e = Map(TokenCall(), 400,
                R"({"error":"invalid_scope","error_description":"Invalid scope: user"})");
  EXPECT_EQ(e.code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(e.message, AllOf(HasSubstr("data user"), HasSubstr("developer portal")));
}

TEST(MapDomoErrorTest, UnsupportedGrantTypeIsOurBug) {
  Error e = Map(TokenCall(), 400, R"({"error":"unsupported_grant_type"})");
  EXPECT_EQ(e.code, ErrorCode::kInternal);
}

TEST(MapDomoErrorTest, ForbiddenNamesTheMissingScope) {
  DomoCall call{.operation = "GetUser",
                .subject = "user 964382593",
                .scope = "user",
                .client_id = "s3unload-dataonly-client"};
  Error e = Map(call, 403, R"({"status":403,"toe":"694M4LH50R-CFNR0-N0VD2"})");
  EXPECT_EQ(e.code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(e.message, AllOf(HasSubstr("'user' scope"), HasSubstr("s3unload-dataonly-client"),
                               HasSubstr("support id 694M4LH50R-CFNR0-N0VD2")));
}

TEST(MapDomoErrorTest, ForbiddenInternalRouteBlamesAccessNotScope) {
  DomoCall call{
      .operation = "GetPermissions", .subject = "permissions of dataset x", .dataset_id = "x"};
  Error e = Map(call, 403, "");
  EXPECT_EQ(e.code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(e.message, Not(HasSubstr("scope")));
}

TEST(MapDomoErrorTest, ConflictIsAPrecondition) {
  Error e = Map(GetDataset(), 409, R"({"status":409,"statusReason":"Conflict","toe":"A"})");
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
}

TEST(MapDomoErrorTest, UnknownStatusIsInternalNamingIt) {
  Error e = Map(GetDataset(), 418, "teapot");
  EXPECT_EQ(e.code, ErrorCode::kInternal);
  EXPECT_THAT(e.message, HasSubstr("418"));
}

TEST(MapDomoErrorTest, ServerTextIsSanitisedAndBounded) {
  const std::string long_message(1000, 'x');
  Error e = Map(GetDataset(), 400,
                R"({"status":400,"message":"line1\nline2\u0007)" + long_message + R"("})");
  EXPECT_THAT(e.message, AllOf(HasSubstr("line1 line2"), Not(HasSubstr("\n")), HasSubstr("...")));
  EXPECT_LT(e.message.size(), 600u);
}

TEST(SanitizeServerTextTest, CollapsesControlCharactersAndTrims) {
  EXPECT_EQ(SanitizeServerText("a\r\n\tb  \n"), "a b");
  EXPECT_EQ(SanitizeServerText("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace s3u::domo
