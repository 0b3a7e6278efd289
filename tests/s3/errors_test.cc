#include "s3/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace s3u::s3 {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// 2026-11-24T10:00:00Z
const std::chrono::system_clock::time_point kNow =
    std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + hours(10);

S3Call Put() {
  return {"PutObject", "s3://exports/day/a.csv", "exports", "us-east-1", "AKIAIOSFODNN7EXAMPLE"};
}
S3Call Call(std::string op, std::string resource = "s3://exports/day/a.csv") {
  S3Call c = Put();
  c.operation = std::move(op);
  c.resource = std::move(resource);
  return c;
}

std::string Body(const std::string& code, const std::string& message,
                 const std::string& extra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
         message + "</Message>" + extra +
         "<RequestId>4442587FB7D0A2F9</RequestId><HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/"
         "C1NPcfTWAtRPfTaOFg==</HostId></Error>";
}

Error Map(const S3Call& call, int status, const std::string& body, http::Headers headers = {}) {
  return MapS3Error(call, status, headers, body, kNow);
}

// --- PermissionFor -------------------------------------------------------------------------

TEST(PermissionForTest, MapsEveryOperation) {
  EXPECT_EQ(PermissionFor("PutObject"), "s3:PutObject");
  EXPECT_EQ(PermissionFor("CreateMultipartUpload"), "s3:PutObject");
  EXPECT_EQ(PermissionFor("UploadPart"), "s3:PutObject");
  EXPECT_EQ(PermissionFor("CompleteMultipartUpload"), "s3:PutObject");
  EXPECT_EQ(PermissionFor("AbortMultipartUpload"), "s3:AbortMultipartUpload");
  EXPECT_EQ(PermissionFor("ListMultipartUploads"), "s3:ListBucketMultipartUploads");
  EXPECT_EQ(PermissionFor("ListParts"), "s3:ListMultipartUploadParts");
  EXPECT_EQ(PermissionFor("HeadObject"), "s3:GetObject");
  EXPECT_EQ(PermissionFor("GetObject"), "s3:GetObject");
  EXPECT_EQ(PermissionFor("DeleteObject"), "s3:DeleteObject");
  EXPECT_EQ(PermissionFor("DeleteObjects"), "s3:DeleteObject");
  EXPECT_EQ(PermissionFor("ListObjectsV2"), "s3:ListBucket");
  EXPECT_EQ(PermissionFor("HeadBucket"), "s3:ListBucket");
  EXPECT_EQ(PermissionFor("Frobnicate"), "");
}

// --- Authentication and authorisation ------------------------------------------------------

TEST(MapS3ErrorTest, AccessDeniedNamesKeyPermissionAndResource) {
  const Error e = Map(Call("UploadPart", "s3://exports/day/a.csv part 7"), 403,
                      Body("AccessDenied", "Access Denied"));
  EXPECT_EQ(e.code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(e.subject, "s3://exports/day/a.csv part 7");
  EXPECT_EQ(e.http_status, 403);
  EXPECT_THAT(e.message, HasSubstr("access denied: the credentials (key AKIAIOSFODNN7EXAMPLE) "
                                   "lack s3:PutObject on s3://exports/day/a.csv part 7"));
  EXPECT_THAT(e.message, HasSubstr("4442587FB7D0A2F9"));
}

TEST(MapS3ErrorTest, AccessDeniedForUnknownOperationNamesIt) {
  const Error e = Map(Call("PutBucketPolicy"), 403, Body("AccessDenied", "Access Denied"));
  EXPECT_EQ(e.code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(e.message, HasSubstr("lack permission for PutBucketPolicy"));
}

TEST(MapS3ErrorTest, SignatureDoesNotMatchNeverEchoesStringToSignOrSignature) {
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n20261124T100000Z\n20261124/us-east-1/s3/aws4_request\nabcdef";
  const Error e = Map(
      Put(), 403,
      Body("SignatureDoesNotMatch",
           "The request signature we calculated does not match the signature you provided. "
           "Check your key and signing method.",
           "<AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId><StringToSign>" + string_to_sign +
               "</StringToSign><SignatureProvided>"
               "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
               "</SignatureProvided><StringToSignBytes>41 57 53</StringToSignBytes>"
               "<CanonicalRequest>PUT\n/day/a.csv</CanonicalRequest>"));
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.message,
              AllOf(HasSubstr("AKIAIOSFODNN7EXAMPLE"), HasSubstr("secret"), HasSubstr("proxy")));
  EXPECT_THAT(e.message, AllOf(Not(HasSubstr("AWS4-HMAC-SHA256")), Not(HasSubstr("98ad7217")),
                               Not(HasSubstr("41 57 53")), Not(HasSubstr("aws4_request"))));
}

TEST(MapS3ErrorTest, InvalidAccessKeyIdNamesTheKey) {
  const Error e = Map(Put(), 403,
                      Body("InvalidAccessKeyId",
                           "The AWS Access Key Id you provided does not exist in our records.",
                           "<AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId>"));
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.message,
              HasSubstr("the access key id AKIAIOSFODNN7EXAMPLE does not exist at this endpoint"));
}

