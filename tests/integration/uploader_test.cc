// StreamingUploader against real radosgw, in synchronous (InlineExecutor) and asynchronous
// (ThreadPool) modes; every object is read back by the aws cli and compared byte for byte,
// and the request counts are asserted.
#include <gtest/gtest.h>

#include <atomic>

#include "core/executor.h"
#include "http/curl_client.h"
#include "s3/uploader.h"
#include "support/fake_clock.h"
#include "support/servers.h"

namespace s3u::s3 {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kPart = 5 * kMiB;  // S3's minimum: the smallest multipart threshold

// A client of radosgw's owner over `http` (the real client, or a wrapper around it).
struct RgwClient {
  explicit RgwClient(http::HttpClient& http) : provider(testing::RadosGw().owner) {
    ClientOptions options;
    options.endpoint_url = testing::RadosGw().endpoint;
    client = std::move(*S3Client::Create(http, provider, clock, log, options));
  }
  SystemClock clock;
  Logger log{LogLevel::kWarn};
  StaticCredentialsProvider provider;
  std::unique_ptr<S3Client> client;
};

struct SizeCase {
  const char* name;
  uint64_t size;
  int expected_parts;  // 0: single PutObject
};

class UploaderSizeTest : public ::testing::TestWithParam<std::tuple<SizeCase, bool>> {};

TEST_P(UploaderSizeTest, ObjectIsReadBackIdenticalWithExpectedRequests) {
  const auto& [size_case, async] = GetParam();
  const std::string bucket = testing::UniqueBucket("up");
  testing::CreateBucketWithAwsCli(testing::RadosGw(), bucket);
  http::CurlHttpClient http{http::HttpOptions{}};
  RgwClient rgw(http);
  S3Client* client = rgw.client.get();
  Logger& log = rgw.log;

  InlineExecutor inline_executor;
  ThreadPool pool(3);
  Executor& executor = async ? static_cast<Executor&>(pool) : inline_executor;
  UploadOptions options;
  options.part_size = kPart;
  options.concurrency = 3;
  StreamingUploader uploader(*client, executor, log, {bucket, "obj"}, options);

  const std::string data = testing::TestBytes(size_case.size, size_case.size + 7);
  // Uneven writes, so buffers fill across write boundaries.
  for (size_t pos = 0; pos < data.size();) {
    size_t n = std::min<size_t>(data.size() - pos, 777777);
    ASSERT_TRUE(uploader.Write(std::string_view(data).substr(pos, n)));
    pos += n;
  }
  auto result = uploader.Finish();
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->size, size_case.size);
  EXPECT_EQ(result->parts, size_case.expected_parts);
  // Single put: 1 request. Multipart: create + parts + complete + HEAD (radosgw answers
  // Complete with an empty <ETag/>, so the uploader reads it from HEAD).
  const uint64_t expected_requests =
      size_case.expected_parts == 0 ? 1 : 3 + static_cast<uint64_t>(size_case.expected_parts);
  EXPECT_EQ(client->requests_sent(), expected_requests);
  EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket, "obj"), data);
  EXPECT_EQ(testing::CountUploadsWithAwsCli(testing::RadosGw(), bucket), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, UploaderSizeTest,
    ::testing::Combine(::testing::Values(SizeCase{"Empty", 0, 0}, SizeCase{"OneByte", 1, 0},
                                         SizeCase{"ExactlyThreshold", kPart, 0},
                                         SizeCase{"ThresholdPlusOne", kPart + 1, 2},
                                         SizeCase{"OneByteOverPartBoundary", 2 * kPart + 1, 3}),
                       ::testing::Bool()),
    [](const auto& info) {
      return std::string(std::get<0>(info.param).name) +
             (std::get<1>(info.param) ? "Async" : "Sync");
    });

}  // namespace
}  // namespace s3u::s3

namespace s3u::s3 {
namespace {

// Wraps the real client (leveldb EnvWrapper style) to observe how many part uploads are
// in flight at once.
class InFlightCounter final : public http::HttpClient {
 public:
  explicit InFlightCounter(http::HttpClient& real) : real_(real) {}
  Result<http::Response> Send(const http::Request& request) override {
    const bool part = request.url.find("partNumber=") != std::string::npos;
    if (part) {
      int now = ++in_flight_;
      int seen = max_.load();
      while (now > seen && !max_.compare_exchange_weak(seen, now)) {
      }
    }
    auto response = real_.Send(request);
    if (part) --in_flight_;
    return response;
  }
  int max() const { return max_.load(); }

