// What matters also against the other real stores: Swift s3api (the strictest multipart
// rules) and moto (the only one that honours If-None-Match on CompleteMultipartUpload and
// records x-amz-checksum-*; skipped where Python's moto is not installed).
#include <gtest/gtest.h>

#include "core/executor.h"
#include "http/curl_client.h"
#include "s3/uploader.h"
#include "support/servers.h"

namespace s3u::s3 {
namespace {

constexpr uint64_t kPart = 5 << 20;

class PeerStore {
 public:
  explicit PeerStore(const testing::S3Server& server)
      : provider_(server.owner), http_(http::HttpOptions{}) {
    ClientOptions options;
    options.endpoint_url = server.endpoint;
    client_ = std::move(*S3Client::Create(http_, provider_, clock_, log_, options));
  }
  Result<UploadResult> Upload(const std::string& bucket, const std::string& key,
                              const std::string& data, ObjectOptions object = {}) {
    ThreadPool pool(2);
    UploadOptions options;
    options.part_size = kPart;
    options.concurrency = 2;
    options.object = std::move(object);
    StreamingUploader uploader(*client_, pool, log_, {bucket, key}, options);
    if (auto w = uploader.Write(data); !w) {
      uploader.Abort();
      return Fail(w.error());
    }
    return uploader.Finish();
  }
  S3Client& client() { return *client_; }

 private:
  SystemClock clock_;
  Logger log_{LogLevel::kWarn};
  StaticCredentialsProvider provider_;
  http::CurlHttpClient http_;
  std::unique_ptr<S3Client> client_;
};

TEST(SwiftTest, MultipartUploadIsReadBackIdentical) {
  const auto& swift = testing::SwiftS3();
  const std::string bucket = testing::UniqueBucket("swift");
  testing::CreateBucketWithAwsCli(swift, bucket);
  PeerStore store(swift);
  const std::string data = testing::TestBytes(2 * kPart + 1, 11);
  auto result = store.Upload(bucket, "dir/a b+c.bin", data);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->parts, 3);
  EXPECT_EQ(testing::ReadBackWithAwsCli(swift, bucket, "dir/a b+c.bin"), data);
  EXPECT_EQ(testing::CountUploadsWithAwsCli(swift, bucket), 0);
}

TEST(SwiftTest, DeleteObjectsSendsTheContentMd5SwiftRequires) {
  const auto& swift = testing::SwiftS3();
  const std::string bucket = testing::UniqueBucket("swiftdel");
  testing::CreateBucketWithAwsCli(swift, bucket);
  PeerStore store(swift);
  ASSERT_TRUE(store.client().PutObject({bucket, "x1"}, "1", {}));
  ASSERT_TRUE(store.client().PutObject({bucket, "x2"}, "2", {}));
  auto deleted = store.client().DeleteObjects(bucket, {"x1", "x2"});
  ASSERT_TRUE(deleted) << deleted.error().ToString();
  EXPECT_TRUE(deleted->errors.empty());
  EXPECT_EQ(testing::ReadBackWithAwsCli(swift, bucket, "x1"), std::nullopt);
}

TEST(MotoTest, CreateOnlyMultipartRefusesAnExistingKeyAndLeavesNoUpload) {
  const auto& moto = testing::Moto();
  if (!moto) GTEST_SKIP() << "Python's moto is not installed: moto-only checks skipped";
  const std::string bucket = testing::UniqueBucket("moto");
  testing::CreateBucketWithAwsCli(*moto, bucket);
  PeerStore store(*moto);
  ObjectOptions create_only;
  create_only.create_only = true;
  const std::string first = testing::TestBytes(kPart + 1, 1);
  ASSERT_TRUE(store.Upload(bucket, "k", first, create_only));
  auto second = store.Upload(bucket, "k", testing::TestBytes(kPart + 1, 2), create_only);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition) << second.error().ToString();
  EXPECT_EQ(testing::ReadBackWithAwsCli(*moto, bucket, "k"), first);
  EXPECT_EQ(testing::CountUploadsWithAwsCli(*moto, bucket), 0);
}

TEST(MotoTest, Crc32cMultipartCarriesPartChecksumsIntoComplete) {
  const auto& moto = testing::Moto();
  if (!moto) GTEST_SKIP() << "Python's moto is not installed: moto-only checks skipped";
  const std::string bucket = testing::UniqueBucket("motocrc");
  testing::CreateBucketWithAwsCli(*moto, bucket);
  PeerStore store(*moto);
  ObjectOptions crc;
  crc.checksum = ChecksumAlgorithm::kCrc32c;
  const std::string data = testing::TestBytes(2 * kPart + 3, 5);
  auto result = store.Upload(bucket, "crc", data, crc);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(testing::ReadBackWithAwsCli(*moto, bucket, "crc"), data);
}

}  // namespace
}  // namespace s3u::s3