TEST(MapS3ErrorTest, ExpiredTokenAndRefreshRequiredAreUnauthenticated) {
  for (const char* code : {"ExpiredToken", "TokenRefreshRequired"}) {
    const Error e = Map(Put(), 400, Body(code, "The provided token has expired."));
    EXPECT_EQ(e.code, ErrorCode::kUnauthenticated) << code;
    EXPECT_THAT(e.message, HasSubstr("expired")) << code;
  }
}

TEST(MapS3ErrorTest, InvalidTokenIsUnauthenticated) {
  const Error e = Map(Put(), 400, Body("InvalidToken", "The provided token is malformed."));
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.message, HasSubstr("session token"));
}

TEST(MapS3ErrorTest, AllAccessDisabledIsPermissionDenied) {
  EXPECT_EQ(Map(Put(), 403, Body("AllAccessDisabled", "All access disabled")).code,
            ErrorCode::kPermissionDenied);
}

// --- Not found -----------------------------------------------------------------------------

TEST(MapS3ErrorTest, NoSuchBucketNamesTheBucket) {
  const Error e = Map(Put(), 404,
                      Body("NoSuchBucket", "The specified bucket does not exist",
                           "<BucketName>exports</BucketName>"));
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_THAT(e.message, HasSubstr("bucket exports does not exist"));
}

TEST(MapS3ErrorTest, NoSuchBucketFallsBackToBodyBucket) {
  S3Call call = Put();
  call.bucket.clear();
  const Error e = Map(call, 404, Body("NoSuchBucket", "nope", "<Bucket>from-body</Bucket>"));
  EXPECT_THAT(e.message, HasSubstr("bucket from-body"));
}

TEST(MapS3ErrorTest, NoSuchKeyIsNotFound) {
  const Error e =
      Map(Call("GetObject"), 404,
          Body("NoSuchKey", "The specified key does not exist.", "<Key>day/a.csv</Key>"));
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_THAT(e.message, HasSubstr("s3://exports/day/a.csv"));
}

TEST(MapS3ErrorTest, NoSuchUploadSaysAbortedOrCompleted) {
  const Error e = Map(Call("UploadPart", "s3://exports/day/a.csv part 3"), 404,
                      Body("NoSuchUpload", "The specified upload does not exist.",
                           "<UploadId>VXBsb2FkIElE</UploadId>"));
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_THAT(e.message, HasSubstr("the multipart upload no longer exists (aborted or completed)"));
}

// --- Clock skew ----------------------------------------------------------------------------

