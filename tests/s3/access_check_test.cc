// CheckS3Access against an in-memory S3 (a fake HttpClient under the real S3Client) whose
// operations can be denied one by one, so each policy's report and clean-up are pinned
// without a server; and the report's exact text and JSON. The CLI tests (integration_tests
// *CheckS3*) run the same checks against radosgw.
#include "s3/access_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/log.h"
#include "s3/client.h"
#include "support/fake_clock.h"

namespace s3u::s3 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kDeniedBody =
    "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
    "</Error>";

// One bucket ("bkt") of objects and multipart uploads. Operations named in `denied` answer 403
// AccessDenied; `broken` ones answer 400 InvalidRequest; `bucket_exists` false answers 404.
class FakeS3 final : public http::HttpClient {
 public:
  std::set<std::string> denied;
  std::set<std::string> broken;
  bool bucket_exists = true;
  std::map<std::string, std::string> objects;  // key -> body
  std::set<std::string> uploads;               // "key uploadId", in progress

  Result<http::Response> Send(const http::Request& request) override {
    // http://s3.test/bkt[/key][?query]
    std::string path = request.url.substr(std::string("http://s3.test/").size());
    std::string query;
    if (auto q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path.resize(q);
    }
    const auto slash = path.find('/');
    const std::string bucket = path.substr(0, slash);
    const std::string key = slash == std::string::npos ? "" : path.substr(slash + 1);
    const std::string op = Operation(request.method, key, query);
    if (bucket != "bkt" || !bucket_exists) {
      return Answer(404, "<Error><Code>NoSuchBucket</Code><Message>none</Message></Error>");
    }
    if (denied.contains(op)) return Answer(403, kDeniedBody);
    if (broken.contains(op)) {
      return Answer(400, "<Error><Code>InvalidRequest</Code><Message>bad</Message></Error>");
    }
    const std::string upload_id = Param(query, "uploadId");
    if (op == "HeadBucket") return http::Response{200, {{"x-amz-bucket-region", "eu-west-3"}}, ""};
    if (op == "PutObject") objects[key] = std::string(request.body);
    if (op == "DeleteObject") objects.erase(key);
    if (op == "CreateMultipartUpload") {
      const std::string id = "upload-" + std::to_string(next_id_++);
      uploads.insert(key + " " + id);
      return Answer(200, "<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>" + key +
                             "</Key><UploadId>" + id +
                             "</UploadId></InitiateMultipartUploadResult>");
    }
    if (op == "UploadPart") return http::Response{200, {{"ETag", "\"part-etag\""}}, ""};
    if (op == "CompleteMultipartUpload") {
      uploads.erase(key + " " + upload_id);
      objects[key] = "(multipart)";
      return Answer(200, "<CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>" + key +
                             "</Key><ETag>\"e-1\"</ETag></CompleteMultipartUploadResult>");
    }
    if (op == "AbortMultipartUpload") uploads.erase(key + " " + upload_id);
    return http::Response{op == "PutObject" ? 200 : 204, {{"ETag", "\"etag\""}}, ""};
  }

 private:
  static std::string Operation(const std::string& method, const std::string& key,
                               const std::string& query) {
    if (method == "HEAD" && key.empty()) return "HeadBucket";
    if (method == "POST")
      return query.starts_with("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload";
    if (method == "PUT") return query.empty() ? "PutObject" : "UploadPart";
    if (method == "DELETE") return query.empty() ? "DeleteObject" : "AbortMultipartUpload";
    return method;
  }
  static std::string Param(const std::string& query, const std::string& name) {
    const auto at = query.find(name + "=");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 1;
    return query.substr(start, query.find('&', start) - start);
  }
  static http::Response Answer(int status, std::string body) {
    return {status, {{"Content-Type", "application/xml"}}, std::move(body)};
  }
  int next_id_ = 1;
};

class S3AccessCheckTest : public ::testing::Test {
 protected:
  Result<S3AccessReport> Check(const std::string& prefix = "p/") {
    ClientOptions options;
    options.endpoint_url = "http://s3.test";
    options.retry.max_attempts = 1;
    auto client = S3Client::Create(store_, credentials_, clock_, log_, options);
    EXPECT_TRUE(client) << client.error().ToString();
    return CheckS3Access(**client, "bkt", prefix, "abc123");
  }
  static std::vector<std::string> Results(const S3AccessReport& r) {
    std::vector<std::string> out;
    for (const auto& c : r.checks) out.push_back(c.name + " " + c.result);
    return out;
  }

  FakeS3 store_;
  testing::FakeClock clock_;
  Logger log_{LogLevel::kOff};
  StaticCredentialsProvider credentials_{Credentials{"AKIDEXAMPLE", "secret-key", "", {}}};
};

TEST_F(S3AccessCheckTest, FullAccessPassesEveryCheckAndCleansUp) {
  auto r = Check();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->target, "s3://bkt/p/");
  EXPECT_EQ(r->region, "us-east-1");
  EXPECT_TRUE(r->can_upload);
  EXPECT_THAT(Results(*r), ElementsAre("HeadBucket ok", "PutObject ok", "DeleteObject ok",
                                       "MultipartUpload ok", "AbortMultipartUpload ok"));
  EXPECT_EQ(r->checks[0].detail, "bucket exists (region eu-west-3)");
  EXPECT_EQ(r->checks[1].detail, "wrote s3://bkt/p/.s3unload-check-abc123");
  EXPECT_THAT(r->left_behind, IsEmpty());
  EXPECT_THAT(store_.objects, IsEmpty());
  EXPECT_THAT(store_.uploads, IsEmpty());
}

