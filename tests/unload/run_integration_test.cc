// `s3unload run` end to end, run as a user would: the real binary with a job file, against
// the Domo emulator and radosgw, read back with the aws cli. Each test has its own emulator
// and bucket. "Today" is the real clock, so each test picks specific_day from today's date
// in the job's zone (computed here) to land on the day it means.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/emulator.h"
#include "support/servers.h"
#include "table/day_window.h"
#include "table/types.h"
#include "unload/run_fixture.h"

namespace s3u {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using testing::CommandResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::RadosGw;
using testing::StandardDomo;
using namespace run_test;  // NOLINT: the shared fixture

const json kSimpleSchema = json::array({{{"name", "id"}, {"type", "LONG"}},
                                        {{"name", "t"}, {"type", "DATETIME"}},
                                        {{"name", "note"}, {"type", "STRING"}}});

// id, t: simple rows for window tests.
std::vector<Row> TimedRows(const std::vector<std::pair<int, std::string>>& rows) {
  std::vector<Row> out;
  for (const auto& [id, t] : rows) out.push_back({std::to_string(id), t, "n" + std::to_string(id)});
  return out;
}

TEST_F(RunIntegrationTest, HostileValuesRoundTripByteExactInKeyOrder) {
  const std::string day = DaysAgo(1);
  const std::string long_text(300000, 'x');
  // Ids out of order, and 10 before 9 as text: the output must be ordered by number.
  const std::vector<Row> rows = {
      {"10", day, "007", "He said \"hi\", then \"\"bye\"\""},
      {"2", day, "0042", "a,b;c|d\te"},
      {"9", day, "x", "CRLF\r\nLF\nlone CR\rend"},
      {"1", day, "emoji", "\xF0\x9F\x98\x80 caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x90\x8D\x88"},
      {"3", day, "", std::nullopt},  // empty string vs null
      {"4", day, std::nullopt, ""},
      {"5", day, "\\N", "NULL"},  // text that other readers take for null
      {"6", day, "bin", "\x01\x02\x1b[0m\x7f\xC2\x80 ~"},
      {"7", day, "long", long_text},
      {"8", day, "\"", " lead and trail "},
  };
  const json schema = json::array({{{"name", "id"}, {"type", "LONG"}},
                                   {{"name", "d"}, {"type", "DATE"}},
                                   {{"name", "code"}, {"type", "STRING"}},
                                   {{"name", "text"}, {"type", "STRING"}}});
  StartEmulator({InlineDataset(kInputId, schema, rows)});
  const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                               "\"\npath = \"hostile/{date}.csv\"\nprimary_key = [\"id\"]\n"
                               "specific_day = 1"),
                           0);
  ASSERT_EQ(out["s3_uris"].size(), 1u) << out;
  EXPECT_EQ(out["s3_uris"][0], "s3://" + bucket_ + "/hostile/" + day + ".csv.gz");
  EXPECT_EQ(out["rows"], 10);

  std::vector<Row> sorted = {rows[3], rows[1], rows[4], rows[5], rows[6],
                             rows[7], rows[8], rows[9], rows[2], rows[0]};
  const std::string expected = "id,d,code,text\n" + Csv(sorted, ExpectedField);
  const std::string got = Gunzip(ReadBack("hostile/" + day + ".csv.gz"));
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected)
      << "first difference at byte "
      << std::mismatch(got.begin(), got.end(), expected.begin(), expected.end()).first -
             got.begin();
}

// Runs the window dataset for `date` in `zone` and returns the ids unloaded.
class RunWindowTest : public RunIntegrationTest {
 protected:
  std::vector<std::string> IdsFor(const std::vector<Row>& rows, const json& schema,
                                  const std::string& date, const std::string& zone) {
    StartEmulator({InlineDataset(kInputId, schema, rows)});
    const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                                     "\"\npath = \"w/\"\nprimary_key = [\"id\"]\nspecific_day = " +
                                     std::to_string(testing::SpecificDayFor(date, zone)) +
                                     "\ntime_zone = \"" + zone + "\"",
                                 "[output]\ncompression = \"none\"\n"),
                             0);
    EXPECT_EQ(out["plan"]["day"], date) << out;
    if (out["s3_uris"].size() != 1) return {};
    const std::string uri = out["s3_uris"][0];
    return FirstColumn(ReadBack(uri.substr(("s3://" + bucket_ + "/").size())));
  }
};

