#include "core/cpu_meter.h"

#include <gtest/gtest.h>

namespace s3u {
namespace {

TEST(IdleShareTest, IdleTicksOverAllTicksBetweenTwoReadings) {
  EXPECT_DOUBLE_EQ(*IdleShare(CpuTimes{100, 400}, CpuTimes{130, 500}), 0.3);
  EXPECT_DOUBLE_EQ(*IdleShare(CpuTimes{100, 400}, CpuTimes{100, 500}), 0.0);
  EXPECT_DOUBLE_EQ(*IdleShare(CpuTimes{100, 400}, CpuTimes{200, 500}), 1.0);
}

TEST(IdleShareTest, NothingWhenAReadingIsMissingOrNoTimePassed) {
  EXPECT_FALSE(IdleShare(std::nullopt, CpuTimes{1, 2}));
  EXPECT_FALSE(IdleShare(CpuTimes{1, 2}, std::nullopt));
  EXPECT_FALSE(IdleShare(CpuTimes{1, 2}, CpuTimes{1, 2}));
  EXPECT_FALSE(IdleShare(CpuTimes{5, 9}, CpuTimes{4, 12}));  // not from the same machine
}

TEST(ProcStatCpuMeterTest, ReadsTimesThatOnlyGrow) {
  const ProcStatCpuMeter meter;
  const auto first = meter.Read();
  ASSERT_TRUE(first);  // the tests run on Linux
  EXPECT_GT(first->total, 0u);
  EXPECT_LE(first->idle, first->total);
  const auto second = meter.Read();
  ASSERT_TRUE(second);
  EXPECT_GE(second->total, first->total);
  EXPECT_GE(second->idle, first->idle);
}

}  // namespace
}  // namespace s3u
