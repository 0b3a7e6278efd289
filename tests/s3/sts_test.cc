// StsClient against the scripted HttpClient (tests/support/scripted_http.h) with a FakeClock:
// the requests it sends (URL, form body, SigV4 headers, compared with botocore's), the answers
// it reads (AWS's documented samples, and what radosgw and moto really sent), every error it
// maps, the inputs it refuses before sending, and that no secret reaches an error message.
// The same client against real servers (radosgw's STS, moto) is in sts_integration_test.cc.
#include "s3/sts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_clock.h"
#include "support/scripted_http.h"

namespace s3u::s3 {
namespace {

using std::chrono::seconds;
using testing::Answer;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kKey[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kSessionToken[] = "session/token+with=chars";
constexpr char kWebToken[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
constexpr char kRoleArn[] = "arn:aws:iam::123456789012:role/demo";

// The AssumeRole example of AWS's STS API Reference (its SessionToken on one line, as STS
// sends it; the reference wraps it for display).
constexpr char kAwsAssumeRoleSample[] =
    R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult>
<SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==</SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>)";

// The AssumeRoleWithWebIdentity example of the same reference.
constexpr char kAwsWebIdentitySample[] =
    R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <SourceIdentity>SourceIdentityValue</SourceIdentity>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>)";

// The GetCallerIdentity example of the same reference.
constexpr char kAwsCallerIdentitySample[] =
    R"(<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
  <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
    <UserId>AKIAI44QH8DHBEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>)";

// What radosgw 16.2.15 answered (no namespace, nanoseconds in Expiration); values replaced.
constexpr char kRadosgwAssumeRole[] =
    "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>rgwTempKey0001</"
    "AccessKeyId><Expiration>2026-12-05T18:11:27.421989558Z</Expiration><SecretAccessKey>"
    "rgwTempSecret0001</SecretAccessKey><SessionToken>rgw+Token/0001==</SessionToken></"
    "Credentials><AssumedRoleUser><Arn>arn:aws:sts:::assumed-role/writer/s1</Arn><AssumeRoleId>"
    "c58ccb8b:s1</AssumeRoleId></AssumedRoleUser><PackedPolicySize>0</PackedPolicySize></"
    "AssumeRoleResult></AssumeRoleResponse>";

std::string AwsError(const std::string& code, const std::string& message,
                     const std::string& type = "Sender") {
  return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>" + type +
         "</Type><Code>" + code + "</Code><Message>" + message +
         "</Message></Error><RequestId>4f1c-example</RequestId></ErrorResponse>";
}
// radosgw answers STS errors in S3's format.
std::string RadosgwError(const std::string& code) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
         "</Code><Message></Message><RequestId>tx0000-rgw</RequestId></Error>";
}
// moto nests <Error> in <Errors>.
std::string MotoError(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error><Code>" + code +
         "</Code><Message>" + message + "</Message><Type>Sender</Type></Error></Errors>" +
         "</ErrorResponse>";
}

std::chrono::system_clock::time_point At(int y, unsigned m, unsigned d, int hh = 0, int mm = 0,
                                         int ss = 0) {
  return std::chrono::sys_days(std::chrono::year(y) / m / d) + std::chrono::hours(hh) +
         std::chrono::minutes(mm) + seconds(ss);
}

class StsTest : public ::testing::Test {
 protected:
  StsClient Client(const std::string& region = "us-east-1", const std::string& endpoint = "") {
    return StsClient(http_, region, endpoint, clock_, retry_);
  }
  AssumeRoleRequest Request() const { return {kRoleArn, "s3unload-run", "", seconds(3600)}; }
  Credentials Base() const { return {kKey, kSecret, "", {}}; }
  Credentials SessionBase() const { return {kKey, kSecret, kSessionToken, {}}; }
  size_t Sent() const { return http_.Requests().size(); }

  testing::ScriptedHttp http_;
  testing::FakeClock clock_{At(2013, 5, 24)};
  http::RetryPolicy retry_ = [] {
    http::RetryPolicy p;
    p.max_attempts = 3;
    return p;
  }();
};

// --- Requests ------------------------------------------------------------------------------

