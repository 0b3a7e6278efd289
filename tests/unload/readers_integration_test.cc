// Parallel readers (issue 17): `s3unload run --readers N` against the emulator with its latency
// model scaled down (first byte 5 ms, so a test stays fast), read back from radosgw.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/synthetic_day.h"
#include "unload/run_fixture.h"

namespace s3u::run_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A cloud-ish latency model, scaled down: every query page waits 5 ms for its first byte.
json ScaledCloud(int max_queries = 16, int retry_after = 1) {
  return {{"preset", "cloud"},
          {"ttfb_ms", 5},
          {"bytes_per_second", 200'000'000},
          {"max_concurrent_queries", max_queries},
          {"retry_after_seconds", retry_after}};
}

class ReadersTest : public RunIntegrationTest {
 protected:
  // Ids 1..2000, each on three rows (so every key repeats, and the 1000-row pages end in the
  // middle of a key's rows), all on yesterday, stored out of order. `skewed`: ids 1..250 on
  // twelve rows each, so the first key ranges take several pages.
  void StartWithTriples(const json& faults = json::array(), const json& latency = ScaledCloud(),
                        bool skewed = false) {
    const std::string day = DaysAgo(1);
    std::vector<Row> rows;
    for (int id = 2000; id >= 1; --id) {
      for (int copy = 0; copy < Copies(id, skewed); ++copy) {
        rows.push_back({std::to_string(id), day + "T01:02:03", "c" + std::to_string(copy)});
      }
    }
    const json schema = json::array({{{"name", "id"}, {"type", "LONG"}},
                                     {{"name", "t"}, {"type", "DATETIME"}},
                                     {{"name", "copy"}, {"type", "STRING"}}});
    json config = testing::StandardEmulatorConfig(RadosGw().endpoint);
    config["datasets"].push_back(InlineDataset(kInputId, schema, rows));
    config["faults"] = faults;
    config["latency"] = latency;
    emulator_ = std::make_unique<testing::EmulatorProcess>(config);
  }
  std::string TriplesJob() {
    return Job("input_dataset = \"" + std::string(kInputId) +
                   "\"\npath = \"par/day\"\nprimary_key = [\"id\"]\nspecific_day = 1",
               "[output]\nmanifest = true\ncompression = \"none\"\n[tuning]\npage_rows = 1000\n");
  }
  // The objects of the run in the manifest's order, concatenated without their headers: the
  // first column of each row.
  std::vector<std::string> IdsInManifestOrder(const json& out) {
    const json manifest = json::parse(ReadBack("par/day.manifest"));
    EXPECT_EQ(manifest["entries"].size(), out["s3_uris"].size()) << manifest;
    std::vector<std::string> ids;
    for (size_t i = 0; i < manifest["entries"].size(); ++i) {
      EXPECT_EQ(manifest["entries"][i]["url"], out["s3_uris"][i]);
      const std::string url = manifest["entries"][i]["url"];
      const std::string key = url.substr(("s3://" + bucket_ + "/").size());
      for (const std::string& id : FirstColumn(ReadBack(key))) ids.push_back(id);
    }
    return ids;
  }
  static int Copies(int id, bool skewed) { return skewed && id <= 250 ? 12 : 3; }
  static std::vector<std::string> ExpectedIds(bool skewed = false) {
    std::vector<std::string> ids;
    for (int id = 1; id <= 2000; ++id) {
      for (int copy = 0; copy < Copies(id, skewed); ++copy) ids.push_back(std::to_string(id));
    }
    return ids;
  }
  int Count429() const {
    int n = 0;
    for (const json& r : emulator_->Admin("GET", "/__admin/requests")) n += r["status"] == 429;
    return n;
  }
};

