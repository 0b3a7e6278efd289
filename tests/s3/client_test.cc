// S3Client's retries against the scripted HttpClient (tests/support/scripted_http.h), with a
// FakeClock: outages ridden out within the time budget, the message when it runs out,
// Retry-After (seconds and HTTP date) on a 503, and the retry counters. The same client over
// real HTTP, through the fault proxy in front of radosgw, is in tests/integration.
#include "s3/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "support/fake_clock.h"
#include "support/scripted_http.h"

namespace s3u::s3 {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::Answer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const char* kSlowDown =
    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
const char* kInternal =
    "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message>"
    "</Error>";

class S3ClientRetryTest : public ::testing::Test {
 protected:
  S3Client& Client() {
    if (!client_) {
      ClientOptions options;
      options.endpoint_url = "http://s3.test";
      options.retry = retry_;
      options.sign_payload = sign_payload_;
      auto created = S3Client::Create(http_, credentials_, clock_, log_, options);
      EXPECT_TRUE(created) << created.error().ToString();
      client_ = std::move(*created);
    }
    return *client_;
  }
  Result<CompletedPart> UploadPart3() {
    return Client().UploadPart({"bkt", "day/key.csv"}, "upload-1", 3, "part bytes",
                               ChecksumAlgorithm::kNone);
  }
  size_t Sent(const std::string& route_part) { return http_.Requests(route_part).size(); }
  std::string LogText() {
    std::lock_guard lock(log_mu_);
    return log_text_;
  }

