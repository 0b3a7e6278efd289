// S3Client against real radosgw (signature-checking), read back with the aws cli.
#include <gtest/gtest.h>

#include "core/log.h"
#include "http/curl_client.h"
#include "s3/client.h"
#include "support/fake_clock.h"
#include "support/servers.h"

namespace s3u::s3 {
namespace {

using testing::AwsCli;
using testing::RadosGw;
using testing::ReadBackWithAwsCli;

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = testing::UniqueBucket("client");
    testing::CreateBucketWithAwsCli(RadosGw(), bucket_);
  }

  std::unique_ptr<S3Client> MakeClient(Credentials credentials, ClientOptions options = {}) {
    providers_.push_back(std::make_unique<StaticCredentialsProvider>(credentials));
    options.endpoint_url = options.endpoint_url.value_or(RadosGw().endpoint);
    options.retry.max_attempts = 2;
    auto client = S3Client::Create(http_, *providers_.back(), clock_, log_, options);
    EXPECT_TRUE(client) << client.error().ToString();
    return std::move(*client);
  }
  std::unique_ptr<S3Client> Owner() { return MakeClient(RadosGw().owner); }

  std::string bucket_;
  SystemClock clock_;
  std::vector<std::string> log_lines_;
  Logger log_{LogLevel::kDebug,
              [this](LogLevel, std::string_view l) { log_lines_.emplace_back(l); }};
  http::CurlHttpClient http_{http::HttpOptions{}};
  std::vector<std::unique_ptr<CredentialsProvider>> providers_;
};

TEST_F(S3ClientTest, PutObjectIsReadBackByteForByteByTheAwsCli) {
  auto client = Owner();
  const std::string body = testing::TestBytes(100000, 1);
  auto etag = client->PutObject({bucket_, "dir/data.bin"}, body, {});
  ASSERT_TRUE(etag) << etag.error().ToString();
  EXPECT_FALSE(etag->empty());
  EXPECT_EQ(ReadBackWithAwsCli(RadosGw(), bucket_, "dir/data.bin"), body);
}

TEST_F(S3ClientTest, KeysNeedingEncodingRoundTrip) {
  auto client = Owner();
  const std::vector<std::string> keys = {"a b+c=d&e;f", "ünïcødé/😀.txt", "tilde~/dots..//double",
                                         "percent%20literal", "q?x=1#frag"};
  for (const auto& key : keys) {
    ASSERT_TRUE(client->PutObject({bucket_, key}, "v:" + key, {})) << key;
    EXPECT_EQ(ReadBackWithAwsCli(RadosGw(), bucket_, key), "v:" + key) << key;
    auto head = client->HeadObject({bucket_, key});
    ASSERT_TRUE(head) << key << ": " << head.error().ToString();
    EXPECT_EQ(head->size, key.size() + 2);
  }
  auto listed = client->ListObjectsV2(bucket_, "", "");
  ASSERT_TRUE(listed) << listed.error().ToString();
  EXPECT_EQ(listed->objects.size(), keys.size());
}

TEST_F(S3ClientTest, GetObjectStreamsIntoTheSink) {
  auto client = Owner();
  const std::string body = testing::TestBytes(3 << 20, 2);
  ASSERT_TRUE(client->PutObject({bucket_, "big"}, body, {}));
  std::string got;
  auto head = client->GetObject({bucket_, "big"}, [&](std::string_view chunk) {
    got.append(chunk);
    return true;
  });
  ASSERT_TRUE(head) << head.error().ToString();
  EXPECT_EQ(got, body);
}

TEST_F(S3ClientTest, ObjectHeadersAndMetadataAreStored) {
  auto client = Owner();
  ObjectOptions options;
  options.content_type = "text/csv";
  options.content_encoding = "gzip";
  options.metadata = {{"run-id", "r42"}};
  ASSERT_TRUE(client->PutObject({bucket_, "meta.csv"}, "x", options));
  auto head = client->HeadObject({bucket_, "meta.csv"});
  ASSERT_TRUE(head);
  EXPECT_EQ(head->content_type, "text/csv");
  ASSERT_EQ(head->metadata.size(), 1u);
  EXPECT_EQ(head->metadata[0].second, "r42");
}

TEST_F(S3ClientTest, CreateOnlyRefusesAnExistingKey) {
  auto client = Owner();
  ObjectOptions options;
  options.create_only = true;
  ASSERT_TRUE(client->PutObject({bucket_, "once"}, "first", options));
  auto second = client->PutObject({bucket_, "once"}, "second", options);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ReadBackWithAwsCli(RadosGw(), bucket_, "once"), "first");
}

TEST_F(S3ClientTest, WrongSecretSaysTheSecretDoesNotMatchAndNeverPrintsIt) {
  auto client = MakeClient({RadosGw().owner.access_key_id, "not-the-secret-at-all", "", {}});
  auto put = client->PutObject({bucket_, "k"}, "x", {});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(put.error().message.find("secret"), std::string::npos) << put.error().message;
  EXPECT_EQ(put.error().message.find("not-the-secret-at-all"), std::string::npos);
  for (const auto& line : log_lines_)
    EXPECT_EQ(line.find("not-the-secret-at-all"), std::string::npos);
}