TEST(MapS3ErrorTest, SkewFromBodySaysHowFarAhead) {
  // We signed at 12:00:03 (local clock), the server says 10:00:00: we are 2h 0m 3s ahead.
  const Error e = Map(Put(), 403,
                      Body("RequestTimeTooSkewed",
                           "The difference between the request time and the current time is "
                           "too large.",
                           "<RequestTime>20261124T120003Z</RequestTime><ServerTime>2026-11-24T"
                           "10:00:00Z</ServerTime><MaxAllowedSkewMilliseconds>900000"
                           "</MaxAllowedSkewMilliseconds>"));
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_THAT(e.message, HasSubstr("this machine's clock is 2h 0m 3s ahead of the server's; "
                                   "fix the clock (NTP)"));
}

TEST(MapS3ErrorTest, SkewFromRfc1123TimesSaysBehind) {
  const Error e = Map(Put(), 403,
                      Body("RequestTimeTooSkewed", "too large",
                           "<RequestTime>Tue, 24 Nov 2026 09:40:00 GMT</RequestTime>"
                           "<ServerTime>Tue, 24 Nov 2026 10:00:00 GMT</ServerTime>"));
  EXPECT_THAT(e.message, HasSubstr("this machine's clock is 20m 0s behind the server's"));
}

TEST(MapS3ErrorTest, SkewFromDateHeaderWhenBodyLacksTimes) {
  const Error e = Map(Put(), 403, Body("RequestTimeTooSkewed", "too large"),
                      {{"Date", "Tue, 24 Nov 2026 10:30:00 GMT"}});
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_THAT(e.message, HasSubstr("30m 0s behind"));
}

TEST(MapS3ErrorTest, SkewUnknownStillSaysFixTheClock) {
  const Error e = Map(Put(), 403, Body("RequestTimeTooSkewed", "too large"));
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_THAT(e.message, HasSubstr("fix the clock (NTP)"));
}

TEST(ClockSkewTest, ServerMinusLocal) {
  S3ErrorBody body;
  body.fields["RequestTime"] = "20261124T100000Z";
  body.fields["ServerTime"] = "2026-11-24T10:15:30.500Z";
  EXPECT_EQ(ClockSkew({}, &body, kNow), milliseconds(15 * 60 * 1000 + 30500));
}

TEST(ClockSkewTest, FallsBackToDateHeader) {
  S3ErrorBody body;
  body.fields["ServerTime"] = "2026-11-24T10:15:30Z";  // no RequestTime
  EXPECT_EQ(ClockSkew({{"date", "Tue, 24 Nov 2026 08:00:00 GMT"}}, &body, kNow),
            milliseconds(-2 * 3600 * 1000));
  EXPECT_EQ(ClockSkew({{"DATE", "Tue, 24 Nov 2026 10:00:01 GMT"}}, nullptr, kNow),
            milliseconds(1000));
}

TEST(ClockSkewTest, NothingUsableIsNullopt) {
  EXPECT_FALSE(ClockSkew({}, nullptr, kNow));
  EXPECT_FALSE(ClockSkew({{"Date", "yesterday"}}, nullptr, kNow));
}

TEST(ParseS3TimeTest, AcceptsTheThreeFormats) {
  EXPECT_EQ(ParseS3Time("2026-11-24T10:00:00Z"), kNow);
  EXPECT_EQ(ParseS3Time("2026-11-24T10:00:00.000Z"), kNow);
  EXPECT_EQ(ParseS3Time("2026-11-24T12:00:00+02:00"), kNow);
  EXPECT_EQ(ParseS3Time("20261124T100000Z"), kNow);
  EXPECT_EQ(ParseS3Time("Tue, 24 Nov 2026 10:00:00 GMT"), kNow);
}

TEST(ParseS3TimeTest, RejectsMalformed) {
  for (const char* bad :
       {"", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-24T25:00:00Z",
        "2026-11-24T10:00:00", "20261124T100000", "Tue, 24 Foo 2026 10:00:00 GMT",
        "Tue, 24 Nov 2026 10:00:00 PST", "2026-11-24T10:00:00.Z", "x026-11-24T10:00:00Z",
        "9999-12-31T23:59:59Z", "Fri, 31 Dec 9999 23:59:59 GMT", "18000101T000000Z"}) {
    EXPECT_FALSE(ParseS3Time(bad)) << bad;
  }
}