TEST_F(RunWindowTest, NewYorkSpringForwardDayHas23Hours) {
  // 2026-03-08 in New York: [05:00Z, next day 04:00Z).
  const auto rows = TimedRows({{1, "2026-03-08T04:59:59"},
                               {2, "2026-03-08T05:00:00"},
                               {3, "2026-03-09T03:59:59"},
                               {4, "2026-03-09T04:00:00"}});
  EXPECT_THAT(IdsFor(rows, kSimpleSchema, "2026-03-08", "America/New_York"), ElementsAre("2", "3"));
}

TEST_F(RunWindowTest, NewYorkFallBackDayHas25Hours) {
  // 2026-11-01 in New York: [04:00Z, next day 05:00Z).
  const auto rows = TimedRows({{1, "2026-11-01T03:59:59"},
                               {2, "2026-11-01T04:00:00"},
                               {3, "2026-11-02T04:59:59"},
                               {4, "2026-11-02T05:00:00"}});
  EXPECT_THAT(IdsFor(rows, kSimpleSchema, "2026-11-01", "America/New_York"), ElementsAre("2", "3"));
}

TEST_F(RunWindowTest, LordHoweHalfHourShiftDayHas23AndAHalfHours) {
  // 2026-10-04 on Lord Howe (+10:30 -> +11:00 at 02:00): [10-03T13:30Z, 10-04T13:00Z).
  const auto rows = TimedRows({{1, "2026-10-03T13:29:59"},
                               {2, "2026-10-03T13:30:00"},
                               {3, "2026-10-04T12:59:59"},
                               {4, "2026-10-04T13:00:00"}});
  EXPECT_THAT(IdsFor(rows, kSimpleSchema, "2026-10-04", "Australia/Lord_Howe"),
              ElementsAre("2", "3"));
}

TEST_F(RunWindowTest, LordHoweHalfHourFallBackDayHas24AndAHalfHours) {
  // 2026-04-05 on Lord Howe (+11:00 -> +10:30 at 02:00): [04-04T13:00Z, 04-05T13:30Z).
  const auto rows = TimedRows({{1, "2026-04-04T12:59:59"},
                               {2, "2026-04-04T13:00:00"},
                               {3, "2026-04-05T13:29:59"},
                               {4, "2026-04-05T13:30:00"}});
  EXPECT_THAT(IdsFor(rows, kSimpleSchema, "2026-04-05", "Australia/Lord_Howe"),
              ElementsAre("2", "3"));
}

TEST_F(RunWindowTest, UtcMonthEndStopsAtMidnight) {
  const auto rows = TimedRows({{1, "2026-09-30T23:59:59"},
                               {2, "2026-10-31T00:00:00"},
                               {3, "2026-10-31T23:59:59"},
                               {4, "2026-11-01T00:00:00"}});
  EXPECT_THAT(IdsFor(rows, kSimpleSchema, "2026-10-31", "UTC"), ElementsAre("2", "3"));
}

TEST_F(RunWindowTest, DateColumnYearEndSelectsOnlyThatDate) {
  const json schema = json::array({{{"name", "id"}, {"type", "LONG"}},
                                   {{"name", "d"}, {"type", "DATE"}},
                                   {{"name", "note"}, {"type", "STRING"}}});
  const std::vector<Row> rows = {{"1", "2025-12-30", "a"},
                                 {"2", "2025-12-31", "b"},
                                 {"3", "2026-01-01", "c"},
                                 {"4", "2025-12-31", "d"}};
  // A DATE is a calendar day: the zone picks which day is meant, not the rows' instants.
  EXPECT_THAT(IdsFor(rows, schema, "2025-12-31", "Australia/Lord_Howe"), ElementsAre("2", "4"));
}

TEST_F(RunIntegrationTest, EmptyDayWritesHeaderOnlyObjectAndZeroRowMetrics) {
  const auto rows = TimedRows({{1, DaysAgo(3) + "T12:00:00"}});
  StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)});
  const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                               "\"\npath = \"empty/\"\nprimary_key = [\"id\"]\nspecific_day = 1"),
                           0);
  EXPECT_EQ(out["status"], "SUCCEEDED");
  EXPECT_EQ(out["rows"], 0);
  const std::string key = "empty/" + std::string(kInputId) + "_" + DaysAgo(1) + ".csv.gz";
  EXPECT_EQ(Gunzip(ReadBack(key)), "id,t,note\n");
  const std::vector<json> metrics = DatasetRows(out["writeback_dataset_id"]);
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0]["status"], "SUCCEEDED");
  EXPECT_EQ(metrics[0]["rows"].dump(), "0") << metrics[0];
}

