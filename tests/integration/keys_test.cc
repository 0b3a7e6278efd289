// Keys exactly as written (issue 13, item 2), against radosgw: `s3unload upload` writes each
// hostile key ("..", ".", "//", "%2F", "?", "#", "+", spaces, "~", "=", "&", NFC and NFD);
// the aws cli lists the bucket and boto3 reads every object back (all in one process); keys and
// bodies must be byte for byte what was asked for. The S3Client then drives every operation
// s3unload sends (PUT, multipart, HEAD, list by prefix, DELETE) on each key, path style and
// virtual-hosted (radosgw's rgw_dns_name is "localhost", and curl resolves <bucket>.localhost to
// loopback). Characters a key may not hold are refused before anything is sent, with exit code 2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/log.h"
#include "http/curl_client.h"
#include "s3/client.h"
#include "support/servers.h"

namespace s3u {
namespace {

using testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RadosGw;

const std::vector<std::string> kHostileKeys = {
    "orders/../x/part.csv",
    "./part.csv",
    "a/./b/../c.csv",
    "..",
    ".",
    "x/..",
    "a//b//c.csv",
    "/lead.csv",
    "100%2F200.csv",
    "50%.csv",
    "q?a=1&b=2#frag.csv",
    "plus+and space .csv",
    "tilde~equals=amp&.csv",
    "caf\xC3\xA9.csv",   // NFC: U+00E9
    "cafe\xCC\x81.csv",  // NFD: e + U+0301, a different key
    "\xE6\x97\xA5\xE6\x9C\xAC/\xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF.csv",
    "emoji-\xF0\x9F\x98\x80.csv",
    "xml<>&'\".csv",
    "back\\slash.csv",
    "*:@!$(),;[]{}|^`.csv",
    " leading and trailing space ",
};

std::multiset<std::string> ListedKeys(const std::string& bucket) {
  return testing::ListKeysWithAwsCli(RadosGw(), bucket);
}

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = testing::UniqueBucket("keys");
    testing::CreateBucketWithAwsCli(RadosGw(), bucket_);
  }

  CommandResult Upload(const std::string& key, const std::string& body,
                       std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {S3UNLOAD_BINARY, "upload", "-", "s3://" + bucket_ + "/" + key};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::RunCommand(argv,
                               {{"AWS_ACCESS_KEY_ID", RadosGw().owner.access_key_id},
                                {"AWS_SECRET_ACCESS_KEY", RadosGw().owner.secret_access_key},
                                {"AWS_CONFIG_FILE", "/dev/null"},
                                {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
                                {"AWS_ENDPOINT_URL", RadosGw().endpoint}},
                               body);
  }

  // A client at radosgw, path style or virtual-hosted (<bucket>.localhost:PORT).
  std::unique_ptr<s3::S3Client> Client(bool virtual_hosted) {
    s3::ClientOptions options;
    options.endpoint_url = RadosGw().endpoint;
    if (virtual_hosted) {
      const std::string& e = *options.endpoint_url;
      options.endpoint_url = "http://localhost" + e.substr(e.rfind(':'));
      options.virtual_hosted_custom = true;
    }
    options.retry.max_attempts = 1;  // a wrong signature must fail, not be retried into luck
    auto client = s3::S3Client::Create(http_, credentials_, clock_, log_, options);
    EXPECT_TRUE(client) << client.error().ToString();
    return std::move(*client);
  }

  // Every hostile key, read back by the independent reader (one process for all of them),
  // holds bodies[i].
  void ExpectEveryKeyHolds(const std::vector<std::string>& bodies, const std::string& style) {
    const auto read = testing::ReadBackManyWithBoto3(RadosGw(), bucket_, kHostileKeys);
    ASSERT_EQ(read.size(), kHostileKeys.size());
    for (size_t i = 0; i < kHostileKeys.size(); ++i) {
      EXPECT_EQ(read[i], bodies[i]) << style << " [" << kHostileKeys[i] << "]";
    }
  }

  // Every operation on every hostile key with `client`; the bucket is left empty. The keys are
  // read back after the PUTs, and again after the multipart uploads that replace them.
  void ExerciseEveryOperation(s3::S3Client& client, const std::string& style) {
    std::vector<std::string> put_bodies;
    for (const std::string& key : kHostileKeys) {
      const s3::S3Location loc{bucket_, key};
      const std::string body = style + " put: " + key;
      auto put = client.PutObject(loc, body, {});
      ASSERT_TRUE(put) << style << " [" << key << "] " << put.error().ToString();
      auto head = client.HeadObject(loc);
      ASSERT_TRUE(head) << style << " [" << key << "] " << head.error().ToString();
      EXPECT_EQ(head->size, body.size()) << key;
      auto listed = client.ListObjectsV2(bucket_, key, "");
      ASSERT_TRUE(listed) << style << " [" << key << "] " << listed.error().ToString();
      std::set<std::string> under_prefix;
      for (const auto& o : listed->objects) under_prefix.insert(o.key);
      EXPECT_EQ(under_prefix.count(key), 1u) << style << " [" << key << "]";
      put_bodies.push_back(body);
    }
    ExpectEveryKeyHolds(put_bodies, style);

    // Multipart: one aborted upload (found by prefix first), one completed.
    std::vector<std::string> part_bodies;
    for (const std::string& key : kHostileKeys) {
      const s3::S3Location loc{bucket_, key};
      auto aborted = client.CreateMultipartUpload(loc, {});
      ASSERT_TRUE(aborted) << style << " [" << key << "] " << aborted.error().ToString();
      auto uploads = client.ListMultipartUploads(bucket_, key);
      ASSERT_TRUE(uploads) << uploads.error().ToString();
      bool found = false;
      for (const auto& u : *uploads) found = found || (u.key == key && u.upload_id == *aborted);
      EXPECT_TRUE(found) << style << " [" << key << "]";
      ASSERT_TRUE(client.AbortMultipartUpload(loc, *aborted)) << key;
      const std::string part_body = style + " multipart: " + key;
      auto upload = client.CreateMultipartUpload(loc, {});
      ASSERT_TRUE(upload) << key;
      auto part = client.UploadPart(loc, *upload, 1, part_body, s3::ChecksumAlgorithm::kMd5);
      ASSERT_TRUE(part) << style << " [" << key << "] " << part.error().ToString();
      auto done = client.CompleteMultipartUpload(loc, *upload, {*part}, false);
      ASSERT_TRUE(done) << style << " [" << key << "] " << done.error().ToString();
      part_bodies.push_back(part_body);
    }
    ExpectEveryKeyHolds(part_bodies, style);
    EXPECT_EQ(ListedKeys(bucket_),
              std::multiset<std::string>(kHostileKeys.begin(), kHostileKeys.end()));
    for (const std::string& key : kHostileKeys) {
      auto deleted = client.DeleteObject({bucket_, key});
      ASSERT_TRUE(deleted) << style << " [" << key << "] " << deleted.error().ToString();
    }
    EXPECT_THAT(ListedKeys(bucket_), ::testing::IsEmpty()) << style;
    EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0) << style;
  }