 private:
  http::HttpClient& real_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_{0};
};

TEST(UploaderTest, PartsInFlightNeverExceedConcurrency) {
  const std::string bucket = testing::UniqueBucket("inflight");
  testing::CreateBucketWithAwsCli(testing::RadosGw(), bucket);
  http::CurlHttpClient real{http::HttpOptions{}};
  InFlightCounter http(real);
  RgwClient rgw(http);
  S3Client* client = rgw.client.get();
  Logger& log = rgw.log;
  ThreadPool pool(4);  // more threads than slots: the uploader's admission is what bounds
  UploadOptions options;
  options.part_size = kPart;
  options.concurrency = 2;
  StreamingUploader uploader(*client, pool, log, {bucket, "obj"}, options);
  const std::string data = testing::TestBytes(6 * kPart, 99);
  ASSERT_TRUE(uploader.Write(data));
  auto result = uploader.Finish();
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->parts, 6);
  EXPECT_LE(http.max(), 2);
  EXPECT_GE(http.max(), 1);
  EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket, "obj"), data);
}

TEST(UploaderTest, WriteAfterFinishIsRefused) {
  const std::string bucket = testing::UniqueBucket("after");
  testing::CreateBucketWithAwsCli(testing::RadosGw(), bucket);
  http::CurlHttpClient http{http::HttpOptions{}};
  RgwClient rgw(http);
  S3Client* client = rgw.client.get();
  Logger& log = rgw.log;
  InlineExecutor executor;
  StreamingUploader uploader(*client, executor, log, {bucket, "obj"}, {});
  ASSERT_TRUE(uploader.Write("abc"));
  ASSERT_TRUE(uploader.Finish());
  auto late = uploader.Write("more");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket, "obj"), "abc");
}

}  // namespace
}  // namespace s3u::s3

namespace s3u::s3 {
namespace {

// Two-phase finish: sealed objects are invisible until committed, hold no data, and an abort
// after sealing leaves nothing behind.
TEST(UploaderSealTest, SealedObjectsAppearOnlyOnCommit) {
  const std::string bucket = testing::UniqueBucket("seal");
  testing::CreateBucketWithAwsCli(testing::RadosGw(), bucket);
  http::CurlHttpClient http{http::HttpOptions{}};
  RgwClient rgw(http);
  ThreadPool pool(2);
  UploadOptions options;
  options.part_size = kPart;
  const std::string small = testing::TestBytes(1000, 1);  // would be one PutObject unsealed
  const std::string large = testing::TestBytes(kPart + 12345, 2);
  StreamingUploader first(*rgw.client, pool, rgw.log, {bucket, "a"}, options);
  StreamingUploader second(*rgw.client, pool, rgw.log, {bucket, "b"}, options);
  ASSERT_TRUE(first.Write(small));
  ASSERT_TRUE(second.Write(large));
  ASSERT_TRUE(first.Seal());
  ASSERT_TRUE(second.Seal());
  EXPECT_FALSE(first.Write("more").has_value());  // sealed means closed for writing
  EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket, "a"), std::nullopt);
  EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket, "b"), std::nullopt);
  EXPECT_EQ(testing::CountUploadsWithAwsCli(testing::RadosGw(), bucket), 2);

  auto a = first.Commit();
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->parts, 1);
  auto b = second.Finish();  // Finish after Seal commits
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_EQ(b->parts, 2);
  EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket, "a"), small);
  EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket, "b"), large);
  EXPECT_EQ(testing::CountUploadsWithAwsCli(testing::RadosGw(), bucket), 0);
}

TEST(UploaderSealTest, AbortAfterSealLeavesNothing) {
  const std::string bucket = testing::UniqueBucket("sealabort");
  testing::CreateBucketWithAwsCli(testing::RadosGw(), bucket);
  http::CurlHttpClient http{http::HttpOptions{}};
  RgwClient rgw(http);
  InlineExecutor executor;
  UploadOptions options;
  options.part_size = kPart;
  StreamingUploader uploader(*rgw.client, executor, rgw.log, {bucket, "x"}, options);
  ASSERT_TRUE(uploader.Write(testing::TestBytes(kPart * 2, 3)));
  ASSERT_TRUE(uploader.Seal());
  uploader.Abort();
  EXPECT_FALSE(uploader.Commit().has_value());
  EXPECT_EQ(testing::ReadBackWithAwsCli(testing::RadosGw(), bucket, "x"), std::nullopt);
  EXPECT_EQ(testing::CountUploadsWithAwsCli(testing::RadosGw(), bucket), 0);
}

}  // namespace
}  // namespace s3u::s3