// Expected values: tests/s3/sts_signing_vectors.py (botocore 1.43.11), at 2013-05-24T00:00:00Z.
TEST_F(StsTest, AssumeRoleIsSentAndSignedAsBotocoreSendsIt) {
  http_.On("POST /", {{200, kAwsAssumeRoleSample}});
  AssumeRoleRequest request{"arn:aws:iam::123456789012:role/path/to/s3unload-writer",
                            "s3unload@host.example", "ext:id/with=chars", seconds(3600)};
  ASSERT_TRUE(Client("eu-west-1").AssumeRole(Base(), request));
  ASSERT_EQ(Sent(), 1u);
  const testing::Sent sent = http_.Requests()[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_EQ(sent.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%"
            "3Arole%2Fpath%2Fto%2Fs3unload-writer&RoleSessionName=s3unload%40host.example&"
            "DurationSeconds=3600&ExternalId=ext%3Aid%2Fwith%3Dchars");
  EXPECT_EQ(sent.Header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(sent.Header("x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(sent.Header("Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/eu-west-1/sts/"
            "aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
            "Signature=55af3a10dff239a54c6a51fa6ecd4ebc921e8652438f8edce8bc29f499dba5f3");
  EXPECT_EQ(sent.Header("x-amz-security-token"), "");
}

TEST_F(StsTest, GetCallerIdentityWithASessionTokenIsSignedAsBotocoreSignsIt) {
  http_.On("POST /", {{200, kAwsCallerIdentitySample}});
  ASSERT_TRUE(Client("us-east-1", "http://127.0.0.1:9000").GetCallerIdentity(SessionBase()));
  const testing::Sent sent = http_.Requests()[0];
  EXPECT_EQ(sent.url, "http://127.0.0.1:9000/");
  EXPECT_EQ(sent.body, "Action=GetCallerIdentity&Version=2011-06-15");
  EXPECT_EQ(sent.Header("x-amz-security-token"), kSessionToken);
  EXPECT_EQ(sent.Header("Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/sts/"
            "aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
            "x-amz-security-token, "
            "Signature=7ccb6990b36256c088509591b8a43718602c1d154060a8e9c1fb64999f2357dc");
}

TEST_F(StsTest, AssumeRoleWithWebIdentityIsSentUnsigned) {
  http_.On("POST /", {{200, kAwsWebIdentitySample}});
  AssumeRoleRequest request{"arn:aws:iam::123456789012:role/web", "pod-1", "", seconds(900)};
  ASSERT_TRUE(Client().AssumeRoleWithWebIdentity(kWebToken, request));
  const testing::Sent sent = http_.Requests()[0];
  EXPECT_EQ(sent.url, "https://sts.us-east-1.amazonaws.com/");
  EXPECT_EQ(sent.body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
            "3A123456789012%3Arole%2Fweb&RoleSessionName=pod-1&WebIdentityToken=" +
                std::string(kWebToken) + "&DurationSeconds=900");
  EXPECT_EQ(sent.Header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  for (const auto& [name, value] : sent.headers) {
    EXPECT_THAT(name, Not(HasSubstr("Authorization"))) << name;
    EXPECT_THAT(name, Not(StartsWith("x-amz"))) << name;
  }
}

TEST_F(StsTest, ExternalIdIsSentOnlyWhenSet) {
  http_.On("POST /", {{200, kAwsAssumeRoleSample}});
  ASSERT_TRUE(Client().AssumeRole(Base(), Request()));
  EXPECT_THAT(http_.Requests()[0].body, Not(HasSubstr("ExternalId")));
  AssumeRoleRequest with_id = Request();
  with_id.external_id = "Domo-4f2a";
  ASSERT_TRUE(Client().AssumeRole(Base(), with_id));
  EXPECT_THAT(http_.Requests()[1].body, HasSubstr("&ExternalId=Domo-4f2a"));
}

TEST_F(StsTest, TheEndpointIsRegionalNeverTheGlobalOne) {
  http_.On("POST /", {{200, kAwsCallerIdentitySample}});
  ASSERT_TRUE(Client("us-east-1").GetCallerIdentity(Base()));
  ASSERT_TRUE(Client("ap-southeast-2").GetCallerIdentity(Base()));
  ASSERT_TRUE(Client("cn-north-1").GetCallerIdentity(Base()));
  const auto sent = http_.Requests();
  EXPECT_EQ(sent[0].url, "https://sts.us-east-1.amazonaws.com/");
  EXPECT_EQ(sent[1].url, "https://sts.ap-southeast-2.amazonaws.com/");
  EXPECT_EQ(sent[2].url, "https://sts.cn-north-1.amazonaws.com.cn/");
  // Signed for the region of the endpoint.
  EXPECT_THAT(sent[1].Header("Authorization"), HasSubstr("/ap-southeast-2/sts/aws4_request"));
}

TEST_F(StsTest, AnEndpointUrlWithAPathIsKept) {
  http_.On("POST /rgw/", {{200, kRadosgwAssumeRole}});
  ASSERT_TRUE(Client("us-east-1", "http://127.0.0.1:9000/rgw").AssumeRole(Base(), Request()));
  EXPECT_EQ(http_.Requests()[0].url, "http://127.0.0.1:9000/rgw/");
}

// --- Answers -------------------------------------------------------------------------------

TEST_F(StsTest, ReadsAwsAssumeRoleSample) {
  http_.On("POST /", {{200, kAwsAssumeRoleSample}});
  auto role = Client().AssumeRole(Base(), Request());
  ASSERT_TRUE(role) << role.error().ToString();
  EXPECT_EQ(role->credentials.access_key_id, "ASIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(role->credentials.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  EXPECT_THAT(role->credentials.session_token, StartsWith("AQoDYXdzEPT//////////wEXAMPLE"));
  EXPECT_THAT(role->credentials.session_token, ::testing::EndsWith("oLxBA=="));
  EXPECT_EQ(role->credentials.expiration, At(2019, 11, 9, 13, 34, 41));
  EXPECT_EQ(role->assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/demo/TestAR");
}

TEST_F(StsTest, ReadsRadosgwAnswerWithoutNamespaceAndWithNanoseconds) {
  http_.On("POST /", {{200, kRadosgwAssumeRole}});
  auto role = Client("us-east-1", "http://127.0.0.1:9000")
                  .AssumeRole(Base(), {"arn:aws:iam:::role/writer", "s1", "", seconds(3600)});
  ASSERT_TRUE(role) << role.error().ToString();
  EXPECT_EQ(role->credentials.access_key_id, "rgwTempKey0001");
  EXPECT_EQ(role->credentials.secret_access_key, "rgwTempSecret0001");
  EXPECT_EQ(role->credentials.session_token, "rgw+Token/0001==");
  EXPECT_EQ(role->credentials.expiration,
            At(2026, 12, 5, 18, 11, 27) + std::chrono::milliseconds(421));
  EXPECT_EQ(role->assumed_role_arn, "arn:aws:sts:::assumed-role/writer/s1");
}

TEST_F(StsTest, ReadsAwsWebIdentitySample) {
  http_.On("POST /", {{200, kAwsWebIdentitySample}});
  auto role = Client().AssumeRoleWithWebIdentity(kWebToken, Request());
  ASSERT_TRUE(role) << role.error().ToString();
  EXPECT_EQ(role->credentials.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(role->credentials.session_token, "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE");
  EXPECT_EQ(role->credentials.expiration, At(2014, 10, 24, 23, 0, 23));
  EXPECT_EQ(role->assumed_role_arn,
            "arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1");
}

TEST_F(StsTest, ReadsAwsCallerIdentitySample) {
  http_.On("POST /", {{200, kAwsCallerIdentitySample}});
  auto arn = Client().GetCallerIdentity(Base());
  ASSERT_TRUE(arn) << arn.error().ToString();
  EXPECT_EQ(*arn, "arn:aws:iam::123456789012:user/Alice");
}

TEST_F(StsTest, AnswersMissingAFieldAreInternalAndQuoteNoSecret) {
  const std::string full = kRadosgwAssumeRole;
  struct Case {
    std::string body;
    std::string says;
  };
  auto without = [&](const std::string& element) {
    const size_t open = full.find("<" + element + ">");
    const size_t close = full.find("</" + element + ">");
    return full.substr(0, open) + full.substr(close + element.size() + 3);
  };
  const std::vector<Case> cases = {
      {without("SessionToken"), "no SessionToken"},
      {without("SecretAccessKey"), "no SecretAccessKey"},
      {without("AccessKeyId"), "no AccessKeyId"},
      {without("Arn"), "no AssumedRoleUser/Arn"},
      {without("Expiration"), "Expiration '' is not a timestamp"},
      {"<html>proxy</html>", "root element is not <AssumeRoleResponse>"},
      {"not xml at all", "it is not XML"},
      {"<AssumeRoleResponse/>", "no <AssumeRoleResult>"},
  };
  for (const Case& c : cases) {
    testing::ScriptedHttp http;
    http.On("POST /", {{200, c.body}});
    StsClient client(http, "us-east-1", "", clock_, retry_);
    auto role = client.AssumeRole(Base(), Request());
    ASSERT_FALSE(role) << c.body;
    EXPECT_EQ(role.error().code, ErrorCode::kInternal) << c.body;
    EXPECT_EQ(role.error().subject, kRoleArn);
    EXPECT_THAT(role.error().message, HasSubstr(c.says));
    EXPECT_THAT(role.error().message, Not(HasSubstr("rgwTempSecret0001")));
    EXPECT_THAT(role.error().message, Not(HasSubstr("rgw+Token/0001==")));
    EXPECT_EQ(http.Requests().size(), 1u) << "an unreadable answer is not retried";
  }
}

TEST_F(StsTest, ATokenHoldingSpacesIsRefusedNotSentOnInAHeader) {
  std::string body = kRadosgwAssumeRole;
  body.replace(body.find("rgw+Token"), 3, "r\ng");
  http_.On("POST /", {{200, body}});
  auto role = Client().AssumeRole(Base(), Request());
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().code, ErrorCode::kInternal);
  EXPECT_THAT(role.error().message, HasSubstr("SessionToken holds spaces or control characters"));
}

// --- Errors --------------------------------------------------------------------------------

TEST_F(StsTest, AccessDeniedNamesTheRoleTheKeyAndTheTrustPolicy) {
  http_.On("POST /",
           {{403, AwsError("AccessDenied",
                           "User: arn:aws:iam::123456789012:user/u is not authorized to perform: "
                           "sts:AssumeRole on resource: " +
                               std::string(kRoleArn))}});
  auto role = Client().AssumeRole(Base(), Request());
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(role.error().subject, kRoleArn);
  EXPECT_EQ(role.error().http_status, 403);
  EXPECT_THAT(role.error().message,
              StartsWith("access denied: the credentials (key AKIAIOSFODNN7EXAMPLE) may not "
                         "assume role arn:aws:iam::123456789012:role/demo; check the role's trust "
                         "policy"));
  EXPECT_THAT(role.error().message, HasSubstr("and the external ID"));
  EXPECT_THAT(role.error().message, HasSubstr("(STS AccessDenied: User: arn:aws:iam::"));
  EXPECT_THAT(role.error().message, HasSubstr("request id 4f1c-example"));
  EXPECT_THAT(role.error().message, Not(HasSubstr("radosgw")));
  EXPECT_EQ(Sent(), 1u);
}

TEST_F(StsTest, AccessDeniedFromAStoreSaysTheKeysMayBeWrongToo) {
  http_.On("POST /", {{403, RadosgwError("AccessDenied")}});
  auto role = Client("us-east-1", "http://127.0.0.1:9000").AssumeRole(Base(), Request());
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(role.error().message, HasSubstr("trust policy"));
  EXPECT_THAT(role.error().message,
              HasSubstr("also answer AccessDenied for a wrong key or secret"));
}

TEST_F(StsTest, EachStsCodeGetsItsErrorCode) {
  struct Case {
    int status;
    std::string body;
    ErrorCode code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {403, AwsError("SignatureDoesNotMatch", "The request signature we calculated does not match"),
       ErrorCode::kUnauthenticated,
       "the secret key does not belong to access key id " + std::string(kKey)},
      {403,
       AwsError("InvalidClientTokenId", "The security token included in the request is invalid."),
       ErrorCode::kUnauthenticated,
       "does not exist at this endpoint, or its session token is invalid"},
      {403,
       MotoError("InvalidClientTokenId", "The security token included in the request is invalid."),
       ErrorCode::kUnauthenticated, "does not exist at this endpoint"},
      {400, AwsError("ExpiredToken", "The security token included in the request is expired"),
       ErrorCode::kUnauthenticated, "has expired; refresh the base credentials"},
      {404, RadosgwError("NoSuchEntity"), ErrorCode::kNotFound,
       "role arn:aws:iam::123456789012:role/demo does not exist at this endpoint"},
      {400,
       AwsError("ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."),
       ErrorCode::kInvalidArgument, "check duration_seconds (at most the role's maximum session"},
      {400, RadosgwError("InvalidArgument"), ErrorCode::kInvalidArgument, "duration_seconds"},
      {403, AwsError("RegionDisabledException", "STS is not activated in this region"),
       ErrorCode::kFailedPrecondition, "STS is not activated in this region"},
      {400, AwsError("RequestExpired", "Request has expired."), ErrorCode::kFailedPrecondition,
       "fix the clock"},
      {405, RadosgwError("MethodNotAllowed"), ErrorCode::kFailedPrecondition,
       "does not implement AssumeRole"},
      {400, AwsError("SomethingNew", "A new error"), ErrorCode::kInvalidArgument,
       "STS refused the request: AssumeRole failed with HTTP 400 (STS SomethingNew: A new error"},
      {404, "<html>Not Found</html>", ErrorCode::kFailedPrecondition, "is this an STS endpoint?"},
      {403, "", ErrorCode::kPermissionDenied, "AssumeRole got HTTP 403 from"},
      {302, "", ErrorCode::kInternal, "unexpected answer"},
  };
  for (const Case& c : cases) {
    testing::ScriptedHttp http;
    http.On("POST /", {{c.status, c.body}});
    StsClient client(http, "us-east-1", "", clock_, retry_);
    auto role = client.AssumeRole(Base(), Request());
    ASSERT_FALSE(role) << c.body;
    EXPECT_EQ(role.error().code, c.code) << c.body << " -> " << role.error().ToString();
    EXPECT_THAT(role.error().message, HasSubstr(c.says)) << c.body;
    EXPECT_EQ(role.error().subject, kRoleArn);
    EXPECT_EQ(http.Requests().size(), 1u) << c.body << ": not retried";
  }
}

TEST_F(StsTest, WebIdentityTokenErrorsSaySoAndNameNoKey) {
  struct Case {
    std::string body;
    ErrorCode code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {AwsError("InvalidIdentityToken",
                "Couldn't retrieve verification key from your identity provider"),
       ErrorCode::kUnauthenticated,
       "STS refused the web identity token for role " + std::string(kRoleArn)},
      {AwsError("ExpiredTokenException", "Token expired: current date/time 1 must be before 0"),
       ErrorCode::kUnauthenticated, "the web identity token has expired"},
      {AwsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
       ErrorCode::kPermissionDenied, "the web identity token may not assume role"},
      {AwsError("IDPRejectedClaim", "rejected"), ErrorCode::kPermissionDenied,
       "a claim does not meet the role's trust policy"},
  };
  for (const Case& c : cases) {
    testing::ScriptedHttp http;
    http.On("POST /", {{400, c.body}});
    StsClient client(http, "us-east-1", "", clock_, retry_);
    auto role = client.AssumeRoleWithWebIdentity(kWebToken, Request());
    ASSERT_FALSE(role) << c.body;
    EXPECT_EQ(role.error().code, c.code) << c.body;
    EXPECT_THAT(role.error().message, HasSubstr(c.says));
    EXPECT_THAT(role.error().message, Not(HasSubstr("(key ")));
  }
}

TEST_F(StsTest, IdentityProviderOutagesThrottlingAndServerErrorsAreRetried) {
  http_.On("POST /", {{400, AwsError("IDPCommunicationError", "timeout")},
                      {400, AwsError("Throttling", "Rate exceeded"), {{"Retry-After", "7"}}},
                      {500, AwsError("InternalFailure", "", "Receiver")},
                      {200, kAwsWebIdentitySample}});
  retry_.max_attempts = 0;
  auto role = Client().AssumeRoleWithWebIdentity(kWebToken, Request());
  ASSERT_TRUE(role) << role.error().ToString();
  EXPECT_EQ(Sent(), 4u);
  ASSERT_EQ(clock_.Sleeps().size(), 3u);
  EXPECT_GE(clock_.Sleeps()[1], seconds(7));
}

TEST_F(StsTest, AnUnreachableEndpointIsUnavailableNamingItAfterTheBudget) {
  http_.On("POST /", {Answer::Failure({ErrorCode::kUnavailable,
                                       "sts.us-east-1.amazonaws.com",
                                       "Could not resolve host",
                                       0,
                                       {}})});
  auto role = Client().AssumeRole(Base(), Request());
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(role.error().subject, kRoleArn);
  EXPECT_THAT(role.error().message,
              HasSubstr("STS AssumeRole at https://sts.us-east-1.amazonaws.com/: Could not "
                        "resolve host"));
  EXPECT_THAT(role.error().message, HasSubstr("(after 3 attempts)"));
  EXPECT_EQ(Sent(), 3u);
}

TEST_F(StsTest, A200CarryingAnErrorIsThatError) {
  http_.On("POST /", {{200, AwsError("AccessDenied", "denied")}});
  auto role = Client().AssumeRole(Base(), Request());
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(StsTest, GetCallerIdentityWhereTheStoreLacksItIsFailedPrecondition) {
  // radosgw 16.2 answers 405 MethodNotAllowed.
  http_.On("POST /", {{405, RadosgwError("MethodNotAllowed")}});
  auto arn = Client("us-east-1", "http://127.0.0.1:9000").GetCallerIdentity(Base());
  ASSERT_FALSE(arn);
  EXPECT_EQ(arn.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(arn.error().subject, "STS endpoint http://127.0.0.1:9000/");
  EXPECT_THAT(arn.error().message,
              StartsWith("the STS endpoint http://127.0.0.1:9000/ does not implement "
                         "GetCallerIdentity"));
}

// --- Secrets -------------------------------------------------------------------------------

// Servers echo what they were sent; the client must not pass it on.
TEST_F(StsTest, NoSecretReachesAnyErrorMessage) {
  const std::string echo = std::string(kSecret) + " " + kSessionToken + " " + kWebToken;
  const std::vector<std::string> codes = {
      "AccessDenied",     "SignatureDoesNotMatch",   "InvalidClientTokenId",
      "ExpiredToken",     "ExpiredTokenException",   "InvalidIdentityToken",
      "IDPRejectedClaim", "ValidationError",         "NoSuchEntity",
      "MethodNotAllowed", "RegionDisabledException", "Unheard"};
  std::vector<Answer> answers;
  for (const auto& code : codes) answers.emplace_back(400, AwsError(code, echo));
  answers.emplace_back(500, AwsError("InternalFailure", echo, "Receiver"));
  // Each secret across the point where server text is cut short (300 bytes).
  for (const std::string secret : {kSecret, kSessionToken, kWebToken}) {
    answers.emplace_back(403, AwsError("AccessDenied", std::string(290, 'x') + secret));
  }
  answers.emplace_back(200, "<html>" + echo + "</html>");
  answers.push_back(Answer::Failure({ErrorCode::kUnavailable, "", "reset after " + echo, 0, {}}));
  retry_.max_attempts = 1;
  for (const Answer& answer : answers) {
    testing::ScriptedHttp http;
    http.On("POST /", {answer});
    StsClient client(http, "us-east-1", "", clock_, retry_);
    // Each call, and the secrets it sent (what a server could echo back).
    auto assumed = client.AssumeRole(SessionBase(), Request());
    auto web = client.AssumeRoleWithWebIdentity(kWebToken, Request());
    auto identity = client.GetCallerIdentity(SessionBase());
    ASSERT_FALSE(assumed) << answer.body;
    ASSERT_FALSE(web) << answer.body;
    ASSERT_FALSE(identity) << answer.body;
    const std::vector<std::pair<Error, std::vector<std::string>>> cases = {
        {assumed.error(), {kSecret, kSessionToken}},
        {web.error(), {kWebToken}},
        {identity.error(), {kSecret, kSessionToken}}};
    for (const auto& [error, secrets] : cases) {
      const std::string text = error.ToString();
      for (const std::string& secret : secrets) {
        EXPECT_THAT(text, Not(HasSubstr(secret))) << text;
        EXPECT_THAT(text, Not(HasSubstr(secret.substr(0, 10)))) << text;
      }
    }
  }
}

TEST_F(StsTest, RefusedInputsNeverQuoteTheTokenOrTheExternalId) {
  const std::string token = std::string(kWebToken) + "\n";
  auto role = Client().AssumeRoleWithWebIdentity(token, Request());
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().subject, "web identity token");
  EXPECT_THAT(role.error().message, HasSubstr("position 42"));
  EXPECT_THAT(role.error().ToString(), Not(HasSubstr("eyJ")));
  AssumeRoleRequest request = Request();
  request.external_id = "secret-ish id";
  auto assumed = Client().AssumeRole(Base(), request);
  ASSERT_FALSE(assumed);
  EXPECT_EQ(assumed.error().subject, "external_id");
  EXPECT_THAT(assumed.error().ToString(), Not(HasSubstr("secret-ish")));
  EXPECT_EQ(Sent(), 0u);
}

// --- Inputs --------------------------------------------------------------------------------

TEST(StsValidationTest, AcceptsAwsAndStoreRoleArns) {
  for (const char* arn :
       {"arn:aws:iam::123456789012:role/demo", "arn:aws:iam::123456789012:role/path/to/demo",
        "arn:aws:iam::123456789012:role/service-role/a+b=c,d.e@f_g-h",
        "arn:aws-cn:iam::123456789012:role/demo", "arn:aws-us-gov:iam::123456789012:role/demo",
        "arn:aws:iam:::role/writer"}) {
    EXPECT_TRUE(ValidateRoleArn(arn)) << arn << ": " << ValidateRoleArn(arn).error().ToString();
  }
}

TEST(StsValidationTest, RefusesMalformedRoleArnsSayingWhy) {
  struct Case {
    std::string arn;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"", "is empty"},
      {"demo", "is not an ARN"},
      {"arn:aws:iam::123456789012:user/alice", "is not a role ARN"},
      {"arn:aws:s3:::bucket/role/x", "is not an IAM ARN"},
      {"arn:aws:iam:us-east-1:123456789012:role/demo", "is not an IAM ARN"},
      {"arn:azure:iam::123456789012:role/demo", "names no AWS partition"},
      {"arn:aws:iam::12345:role/demo", "an AWS account ID is 12 digits"},
      {"arn:aws:iam::12345678901x:role/demo", "an AWS account ID is 12 digits"},
      {"arn:aws:iam::123456789012:role/", "has no valid role name"},
      {"arn:aws:iam::123456789012:role/has space", "has no valid role name"},
      {"arn:aws:iam::123456789012:role/" + std::string(65, 'r'), "has no valid role name"},
      {"arn:aws:iam::123456789012:role//demo", "has an invalid role path"},
      {"arn:aws:iam::123456789012:role/a b/demo", "has an invalid role path"},
      {"arn:aws:iam::123456789012:role/" + std::string(2100, 'p') + "/demo", "at most 2048"},
      {"arn:aws:iam::123456789012:role/de\nmo", "<U+000A>"},
  };
  for (const Case& c : cases) {
    auto ok = ValidateRoleArn(c.arn);
    ASSERT_FALSE(ok) << c.arn;
    EXPECT_EQ(ok.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(ok.error().subject, "role_arn");
    EXPECT_THAT(ok.error().message, HasSubstr(c.says)) << c.arn;
    EXPECT_EQ(ok.error().message.find('\n'), std::string::npos);
  }
}

TEST(StsValidationTest, SessionNamesAre2To64OfTheAllowedCharacters) {
  EXPECT_TRUE(ValidateRoleSessionName("ab"));
  EXPECT_TRUE(ValidateRoleSessionName(std::string(64, 'x')));
  EXPECT_TRUE(ValidateRoleSessionName("s3unload+run=1,a.b@c_d-e"));
  for (const std::string& bad : std::vector<std::string>{"a", std::string(65, 'x'), "two words",
                                                         "colon:no", "slash/no", "caf\xc3\xa9"}) {
    auto ok = ValidateRoleSessionName(bad);
    ASSERT_FALSE(ok) << bad;
    EXPECT_EQ(ok.error().subject, "role_session_name");
    EXPECT_THAT(ok.error().message, HasSubstr("2-64 letters, digits and + = , . @ _ -"));
  }
}

TEST(StsValidationTest, ExternalIdsAre2To1224OfTheAllowedCharacters) {
  EXPECT_TRUE(ValidateExternalId("ab"));
  EXPECT_TRUE(ValidateExternalId(std::string(1224, 'x')));
  EXPECT_TRUE(ValidateExternalId("Domo:acme/4f2a+b=c,d.e@f_g-h"));
  for (const std::string& bad :
       std::vector<std::string>{"a", std::string(1225, 'x'), "with space", "semi;colon"}) {
    auto ok = ValidateExternalId(bad);
    ASSERT_FALSE(ok) << bad;
    EXPECT_EQ(ok.error().subject, "external_id");
    EXPECT_THAT(ok.error().message, HasSubstr("2-1224 letters"));
  }
}

TEST(StsValidationTest, DurationsAre15MinutesTo12Hours) {
  EXPECT_TRUE(ValidateSessionDuration(seconds(900)));
  EXPECT_TRUE(ValidateSessionDuration(seconds(43200)));
  for (const auto bad : {seconds(0), seconds(899), seconds(43201), seconds(-1)}) {
    auto ok = ValidateSessionDuration(bad);
    ASSERT_FALSE(ok);
    EXPECT_EQ(ok.error().subject, "duration_seconds");
    EXPECT_THAT(ok.error().message, HasSubstr("900 to 43200 seconds"));
  }
}

TEST_F(StsTest, BadInputsAreRefusedBeforeAnythingIsSent) {
  auto field_of = [](const auto& result) { return result ? "" : result.error().subject; };
  AssumeRoleRequest request = Request();
  request.role_arn = "arn:aws:iam::123456789012:user/alice";
  EXPECT_EQ(field_of(Client().AssumeRole(Base(), request)), "role_arn");
  request = Request();
  request.session_name = "";
  EXPECT_EQ(field_of(Client().AssumeRole(Base(), request)), "role_session_name");
  request = Request();
  request.duration = seconds(60);
  EXPECT_EQ(field_of(Client().AssumeRoleWithWebIdentity(kWebToken, request)), "duration_seconds");
  request = Request();
  request.external_id = "Domo-4f2a";
  EXPECT_EQ(field_of(Client().AssumeRoleWithWebIdentity(kWebToken, request)), "external_id");
  EXPECT_EQ(field_of(Client().AssumeRoleWithWebIdentity("", Request())), "web identity token");
  EXPECT_EQ(field_of(Client().AssumeRoleWithWebIdentity(std::string(20001, 'x'), Request())),
            "web identity token");
  EXPECT_EQ(field_of(Client("us east").AssumeRole(Base(), Request())), "--region");
  EXPECT_EQ(field_of(Client("us-east-1", "ftp://sts.example").AssumeRole(Base(), Request())),
            "STS endpoint");
  EXPECT_EQ(field_of(Client("us-east-1", "http://user:pw@sts.example").GetCallerIdentity(Base())),
            "STS endpoint");
  auto empty = Client().AssumeRole({kKey, "", "", {}}, Request());
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(empty.error().message, HasSubstr("no base credentials"));
  EXPECT_EQ(Sent(), 0u);
}

}  // namespace
}  // namespace s3u::s3
