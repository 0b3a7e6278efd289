#include "core/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3u {
namespace {

class LoggerTest : public ::testing::Test {
 protected:
  std::vector<std::string> lines_;
  Logger logger_{LogLevel::kDebug,
                 [this](LogLevel, std::string_view line) { lines_.emplace_back(line); }};
};

TEST_F(LoggerTest, RegisteredSecretIsMaskedEverywhereInTheLine) {
  logger_.AddSecret("wJalrXUtnFEMI/K7MDENG");
  logger_.Info("secret=wJalrXUtnFEMI/K7MDENG and again wJalrXUtnFEMI/K7MDENG.");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "secret=*** and again ***.");
}

TEST_F(LoggerTest, AuthorizationSignatureIsMasked) {
  logger_.Debug(
      "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;x-amz-date, "
      "Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("Signature=***"), std::string::npos);
  EXPECT_EQ(lines_[0].find("aeeed9bb"), std::string::npos);
  // The key id is not a secret and stays readable for debugging.
  EXPECT_NE(lines_[0].find("Credential=AKID"), std::string::npos);
}

TEST_F(LoggerTest, PresignedQueryAndTokensAreMasked) {
  logger_.Info("GET /k?X-Amz-Security-Token=FQoGZX&X-Amz-Signature=abc123&x=1");
  logger_.Info("Authorization: Bearer eyJhbGciOi.payload.sig");
  logger_.Info(R"({"access_token":"eyJ.x.y","expires_in":3600})");
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_EQ(lines_[0], "GET /k?X-Amz-Security-Token=***&X-Amz-Signature=***&x=1");
  EXPECT_EQ(lines_[1], "Authorization: Bearer ***");
  EXPECT_EQ(lines_[2], R"({"access_token":"***","expires_in":3600})");
}

TEST_F(LoggerTest, UserInfoInUrlsIsMasked) {
  logger_.Info("--endpoint-url: 'https://AKID:s3cr3t@minio.local:9000/x' has user info");
  logger_.Info("see http://example.com/a@b and mailto-like a@b");
  EXPECT_EQ(lines_.at(0), "--endpoint-url: 'https://***@minio.local:9000/x' has user info");
  EXPECT_EQ(lines_.at(1), "see http://example.com/a@b and mailto-like a@b");
}

TEST_F(LoggerTest, ShortSecretsAreIgnoredToKeepTextReadable) {
  logger_.AddSecret("a");
  logger_.Info("a banana");
  EXPECT_EQ(lines_.at(0), "a banana");
}

TEST_F(LoggerTest, LongerSecretContainingAShorterOneIsMaskedWhole) {
  logger_.AddSecret("abcd");
  logger_.AddSecret("abcdefgh");
  logger_.Info("x abcdefgh y");
  EXPECT_EQ(lines_.at(0), "x *** y");
}

TEST_F(LoggerTest, LinesBelowTheLevelAreDropped) {
  logger_.SetLevel(LogLevel::kWarn);
  logger_.Info("quiet");
  logger_.Warn("loud");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "loud");
}

TEST(LogLevelTest, ParsesKnownNamesAndRejectsOthers) {
  LogLevel level = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_FALSE(ParseLogLevel("verbose", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
}

TEST_F(LoggerTest, AConnectorNameWithANewlineCannotForgeALine) {
  logger_.Info(std::string("connector ") + "evil\ninfo: run 42 succeeded: 1 rows" + " created");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "connector evil\\ninfo: run 42 succeeded: 1 rows created");
}

TEST_F(LoggerTest, ControlCharactersAndNulAreShownAsEscapes) {
  constexpr char kText[] = "path a\0b\r\tc\x1b[31m\x7f";
  logger_.Warn(std::string_view(kText, sizeof(kText) - 1));
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "path a\\x00b\\r\\tc\\x1b[31m\\x7f");
}

TEST_F(LoggerTest, ASecretSplitByAControlCharacterIsStillMaskedBeforeEscaping) {
  logger_.AddSecret("s3cr\nt-value");
  logger_.Info("key s3cr\nt-value");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0], "key ***");
}

TEST(EscapeControlTest, LeavesUtf8AndPrintableAsciiAlone) {
  EXPECT_EQ(EscapeControl("Ünïcödé ✓ \\ \" ok"), "Ünïcödé ✓ \\ \" ok");
  EXPECT_EQ(EscapeControl(""), "");
}

TEST(JsonLogLineTest, IsOneObjectWithTimeLevelAndMessage) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764864000123));
  EXPECT_EQ(
      JsonLogLine(LogLevel::kWarn, t, R"(say "hi" \x00 \n)"),
      R"({"time":"2025-12-04T16:00:00.123Z","level":"warn","message":"say \"hi\" \\x00 \\n"})");
}

}  // namespace
}  // namespace s3u