TEST_F(RunIntegrationTest, StrangerIsRefusedBeforeAnyQueryAndNothingIsWritten) {
  StartEmulator({});
  const std::string job = Job(std::string("input_dataset = \"") + StandardDomo::kSalesDatasetId +
                                  "\"\npath = \"sales/\"\nprimary_key = [\"id\"]",
                              "", StandardDomo::kStrangerClientId);
  const CommandResult r = Run(job, {}, StandardDomo::kStrangerClientSecret);
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, AllOf(HasSubstr(StandardDomo::kSalesDatasetId), HasSubstr("964382593"),
                                   HasSubstr("555000111")));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(StandardDomo::kStrangerClientSecret)));
  ExpectBucketUntouched();
  for (const std::string& path : RequestPaths()) EXPECT_THAT(path, Not(HasSubstr("/query/")));
  // A refused run creates nothing in Domo: no writeback dataset, no import.
  for (const json& req : emulator_->Admin("GET", "/__admin/requests")) {
    EXPECT_FALSE(req["method"] == "POST" && req["path"] == "/v1/datasets") << req;
    EXPECT_FALSE(req["method"] == "PUT") << req;
  }
}

TEST_F(RunIntegrationTest, EveryInvalidFieldIsNamedWithExitCode2) {
  StartEmulator({});
  const std::string job =
      Job(std::string("input_dataset = \"not-a-guid\"\npath = \"x/\"\n") +
              "primary_key = []\nspecific_day = -1\ntime_zone = \"Mars/Olympus\"\n"
              "engine = \"fast\"\ncolour = \"blue\"",
          "[output]\ncompression = \"rar\"\ndelimiter = \",,\"\n");
  const CommandResult r = Run(job);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  for (const char* field :
       {"details.input_dataset", "details.primary_key", "details.specific_day", "details.time_zone",
        "details.engine", "details.colour", "output.compression", "output.delimiter"}) {
    EXPECT_THAT(r.out + r.err, HasSubstr(field));
  }
  EXPECT_THAT(RequestPaths(), IsEmpty());  // nothing was asked of Domo
  ExpectBucketUntouched();
}

TEST_F(RunIntegrationTest, DryRunMovesAndWritesNothing) {
  const auto rows = TimedRows({{1, DaysAgo(1) + "T01:00:00"}, {2, DaysAgo(1) + "T02:00:00"}});
  StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)});
  const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                               "\"\npath = \"dry/\"\nprimary_key = [\"id\"]\nspecific_day = 1"),
                           0, {"--dry-run"});
  EXPECT_EQ(out["rows"], 2);
  EXPECT_EQ(out["object_keys"][0], "dry/" + std::string(kInputId) + "_" + DaysAgo(1) + ".csv.gz");
  ExpectBucketUntouched();
  for (const json& r : emulator_->Admin("GET", "/__admin/requests")) {
    EXPECT_EQ(r["method"] == "POST" && r["path"] == "/v1/datasets", false) << r;  // no create
    EXPECT_NE(r["method"], "PUT") << r;                                           // no import
  }
  const CommandResult history =
      testing::RunCommand({S3UNLOAD_BINARY, "history", "--store", (dir_ / "history.db").string()});
  EXPECT_THAT(history.out, HasSubstr("no runs recorded"));
}

// A failed run: FAILED in --json and in the writeback dataset, with `error_part` in both.
void ExpectFailedMetrics(const json& out, const std::vector<json>& metrics,
                         const std::string& error_part) {
  EXPECT_EQ(out["status"], "FAILED") << out;
  EXPECT_THAT(out["error"]["message"].get<std::string>(), HasSubstr(error_part));
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0]["status"], "FAILED");
  EXPECT_THAT(metrics[0]["error"].get<std::string>(), HasSubstr(error_part));
  EXPECT_TRUE(out["s3_uris"].empty());
}

// Runs meant to fail on a lasting fault retry for 1 s of real time instead of the default
// 5 minutes (the budget itself is tested in fake time: domo/ and integration/fault_test.cc).
constexpr const char* kFailFastTuning = "[tuning]\npage_rows = 1000\nretry_budget = \"1s\"\n";

