// Conformance of the emulator's internal Export-to-S3 API with domo-api.md §8, against the
// real radosgw: the export object's fields and status codes, statuses none -> exporting ->
// success | error, the gzip CSV at <bucket>/<path>/<exportId>/export/data.csv.gz (read back
// with the aws cli), a `where` selecting one day, wrong AWS keys, reuse of an export of
// unchanged data, one active export per dataset, and the timestamp switch.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <regex>
#include <thread>

#include "conformance_util.h"
#include "support/servers.h"

namespace s3u::emulator {
namespace {

using nlohmann::json;
using testing::RadosGw;
using testing::RawAnswer;
using D = testing::StandardDomo;

const std::regex kEpochMillis("[0-9]{13}");
const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

std::string Gunzip(const std::string& compressed) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - z.avail_out);
  }
  inflateEnd(&z);
  EXPECT_EQ(rc, Z_STREAM_END) << "not a complete gzip stream";
  return out;
}

std::string SalesCsv() {
  return "id,event_time,day,customer,region,amount,ratio\n" + testing::SalesDataCsv();
}

class S3ExportConformanceTest : public testing::EmulatorConformanceTest {
 protected:
  explicit S3ExportConformanceTest(
      const json& config = testing::StandardEmulatorConfig(RadosGw().endpoint))
      : EmulatorConformanceTest(config) {
    bucket_ = testing::UniqueBucket("export");
    testing::CreateBucketWithAwsCli(RadosGw(), bucket_);
  }

  json Request(const json& query = json::object()) {
    json body = {{"bucket", bucket_},
                 {"path", "unload/sales"},
                 {"region", "us-east-1"},
                 {"awsAccessKey", RadosGw().owner.access_key_id},
                 {"awsAccessSecret", RadosGw().owner.secret_access_key},
                 {"source", "s3unload conformance"}};
    if (!query.empty()) body["queryRequest"] = {{"includeBOM", false}, {"query", query}};
    return body;
  }
  RawAnswer Start(const json& body, const std::string& dataset = D::kSalesDatasetId) {
    return Call("POST", "/api/query/v1/export/" + dataset, body.dump());
  }
  json Exports(const std::string& dataset = D::kSalesDatasetId) {
    auto answer = emulator_.Call("GET", "/api/query/v1/export/" + dataset,
                                 {{"X-DOMO-Developer-Token", token_}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.Json();
  }
  // Polls the status until `export_id` is no longer none/exporting (bounded).
  json Await(const std::string& export_id, const std::string& dataset = D::kSalesDatasetId) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    json found;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& e : Exports(dataset)) {
        if (e["exportId"] == export_id) found = e;
      }
      const std::string status = found.value("exportStatus", "");
      if (status == "success" || status == "error") return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "export " << export_id << " did not finish: " << found.dump();
    return found;
  }
  std::string Key(const std::string& export_id) {
    return "unload/sales/" + export_id + "/export/data.csv.gz";
  }

  std::string bucket_;
};

TEST_F(S3ExportConformanceTest, ExportWritesGzipCsvThatTheAwsCliReadsBack) {
  auto started = Start(Request());
  ASSERT_EQ(started.status, 200) << started.body;
  const json created = started.Json();
  const std::string id = created["exportId"];
  EXPECT_TRUE(std::regex_match(id, kUuid)) << id;
  EXPECT_TRUE(created["exportStatus"] == "none" || created["exportStatus"] == "exporting");
  EXPECT_EQ(created["bucket"], bucket_);
  EXPECT_EQ(created["exportFormat"], "csv");
  EXPECT_EQ(created["compression"], "gzip");
  EXPECT_TRUE(std::regex_match(created["started"].get<std::string>(), kEpochMillis));
  EXPECT_FALSE(created.contains("finished"));

  const json done = Await(id);
  ASSERT_EQ(done["exportStatus"], "success") << done.dump();
  EXPECT_TRUE(std::regex_match(done["finished"].get<std::string>(), kEpochMillis));
  EXPECT_GE(std::stoll(done["finished"].get<std::string>()),
            std::stoll(done["started"].get<std::string>()));
  EXPECT_EQ(done["urlRowCountMap"], json({{"s3://" + bucket_ + "/" + Key(id), D::kSalesRows}}));
  EXPECT_FALSE(done.contains("errorCode"));

  auto object = testing::ReadBackWithAwsCli(RadosGw(), bucket_, Key(id));
  ASSERT_TRUE(object) << "no object at " << Key(id);
  EXPECT_EQ(Gunzip(*object), SalesCsv());
}

