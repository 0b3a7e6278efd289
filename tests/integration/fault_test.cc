// Failure paths through the fault proxy in front of radosgw: each ends with either the
// correct object or no object and no incomplete upload, and the request counts show what
// was retried. Time is a FakeClock: backoff never sleeps.
#include <gtest/gtest.h>

#include "core/executor.h"
#include "http/curl_client.h"
#include "s3/uploader.h"
#include "support/fake_clock.h"
#include "support/servers.h"

namespace s3u::s3 {
namespace {

using nlohmann::json;
constexpr uint64_t kPart = 5 << 20;

const char* kSlowDown =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
    "<Message>Please reduce your request rate.</Message></Error>";
const char* kInternal =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code>"
    "<Message>We encountered an internal error. Please try again.</Message></Error>";

// A proxy rule that answers `op` itself, without forwarding: from the nth matching request,
// `times` times (0 = every time).
json Respond(const std::string& op, int status, const std::string& body, int nth, int times,
             const json& headers = json::object()) {
  return {{"op", op},         {"nth", nth},   {"times", times},    {"action", "respond"},
          {"status", status}, {"body", body}, {"headers", headers}};
}

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = testing::UniqueBucket("fault");
    testing::CreateBucketWithAwsCli(testing::RadosGw(), bucket_);
    proxy_ = std::make_unique<testing::FaultProxy>(testing::RadosGw());
  }

  // Uploads `size` bytes through the proxy with `credentials`; returns the result.
  Result<UploadResult> Upload(uint64_t size, const Credentials& credentials,
                              std::chrono::seconds stall_timeout = std::chrono::seconds(30)) {
    http::HttpOptions http_options;
    http_options.low_speed_time = stall_timeout;
    http::CurlHttpClient http(http_options);
    StaticCredentialsProvider provider(credentials);
    ClientOptions options;
    options.endpoint_url = proxy_->endpoint();
    options.retry = retry_;
    auto client = S3Client::Create(http, provider, clock_, log_, options);
    if (!client) return Fail(client.error());
    retries_ = (*client)->retry_counts();  // refreshed below, after the upload
    ThreadPool pool(2);
    UploadOptions upload;
    upload.part_size = kPart;
    upload.concurrency = 2;
    data_ = testing::TestBytes(size, size);
    StreamingUploader uploader(**client, pool, log_, {bucket_, "obj"}, upload);
    if (auto w = uploader.Write(data_); !w) {
      uploader.Abort();
      retries_ = (*client)->retry_counts();
      return Fail(w.error());
    }
    auto finished = uploader.Finish();
    retries_ = (*client)->retry_counts();
    return finished;
  }

  void ExpectObjectIsTheData() {
    EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket_, "obj"), data_);
    EXPECT_EQ(testing::CountUploadsWithAwsCli(testing::RadosGw(), bucket_), 0);
  }
  void ExpectNothingLeft() {
    EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket_, "obj"), std::nullopt);
    EXPECT_EQ(testing::CountUploadsWithAwsCli(testing::RadosGw(), bucket_), 0);
  }

  std::string bucket_;
  std::string data_;
  std::unique_ptr<testing::FaultProxy> proxy_;
  // Most tests cap attempts at 3 to keep the request counts exact; the budget tests clear it.
  http::RetryPolicy retry_ = [] {
    http::RetryPolicy capped;
    capped.max_attempts = 3;
    return capped;
  }();
  http::RetryCounts retries_;  // the client's counters after the last Upload
  testing::FakeClock clock_;
  std::vector<std::string> lines_;
  Logger log_{LogLevel::kDebug, [this](LogLevel, std::string_view l) { lines_.emplace_back(l); }};
};

TEST_F(FaultTest, SlowDownOnAPartIsRetriedAfterRetryAfter) {
  proxy_->SetRules(json::array(
      {Respond("UploadPart", 503, kSlowDown, 2, 1, json::object({{"Retry-After", "7"}}))}));
  auto result = Upload(3 * kPart, testing::RadosGw().owner);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(proxy_->Count("UploadPart"), 4);  // 3 parts + 1 retry
  EXPECT_EQ(proxy_->Count("CompleteMultipartUpload"), 1);
  bool waited = false;
  for (auto d : clock_.Sleeps()) waited |= d >= std::chrono::seconds(7);
  EXPECT_TRUE(waited) << "Retry-After: 7 was not honoured";
  ExpectObjectIsTheData();
}

TEST_F(FaultTest, InternalErrorOnPutObjectIsRetried) {
  proxy_->SetRules(json::array({Respond("PutObject", 500, kInternal, 1, 2)}));
  auto result = Upload(1000, testing::RadosGw().owner);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(proxy_->Count("PutObject"), 3);
  ExpectObjectIsTheData();
}

TEST_F(FaultTest, ConnectionResetInTheMiddleOfAPartIsRetried) {
  proxy_->SetRules(json::array({{{"op", "UploadPart"},
                                 {"nth", 1},
                                 {"times", 1},
                                 {"action", "reset"},
                                 {"after_bytes", 1 << 20}}}));
  auto result = Upload(2 * kPart + 10, testing::RadosGw().owner);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(proxy_->Count("UploadPart"), 4);
  ExpectObjectIsTheData();
}

TEST_F(FaultTest, StallPastTheTimeoutIsRetried) {
  proxy_->SetRules(
      json::array({{{"op", "PutObject"}, {"times", 1}, {"action", "stall"}, {"seconds", 4}}}));
  auto result = Upload(1000, testing::RadosGw().owner, std::chrono::seconds(1));
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(proxy_->Count("PutObject"), 2);
  ExpectObjectIsTheData();
}