// The COUNT and two pages succeed; every later query of the input fails with `fault`.
json QueryFaultAfterTwoPages(json fault) {
  fault["route"] = "query";
  fault["dataset"] = kInputId;
  fault["after"] = 3;
  return json::array({fault});
}

TEST_F(RunIntegrationTest, QueryFailingAfterTheFirstPagesLeavesNothingAndRecordsFailure) {
  StartEmulator({BigDataset(DaysAgo(1), DaysAgo(0), 200000)},
                QueryFaultAfterTwoPages({{"action", "status"}, {"status", 500}}));
  const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                                   "\"\npath = \"mid/\"\nprimary_key = [\"id\"]\nspecific_day = 1",
                               kFailFastTuning),
                           6);  // kUnavailable (README, "Exit codes")
  ExpectFailedMetrics(out, DatasetRows(out["writeback_dataset_id"]), "500");
  ExpectBucketUntouched();
}

TEST_F(RunIntegrationTest, DomoDroppingTheConnectionMidRunLeavesNothingAndRecordsFailure) {
  StartEmulator({BigDataset(DaysAgo(1), DaysAgo(0), 200000)},
                QueryFaultAfterTwoPages({{"action", "drop_after_bytes"}, {"bytes", 2000}}));
  const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                                   "\"\npath = \"drop/\"\nprimary_key = [\"id\"]\nspecific_day = 1",
                               kFailFastTuning),
                           6);
  ExpectFailedMetrics(out, DatasetRows(out["writeback_dataset_id"]), "");
  ExpectBucketUntouched();
}

TEST_F(RunIntegrationTest, OneDroppedConnectionIsRetriedAndTheRunSucceeds) {
  json faults = QueryFaultAfterTwoPages({{"action", "drop_after_bytes"}, {"bytes", 2000}});
  faults[0]["times"] = 1;
  StartEmulator({BigDataset(DaysAgo(1), DaysAgo(0), 200000)}, faults);
  const json out =
      RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                      "\"\npath = \"retry/\"\nprimary_key = [\"id\"]\nspecific_day = 1",
                  "[tuning]\npage_rows = 20000\n"),
              0);
  EXPECT_EQ(out["status"], "SUCCEEDED") << out.dump();
  // Every row of the day once: the retried page neither lost nor repeated rows.
  EXPECT_EQ(out["rows"], out["plan"]["rows"]);
  EXPECT_EQ(out["duplicate_keys"], 0);
  EXPECT_THAT(Keys(), ElementsAre(::testing::StartsWith("retry/")));
}

TEST_F(RunIntegrationTest, S3UploadFailingWith503LeavesNothingAndRecordsFailure) {
  StartEmulator({BigDataset(DaysAgo(1), DaysAgo(0), 20000)});
  testing::FaultProxy proxy(RadosGw());
  proxy.SetRules(json::array(
      {{{"op", "UploadPart"},
        {"times", 0},
        {"action", "respond"},
        {"status", 503},
        {"body", "<Error><Code>SlowDown</Code><Message>Please reduce</Message></Error>"}},
       {{"op", "PutObject"},
        {"times", 0},
        {"action", "respond"},
        {"status", 503},
        {"body", "<Error><Code>SlowDown</Code><Message>Please reduce</Message></Error>"}}}));
  const json out = RunJson(
      Job("input_dataset = \"" + std::string(kInputId) +
              "\"\npath = \"s3fail/\"\nprimary_key = [\"id\"]\nspecific_day = 1",
          "[tuning]\nretry_budget = \"1s\"\n", StandardDomo::kOwnerClientId, proxy.endpoint()),
      6);
  EXPECT_GT(proxy.Count("UploadPart") + proxy.Count("PutObject"), 0);
  ExpectFailedMetrics(out, DatasetRows(out["writeback_dataset_id"]), "SlowDown");
  ExpectBucketUntouched();
}

TEST_F(RunIntegrationTest, TokenExpiringMidRunIsRefreshedOnceAndTheRunSucceeds) {
  const auto rows = TimedRows({{1, DaysAgo(1) + "T01:00:00"}, {2, DaysAgo(1) + "T02:00:00"}});
  StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)},
                json::array({{{"route", "query"}, {"action", "expire_tokens"}, {"times", 1}}}));
  const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                               "\"\npath = \"tok/\"\nprimary_key = [\"id\"]\nspecific_day = 1"),
                           0);
  EXPECT_EQ(out["status"], "SUCCEEDED") << out;
  EXPECT_EQ(out["rows"], 2);
  int tokens = 0;
  for (const std::string& path : RequestPaths()) tokens += path == "/oauth/token";
  EXPECT_EQ(tokens, 2);
  EXPECT_EQ(DatasetRows(out["writeback_dataset_id"]).size(), 1u);
}