TEST_F(S3ExportConformanceTest, WhereSelectsOneDay) {
  const json where = {
      {"exprType", "AND"},
      {"leftExpr",
       {{"exprType", "GREATER_THAN_EQUAL"},
        {"leftExpr", {{"column", "event_time"}, {"exprType", "COLUMN"}}},
        {"rightExpr", {{"value", "2026-10-03T00:00:00"}, {"exprType", "DATETIME_VALUE"}}}}},
      {"rightExpr",
       {{"exprType", "LESS_THAN"},
        {"leftExpr", {{"column", "event_time"}, {"exprType", "COLUMN"}}},
        {"rightExpr", {{"value", "2026-10-04T00:00:00"}, {"exprType", "DATETIME_VALUE"}}}}}};
  auto started = Start(Request(
      {{"columns",
        {{{"column", "id"}, {"exprType", "COLUMN"}}, {{"column", "day"}, {"exprType", "COLUMN"}}}},
       {"groupByColumns", json::array()},
       {"orderByColumns", json::array()},
       {"where", where}}));
  ASSERT_EQ(started.status, 200) << started.body;
  const json done = Await(started.Json()["exportId"]);
  ASSERT_EQ(done["exportStatus"], "success") << done.dump();
  EXPECT_EQ(done["urlRowCountMap"].begin().value(), 100);
  auto object = testing::ReadBackWithAwsCli(RadosGw(), bucket_, Key(done["exportId"]));
  ASSERT_TRUE(object);
  const std::string csv = Gunzip(*object);
  std::string expected = "id,day\n";
  for (int id = 201; id <= 300; ++id) expected += std::to_string(id) + ",2026-10-03\n";
  EXPECT_EQ(csv, expected);
}

TEST_F(S3ExportConformanceTest, DocumentedEqualsFilterOnAString) {
  auto started =
      Start(Request({{"where",
                      {{"exprType", "EQUALS"},
                       {"leftExpr", {{"column", "region"}, {"exprType", "COLUMN"}}},
                       {"rightExpr", {{"value", "West"}, {"exprType", "STRING_VALUE"}}}}}}));
  ASSERT_EQ(started.status, 200) << started.body;
  const json done = Await(started.Json()["exportId"]);
  ASSERT_EQ(done["exportStatus"], "success") << done.dump();
  const int64_t rows = done["urlRowCountMap"].begin().value();
  EXPECT_GT(rows, 0);
  EXPECT_LT(rows, D::kSalesRows);
}

TEST_F(S3ExportConformanceTest, WrongAwsKeysEndTheExportInError) {
  json body = Request();
  body["awsAccessSecret"] = "definitely-not-the-secret";
  auto started = Start(body);
  ASSERT_EQ(started.status, 200) << started.body;  // accepted; the error shows in the status
  const json done = Await(started.Json()["exportId"]);
  EXPECT_EQ(done["exportStatus"], "error");
  EXPECT_EQ(done["errorCode"].get<std::string>().substr(0, 3), "S3_");
  EXPECT_FALSE(done["message"].get<std::string>().empty());
  EXPECT_EQ(done["message"].get<std::string>().find("definitely-not-the-secret"),
            std::string::npos);
  EXPECT_TRUE(done.contains("finished"));
  EXPECT_EQ(done["urlRowCountMap"], json::object());
  EXPECT_FALSE(testing::ReadBackWithAwsCli(RadosGw(), bucket_, Key(done["exportId"])));
}

TEST_F(S3ExportConformanceTest, MissingBucketEndsInErrorNotFound) {
  json body = Request();
  body["bucket"] = testing::UniqueBucket("absent");
  auto started = Start(body);
  ASSERT_EQ(started.status, 200);
  const json done = Await(started.Json()["exportId"]);
  EXPECT_EQ(done["exportStatus"], "error");
}

TEST_F(S3ExportConformanceTest, UnchangedDataReturnsThePreviousExport) {
  const std::string first = Start(Request()).Json()["exportId"];
  ASSERT_EQ(Await(first)["exportStatus"], "success");
  auto again = Start(Request());
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.Json()["exportId"], first);
  EXPECT_EQ(again.Json()["exportStatus"], "success");
  EXPECT_EQ(Exports().size(), 1u);  // nothing new was written
}

