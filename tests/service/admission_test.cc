#include "service/admission.h"

#include <gtest/gtest.h>

namespace s3u::service {
namespace {

bool IsGood(std::string_view token) { return token == "s3u_good"; }

RequestHead Post(std::string_view path, uint64_t length) {
  RequestHead head;
  head.method = "POST";
  head.path = path;
  head.authorization = "Bearer s3u_good";
  head.content_length = length;
  head.has_content_length_header = true;
  head.content_type = "application/json";
  return head;
}

TEST(BearerTokenTest, TheSchemeIsCaseInsensitive) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer abc"), "abc");
  EXPECT_EQ(BearerToken("BEARER   abc"), "abc");
}

TEST(BearerTokenTest, OtherSchemesAndBareWordsGiveNoToken) {
  EXPECT_EQ(BearerToken(""), "");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken("Bearer "), "");
  EXPECT_EQ(BearerToken("Bearerabc"), "");
  EXPECT_EQ(BearerToken("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), "");
}

TEST(AdmitTest, HealthAndThePageNeedNoToken) {
  RequestHead head;
  head.method = "GET";
  head.path = "/api/v1/health";
  EXPECT_FALSE(Admit(head, IsGood));
  head.path = "/index.html";
  EXPECT_FALSE(Admit(head, IsGood));
}

// Connector names and run counts are the operator's: Prometheus sends the token from a file.
TEST(AdmitTest, MetricsNeedTheToken) {
  RequestHead head;
  head.method = "GET";
  head.path = "/metrics";
  auto refused = Admit(head, IsGood);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->http_status, 401);
  head.authorization = "Bearer s3u_wrong";
  ASSERT_TRUE(Admit(head, IsGood));
  head.authorization = "Bearer s3u_good";
  EXPECT_FALSE(Admit(head, IsGood));
  // Only that path: a page route that merely starts with it is still the page's.
  head.authorization = "";
  head.path = "/metrics.html";
  EXPECT_FALSE(Admit(head, IsGood));
}

TEST(AdmitTest, AMissingTokenIsRefusedBeforeAHugeBodyIsLookedAt) {
  RequestHead head = Post("/api/v1/accounts", 150ull << 20);
  head.authorization = "";
  auto refused = Admit(head, IsGood);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->http_status, 401);
  EXPECT_EQ(refused->code, ErrorCode::kUnauthenticated);
  EXPECT_NE(refused->message.find("required"), std::string::npos);
}

TEST(AdmitTest, AWrongTokenIsRefusedAndNotEchoed) {
  RequestHead head = Post("/api/v1/accounts", 10);
  head.authorization = "Bearer s3u_wrong";
  auto refused = Admit(head, IsGood);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->http_status, 401);
  EXPECT_EQ(refused->message.find("s3u_wrong"), std::string::npos);
}

TEST(AdmitTest, ALowercaseBearerSchemeIsAccepted) {
  RequestHead head = Post("/api/v1/accounts", 10);
  head.authorization = "bearer s3u_good";
  EXPECT_FALSE(Admit(head, IsGood));
}

TEST(AdmitTest, ASizedBodyOverTheCapIs413NamingTheLimit) {
  EXPECT_FALSE(Admit(Post("/api/v1/accounts", kMaxBodyBytes), IsGood));
  auto refused = Admit(Post("/api/v1/accounts", kMaxBodyBytes + 1), IsGood);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->http_status, 413);
  EXPECT_EQ(refused->code, ErrorCode::kResourceExhausted);
  EXPECT_NE(refused->message.find("1048576 bytes"), std::string::npos);
}

TEST(AdmitTest, AChunkedBodyPassesTheHeadToBeCappedWhileRead) {
  RequestHead head = Post("/api/v1/accounts", 0);
  head.content_length.reset();
  head.has_content_length_header = false;
  head.chunked = true;
  EXPECT_FALSE(Admit(head, IsGood));
}

TEST(AdmitTest, AnUnreadableContentLengthIs400) {
  RequestHead head = Post("/api/v1/accounts", 0);
  head.content_length.reset();
  auto refused = Admit(head, IsGood);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->http_status, 400);
  EXPECT_EQ(refused->subject, "Content-Length");
}

TEST(AdmitTest, ABodyOnAGetOrDeleteIs400) {
  for (std::string_view method : {"GET", "DELETE", "PATCH"}) {
    RequestHead head = Post("/api/v1/accounts", 5);
    head.method = method;
    auto refused = Admit(head, IsGood);
    ASSERT_TRUE(refused) << method;
    EXPECT_EQ(refused->http_status, 400) << method;
  }
}

TEST(AdmitTest, ABodyThatIsNotJsonIs415) {
  for (std::string_view type :
       {"text/plain", "", "application/x-www-form-urlencoded", "application/jsonp"}) {
    RequestHead head = Post("/api/v1/accounts", 5);
    head.content_type = type;
    auto refused = Admit(head, IsGood);
    ASSERT_TRUE(refused) << type;
    EXPECT_EQ(refused->http_status, 415) << type;
  }
  RequestHead head = Post("/api/v1/accounts", 5);
  head.content_type = "Application/JSON; charset=utf-8";
  EXPECT_FALSE(Admit(head, IsGood));
}

TEST(AdmitTest, AnEmptyPostNeedsNoContentType) {
  RequestHead head = Post("/api/v1/connectors/c1/run", 0);
  head.content_type = "";
  EXPECT_FALSE(Admit(head, IsGood));
  head.has_content_length_header = false;
  head.content_length.reset();
  EXPECT_FALSE(Admit(head, IsGood));
}

}  // namespace
}  // namespace s3u::service
