// A multipart upload whose credentials expire while it runs (issue 15, item 2): the
// StreamingUploader and S3Client over the scripted HttpClient answering as a bucket would,
// signing with a RefreshingCredentialsProvider fed by a source of one-hour sessions, with a
// FakeClock moved between parts. Which credentials signed each request is read back from its
// Authorization header.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/executor.h"
#include "s3/client.h"
#include "s3/credential_providers.h"
#include "s3/uploader.h"
#include "support/fake_clock.h"
#include "support/scripted_http.h"

namespace s3u::s3 {
namespace {

using std::chrono::minutes;
using testing::Answer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Sent;
using ::testing::StartsWith;

constexpr uint64_t kPart = 5ull << 20;  // the smallest part S3 takes
const char* kExpiredToken =
    "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>";

// "AWS4-HMAC-SHA256 Credential=ASIA1/20261205/..." -> "ASIA1".
std::string KeyId(const Sent& sent) {
  const std::string auth = sent.Header("Authorization");
  const size_t start = auth.find("Credential=");
  if (start == std::string::npos) return "(unsigned)";
  const size_t from = start + 11;
  return auth.substr(from, auth.find('/', from) - from);
}

class CredentialRefreshUploadTest : public ::testing::Test {
 protected:
  CredentialRefreshUploadTest() {
    http_.On("POST /bkt/big.csv", [](const Sent& s) {
      if (s.query.starts_with("uploads")) {
        return Answer(200,
                      "<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>big.csv</Key>"
                      "<UploadId>u-1</UploadId></InitiateMultipartUploadResult>");
      }
      return Answer(200,
                    "<CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>big.csv</Key>"
                    "<ETag>\"whole\"</ETag></CompleteMultipartUploadResult>");
    });
    http_.On("PUT /bkt/big.csv", [this](const Sent& s) {
      if (s.query.starts_with("partNumber=" + std::to_string(expire_part_) + "&") &&
          expired_answers_ > 0) {
        --expired_answers_;
        return Answer(400, kExpiredToken);
      }
      return Answer(200, "", {{"ETag", "\"etag-" + s.query.substr(11, 1) + "\""}});
    });
    http_.On("DELETE /bkt/big.csv", {{204, ""}});
  }

  // One-hour sessions ASIA1, ASIA2, ... until the source breaks.
  Result<Credentials> FetchSession() {
    if (broken_) {
      return Fail(ErrorCode::kUnauthenticated, "/var/run/secrets/token",
                  "the web identity token file is gone");
    }
    ++fetches_;
    const std::string n = std::to_string(fetches_);
    return Credentials{"ASIA" + n, "secret-" + n, "session-" + n, clock_.Now() + minutes(60)};
  }

  StreamingUploader& Uploader() {
    if (!uploader_) {
      ClientOptions options;
      options.endpoint_url = "http://s3.test";
      options.sign_payload = false;  // 5 MiB parts need not be hashed to test signing
      auto client = S3Client::Create(http_, provider_, clock_, log_, options);
      EXPECT_TRUE(client) << client.error().ToString();
      client_ = std::move(*client);
      UploadOptions upload;
      upload.part_size = kPart;
      upload.concurrency = 1;
      upload.object.checksum = ChecksumAlgorithm::kNone;
      uploader_ = std::make_unique<StreamingUploader>(*client_, executor_, log_,
                                                      S3Location{"bkt", "big.csv"}, upload);
    }
    return *uploader_;
  }
  // Writes one part's worth; with the inline executor the previous full part is sent now.
  Result<void> WritePart() { return Uploader().Write(std::string(kPart, 'x')); }

  std::vector<std::string> KeyIds(std::string_view part) {
    std::vector<std::string> ids;
    for (const Sent& s : http_.Requests(part)) ids.push_back(KeyId(s));
    return ids;
  }