TEST_F(RunIntegrationTest, DomoExportEngineWritesTheDayThroughExportToS3) {
  const std::string day = DaysAgo(1);
  const auto rows = TimedRows({{3, day + "T03:00:00"},
                               {1, day + "T01:00:00"},
                               {2, DaysAgo(2) + "T02:00:00"},
                               {4, day + "T23:59:59"}});
  StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)});
  const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                               "\"\npath = \"export/{date}/\"\nprimary_key = [\"id\"]\n"
                               "specific_day = 1\nengine = \"domo-export\""),
                           0);
  ASSERT_EQ(out["s3_uris"].size(), 1u) << out;
  EXPECT_EQ(out["rows"], 3);
  const std::string uri = out["s3_uris"][0];
  EXPECT_THAT(uri, HasSubstr("s3://" + bucket_ + "/export/" + day + "/"));
  EXPECT_EQ(Gunzip(ReadBack(uri.substr(("s3://" + bucket_ + "/").size()))),
            "id,t,note\n1," + day + "T01:00:00,n1\n3," + day + "T03:00:00,n3\n4," + day +
                "T23:59:59,n4\n");
  const std::vector<json> metrics = DatasetRows(out["writeback_dataset_id"]);
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0]["engine"], "domo-export");
  EXPECT_EQ(metrics[0]["status"], "SUCCEEDED");
}

TEST_F(RunIntegrationTest, DomoExportEndingInErrorIsAFailedRun) {
  const auto rows = TimedRows({{1, DaysAgo(1) + "T01:00:00"}});
  StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)},
                json::array({{{"route", "s3export"},
                              {"action", "export_error"},
                              {"message", "the warehouse is on fire"}}}));
  const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                               "\"\npath = \"export/\"\nprimary_key = [\"id\"]\n"
                               "specific_day = 1\nengine = \"domo-export\""),
                           6);
  ExpectFailedMetrics(out, DatasetRows(out["writeback_dataset_id"]), "the warehouse is on fire");
  ExpectBucketUntouched();
}

TEST_F(RunIntegrationTest, SplitOutputIsNumberedKeyOrderedWithManifestLast) {
  StartEmulator({BigDataset(DaysAgo(1), DaysAgo(0), 400000)});
  testing::FaultProxy proxy(RadosGw());  // no rules: it only logs the order of the writes
  const json out =
      RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                      "\"\npath = \"split/part\"\nprimary_key = [\"id\"]\nspecific_day = 1",
                  "[output]\nmax_object_size = \"5MiB\"\nmanifest = true\n[s3]\npart_size = "
                  "\"5MiB\"\n",
                  StandardDomo::kOwnerClientId, proxy.endpoint()),
              0);
  ASSERT_GE(out["s3_uris"].size(), 2u) << out;
  long long previous = 0, rows = 0;
  for (size_t i = 0; i < out["s3_uris"].size(); ++i) {
    std::string number = std::to_string(i + 1);
    number.insert(0, 4 - std::min<size_t>(4, number.size()), '0');
    const std::string key = "split/part-" + number + ".csv.gz";
    EXPECT_EQ(out["s3_uris"][i], "s3://" + bucket_ + "/" + key);
    const std::string object = ReadBack(key);
    EXPECT_LE(object.size(), 5u << 20);
    const std::vector<std::string> ids = FirstColumn(Gunzip(object));  // gunzips on its own
    ASSERT_FALSE(ids.empty());
    for (const std::string& id : ids) {
      if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) continue;  // text
      EXPECT_EQ(std::stoll(id), previous + 1);
      previous = std::stoll(id);
      ++rows;
    }
  }
  EXPECT_EQ(rows, out["rows"].get<long long>());
  const json manifest = json::parse(ReadBack("split/part.manifest"));
  ASSERT_EQ(manifest["entries"].size(), out["s3_uris"].size()) << manifest;
  for (size_t i = 0; i < manifest["entries"].size(); ++i) {
    EXPECT_EQ(manifest["entries"][i]["url"], out["s3_uris"][i]);
  }
  // The manifest is the last write.
  const json log = proxy.Log();
  std::string last_write;
  for (const json& entry : log) {
    const std::string op = entry["op"];
    if (op == "PutObject" || op == "CompleteMultipartUpload") last_write = entry["path"];
  }
  EXPECT_THAT(last_write, HasSubstr("split/part.manifest"));
}