  std::string bucket_;
  SystemClock clock_;
  Logger log_{LogLevel::kOff};
  http::CurlHttpClient http_{http::HttpOptions{}};
  s3::StaticCredentialsProvider credentials_{RadosGw().owner};
};

TEST_F(KeysTest, UploadWritesEveryHostileKeyExactlyAsGiven) {
  for (size_t i = 0; i < kHostileKeys.size(); ++i) {
    CommandResult r = Upload(kHostileKeys[i], "object " + std::to_string(i) + "\n");
    ASSERT_EQ(r.exit_code, 0) << "[" << kHostileKeys[i] << "] " << r.out << r.err;
  }
  EXPECT_EQ(ListedKeys(bucket_),
            std::multiset<std::string>(kHostileKeys.begin(), kHostileKeys.end()));
  std::vector<std::string> bodies;
  for (size_t i = 0; i < kHostileKeys.size(); ++i) {
    bodies.push_back("object " + std::to_string(i) + "\n");
  }
  ExpectEveryKeyHolds(bodies, "s3unload upload");
}

TEST_F(KeysTest, MultipartUploadWritesDotSegmentKeysExactly) {
  const std::string body = testing::TestBytes((6 << 20) + 17, 13);  // two 5 MiB parts
  const std::vector<std::string> keys = {"orders/../x/big.bin", "./big.bin", "a//b/../big.bin"};
  for (const std::string& key : keys) {
    CommandResult r = Upload(key, body, {"--part-size", "5MiB", "--json"});
    ASSERT_EQ(r.exit_code, 0) << "[" << key << "] " << r.out << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["parts"], 2) << r.out;
    EXPECT_TRUE(testing::ReadBackWithAwsCli(RadosGw(), bucket_, key) == body) << key;
  }
  EXPECT_EQ(ListedKeys(bucket_), std::multiset<std::string>(keys.begin(), keys.end()));
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0);
}

// Issue 13, item 2: "a\r\nb" created a key holding CR LF. NUL cannot be passed in argv; the
// unit tests cover it (tests/s3/uri_test.cc).
TEST_F(KeysTest, UploadRefusesCharactersAKeyCannotHoldWithExit2AndSendsNothing) {
  for (const auto& [key, named] : std::vector<std::pair<std::string, std::string>>{
           {"a\r\nb", "U+000D (carriage return) at character 2"},
           {"tab\there", "U+0009 (tab) at character 4"},
           {"esc\x1B[2J", "U+001B (escape) at character 4"},
           {"del\x7F", "U+007F (delete) at character 4"},
           {"c1-\xC2\x85", "U+0085 (next line) at character 4"},
           {"invoice-\xE2\x80\xAE"
            "fdp.exe",
            "U+202E (right-to-left override) at character 9"},
           {"iso-\xE2\x81\xA6x", "U+2066 (left-to-right isolate) at character 5"},
           {"bad-\xFF", "byte 0xFF at character 5"}}) {
    CommandResult r = Upload(key, "never sent");
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("destination")) << r.err;
    EXPECT_THAT(r.err, HasSubstr(named)) << r.err;
    // The message names the character; it never carries it.
    EXPECT_THAT(r.err, Not(HasSubstr(key))) << r.err;
    EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  }
  EXPECT_THAT(ListedKeys(bucket_), ::testing::IsEmpty());
}

TEST_F(KeysTest, EveryOperationOnEveryHostileKeyPathStyle) {
  auto client = Client(false);
  ExerciseEveryOperation(*client, "path style");
}

TEST_F(KeysTest, EveryOperationOnEveryHostileKeyVirtualHosted) {
  auto client = Client(true);
  ExerciseEveryOperation(*client, "virtual-hosted");
}

}  // namespace
}  // namespace s3u