  testing::ScriptedHttp http_;
  testing::FakeClock clock_;
  Logger log_{LogLevel::kOff};
  InlineExecutor executor_;
  int fetches_ = 0;
  bool broken_ = false;
  int expire_part_ = 0;
  int expired_answers_ = 0;
  RefreshingCredentialsProvider provider_{"web identity", [this] { return FetchSession(); },
                                          clock_};
  std::unique_ptr<S3Client> client_;
  std::unique_ptr<StreamingUploader> uploader_;
};

TEST_F(CredentialRefreshUploadTest, PartsSignedAfterTheAdvisoryWindowUseTheNewCredentials) {
  ASSERT_TRUE(WritePart());
  ASSERT_TRUE(WritePart());     // part 1 goes, signed by the first session
  clock_.Advance(minutes(46));  // 14 minutes left: inside the advisory window
  ASSERT_TRUE(WritePart());     // part 2
  auto done = Uploader().Finish();
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(done->parts, 3);
  EXPECT_THAT(KeyIds("partNumber="), ElementsAre("ASIA1", "ASIA2", "ASIA2"));
  EXPECT_THAT(KeyIds("uploadId=u-1"),  // the parts, then Complete
              ElementsAre("ASIA1", "ASIA2", "ASIA2", "ASIA2"));
  const auto parts = http_.Requests("partNumber=");
  EXPECT_EQ(parts[0].Header("x-amz-security-token"), "session-1");
  EXPECT_EQ(parts[2].Header("x-amz-security-token"), "session-2");
  EXPECT_EQ(fetches_, 2);
  EXPECT_TRUE(http_.Requests("DELETE").empty());
}

TEST_F(CredentialRefreshUploadTest, ExpiredTokenTriggersOneRefreshAndARetryOfThatPart) {
  expire_part_ = 2;
  expired_answers_ = 1;  // S3 thinks the session ended earlier than its expiration says
  ASSERT_TRUE(WritePart());
  ASSERT_TRUE(WritePart());
  ASSERT_TRUE(WritePart());  // part 2: ExpiredToken, refresh, sent again
  auto done = Uploader().Finish();
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_THAT(KeyIds("partNumber=2&"), ElementsAre("ASIA1", "ASIA2"));
  EXPECT_THAT(KeyIds("partNumber="), ElementsAre("ASIA1", "ASIA1", "ASIA2", "ASIA2"));
  EXPECT_EQ(fetches_, 2);
  EXPECT_EQ(client_->retry_counts().retries, 0u);  // a correction, not a retry
}

TEST_F(CredentialRefreshUploadTest, AProviderThatCannotRefreshFailsTheUploadAndItIsAborted) {
  ASSERT_TRUE(WritePart());
  ASSERT_TRUE(WritePart());  // part 1
  broken_ = true;
  clock_.Advance(minutes(51));  // 9 minutes left: inside the mandatory window
  auto failed = WritePart();    // part 2 cannot be signed
  ASSERT_FALSE(failed);
  const Error error = Uploader().AbortWith(failed.error());
  EXPECT_EQ(error.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(error.message,
              StartsWith("web identity: cannot refresh: the web identity token file is gone"));
  EXPECT_THAT(error.message, HasSubstr("(the current credentials expire at "));
  EXPECT_THAT(error.message, ::testing::Not(HasSubstr("could not be aborted")));
  // The abort is signed with the session still valid for 9 minutes.
  const auto aborts = http_.Requests("DELETE /bkt/big.csv");
  ASSERT_EQ(aborts.size(), 1u);
  EXPECT_EQ(aborts[0].query, "uploadId=u-1");
  EXPECT_EQ(KeyId(aborts[0]), "ASIA1");
  EXPECT_THAT(KeyIds("partNumber="), ElementsAre("ASIA1"));
  EXPECT_TRUE(http_.Requests("POST /bkt/big.csv").size() == 1u);  // no Complete
}

TEST_F(CredentialRefreshUploadTest, ExpiredTokenWithAProviderThatCannotRefreshNamesIt) {
  expire_part_ = 2;
  expired_answers_ = 1;
  ASSERT_TRUE(WritePart());
  ASSERT_TRUE(WritePart());
  broken_ = true;
  auto failed = WritePart();
  ASSERT_FALSE(failed);
  const Error error = Uploader().AbortWith(failed.error());
  EXPECT_EQ(error.code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(error.message, HasSubstr("ExpiredToken"));
  EXPECT_THAT(error.message,
              HasSubstr("; refreshing the credentials failed: web identity: cannot refresh: the "
                        "web identity token file is gone"));
  EXPECT_EQ(http_.Requests("DELETE /bkt/big.csv").size(), 1u);
}

}  // namespace
}  // namespace s3u::s3