TEST_F(RunIntegrationTest, IfExistsFailRefusesASecondRunAndKeepsTheFirstObject) {
  const auto rows = TimedRows({{1, DaysAgo(1) + "T01:00:00"}});
  StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)});
  const std::string job = Job("input_dataset = \"" + std::string(kInputId) +
                                  "\"\npath = \"once/data.csv\"\nprimary_key = [\"id\"]\n"
                                  "specific_day = 1",
                              "[output]\nif_exists = \"fail\"\n");
  RunJson(job, 0);
  const std::string first = ReadBack("once/data.csv.gz");
  const json second = RunJson(job, 5);
  EXPECT_EQ(second["error"]["subject"], "s3://" + bucket_ + "/once/data.csv.gz") << second;
  EXPECT_EQ(ReadBack("once/data.csv.gz"), first);
  EXPECT_THAT(Keys(), ElementsAre("once/data.csv.gz"));
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0);
}

TEST_F(RunIntegrationTest, HistoryListsSucceededAndFailedRuns) {
  const auto rows = TimedRows({{1, DaysAgo(1) + "T01:00:00"}});
  StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)});
  const std::string ok = Job("input_dataset = \"" + std::string(kInputId) +
                             "\"\npath = \"h/\"\nprimary_key = [\"id\"]\nspecific_day = 1");
  const std::string bad = Job("input_dataset = \"" + std::string(kInputId) +
                              "\"\npath = \"h/\"\nprimary_key = [\"missing\"]\nspecific_day = 1");
  const json first = RunJson(ok, 0);
  const json second = RunJson(bad, 2);
  const CommandResult r = testing::RunCommand(
      {S3UNLOAD_BINARY, "history", "--json", "--store", (dir_ / "history.db").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, std::string> status;
  for (const json& run : json::parse(r.out)) status[run["run_id"]] = run["status"];
  EXPECT_EQ(status.size(), 2u) << r.out;
  EXPECT_EQ(status[first["run_id"]], "SUCCEEDED");
  EXPECT_EQ(status[second["run_id"]], "FAILED");
}

TEST_F(RunIntegrationTest, BackfillRunsEachDayOldestFirstEachItsOwnRun) {
  const auto rows = TimedRows({{1, DaysAgo(3) + "T01:00:00"},
                               {2, DaysAgo(2) + "T01:00:00"},
                               {3, DaysAgo(2) + "T02:00:00"},
                               {4, DaysAgo(1) + "T23:59:59"}});
  StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)});
  const std::string job = Job("input_dataset = \"" + std::string(kInputId) +
                              "\"\npath = \"bf/\"\nprimary_key = [\"id\"]");
  const json out = RunJson(job, 0, {"--from", DaysAgo(3), "--to", DaysAgo(1)});
  EXPECT_EQ(out["days_done"], 3) << out;
  EXPECT_EQ(out["days_failed"], 0);
  ASSERT_EQ(out["runs"].size(), 3u);
  std::set<std::string> run_ids;
  for (int i = 0; i < 3; ++i) {
    const json& run = out["runs"][i];
    EXPECT_EQ(run["day"], DaysAgo(3 - i)) << "oldest first";
    EXPECT_EQ(run["plan"]["day"], DaysAgo(3 - i));
    EXPECT_EQ(run["status"], "SUCCEEDED");
    EXPECT_EQ(run["metrics_recorded"], true);
    run_ids.insert(run["run_id"].get<std::string>());
  }
  EXPECT_EQ(out["runs"][1]["rows"], 2);
  EXPECT_EQ(run_ids.size(), 3u);
  const std::string prefix = "bf/" + std::string(kInputId) + "_";
  EXPECT_THAT(Keys(), ElementsAre(prefix + DaysAgo(3) + ".csv.gz", prefix + DaysAgo(2) + ".csv.gz",
                                  prefix + DaysAgo(1) + ".csv.gz"));
  const CommandResult history = testing::RunCommand(
      {S3UNLOAD_BINARY, "history", "--json", "--store", (dir_ / "history.db").string()});
  EXPECT_EQ(json::parse(history.out).size(), 3u) << "a history record per day";

  const CommandResult text = Run(job, {"--from", DaysAgo(2), "--to", DaysAgo(2)});
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_THAT(text.out, HasSubstr(DaysAgo(2) + "  SUCCEEDED  run "));
  EXPECT_THAT(text.out, HasSubstr("1 done, 0 failed, 0 cancelled"));
}

