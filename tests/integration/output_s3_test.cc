// The output pipeline into real radosgw: split gzip objects written through S3ObjectSink are
// invisible until Publish, then read back with the aws cli and gunzipped by the real gzip;
// a publish that fails part-way, an aborted run and a dropped writer leave no object and no
// incomplete upload.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <random>

#include "core/executor.h"
#include "http/curl_client.h"
#include "support/servers.h"
#include "unload/manifest.h"
#include "unload/output.h"
#include "unload/path_template.h"

namespace s3u::unload {
namespace {

using table::FieldValue;

const table::Schema kSchema = {{"id", table::ColumnType::kLong},
                               {"note", table::ColumnType::kString}};
const ObjectName kName{"day/ds_2026-01-05", ".csv.gz"};

// Wraps the real client (leveldb EnvWrapper style): answers the requests `refuse` picks with
// 403 AccessDenied, which S3Client reports at once (kPermissionDenied, never retried).
class RefusingHttp final : public http::HttpClient {
 public:
  using Picker = std::function<bool(const http::Request&)>;
  RefusingHttp(http::HttpClient& real, Picker refuse) : real_(real), refuse_(std::move(refuse)) {}
  Result<http::Response> Send(const http::Request& request) override {
    if (refuse_ && refuse_(request)) {
      return http::Response{403,
                            {{"Content-Type", "application/xml"}},
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied"
                            "</Code><Message>Access Denied</Message></Error>"};
    }
    return real_.Send(request);
  }

 private:
  http::HttpClient& real_;
  Picker refuse_;
};

bool IsComplete(const http::Request& r) {
  return r.method == "POST" && r.url.find("uploadId=") != std::string::npos;
}

class OutputS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = testing::UniqueBucket("out");
    testing::CreateBucketWithAwsCli(testing::RadosGw(), bucket_);
  }

  // A client of radosgw's owner whose requests pass through `refuse` (empty: none refused).
  void Connect(RefusingHttp::Picker refuse = {}) {
    http_ = std::make_unique<RefusingHttp>(real_http_, std::move(refuse));
    s3::ClientOptions options;
    options.endpoint_url = testing::RadosGw().endpoint;
    auto client = s3::S3Client::Create(*http_, provider_, clock_, log_, options);
    ASSERT_TRUE(client) << client.error().ToString();
    client_ = std::move(*client);
  }

  // Writes `rows` gzip rows, split at 96 KiB, into sealed S3 objects; returns the writer.
  std::unique_ptr<OutputWriter> WriteRows(int rows) {
    OutputOptions options;
    options.compression = Compression::kGzip;
    options.max_object_size = 96 * 1024;
    auto writer = OutputWriter::Create(options, kSchema, [this](int index) {
      s3::UploadOptions upload;
      upload.part_size = 5 << 20;
      upload.concurrency = 2;
      upload.object.content_type = "application/gzip";
      auto sink = std::make_unique<S3ObjectSink>(
          *client_, pool_, log_, s3::S3Location{bucket_, kName.Key(true, index)}, upload);
      sinks_.push_back(sink.get());
      return Result<std::unique_ptr<ObjectSink>>(std::move(sink));
    });
    EXPECT_TRUE(writer) << writer.error().ToString();
    std::mt19937_64 rng(rows);
    for (int i = 0; i < rows; ++i) {
      std::string note;
      for (size_t k = rng() % 90; k > 0; --k) note += static_cast<char>(' ' + rng() % 95);
      if (i % 13 == 0) note += "\nwith \"quotes\", commas";
      const std::string id = std::to_string(i);
      const std::vector<FieldValue> values = {id, i % 29 == 0 ? FieldValue() : FieldValue(note)};
      EXPECT_TRUE((*writer)->WriteRow(values));
      table::AppendCsvRecord({}, values, expected_body_);
    }
    EXPECT_TRUE((*writer)->Close());
    return std::move(*writer);
  }

  std::optional<std::string> ReadBack(const std::string& key) const {
    return testing::ReadBackWithAwsCli(testing::RadosGw(), bucket_, key);
  }
  int Uploads() const { return testing::CountUploadsWithAwsCli(testing::RadosGw(), bucket_); }
  // Every object key the run may have left, the manifest's included.
  std::vector<std::string> Keys() const {
    std::vector<std::string> keys;
    for (const S3ObjectSink* sink : sinks_) keys.push_back(sink->location().key);
    keys.push_back(ManifestKey(kName.stem));
    return keys;
  }

  std::string bucket_;
  http::CurlHttpClient real_http_{http::HttpOptions{}};
  std::unique_ptr<RefusingHttp> http_;
  SystemClock clock_;
  Logger log_{LogLevel::kWarn};
  s3::StaticCredentialsProvider provider_{testing::RadosGw().owner};
  std::unique_ptr<s3::S3Client> client_;
  ThreadPool pool_{2};
  std::vector<S3ObjectSink*> sinks_;  // owned by the writer
  std::string expected_body_;         // every row as CSV, encoded without the writer
};

