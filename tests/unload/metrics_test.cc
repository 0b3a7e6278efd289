#include "unload/metrics.h"

#include <gtest/gtest.h>

namespace s3u::unload {
namespace {

MetricsRow Sample() {
  MetricsRow row;
  row.run_id = "20261124T010203004Z-0badf00d";
  row.job_name = "sales, daily";
  row.input_dataset_id = "08a061e2-12a2-4646-b4bc-20beddb403e3";
  row.day = "2026-11-23";
  row.time_zone = "UTC";
  row.window_start = "2026-11-23T00:00:00";
  row.window_end = "2026-11-24T00:00:00";
  row.engine = "direct";
  row.s3_uris = {"s3://b/a-0001.csv.gz", "s3://b/a-0002.csv.gz"};
  row.objects = 2;
  row.rows = 1234;
  row.bytes = 5678;
  row.status = "SUCCEEDED";
  row.started = "1795482123004";
  row.finished = "1795482125999";
  return row;
}

TEST(MetricsTest, SchemaFollowsTheDateOption) {
  const auto raw = MetricsSchema(MetricsDates::kAsReceived);
  const auto parsed = MetricsSchema(MetricsDates::kDateTime);
  ASSERT_EQ(raw.size(), parsed.size());
  const size_t started = raw.size() - 3;
  EXPECT_EQ(raw.at(started).name, "started");
  EXPECT_EQ(raw.at(started + 1).name, "finished");
  for (size_t i : {started, started + 1}) {
    EXPECT_EQ(raw.at(i).type, table::ColumnType::kString);
    EXPECT_EQ(parsed.at(i).type, table::ColumnType::kDateTime);
  }
  // Only started/finished change.
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i != started && i != started + 1) {
      EXPECT_EQ(raw[i], parsed[i]);
    }
  }
}

TEST(MetricsTest, RetriesIsTheLastColumnSoOlderDatasetsOnlyGainAColumn) {
  for (MetricsDates dates : {MetricsDates::kAsReceived, MetricsDates::kDateTime}) {
    const auto schema = MetricsSchema(dates);
    EXPECT_EQ(schema.back().name, "retries");
    EXPECT_EQ(schema.back().type, table::ColumnType::kLong);
  }
  MetricsRow row = Sample();
  row.retries = 23;
  EXPECT_EQ(MetricsJson(row, MetricsDates::kAsReceived)["retries"], 23);
  const std::string csv = MetricsCsv(row, MetricsDates::kDateTime);
  EXPECT_EQ(csv.substr(csv.size() - 4), ",23\n") << csv;
}

TEST(MetricsTest, CsvAsReceivedKeepsTheMillisText) {
  EXPECT_EQ(MetricsCsv(Sample(), MetricsDates::kAsReceived),
            "20261124T010203004Z-0badf00d,\"sales, daily\",08a061e2-12a2-4646-b4bc-20beddb403e3,"
            "2026-11-23,UTC,2026-11-23T00:00:00,2026-11-24T00:00:00,direct,"
            "s3://b/a-0001.csv.gz s3://b/a-0002.csv.gz,2,1234,5678,0,SUCCEEDED,,,"
            "1795482123004,1795482125999,0\n");
}

TEST(MetricsTest, CsvDateTimeParsesStartedAndFinished) {
  const std::string csv = MetricsCsv(Sample(), MetricsDates::kDateTime);
  EXPECT_NE(csv.find(",2026-11-24T01:02:03,2026-11-24T01:02:05,0\n"), std::string::npos) << csv;
}

TEST(MetricsTest, JsonIsTypedWithNullsForAbsentValues) {
  MetricsRow row = Sample();
  row.status = "FAILED";
  row.error = "S3 answered 503";
  const nlohmann::json j = MetricsJson(row, MetricsDates::kAsReceived);
  EXPECT_EQ(j["rows"], 1234);
  EXPECT_EQ(j["error"], "S3 answered 503");
  EXPECT_TRUE(j["export_id"].is_null());
  EXPECT_EQ(j["started"], "1795482123004");
}

TEST(MetricsTest, TimeConversions) {
  EXPECT_EQ(MillisToDateTime("0"), "1970-01-01T00:00:00");
  EXPECT_EQ(MillisToDateTime("2019-09-19T15:09:10.086Z"), "2019-09-19T15:09:10");
  EXPECT_EQ(MillisToDateTime("garbage"), "garbage");
  EXPECT_EQ(ToMillisText("2019-09-19T15:09:10.086Z"), "1568905750086");
  EXPECT_EQ(ToMillisText("1568905750086"), "1568905750086");
  EXPECT_EQ(ToMillisText("2019-09-19T15:09:10Z"), "1568905750000");
  EXPECT_EQ(ToMillisText("n/a"), "n/a");
}

}  // namespace
}  // namespace s3u::unload
