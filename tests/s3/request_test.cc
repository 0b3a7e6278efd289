#include "s3/request.h"

#include <gtest/gtest.h>

namespace s3u::s3 {
namespace {

using std::chrono::system_clock;

system_clock::time_point May24() {
  // 2013-05-24T00:00:00Z, the date of AWS's S3 signing examples.
  return system_clock::time_point(std::chrono::seconds(1369353600));
}

SigningContext AwsExampleContext() {
  Endpoint ep{"https", "s3.amazonaws.com", "", false};
  return {ep,
          "us-east-1",
          {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", std::nullopt},
          May24(),
          true};
}

TEST(BuildSignedRequestTest, ReproducesAwsPutObjectExampleSignature) {
  // S3 API reference, "Signature Calculations for the Authorization Header", PUT Object.
  S3Request req{
      "PutObject",
      "PUT",
      "examplebucket",
      "test$file.text",
      {},
      {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
      "Welcome to Amazon S3."};
  http::Request out = BuildSignedRequest(req, AwsExampleContext());
  EXPECT_EQ(out.url, "https://examplebucket.s3.amazonaws.com/test%24file.text");
  auto auth = http::FindHeader(out.headers, "Authorization");
  ASSERT_TRUE(auth);
  EXPECT_NE(
      auth->find("Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
      std::string_view::npos)
      << *auth;
  EXPECT_EQ(out.content_length, 21u);
  EXPECT_EQ(out.body.data(), req.body.data()) << "the body must be referenced, not copied";
}

TEST(BuildSignedRequestTest, PathStyleEndpointKeepsKeyUnnormalised) {
  SigningContext ctx = AwsExampleContext();
  ctx.endpoint = {"http", "127.0.0.1:9000", "", true};
  S3Request req{"GetObject", "GET", "b", "a//b/./c d", {}, {}, {}};
  http::Request out = BuildSignedRequest(req, ctx);
  EXPECT_EQ(out.url, "http://127.0.0.1:9000/b/a//b/./c%20d");
  EXPECT_FALSE(out.content_length.has_value());
}

TEST(BuildSignedRequestTest, UnsignedPayloadAndSessionToken) {
  SigningContext ctx = AwsExampleContext();
  ctx.sign_payload = false;
  ctx.credentials.session_token = "token-value";
  S3Request req{"UploadPart", "PUT", "b", "k", {{"partNumber", "1"}, {"uploadId", "u/1"}}, {}, "x"};
  http::Request out = BuildSignedRequest(req, ctx);
  EXPECT_EQ(http::FindHeader(out.headers, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(http::FindHeader(out.headers, "x-amz-security-token"), "token-value");
  auto auth = http::FindHeader(out.headers, "Authorization");
  ASSERT_TRUE(auth);
  EXPECT_NE(auth->find("x-amz-security-token"), std::string_view::npos);
  EXPECT_NE(out.url.find("partNumber=1&uploadId=u%2F1"), std::string::npos) << out.url;
  EXPECT_FALSE(http::FindHeader(out.headers, "host")) << "curl sends Host from the URL";
}

TEST(BuildSignedRequestTest, SignatureChangesWithTheBody) {
  S3Request a{"PutObject", "PUT", "b", "k", {}, {}, "one"};
  S3Request b{"PutObject", "PUT", "b", "k", {}, {}, "two"};
  const http::Request ra = BuildSignedRequest(a, AwsExampleContext());
  const http::Request rb = BuildSignedRequest(b, AwsExampleContext());
  auto sa = http::FindHeader(ra.headers, "Authorization");
  auto sb = http::FindHeader(rb.headers, "Authorization");
  ASSERT_TRUE(sa && sb);
  EXPECT_NE(*sa, *sb);
}

TEST(ResourceNameTest, NamesBucketAndKey) {
  EXPECT_EQ(ResourceName("b", "k/x"), "s3://b/k/x");
  EXPECT_EQ(ResourceName("b", ""), "s3://b");
}

}  // namespace
}  // namespace s3u::s3