TEST_F(S3AccessCheckTest, PutObjectOnlyPolicyCanUploadAndNamesWhatItLeftBehind) {
  store_.denied = {"HeadBucket", "DeleteObject", "AbortMultipartUpload"};
  auto r = Check();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->can_upload);
  EXPECT_THAT(Results(*r), ElementsAre("HeadBucket denied", "PutObject ok", "DeleteObject denied",
                                       "MultipartUpload ok", "AbortMultipartUpload denied"));
  EXPECT_THAT(r->left_behind,
              ElementsAre("object s3://bkt/p/.s3unload-check-abc123",
                          "object s3://bkt/p/.s3unload-check-abc123-multipart",
                          "incomplete upload upload-2 of s3://bkt/p/.s3unload-check-abc123-abort"));
  EXPECT_EQ(store_.objects.size(), 2u);
  EXPECT_THAT(store_.uploads, ElementsAre("p/.s3unload-check-abc123-abort upload-2"));
}

TEST_F(S3AccessCheckTest, FailedCompleteIsAbortedAndCannotUpload) {
  store_.broken = {"CompleteMultipartUpload"};
  auto r = Check("");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->target, "s3://bkt");
  EXPECT_FALSE(r->can_upload);
  EXPECT_THAT(Results(*r), ElementsAre("HeadBucket ok", "PutObject ok", "DeleteObject ok",
                                       "MultipartUpload failed", "AbortMultipartUpload ok"));
  EXPECT_THAT(r->left_behind, IsEmpty());
  EXPECT_THAT(store_.uploads, IsEmpty());
}

TEST_F(S3AccessCheckTest, DeniedPutObjectIsReportedNotAnError) {
  store_.denied = {"PutObject", "CreateMultipartUpload"};
  auto r = Check();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE(r->can_upload);
  // No upload can be created, so there is no abort to check.
  EXPECT_THAT(Results(*r),
              ElementsAre("HeadBucket ok", "PutObject denied", "MultipartUpload denied"));
  EXPECT_THAT(r->checks[1].detail, HasSubstr("s3:PutObject"));
}

TEST_F(S3AccessCheckTest, MissingBucketEndsTheCheck) {
  store_.bucket_exists = false;
  auto r = Check();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(r.error().ToString(), HasSubstr("bkt"));
}

TEST_F(S3AccessCheckTest, PutObjectFailingForAnotherReasonEndsTheCheck) {
  store_.broken = {"PutObject"};
  auto r = Check();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().ToString(), HasSubstr("PutObject"));
  EXPECT_THAT(store_.uploads, IsEmpty());
}

S3AccessReport PutOnlyReport() {
  S3AccessReport r;
  r.target = "s3://bkt/p/";
  r.region = "eu-west-3";
  r.can_upload = true;
  r.checks = {{"HeadBucket", "denied", "s3:ListBucket not granted"},
              {"PutObject", "ok", "wrote s3://bkt/p/x"},
              {"MultipartUpload", "ok", "create, upload part and complete succeeded"}};
  r.left_behind = {"object s3://bkt/p/x"};
  return r;
}

TEST(S3AccessFormatTest, TextAlignsTheChecksAndCountsWhatIsNotOk) {
  EXPECT_EQ(S3AccessText(PutOnlyReport()),
            "s3://bkt/p/ (region eu-west-3)\n"
            "  denied  HeadBucket            s3:ListBucket not granted\n"
            "  ok      PutObject             wrote s3://bkt/p/x\n"
            "  ok      MultipartUpload       create, upload part and complete succeeded\n"
            "  left behind: object s3://bkt/p/x\n"
            "verdict: uploads will work; 1 check(s) not ok");
  S3AccessReport refused = PutOnlyReport();
  refused.can_upload = false;
  EXPECT_THAT(S3AccessText(refused),
              HasSubstr("\nverdict: uploads will FAIL: s3:PutObject is not granted"));
}

TEST(S3AccessFormatTest, JsonHasStatusAndEveryCheck) {
  EXPECT_EQ(S3AccessJson(PutOnlyReport()).dump(),
            R"({"can_upload":true,"checks":[{"detail":"s3:ListBucket not granted",)"
            R"("name":"HeadBucket","result":"denied"},{"detail":"wrote s3://bkt/p/x",)"
            R"("name":"PutObject","result":"ok"},{"detail":"create, upload part and complete )"
            R"(succeeded","name":"MultipartUpload","result":"ok"}],)"
            R"("left_behind":["object s3://bkt/p/x"],"region":"eu-west-3","status":"ok",)"
            R"("target":"s3://bkt/p/"})");
  S3AccessReport refused = PutOnlyReport();
  refused.can_upload = false;
  EXPECT_EQ(S3AccessJson(refused)["status"], "error");
}

TEST(S3AccessFormatTest, ProbeSuffixesDiffer) {
  const std::string a = RandomProbeSuffix();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, RandomProbeSuffix());
}

}  // namespace
}  // namespace s3u::s3