// --- Throttling and transient failures -----------------------------------------------------

TEST(MapS3ErrorTest, SlowDownIsResourceExhaustedWithRetryAfter) {
  const Error e =
      Map(Put(), 503, Body("SlowDown", "Please reduce your request rate."), {{"Retry-After", "7"}});
  EXPECT_EQ(e.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(e.retry_after, milliseconds(7000));
}

TEST(MapS3ErrorTest, RetryAfterAsHttpDate) {
  const Error e =
      Map(Put(), 503, Body("SlowDown", "slow"), {{"retry-after", "Tue, 24 Nov 2026 10:00:30 GMT"}});
  EXPECT_EQ(e.retry_after, milliseconds(30000));
}

TEST(MapS3ErrorTest, RetryAfterGarbageIsIgnored) {
  EXPECT_FALSE(Map(Put(), 503, "", {{"Retry-After", "soon"}}).retry_after);
  EXPECT_FALSE(Map(Put(), 503, "", {{"Retry-After", "99999999999999999999"}}).retry_after);
}

TEST(MapS3ErrorTest, AnyStatus503IsResourceExhausted) {
  EXPECT_EQ(Map(Put(), 503, Body("ServiceUnavailable", "Reduce your request rate.")).code,
            ErrorCode::kResourceExhausted);
  EXPECT_EQ(Map(Put(), 503, "").code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(Map(Put(), 503, "<html>busy</html>").code, ErrorCode::kResourceExhausted);
}

TEST(MapS3ErrorTest, ThrottlingCodesAndStatus429) {
  for (const char* code : {"RequestLimitExceeded", "Throttling", "SlowDown"}) {
    EXPECT_EQ(Map(Put(), 400, Body(code, "slow down")).code, ErrorCode::kResourceExhausted) << code;
  }
  const Error e = Map(Put(), 429, "", {{"Retry-After", "2"}});
  EXPECT_EQ(e.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(e.retry_after, milliseconds(2000));
}

TEST(MapS3ErrorTest, InternalErrorAndGatewayStatusesAreUnavailable) {
  EXPECT_EQ(Map(Put(), 500, Body("InternalError", "We encountered an internal error.")).code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(Map(Put(), 500, "").code, ErrorCode::kUnavailable);
  EXPECT_EQ(Map(Put(), 502, "<html><h1>502 Bad Gateway</h1></html>").code, ErrorCode::kUnavailable);
  EXPECT_EQ(Map(Put(), 504, "").code, ErrorCode::kUnavailable);
  EXPECT_EQ(Map(Put(), 500, Body("ServiceUnavailable", "try later")).code, ErrorCode::kUnavailable);
}

TEST(MapS3ErrorTest, ProxyHtmlIsNotEchoed) {
  const Error e = Map(Put(), 502, "<html><h1>502 Bad Gateway</h1><p>nginx secret-ish</p></html>");
  EXPECT_THAT(e.message, AllOf(HasSubstr("502"), HasSubstr("proxy"), Not(HasSubstr("nginx"))));
}

TEST(MapS3ErrorTest, RequestTimeout400IsUnavailable) {
  const Error e = Map(Put(), 400,
                      Body("RequestTimeout",
                           "Your socket connection to the server was not read from or written "
                           "to within the timeout period. Idle connections will be closed."));
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_THAT(e.message, HasSubstr("idle"));
}

// --- Integrity -----------------------------------------------------------------------------

TEST(MapS3ErrorTest, DigestMismatchesAreDataLoss) {
  for (const char* code : {"BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest"}) {
    const Error e =
        Map(Call("UploadPart", "s3://exports/day/a.csv part 2"), 400,
            Body(code, "The Content-MD5 you specified did not match what we received."));
    EXPECT_EQ(e.code, ErrorCode::kDataLoss) << code;
    EXPECT_THAT(e.message, HasSubstr("the bytes received differ from the bytes sent for "
                                     "s3://exports/day/a.csv part 2"));
  }
}

// --- Region --------------------------------------------------------------------------------

TEST(MapS3ErrorTest, PermanentRedirectNamesRegionFromEndpoint) {
  const Error e = Map(Put(), 301,
                      Body("PermanentRedirect",
                           "The bucket you are attempting to access must be addressed using "
                           "the specified endpoint.",
                           "<Endpoint>exports.s3.eu-west-1.amazonaws.com</Endpoint>"
                           "<Bucket>exports</Bucket>"));
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message, HasSubstr("bucket exports is in region eu-west-1, not us-east-1; use "
                                   "--region eu-west-1"));
}

TEST(MapS3ErrorTest, PermanentRedirectPrefersBucketRegionHeader) {
  const Error e =
      Map(Put(), 301,
          Body("PermanentRedirect", "redirect", "<Endpoint>exports.s3.amazonaws.com</Endpoint>"),
          {{"x-amz-bucket-region", "ap-south-1"}});
  EXPECT_THAT(e.message, HasSubstr("bucket exports is in region ap-south-1, not us-east-1"));
}

TEST(MapS3ErrorTest, LegacyDashEndpointGivesRegion) {
  S3Call call = Put();
  call.region = "eu-west-1";
  const Error e = Map(
      call, 301, Body("PermanentRedirect", "redirect", "<Endpoint>s3.amazonaws.com</Endpoint>"));
  EXPECT_THAT(e.message, HasSubstr("is in region us-east-1, not eu-west-1"));
  const Error dash = Map(Put(), 301,
                         Body("PermanentRedirect", "redirect",
                              "<Endpoint>exports.s3-ap-northeast-1.amazonaws.com</Endpoint>"));
  EXPECT_THAT(dash.message, HasSubstr("is in region ap-northeast-1"));
}

TEST(MapS3ErrorTest, AuthorizationHeaderMalformedWithRegion) {
  const Error e = Map(Put(), 400,
                      Body("AuthorizationHeaderMalformed",
                           "The authorization header is malformed; the region 'us-east-1' is "
                           "wrong; expecting 'eu-central-1'",
                           "<Region>eu-central-1</Region>"));
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message, HasSubstr("bucket exports is in region eu-central-1, not us-east-1; use "
                                   "--region eu-central-1"));
}

TEST(MapS3ErrorTest, AuthorizationHeaderMalformedWithoutRegionIsInternal) {
  const Error e = Map(
      Put(), 400, Body("AuthorizationHeaderMalformed", "The authorization header is malformed"));
  EXPECT_EQ(e.code, ErrorCode::kInternal);
}

TEST(MapS3ErrorTest, IllegalLocationConstraintWithUnknownRegionSaysSo) {
  const Error e = Map(Put(), 400,
                      Body("IllegalLocationConstraintException",
                           "The unspecified location constraint is incompatible for the region "
                           "specific endpoint this request was sent to."));
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message, HasSubstr("the server did not say which"));
}

TEST(MapS3ErrorTest, BucketRegionHeaderOn400HeadBucket) {
  const Error e =
      Map(Call("HeadBucket", "s3://exports"), 400, "", {{"X-Amz-Bucket-Region", "eu-west-2"}});
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message,
              HasSubstr("bucket exports is in region eu-west-2, not us-east-1; use --region "
                        "eu-west-2"));
}