TEST_F(ReadersTest, FourReadersWriteOneObjectInKeyOrderWithEveryRowOnceByDefault) {
  StartWithTriples();
  CommandResult r = Run(TriplesJob(), {"--readers", "4", "--log-level", "info", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json out = json::parse(r.out);
  EXPECT_EQ(out["status"], "SUCCEEDED") << out.dump();
  EXPECT_EQ(out["rows"], 6000);
  EXPECT_EQ(out["duplicate_keys"], 4000);  // two extra rows per key, none counted twice
  EXPECT_THAT(out["s3_uris"], ElementsAre("s3://" + bucket_ + "/par/day.csv"));
  // 6000 rows in ranges of at most 900 (nine tenths of a 1000-row page): 7 ranges, one page
  // each, read four at a time.
  EXPECT_THAT(r.err, HasSubstr("4 readers over 7 ranges of the day"));
  EXPECT_EQ(IdsInManifestOrder(out), ExpectedIds());
}

TEST_F(ReadersTest, OneObjectStaysExactWhenRangesTakeSeveralPagesAndKeysRepeatAcrossThem) {
  // 8250 rows: 10 ranges of 200 ids; the first ones hold 12 rows per id, so they take two or
  // three pages, each ending in the middle of a key's rows, while later ranges are read ahead.
  StartWithTriples(json::array(), ScaledCloud(), /*skewed=*/true);
  const json out = RunJson(TriplesJob(), 0, {"--readers", "3"});
  EXPECT_EQ(out["status"], "SUCCEEDED") << out.dump();
  EXPECT_EQ(out["rows"], 8250);
  EXPECT_EQ(out["duplicate_keys"], 8250 - 2000);
  EXPECT_THAT(out["s3_uris"], ElementsAre("s3://" + bucket_ + "/par/day.csv"));
  EXPECT_EQ(IdsInManifestOrder(out), ExpectedIds(/*skewed=*/true));
}

TEST_F(ReadersTest, AutomaticReadersOpenUpAgainstLatencyAndWriteEveryRowOnceInKeyOrder) {
  // 100 pages of 1000 rows: up to 16 automatic readers, starting with 4. At this latency the
  // writer waits for pages, so the window opens as far as the machine's idle CPU allows;
  // however far that is, the object is the day in key order.
  json config = testing::StandardEmulatorConfig(RadosGw().endpoint);
  config["datasets"].push_back(
      testing::OneDayDataset(kInputId, "events", DaysAgo(1), DaysAgo(0), 100'000, 7, "note"));
  config["latency"] = ScaledCloud();
  emulator_ = std::make_unique<testing::EmulatorProcess>(config);
  CommandResult r = Run(TriplesJob(), {"--log-level", "info", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json out = json::parse(r.out);
  EXPECT_EQ(out["rows"], 100'000);
  EXPECT_EQ(out["duplicate_keys"], 0);
  EXPECT_THAT(out["s3_uris"], ElementsAre("s3://" + bucket_ + "/par/day.csv"));
  EXPECT_THAT(r.err, HasSubstr("16 readers over 112 ranges of the day"));
  // 4 to start with; how far it widened depends on the machine's timings.
  EXPECT_THAT(r.err, ::testing::ContainsRegex("automatic readers: ([4-9]|1[0-6]) of 16 at once"));
  std::vector<std::string> expected;
  for (int id = 1; id <= 100'000; ++id) expected.push_back(std::to_string(id));
  EXPECT_EQ(IdsInManifestOrder(out), expected);
}

TEST_F(ReadersTest, FourReadersPerReaderWriteOneObjectEachInKeyOrderWithEveryRowOnce) {
  StartWithTriples();
  const json out =
      RunJson(TriplesJob(), 0, {"--readers", "4", "--set", "output.reader_objects=per-reader"});
  EXPECT_EQ(out["status"], "SUCCEEDED") << out.dump();
  EXPECT_EQ(out["rows"], 6000);
  EXPECT_EQ(out["duplicate_keys"], 4000);  // two extra rows per key, none counted twice
  const std::string prefix = "s3://" + bucket_ + "/par/day-r0";
  EXPECT_THAT(out["s3_uris"],
              ElementsAre(prefix + "1.csv", prefix + "2.csv", prefix + "3.csv", prefix + "4.csv"));
  // Boundaries 501, 1001, 1501: each key's three rows are in one object, none lost or repeated.
  EXPECT_EQ(IdsInManifestOrder(out), ExpectedIds());
}

TEST_F(ReadersTest, OneReaderKeepsTheSingleObjectName) {
  StartWithTriples();
  const json out = RunJson(TriplesJob(), 0, {"--readers", "1"});
  EXPECT_THAT(out["s3_uris"], ElementsAre("s3://" + bucket_ + "/par/day.csv"));
  EXPECT_EQ(IdsInManifestOrder(out), ExpectedIds());
}

TEST_F(ReadersTest, AReaderWhosePagesFailMidwayRetriesAndTheOutputIsExact) {
  // The 7th and 8th query (pages of some readers, after the count and the key bounds) fail.
  StartWithTriples(json::array(
      {{{"route", "query"}, {"action", "status"}, {"status", 500}, {"after", 6}, {"times", 2}}}));
  const json out = RunJson(TriplesJob(), 0, {"--readers", "4"});
  EXPECT_EQ(out["status"], "SUCCEEDED") << out.dump();
  EXPECT_EQ(out["rows"], 6000);
  EXPECT_EQ(IdsInManifestOrder(out), ExpectedIds());
  int failed = 0;
  for (const json& r : emulator_->Admin("GET", "/__admin/requests")) failed += r["status"] == 500;
  EXPECT_EQ(failed, 2);
}

TEST_F(ReadersTest, AReaderThatFailsForGoodFailsTheRunAndPublishesNothing) {
  // A 403 is not retried: the reader that gets it fails, the others stop, nothing is visible.
  StartWithTriples(json::array(
      {{{"route", "query"}, {"action", "status"}, {"status", 403}, {"after", 6}, {"times", 1}}}));
  CommandResult r = Run(TriplesJob(), {"--readers", "4", "--json"});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  const json out = json::parse(r.out);
  EXPECT_EQ(out["status"], "FAILED") << out.dump();
  EXPECT_THAT(out["error"].dump(), HasSubstr("403"));
  EXPECT_THAT(Keys(), ::testing::IsEmpty());
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0);
}

TEST_F(ReadersTest, ThrottlingShrinksTheReadersAndTheRunStillCompletesExactly) {
  // Domo answers 429 past one query in flight per token (Retry-After: 0, so the retries are
  // quick): four readers must share one slot rather than fail.
  StartWithTriples(json::array(), ScaledCloud(1, 0));
  CommandResult r = Run(TriplesJob(), {"--readers", "4", "--log-level", "info", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json out = json::parse(r.out);
  EXPECT_EQ(out["status"], "SUCCEEDED") << out.dump();
  // The pool shrank below the four readers it started with.
  EXPECT_THAT(r.err, ::testing::ContainsRegex("queries in flight allowed at the end: [123] of 4"));
  EXPECT_EQ(out["rows"], 6000);
  EXPECT_EQ(IdsInManifestOrder(out), ExpectedIds());
  EXPECT_GT(Count429(), 0);
}

TEST_F(ReadersTest, ReadersFlagIsValidated) {
  StartWithTriples();
  CommandResult r = Run(TriplesJob(), {"--readers", "65"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("tuning.readers"));
}

}  // namespace
}  // namespace s3u::run_test
