#include "cli/progress.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "support/fake_clock.h"

namespace s3u::cli {
namespace {

using std::chrono::milliseconds;

TEST(FormatProgressTest, KnownTotalShowsPercentRateAndEta) {
  // 100 MB of 200 MB in 1 s: 100 MB/s, 1 s left.
  EXPECT_EQ(FormatProgress(100'000'000, 200'000'000, milliseconds(1000)),
            "  95.4 MiB / 190.7 MiB   50%  100.0 MB/s  ETA 1s");
}

TEST(FormatProgressTest, UnknownTotalShowsBytesAndRateOnly) {
  EXPECT_EQ(FormatProgress(5'000'000, std::nullopt, milliseconds(2000)), "  4.77 MiB  2.5 MB/s");
}

TEST(FormatProgressTest, LongEtaInMinutes) {
  EXPECT_EQ(FormatProgress(1'000'000, 200'000'000, milliseconds(1000)),
            "  976.6 KiB / 190.7 MiB    0%  1.0 MB/s  ETA 3m19s");
}

TEST(FormatProgressTest, ZeroElapsedDoesNotDivideByZero) {
  EXPECT_EQ(FormatProgress(0, 10, milliseconds(0)), "  0 B / 10 B    0%  0.0 MB/s");
}

TEST(ProgressLineTest, RedrawsAtMostTenTimesASecond) {
  testing::FakeClock clock;
  char buffer[4096] = {};
  FILE* out = fmemopen(buffer, sizeof(buffer), "w");
  ProgressLine line(clock, true, std::nullopt, out);
  line.Update(1);
  line.Update(2);  // same instant: skipped
  clock.Advance(milliseconds(150));
  line.Update(3);
  std::fclose(out);
  std::string text(buffer);
  size_t draws = 0;
  for (size_t pos = 0; (pos = text.find('\r', pos)) != std::string::npos; ++pos) ++draws;
  EXPECT_EQ(draws, 2u);
}

TEST(ProgressLineTest, DisabledWritesNothing) {
  testing::FakeClock clock;
  char buffer[256] = {};
  FILE* out = fmemopen(buffer, sizeof(buffer), "w");
  ProgressLine line(clock, false, 100, out);
  line.Update(50);
  line.Clear();
  std::fclose(out);
  EXPECT_EQ(std::string(buffer), "");
}

}  // namespace
}  // namespace s3u::cli