TEST_F(RunIntegrationTest, BackfillGoesOnAfterAFailedDayAndExitsWithItsCode) {
  const auto rows = TimedRows({{1, DaysAgo(3) + "T01:00:00"}, {2, DaysAgo(1) + "T01:00:00"}});
  StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)});
  const std::string job = Job("input_dataset = \"" + std::string(kInputId) +
                                  "\"\npath = \"bf/{date}.csv\"\nprimary_key = [\"id\"]",
                              "[output]\nif_exists = \"fail\"\n");
  // The middle day is there already: re-running it follows if_exists, here "fail".
  RunJson(job, 0, {"--day", "2"});
  const std::string first = ReadBack("bf/" + DaysAgo(2) + ".csv.gz");
  const json out = RunJson(job, 5, {"--from", DaysAgo(3), "--to", DaysAgo(1)});
  EXPECT_EQ(out["days_done"], 2) << out;
  EXPECT_EQ(out["days_failed"], 1);
  ASSERT_EQ(out["runs"].size(), 3u);
  EXPECT_EQ(out["runs"][0]["status"], "SUCCEEDED");
  EXPECT_EQ(out["runs"][1]["status"], "FAILED");
  EXPECT_EQ(out["runs"][1]["error"]["subject"],
            "s3://" + bucket_ + "/bf/" + DaysAgo(2) + ".csv.gz");
  EXPECT_EQ(out["runs"][2]["status"], "SUCCEEDED");
  EXPECT_EQ(ReadBack("bf/" + DaysAgo(2) + ".csv.gz"), first);
  EXPECT_THAT(Keys(), ElementsAre("bf/" + DaysAgo(3) + ".csv.gz", "bf/" + DaysAgo(2) + ".csv.gz",
                                  "bf/" + DaysAgo(1) + ".csv.gz"));
}

TEST_F(RunIntegrationTest, BackfillFlagsAreCheckedBeforeAnythingRuns) {
  StartEmulator({});
  const std::string job = Job("input_dataset = \"" + std::string(kInputId) +
                              "\"\npath = \"bf/\"\nprimary_key = [\"id\"]");
  const CommandResult alone = Run(job, {"--from", DaysAgo(3), "--day", "1"});
  EXPECT_EQ(alone.exit_code, 2) << alone.out << alone.err;
  EXPECT_THAT(alone.err, HasSubstr("--to: required with --from"));
  EXPECT_THAT(alone.err, HasSubstr("--day: not with --from/--to"));
  const CommandResult reversed = Run(job, {"--from", DaysAgo(1), "--to", DaysAgo(3)});
  EXPECT_EQ(reversed.exit_code, 2) << reversed.out << reversed.err;
  EXPECT_THAT(reversed.err, HasSubstr("--to: must be on or after --from"));
  const CommandResult future = Run(job, {"--from", DaysAgo(1), "--to", DaysAgo(-1)});
  EXPECT_EQ(future.exit_code, 2) << future.out << future.err;
  EXPECT_THAT(future.err, HasSubstr("has not begun yet in UTC"));
  const CommandResult unreadable = Run(job, {"--from", "last week", "--to", DaysAgo(1)});
  EXPECT_EQ(unreadable.exit_code, 2);
  EXPECT_THAT(unreadable.err, HasSubstr("--from: expected a date as YYYY-MM-DD"));
  ExpectBucketUntouched();
  const CommandResult history =
      testing::RunCommand({S3UNLOAD_BINARY, "history", "--store", (dir_ / "history.db").string()});
  EXPECT_THAT(history.out, HasSubstr("no runs recorded"));
}

}  // namespace
}  // namespace s3u