TEST_F(S3ClientTest, UnknownAccessKeyIsUnauthenticated) {
  auto client = MakeClient({"AKIDOESNOTEXIST00001", "whatever-secret", "", {}});
  auto put = client->PutObject({bucket_, "k"}, "x", {});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(put.error().message.find("AKIDOESNOTEXIST00001"), std::string::npos);
}

TEST_F(S3ClientTest, MissingBucketIsNotFoundNamingTheBucket) {
  auto client = Owner();
  auto head = client->HeadBucket("s3u-no-such-bucket-here");
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error().code, ErrorCode::kNotFound);
  auto put = client->PutObject({"s3u-no-such-bucket-here", "k"}, "x", {});
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, ErrorCode::kNotFound);
  EXPECT_NE(put.error().message.find("s3u-no-such-bucket-here"), std::string::npos)
      << put.error().message;
}

TEST_F(S3ClientTest, ClockTwoHoursAheadIsCorrectedFromTheServerTime) {
  testing::FakeClock skewed(std::chrono::system_clock::now() + std::chrono::hours(2));
  StaticCredentialsProvider provider(RadosGw().owner);
  ClientOptions options;
  options.endpoint_url = RadosGw().endpoint;
  auto client = S3Client::Create(http_, provider, skewed, log_, options);
  ASSERT_TRUE(client);
  auto put = (*client)->PutObject({bucket_, "skewed"}, "x", {});
  ASSERT_TRUE(put) << put.error().ToString();
  bool warned = false;
  for (const auto& line : log_lines_) warned |= line.find("2h") != std::string::npos;
  EXPECT_TRUE(warned) << "expected a warning naming the 2h skew";
  EXPECT_EQ((*client)->requests_sent(), 2u);
}

TEST_F(S3ClientTest, ClockTwoHoursAheadFailsSayingByHowMuchWhenCorrectionIsOff) {
  testing::FakeClock skewed(std::chrono::system_clock::now() + std::chrono::hours(2));
  StaticCredentialsProvider provider(RadosGw().owner);
  ClientOptions options;
  options.endpoint_url = RadosGw().endpoint;
  options.correct_clock_skew = false;
  options.retry.max_attempts = 1;
  auto client = S3Client::Create(http_, provider, skewed, log_, options);
  ASSERT_TRUE(client);
  auto put = (*client)->PutObject({bucket_, "skewed"}, "x", {});
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message.find("2h"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("ahead"), std::string::npos) << put.error().message;
}

TEST_F(S3ClientTest, MultipartListingAndAbortLeaveNothing) {
  auto client = Owner();
  S3Location loc{bucket_, "mp/object"};
  auto id = client->CreateMultipartUpload(loc, {});
  ASSERT_TRUE(id) << id.error().ToString();
  const std::string part = testing::TestBytes(5 << 20, 3);
  ASSERT_TRUE(client->UploadPart(loc, *id, 1, part, ChecksumAlgorithm::kMd5));
  ASSERT_TRUE(client->UploadPart(loc, *id, 2, "tail", ChecksumAlgorithm::kMd5));
  auto uploads = client->ListMultipartUploads(bucket_, "mp/");
  ASSERT_TRUE(uploads);
  ASSERT_EQ(uploads->size(), 1u);
  EXPECT_EQ((*uploads)[0].upload_id, *id);
  auto parts = client->ListParts(loc, *id);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].size, 5u << 20);
  // Nothing is visible before completion.
  EXPECT_FALSE(client->HeadObject(loc));
  ASSERT_TRUE(client->AbortMultipartUpload(loc, *id));
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0);
  EXPECT_FALSE(client->UploadPart(loc, *id, 3, "late", ChecksumAlgorithm::kMd5));
}

TEST_F(S3ClientTest, DeleteObjectsRemovesEveryKey) {
  auto client = Owner();
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    keys.push_back("del/" + std::to_string(i) + " & <x>");
    ASSERT_TRUE(client->PutObject({bucket_, keys.back()}, "x", {}));
  }
  auto result = client->DeleteObjects(bucket_, keys);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_TRUE(result->errors.empty());
  auto listed = client->ListObjectsV2(bucket_, "del/", "");
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->objects.empty());
}

TEST_F(S3ClientTest, ListObjectsV2Paginates) {
  auto client = Owner();
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(client->PutObject({bucket_, "p/" + std::to_string(i)}, "x", {}));
  std::string token;
  size_t seen = 0;
  int pages = 0;
  do {
    auto page = client->ListObjectsV2(bucket_, "p/", token, 3);
    ASSERT_TRUE(page) << page.error().ToString();
    seen += page->objects.size();
    token = page->is_truncated ? page->next_continuation_token : "";
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, 7u);
  EXPECT_EQ(pages, 3);
}

}  // namespace
}  // namespace s3u::s3