TEST_F(S3ExportConformanceTest, ChangedDataOrQueryMakesANewExport) {
  const std::string first = Start(Request()).Json()["exportId"];
  ASSERT_EQ(Await(first)["exportStatus"], "success");
  const std::string other_query =
      Start(Request({{"columns", {{{"column", "id"}, {"exprType", "COLUMN"}}}}}))
          .Json()["exportId"];
  EXPECT_NE(other_query, first);
  ASSERT_EQ(Await(other_query)["exportStatus"], "success");
  auto imported =
      Call("PUT", "/v1/datasets/" + std::string(D::kSalesDatasetId) + "/data?updateMethod=APPEND",
           "1001,2026-10-11T00:00:00,2026-10-11,x,West,1.00,0.5\n", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(imported.status, 204) << imported.body;
  const std::string after_import = Start(Request()).Json()["exportId"];
  EXPECT_NE(after_import, first);
  const json done = Await(after_import);
  EXPECT_EQ(done["urlRowCountMap"].begin().value(), D::kSalesRows + 1);
}

TEST_F(S3ExportConformanceTest, OneActiveExportPerDataset) {
  // A slow export (about 2 s for the 72 kB of CSV) stays active while the second POST arrives.
  emulator_.Admin("POST", "/__admin/faults",
                  json::array({{{"route", "s3export"},
                                {"action", "slow"},
                                {"bytes_per_second", 36000},
                                {"times", 1}}}));
  const json first = Start(Request()).Json();
  auto second = Start(Request({{"columns", {{{"column", "id"}, {"exprType", "COLUMN"}}}}}));
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.Json()["exportId"], first["exportId"]);
  const std::string status = second.Json()["exportStatus"];
  EXPECT_TRUE(status == "none" || status == "exporting") << status;
  EXPECT_EQ(Await(first["exportId"])["exportStatus"], "success");
}

TEST_F(S3ExportConformanceTest, StatusIsAnArrayOfEveryExport) {
  EXPECT_EQ(Exports(), json::array());
  const std::string a = Start(Request()).Json()["exportId"];
  Await(a);
  const std::string b = Start(Request({{"columns", {{{"column", "id"}, {"exprType", "COLUMN"}}}}}))
                            .Json()["exportId"];
  Await(b);
  const json all = Exports();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["exportId"], a);
  EXPECT_EQ(all[1]["exportId"], b);
}

TEST_F(S3ExportConformanceTest, RequestWithoutBucketOrKeysIs400) {
  json no_bucket = Request();
  no_bucket.erase("bucket");
  EXPECT_EQ(Start(no_bucket).status, 400);
  json no_keys = Request();
  no_keys.erase("awsAccessSecret");
  EXPECT_EQ(Start(no_keys).status, 400);
  json bad_bucket = Request();
  bad_bucket["bucket"] = "Not_A_Bucket";
  EXPECT_EQ(Start(bad_bucket).status, 400);
}

TEST_F(S3ExportConformanceTest, QueryNamingAnUnknownColumnIs400) {
  auto answer = Start(Request({{"columns", {{{"column", "nope"}, {"exprType", "COLUMN"}}}}}));
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(answer.body.find("nope"), std::string::npos);
}

TEST_F(S3ExportConformanceTest, UnknownDatasetIs404) {
  EXPECT_EQ(Start(Request(), "00000000-0000-0000-0000-000000000000").status, 404);
}

TEST_F(S3ExportConformanceTest, SyntheticDatasetExportsEveryRow) {
  json body = Request();
  body["path"] = "unload/events";
  auto started = Start(body, D::kEventsDatasetId);
  ASSERT_EQ(started.status, 200) << started.body;
  const json done = Await(started.Json()["exportId"], D::kEventsDatasetId);
  ASSERT_EQ(done["exportStatus"], "success") << done.dump();
  EXPECT_EQ(done["urlRowCountMap"].begin().value(), D::kEventsRows);
}

class S3ExportIsoTimestampsTest : public S3ExportConformanceTest {
 protected:
  S3ExportIsoTimestampsTest()
      : S3ExportConformanceTest(testing::StandardConfigWith("export", {{"timestamps", "iso8601"}},
                                                            RadosGw().endpoint)) {}
};

TEST_F(S3ExportIsoTimestampsTest, StartedAndFinishedAreIso8601) {
  const json done = Await(Start(Request()).Json()["exportId"]);
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  EXPECT_TRUE(std::regex_match(done["started"].get<std::string>(), iso)) << done.dump();
  EXPECT_TRUE(std::regex_match(done["finished"].get<std::string>(), iso)) << done.dump();
}

}  // namespace
}  // namespace s3u::emulator