namespace s3u {
namespace {

// Keys repeated across page boundaries: keyset paging must neither skip nor repeat rows.
// 2500 rows, each key three times, in pages of 1000 rows (the smallest page).
class DuplicateKeysTest : public RunIntegrationTest {
 protected:
  void SetUp() override {
    std::vector<Row> rows;
    const std::string day = DaysAgo(1) + "T12:00:00";
    for (int i = 0; i < 2500; ++i) {
      // Written out of key order, so the output order comes from the query's ORDER BY.
      const int n = (i * 7919) % 2500;
      rows.push_back({std::to_string(n / 3), day, "r" + std::to_string(n)});
    }
    StartEmulator({InlineDataset(kInputId, kSimpleSchema, rows)});
  }
  json RunWith(const std::string& policy, int expected_exit) {
    return RunJson(Job(std::string("input_dataset = \"") + kInputId +
                           "\"\npath = \"dups/\"\nprimary_key = [\"id\"]\nspecific_day = 1\n"
                           "duplicate_keys = \"" +
                           policy + "\"",
                       "[tuning]\npage_rows = 1000\n"),
                   expected_exit);
  }
};

TEST_F(DuplicateKeysTest, KeepWritesEveryRowOnceAndCountsTheRepeats) {
  const json out = RunWith("keep", 0);
  ASSERT_EQ(out["rows"], 2500) << out.dump();
  EXPECT_EQ(out["duplicate_keys"], 2500 - 834);
  const std::string csv = Gunzip(ReadBack(Keys().at(0)));
  const std::vector<std::string> ids = FirstColumn(csv);
  ASSERT_EQ(ids.size(), 2500u);
  std::set<std::string> notes;
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], std::to_string(i / 3)) << "row " << i;
  }
  // Every source row exactly once (the note column is unique per row).
  size_t pos = csv.find('\n');
  while (pos != std::string::npos && pos + 1 < csv.size()) {
    const size_t end = csv.find('\n', pos + 1);
    const std::string line = csv.substr(pos + 1, end - pos - 1);
    notes.insert(line.substr(line.rfind(',') + 1));
    pos = end;
  }
  EXPECT_EQ(notes.size(), 2500u);
}

TEST_F(DuplicateKeysTest, FirstKeepsOneRowPerKey) {
  const json out = RunWith("first", 0);
  EXPECT_EQ(out["rows"], 834) << out.dump();
  const std::vector<std::string> ids = FirstColumn(Gunzip(ReadBack(Keys().at(0))));
  ASSERT_EQ(ids.size(), 834u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], std::to_string(i));
}

TEST_F(DuplicateKeysTest, FailStopsAtTheFirstRepeatNamingTheKey) {
  const json out = RunWith("fail", 5);
  EXPECT_EQ(out["status"], "FAILED");
  EXPECT_THAT(out["error"]["message"].get<std::string>(), HasSubstr("key (0)"));
  ExpectBucketUntouched();
}

// JSON Lines with zstd, REPLACE and DATETIME metrics: the other output and metrics options.
TEST_F(RunIntegrationTest, JsonLinesZstdWithReplaceAndDateTimeMetrics) {
  const std::string day = DaysAgo(1);
  StartEmulator({InlineDataset(kInputId, kSimpleSchema,
                               TimedRows({{2, day + "T01:00:00"}, {1, day + "T02:00:00"}}))});
  const std::string job = Job(std::string("input_dataset = \"") + kInputId +
                                  "\"\npath = \"j/out\"\nprimary_key = \"id\"\nspecific_day = 1\n"
                                  "metrics_dates = \"date_time\"",
                              "[output]\nformat = \"jsonl\"\ncompression = \"zstd\"\n"
                              "[writeback]\nupdate_method = \"REPLACE\"\n");
  std::string writeback_id;
  for (int run = 0; run < 2; ++run) {
    const json out = RunJson(job, 0);
    ASSERT_EQ(out["status"], "SUCCEEDED") << out.dump();
    writeback_id = out["writeback_dataset_id"];
  }
  EXPECT_THAT(Keys(), ElementsAre("j/out.jsonl.zst"));
  CommandResult plain = testing::RunCommand({"zstd", "-dc"}, {}, ReadBack("j/out.jsonl.zst"));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, "{\"id\":1,\"t\":\"" + day +
                           "T02:00:00\",\"note\":\"n1\"}\n{\"id\":2,\"t\":\"" + day +
                           "T01:00:00\",\"note\":\"n2\"}\n");
  // REPLACE keeps only the last run's row; started is a DATETIME, not epoch millis.
  ASSERT_FALSE(writeback_id.empty());
  const std::vector<json> rows = DatasetRows(writeback_id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["started"].get<std::string>().size(), 19u) << rows[0].dump();
  EXPECT_EQ(rows[0]["started"].get<std::string>()[10], 'T');
}

}  // namespace
}  // namespace s3u