TEST(MapS3ErrorTest, MatchingBucketRegionHeaderDoesNotTriggerRegionRule) {
  const Error e =
      Map(Call("HeadBucket", "s3://exports"), 400, "", {{"x-amz-bucket-region", "us-east-1"}});
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
}

TEST(MapS3ErrorTest, Bodyless301UsesHeaderOrSaysUnknown) {
  const Error known =
      Map(Call("HeadBucket", "s3://exports"), 301, "", {{"x-amz-bucket-region", "sa-east-1"}});
  EXPECT_EQ(known.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(known.message, HasSubstr("bucket exports is in region sa-east-1, not us-east-1"));
  const Error unknown = Map(Call("HeadBucket", "s3://exports"), 301, "");
  EXPECT_EQ(unknown.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(unknown.message, HasSubstr("did not say which"));
}

TEST(MapS3ErrorTest, RedirectToSameRegionBlamesTheEndpoint) {
  const Error e = Map(Put(), 301, "", {{"x-amz-bucket-region", "us-east-1"}});
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message, HasSubstr("endpoint"));
}

TEST(MapS3ErrorTest, TemporaryRedirectWithoutRegionIsUnavailable) {
  EXPECT_EQ(Map(Put(), 307, Body("TemporaryRedirect", "Please re-send this request")).code,
            ErrorCode::kUnavailable);
}

// --- Preconditions and invalid requests ----------------------------------------------------

TEST(MapS3ErrorTest, PreconditionFailedMeansObjectExists) {
  const Error e = Map(
      Put(), 412,
      Body("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
           "<Condition>If-None-Match</Condition>"));
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(e.message, HasSubstr("an object already exists at s3://exports/day/a.csv and "
                                   "create-only was requested"));
}

TEST(MapS3ErrorTest, EntitySizeErrorsAreInvalidArgumentAboutPartSize) {
  const Error small = Map(Call("CompleteMultipartUpload"), 400,
                          Body("EntityTooSmall",
                               "Your proposed upload is smaller than the minimum allowed "
                               "object size."));
  EXPECT_EQ(small.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(small.message, HasSubstr("--part-size"));
  const Error large =
      Map(Put(), 400,
          Body("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size."));
  EXPECT_EQ(large.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(large.message, HasSubstr("5 GiB"));
}

TEST(MapS3ErrorTest, PartListProblemsAreInternal) {
  for (const char* code : {"InvalidPart", "InvalidPartOrder", "MalformedXML"}) {
    EXPECT_EQ(Map(Call("CompleteMultipartUpload"), 400, Body(code, "bad")).code,
              ErrorCode::kInternal)
        << code;
  }
}

TEST(MapS3ErrorTest, InvalidArgumentAndRequestCarryServerMessage) {
  const Error e = Map(Put(), 400,
                      Body("InvalidRequest", "Value for x-amz-checksum-crc32c header is invalid.",
                           "<ArgumentName>x-amz-checksum-crc32c</ArgumentName>"));
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message, HasSubstr("Value for x-amz-checksum-crc32c header is invalid."));
  EXPECT_EQ(Map(Put(), 400, Body("InvalidArgument", "Invalid argument.")).code,
            ErrorCode::kInvalidArgument);
}

TEST(MapS3ErrorTest, InvalidBucketNameAndKeyTooLong) {
  S3Call call = Put();
  call.bucket = "Bad_Bucket";
  const Error name =
      Map(call, 400, Body("InvalidBucketName", "The specified bucket is not valid."));
  EXPECT_EQ(name.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(name.message, HasSubstr("Bad_Bucket is not a valid bucket name"));
  const Error key = Map(Put(), 400, Body("KeyTooLongError", "Your key is too long"));
  EXPECT_EQ(key.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(key.message, HasSubstr("1024"));
}

TEST(MapS3ErrorTest, NotImplementedSuggestsDisablingTheOption) {
  const Error e = Map(
      Put(), 501,
      Body("NotImplemented", "A header you provided implies functionality that is not implemented",
           "<Header>x-amz-checksum-crc32c</Header>"));
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(e.message,
              HasSubstr("the store does not support this request (PutObject); try --checksum "
                        "none or disabling the option"));
  EXPECT_EQ(Map(Put(), 501, "").code, ErrorCode::kInvalidArgument);
}

TEST(MapS3ErrorTest, QuotaExceededIsFailedPrecondition) {
  EXPECT_EQ(Map(Put(), 403, Body("QuotaExceeded", "")).code, ErrorCode::kFailedPrecondition);
}

// --- Bodyless answers (HEAD) ---------------------------------------------------------------

TEST(MapS3ErrorTest, Bodyless400IsInvalidArgument) {
  EXPECT_EQ(Map(Call("HeadObject"), 400, "").code, ErrorCode::kInvalidArgument);
}

TEST(MapS3ErrorTest, Bodyless403NamesPermissionAndListBucketCaveat) {
  const Error e = Map(Call("HeadObject"), 403, "");
  EXPECT_EQ(e.code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(e.message, AllOf(HasSubstr("s3:GetObject"), HasSubstr("s3:ListBucket")));
  const Error bucket = Map(Call("HeadBucket", "s3://exports"), 403, "");
  EXPECT_THAT(bucket.message, HasSubstr("lack s3:ListBucket on s3://exports"));
}

TEST(MapS3ErrorTest, Bodyless404) {
  const Error bucket = Map(Call("HeadBucket", "s3://exports"), 404, "");
  EXPECT_EQ(bucket.code, ErrorCode::kNotFound);
  EXPECT_THAT(bucket.message, HasSubstr("bucket exports does not exist"));
  const Error object = Map(Call("HeadObject"), 404, "");
  EXPECT_EQ(object.code, ErrorCode::kNotFound);
  EXPECT_THAT(object.message, HasSubstr("no object exists at s3://exports/day/a.csv"));
}

TEST(MapS3ErrorTest, Bodyless412And5xx) {
  EXPECT_EQ(Map(Call("HeadObject"), 412, "").code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Map(Call("HeadObject"), 500, "").code, ErrorCode::kUnavailable);
  EXPECT_EQ(Map(Call("HeadObject"), 503, "").code, ErrorCode::kResourceExhausted);
}

// --- Unknown codes and odd statuses --------------------------------------------------------

TEST(MapS3ErrorTest, UnknownCodesFollowStatusClassAndQuoteServer) {
  const Error client =
      Map(Put(), 409, Body("BucketNotEmpty", "The bucket you tried to delete is not empty"));
  EXPECT_EQ(client.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(client.message,
              AllOf(HasSubstr("BucketNotEmpty"), HasSubstr("The bucket you tried to delete")));
  const Error server = Map(Put(), 507, Body("XMinioSomething", "disk"));
  EXPECT_EQ(server.code, ErrorCode::kUnavailable);
  EXPECT_THAT(server.message, HasSubstr("XMinioSomething"));
  EXPECT_EQ(Map(Put(), 200, Body("WeirdCode", "??")).code, ErrorCode::kInternal);
}

TEST(MapS3ErrorTest, ServerTextIsSanitisedAndTruncated) {
  const Error e = Map(Put(), 400, Body("Odd", "line1\nline2\r\n\x1b[31m" + std::string(2000, 'x')));
  EXPECT_THAT(e.message, AllOf(Not(HasSubstr("\n")), Not(HasSubstr("\x1b")), HasSubstr("...")));
  EXPECT_LT(e.message.size(), 600u);
}

TEST(MapS3ErrorTest, UnexpectedStatusWithoutBodyIsInternal) {
  EXPECT_EQ(Map(Put(), 304, "").code, ErrorCode::kInternal);
}

TEST(MapS3ErrorTest, SubjectAndStatusAlwaysSet) {
  for (int status : {200, 301, 400, 403, 404, 409, 412, 429, 500, 503}) {
    const Error e = Map(Put(), status, "");
    EXPECT_EQ(e.subject, "s3://exports/day/a.csv");
    EXPECT_EQ(e.http_status, status);
    EXPECT_FALSE(e.message.empty());
  }
}

}  // namespace
}  // namespace s3u::s3