  http::RetryPolicy retry_;  // the default: a 5-minute budget, no attempt cap
  bool sign_payload_ = true;
  testing::ScriptedHttp http_;
  testing::FakeClock clock_;
  std::mutex log_mu_;
  std::string log_text_;
  Logger log_{LogLevel::kInfo, [this](LogLevel, std::string_view line) {
                std::lock_guard lock(log_mu_);
                log_text_ += std::string(line) + "\n";
              }};
  StaticCredentialsProvider credentials_{Credentials{"AKIDEXAMPLE", "secret-key", "", {}}};
  std::unique_ptr<S3Client> client_;
};

// The default checksum is auto: no header of its own while the payload's SHA-256 is signed
// (the store verifies that), Content-MD5 on a store other than AWS once it is not.
using S3ClientChecksumTest = S3ClientRetryTest;

TEST_F(S3ClientChecksumTest, DefaultSendsNoChecksumHeaderWithASignedPayload) {
  http_.On("PUT /bkt/day/key.csv", {{200, "", {{"ETag", "\"e1\""}}}});
  ASSERT_TRUE(Client().PutObject({"bkt", "day/key.csv"}, "body", ObjectOptions{}));
  auto sent = http_.Requests("PUT /bkt/day/key.csv");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].Header("Content-MD5"), "");
  EXPECT_EQ(sent[0].Header("x-amz-checksum-crc32c"), "");
  EXPECT_NE(sent[0].Header("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
}

TEST_F(S3ClientChecksumTest, DefaultSendsContentMd5WithAnUnsignedPayloadOnAnotherStore) {
  sign_payload_ = false;
  http_.On("PUT /bkt/day/key.csv", {{200, "", {{"ETag", "\"e1\""}}}});
  ASSERT_TRUE(Client().PutObject({"bkt", "day/key.csv"}, "", ObjectOptions{}));
  auto sent = http_.Requests("PUT /bkt/day/key.csv");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].Header("Content-MD5"), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(sent[0].Header("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
}

TEST_F(S3ClientRetryTest, SixtySecondSlowDownOutageOnAPartIsRiddenOut) {
  http_.On("PUT /bkt/day/key.csv", {{200, "", {{"ETag", "\"e3\""}}}});
  const auto end = clock_.Monotonic() + seconds(60);
  http_.SetOutage([&] { return clock_.Monotonic() < end; }, {503, kSlowDown});
  auto part = UploadPart3();
  ASSERT_TRUE(part) << part.error().ToString();
  EXPECT_EQ(part->etag, "\"e3\"");
  EXPECT_GE(clock_.Monotonic(), end);
  const size_t sent = Sent("partNumber=3");
  ASSERT_GT(sent, 5u);
  // Every retry of this part, all of them throttles (503 SlowDown), each logged.
  EXPECT_EQ(Client().retry_counts().retries, sent - 1);
  EXPECT_EQ(Client().retry_counts().throttles, sent - 1);
  EXPECT_THAT(LogText(),
              HasSubstr("S3 UploadPart s3://bkt/day/key.csv part 3: attempt 1 failed: "));
  EXPECT_THAT(LogText(), HasSubstr("; retrying in "));
  for (auto pause : clock_.Sleeps()) EXPECT_LE(pause, seconds(20));
}

TEST_F(S3ClientRetryTest, TenMinuteOutageFailsSayingHowLongAndHowManyAttempts) {
  const auto start = clock_.Monotonic();
  http_.SetOutage([&] { return clock_.Monotonic() < start + minutes(10); }, {500, kInternal});
  auto put = Client().PutObject({"bkt", "k"}, "body", {});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(put.error().subject, "s3://bkt/k");
  EXPECT_EQ(put.error().http_status, 500);
  const size_t sent = Sent("/bkt/k");
  EXPECT_THAT(put.error().message, StartsWith("S3 stayed unavailable for 5m 0s (" +
                                              std::to_string(sent) + " attempts): "));
  EXPECT_THAT(put.error().message, HasSubstr("InternalError"));
  EXPECT_EQ(clock_.Monotonic() - start, minutes(5));
  EXPECT_EQ(Client().retry_counts().retries, sent - 1);
  EXPECT_EQ(Client().retry_counts().throttles, 0u);
}

TEST_F(S3ClientRetryTest, ConnectionResetsAndStallsAreRetriedAndCounted) {
  http_.On("PUT /bkt/day/key.csv",
           {Answer::Failure({ErrorCode::kUnavailable, "s3.test", "connection reset", 0, {}}),
            Answer::Failure({ErrorCode::kUnavailable, "s3.test", "stalled: 0 bytes/s", 0, {}}),
            {200, "", {{"ETag", "\"e3\""}}}});
  auto part = UploadPart3();
  ASSERT_TRUE(part) << part.error().ToString();
  EXPECT_EQ(Sent("partNumber=3"), 3u);
  EXPECT_EQ(Client().retry_counts().retries, 2u);
  EXPECT_EQ(Client().retry_counts().throttles, 0u);
}

TEST_F(S3ClientRetryTest, RetryAfterOnA503IsHonouredInSecondsAndAsADate) {
  // Wed, 21 Oct 2015 07:28:00 GMT
  clock_.SetWall(std::chrono::sys_days(std::chrono::year(2015) / 10 / 21) + std::chrono::hours(7) +
                 std::chrono::minutes(28));
  http_.On("PUT /bkt/day/key.csv",
           {{503, kSlowDown, {{"Retry-After", "7"}}},
            {503, kSlowDown, {{"Retry-After", "Wed, 21 Oct 2015 07:28:37 GMT"}}},
            {200, "", {{"ETag", "\"e3\""}}}});
  auto part = UploadPart3();
  ASSERT_TRUE(part) << part.error().ToString();
  // 7 s; then the date, 30 s after the second answer arrived (at 07:28:07).
  EXPECT_THAT(clock_.Sleeps(), ElementsAre(seconds(7), seconds(30)));
}

TEST_F(S3ClientRetryTest, MaxAttemptsCapsTheRetriesWhenGiven) {
  retry_.max_attempts = 3;
  http_.On("PUT /bkt/k", {{500, kInternal}});
  auto put = Client().PutObject({"bkt", "k"}, "body", {});
  ASSERT_FALSE(put);
  EXPECT_THAT(put.error().message, HasSubstr("(after 3 attempts)"));
  EXPECT_EQ(Sent("/bkt/k"), 3u);
}

TEST_F(S3ClientRetryTest, ASmallerBudgetGivesUpSooner) {
  retry_.budget = seconds(30);
  http_.On("PUT /bkt/k", {{503, kSlowDown}});
  auto put = Client().PutObject({"bkt", "k"}, "body", {});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kResourceExhausted);
  EXPECT_THAT(put.error().message, StartsWith("S3 kept throttling requests for 30s ("));
}

}  // namespace
}  // namespace s3u::s3
