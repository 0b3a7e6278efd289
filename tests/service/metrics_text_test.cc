// The text exposition format with known answers: the exact lines Prometheus parses, label
// values holding the characters that must be escaped, values at the edges, and histograms
// with observations on, between and beyond their bounds.
#include "service/metrics_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace s3u::service {
namespace {

TEST(FormatExpositionTest, WritesHelpTypeAndEachSampleOnItsOwnLine) {
  MetricFamily runs{"s3unload_runs_total",
                    "Runs ended.",
                    MetricType::kCounter,
                    {{"", {{"connector", "orders"}, {"status", "failed"}}, 2},
                     {"", {{"connector", "orders"}, {"status", "succeeded"}}, 7}}};
  MetricFamily lag{"s3unload_scheduler_lag_seconds", "Lag.", MetricType::kGauge, {{"", {}, 1.5}}};
  EXPECT_EQ(FormatExposition({runs, lag}),
            "# HELP s3unload_runs_total Runs ended.\n"
            "# TYPE s3unload_runs_total counter\n"
            "s3unload_runs_total{connector=\"orders\",status=\"failed\"} 2\n"
            "s3unload_runs_total{connector=\"orders\",status=\"succeeded\"} 7\n"
            "# HELP s3unload_scheduler_lag_seconds Lag.\n"
            "# TYPE s3unload_scheduler_lag_seconds gauge\n"
            "s3unload_scheduler_lag_seconds 1.5\n");
}

TEST(FormatExpositionTest, AFamilyWithoutSamplesIsStillDescribed) {
  MetricFamily last{"s3unload_last_success_timestamp_seconds", "When.", MetricType::kGauge, {}};
  EXPECT_EQ(FormatExposition({last}),
            "# HELP s3unload_last_success_timestamp_seconds When.\n"
            "# TYPE s3unload_last_success_timestamp_seconds gauge\n");
}

TEST(FormatExpositionTest, NothingToWriteIsAnEmptyPage) { EXPECT_EQ(FormatExposition({}), ""); }

TEST(FormatExpositionTest, AHostileConnectorNameCannotEndItsValueOrStartALine) {
  MetricFamily f{"m", "h", MetricType::kGauge, {{"", {{"connector", "a\"} 1\nm{x=\"\\"}}, 1}}};
  EXPECT_EQ(FormatExposition({f}),
            "# HELP m h\n# TYPE m gauge\n"
            "m{connector=\"a\\\"} 1\\nm{x=\\\"\\\\\"} 1\n");
}

TEST(EscapeLabelValueTest, EscapesBackslashQuoteAndNewlineOnly) {
  EXPECT_EQ(EscapeLabelValue(R"(C:\dir)"), R"(C:\\dir)");
  EXPECT_EQ(EscapeLabelValue(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(EscapeLabelValue("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(EscapeLabelValue(R"(\")"), R"(\\\")");
  // Anything else is UTF-8 text Prometheus takes as it is.
  EXPECT_EQ(EscapeLabelValue("ventes été {x} 'q' ../%00 \t"), "ventes été {x} 'q' ../%00 \t");
  EXPECT_EQ(EscapeLabelValue(""), "");
}

TEST(EscapeHelpTest, EscapesBackslashAndNewlineButNotQuotes) {
  EXPECT_EQ(EscapeHelp("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
}

TEST(FormatValueTest, WholeNumbersHaveNoFraction) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(-0.0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(1'765'000'123), "1765000123");
  EXPECT_EQ(FormatValue(9007199254740991.0), "9007199254740991");  // 2^53 - 1
}

TEST(FormatValueTest, FractionsReadBackExactly) {
  EXPECT_EQ(FormatValue(0.5), "0.5");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(1765000123.456), "1765000123.456");
  EXPECT_EQ(std::stod(FormatValue(1.0 / 3)), 1.0 / 3);
  EXPECT_EQ(std::stod(FormatValue(1e300)), 1e300);
}

TEST(FormatValueTest, InfinitiesAndNaNAreSpelledAsPrometheusDoes) {
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(HistogramCountsTest, AValueOnABoundCountsInThatBucket) {
  HistogramCounts h({1, 5});
  h.Observe(1);
  h.Observe(5);
  EXPECT_EQ(h.counts, (std::vector<uint64_t>{1, 1, 0}));
}

TEST(HistogramCountsTest, AValueAboveEveryBoundCountsOnlyInInf) {
  HistogramCounts h({1, 5});
  h.Observe(5.001);
  h.Observe(1e9);
  EXPECT_EQ(h.counts, (std::vector<uint64_t>{0, 0, 2}));
  EXPECT_EQ(h.count, 2u);
  EXPECT_DOUBLE_EQ(h.sum, 1e9 + 5.001);
}

TEST(HistogramCountsTest, ZeroAndNegativeValuesCountInTheFirstBucket) {
  HistogramCounts h({1, 5});
  h.Observe(0);
  h.Observe(-2);  // a clock stepped back mid-run
  EXPECT_EQ(h.counts, (std::vector<uint64_t>{2, 0, 0}));
  EXPECT_DOUBLE_EQ(h.sum, -2);
}

TEST(AppendHistogramTest, BucketsAreCumulativeEndWithInfThenSumAndCount) {
  HistogramCounts h({0.5, 10});
  for (double v : {0.25, 3.0, 4.0, 60.0}) h.Observe(v);
  MetricFamily f{"d_seconds", "Durations.", MetricType::kHistogram, {}};
  AppendHistogram(f, {{"connector", "a"}}, h);
  EXPECT_EQ(FormatExposition({f}),
            "# HELP d_seconds Durations.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{connector=\"a\",le=\"0.5\"} 1\n"
            "d_seconds_bucket{connector=\"a\",le=\"10\"} 3\n"
            "d_seconds_bucket{connector=\"a\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{connector=\"a\"} 67.25\n"
            "d_seconds_count{connector=\"a\"} 4\n");
}

TEST(AppendHistogramTest, AnEmptyHistogramHasEveryBucketAtZero) {
  MetricFamily f{"d", "h", MetricType::kHistogram, {}};
  AppendHistogram(f, {}, HistogramCounts({1}));
  EXPECT_EQ(FormatExposition({f}),
            "# HELP d h\n# TYPE d histogram\n"
            "d_bucket{le=\"1\"} 0\nd_bucket{le=\"+Inf\"} 0\nd_sum 0\nd_count 0\n");
}

}  // namespace
}  // namespace s3u::service