TEST_F(FaultTest, CompleteAnswering200WithErrorOnceIsRetried) {
  proxy_->SetRules(json::array({Respond("CompleteMultipartUpload", 200, kInternal, 1, 1)}));
  auto result = Upload(kPart + 1, testing::RadosGw().owner);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(proxy_->Count("CompleteMultipartUpload"), 2);
  EXPECT_EQ(proxy_->Count("AbortMultipartUpload"), 0);
  ExpectObjectIsTheData();
}

TEST_F(FaultTest, CompleteAlwaysAnswering200WithErrorAbortsAndLeavesNothing) {
  proxy_->SetRules(json::array({Respond("CompleteMultipartUpload", 200, kInternal, 1, 0)}));
  auto result = Upload(kPart + 1, testing::RadosGw().owner);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(proxy_->Count("CompleteMultipartUpload"), 3);
  EXPECT_EQ(proxy_->Count("AbortMultipartUpload"), 1);
  ExpectNothingLeft();
}

TEST_F(FaultTest, PartFailingEveryAttemptAbortsTheUpload) {
  proxy_->SetRules(json::array({Respond("UploadPart", 500, kInternal, 2, 0)}));
  auto result = Upload(3 * kPart, testing::RadosGw().owner);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(result.error().subject.find("part"), std::string::npos) << result.error().subject;
  EXPECT_NE(result.error().message.find("after 3 attempts"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(proxy_->Count("CompleteMultipartUpload"), 0);
  EXPECT_EQ(proxy_->Count("AbortMultipartUpload"), 1);
  ExpectNothingLeft();
}

TEST_F(FaultTest, PutOnlyUserCannotAbortAndSaysWhatItLeftBehind) {
  testing::GrantPutObjectOnly(testing::RadosGw(), bucket_);
  proxy_->SetRules(json::array({Respond("UploadPart", 500, kInternal, 2, 0)}));
  auto result = Upload(2 * kPart + 1, testing::RadosGwPutOnlyUser());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("left behind"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("abort-multipart-upload"), std::string::npos);
  EXPECT_EQ(proxy_->Count("AbortMultipartUpload"), 1);
  // Nothing visible; the one incomplete upload is the one the message names.
  EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket_, "obj"), std::nullopt);
  EXPECT_EQ(testing::CountUploadsWithAwsCli(testing::RadosGw(), bucket_), 1);
}

// The budget tests run on the default policy (a 5-minute budget, no attempt cap) in fake time:
// backoff pauses advance the FakeClock instead of sleeping, so a minute of outage takes well
// under a second of wall time while the proxy really answers every request with a 503.

TEST_F(FaultTest, SixtySecondOutageOfTheStoreIsRiddenOutWithoutRestartingTheUpload) {
  retry_ = http::RetryPolicy{};
  const auto start = clock_.Monotonic();
  // Everything fails from the second part on, until a minute of (fake) time has passed.
  proxy_->SetRules(json::array({Respond("UploadPart", 503, kSlowDown, 2, 0),
                                Respond("CompleteMultipartUpload", 503, kSlowDown, 1, 0)}));
  clock_.CallAt(start + std::chrono::seconds(60), [this] { proxy_->SetRules(json::array()); });
  auto result = Upload(3 * kPart, testing::RadosGw().owner);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_GE(clock_.Monotonic() - start, std::chrono::seconds(60));
  EXPECT_EQ(proxy_->Count("CreateMultipartUpload"), 1);  // one upload, parts retried alone
  EXPECT_GT(proxy_->Count("UploadPart"), 3 + 4);         // more retries than the old 5 attempts
  EXPECT_EQ(retries_.retries, static_cast<uint64_t>(proxy_->Count("UploadPart") - 3 +
                                                    proxy_->Count("CompleteMultipartUpload") - 1));
  EXPECT_EQ(retries_.throttles, retries_.retries);
  ExpectObjectIsTheData();
}

TEST_F(FaultTest, OutageLongerThanTheBudgetFailsSayingHowLongAndAbortsTheUpload) {
  retry_ = http::RetryPolicy{};
  const auto start = clock_.Monotonic();
  proxy_->SetRules(json::array({Respond("UploadPart", 500, kInternal, 2, 0)}));
  auto result = Upload(2 * kPart + 1, testing::RadosGw().owner);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  // 5m and some seconds: the other failing part's pauses move the shared clock too.
  EXPECT_NE(result.error().message.find("S3 stayed unavailable for 5m "), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find(" attempts): "), std::string::npos);
  EXPECT_GE(clock_.Monotonic() - start, std::chrono::minutes(5));
  EXPECT_EQ(proxy_->Count("AbortMultipartUpload"), 1);
  ExpectNothingLeft();
}

TEST_F(FaultTest, WrongRegionIsFollowedToTheBucketsRegion) {
  // radosgw accepts any region, so the proxy answers like AWS does for a bucket elsewhere.
  proxy_->SetRules(json::array(
      {Respond("PutObject", 301,
               "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting "
               "to access must be addressed using the specified endpoint.</Message></Error>",
               1, 1, json::object({{"x-amz-bucket-region", "eu-west-1"}}))}));
  auto result = Upload(100, testing::RadosGw().owner);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(proxy_->Count("PutObject"), 2);
  bool warned = false;
  for (const auto& l : lines_)
    warned |= l.find("is in region eu-west-1, not us-east-1") != std::string::npos;
  EXPECT_TRUE(warned);
  ExpectObjectIsTheData();
}

}  // namespace
}  // namespace s3u::s3