TEST_F(OutputS3Test, SplitObjectsAppearOnlyWhenPublishedAndReadBackExact) {
  Connect();
  auto writer = WriteRows(9000);
  const auto& stats = writer->objects();
  ASSERT_GE(stats.size(), 3u);
  ASSERT_EQ(stats.size(), sinks_.size());
  for (const std::string& key : Keys()) EXPECT_EQ(ReadBack(key), std::nullopt) << key;
  EXPECT_EQ(Uploads(), static_cast<int>(stats.size()));

  std::vector<ManifestEntry> entries;
  for (size_t i = 0; i < stats.size(); ++i) {
    entries.push_back({"s3://" + bucket_ + "/" + sinks_[i]->location().key, stats[i].stored_bytes,
                       stats[i].rows});
  }
  const ManifestObject manifest{
      {bucket_, ManifestKey(kName.stem)}, BuildManifest(entries, kSchema), {}};
  auto published = Publish(*client_, sinks_, manifest);
  ASSERT_TRUE(published) << published.error().ToString();
  ASSERT_EQ(published->size(), stats.size());

  std::string body;
  for (size_t i = 0; i < stats.size(); ++i) {
    SCOPED_TRACE(sinks_[i]->location().key);
    const auto stored = ReadBack(sinks_[i]->location().key);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->size(), stats[i].stored_bytes);
    EXPECT_LE(stored->size(), 96u * 1024);
    const auto plain = testing::RunCommand({"gzip", "-dc"}, {}, *stored);
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    ASSERT_EQ(plain.out.rfind("id,note\n", 0), 0u);
    body += plain.out.substr(8);
  }
  EXPECT_EQ(body, expected_body_);
  EXPECT_EQ(ReadBack(ManifestKey(kName.stem)), manifest.body);
  EXPECT_EQ(Uploads(), 0);
}

TEST_F(OutputS3Test, CommitRefusedPartWayDeletesTheCommittedAndAbortsTheRest) {
  Connect([completes = std::make_shared<std::atomic<int>>(0)](const http::Request& r) {
    return IsComplete(r) && ++*completes == 2;
  });
  auto writer = WriteRows(9000);
  ASSERT_GE(sinks_.size(), 3u);
  auto published = Publish(*client_, sinks_, std::nullopt);
  ASSERT_FALSE(published);
  EXPECT_EQ(published.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(published.error().message.find("1 committed object(s) deleted"), std::string::npos)
      << published.error().message;
  EXPECT_NE(
      published.error().message.find(std::to_string(sinks_.size() - 2) + " upload(s) aborted"),
      std::string::npos)
      << published.error().message;
  for (const std::string& key : Keys()) EXPECT_EQ(ReadBack(key), std::nullopt) << key;
  EXPECT_EQ(Uploads(), 0);
}

TEST_F(OutputS3Test, ManifestRefusedRemovesEveryObject) {
  Connect([](const http::Request& r) {
    return r.method == "PUT" && r.url.find(".manifest") != std::string::npos;
  });
  auto writer = WriteRows(6000);
  const ManifestObject manifest{{bucket_, ManifestKey(kName.stem)}, "{}", {}};
  auto published = Publish(*client_, sinks_, manifest);
  ASSERT_FALSE(published);
  EXPECT_EQ(published.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(published.error().message.find(std::to_string(sinks_.size()) +
                                           " committed object(s) deleted"),
            std::string::npos)
      << published.error().message;
  for (const std::string& key : Keys()) EXPECT_EQ(ReadBack(key), std::nullopt) << key;
  EXPECT_EQ(Uploads(), 0);
}

TEST_F(OutputS3Test, AbortAllLeavesNoObjectAndNoUpload) {
  Connect();
  auto writer = WriteRows(6000);
  ASSERT_GE(sinks_.size(), 2u);
  EXPECT_EQ(Uploads(), static_cast<int>(sinks_.size()));
  AbortAll(sinks_);
  for (const std::string& key : Keys()) EXPECT_EQ(ReadBack(key), std::nullopt) << key;
  EXPECT_EQ(Uploads(), 0);
  // Nothing can be published afterwards.
  EXPECT_FALSE(Publish(*client_, sinks_, std::nullopt));
  EXPECT_EQ(ReadBack(sinks_[0]->location().key), std::nullopt);
}

TEST_F(OutputS3Test, DroppingTheWriterAbortsItsUploads) {
  Connect();
  auto writer = WriteRows(6000);
  ASSERT_GE(sinks_.size(), 2u);
  const std::vector<std::string> keys = Keys();
  writer.reset();  // a run that failed before publishing: the sinks go with the writer
  sinks_.clear();
  for (const std::string& key : keys) EXPECT_EQ(ReadBack(key), std::nullopt) << key;
  EXPECT_EQ(Uploads(), 0);
}

}  // namespace
}  // namespace s3u::unload
