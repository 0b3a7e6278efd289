#include "s3/part_planner.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace s3u::s3 {
namespace {

constexpr uint64_t kDefault = 8 * kMiB;

// Generates a valid configured part size, biased towards the edges.
rc::Gen<uint64_t> ValidPartSize() {
  return rc::gen::oneOf(rc::gen::element(kMinPartSize, kMinPartSize + 1, kDefault, 64 * kMiB,
                                         kMaxPartSize - 1, kMaxPartSize),
                        rc::gen::inRange(kMinPartSize, kMaxPartSize + 1));
}

rc::Gen<uint64_t> ObjectSize() {
  return rc::gen::oneOf(
      rc::gen::element(uint64_t{0}, uint64_t{1}, kDefault, kDefault + 1, kDefault * kMaxParts,
                       kDefault * kMaxParts + 1, kMaxObjectSize - 1, kMaxObjectSize),
      rc::gen::inRange(uint64_t{0}, kMaxObjectSize + 1), rc::gen::inRange(uint64_t{0}, 200 * kGiB));
}

// --- ValidatePartSize ----------------------------------------------------------------------

TEST(ValidatePartSizeTest, AcceptsTheLimits) {
  EXPECT_TRUE(ValidatePartSize(kMinPartSize));
  EXPECT_TRUE(ValidatePartSize(kMaxPartSize));
  EXPECT_TRUE(ValidatePartSize(kDefault));
}

TEST(ValidatePartSizeTest, RejectsOutsideWithFlagSubject) {
  for (uint64_t bad : {uint64_t{0}, kMinPartSize - 1, kMaxPartSize + 1, ~uint64_t{0}}) {
    const auto r = ValidatePartSize(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().subject, "--part-size");
    EXPECT_NE(r.error().message.find("5 MiB to 5 GiB"), std::string::npos);
  }
}

TEST(ValidatePartPlanOptionsTest, ThresholdAbovePutObjectLimitIsRejected) {
  PartPlanOptions o;
  EXPECT_TRUE(ValidatePartPlanOptions(o));
  o.multipart_threshold = kMaxPutObjectSize + 1;
  const auto r = ValidatePartPlanOptions(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().subject, "--multipart-threshold");
  o.multipart_threshold = 0;
  o.part_size = kMiB;
  EXPECT_EQ(ValidatePartPlanOptions(o).error().subject, "--part-size");
}

// --- UseMultipart --------------------------------------------------------------------------

TEST(UseMultipartTest, ThresholdBoundary) {
  const PartPlanOptions o;  // 8 MiB threshold
  EXPECT_FALSE(UseMultipart(0, o));
  EXPECT_FALSE(UseMultipart(1, o));
  EXPECT_FALSE(UseMultipart(kDefault - 1, o));
  EXPECT_TRUE(UseMultipart(kDefault, o));  // as the aws cli: size >= threshold
  EXPECT_TRUE(UseMultipart(kDefault + 1, o));
}

TEST(UseMultipartTest, AbovePutObjectLimitAlwaysMultipart) {
  PartPlanOptions o;
  o.multipart_threshold = ~uint64_t{0};
  EXPECT_FALSE(UseMultipart(kMaxPutObjectSize, o));
  EXPECT_TRUE(UseMultipart(kMaxPutObjectSize + 1, o));
}

// --- PartSizeForKnownSize: exact values ----------------------------------------------------

TEST(PartSizeForKnownSizeTest, SmallSizesKeepConfiguredSize) {
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, kDefault, kDefault + 1}) {
    EXPECT_EQ(PartSizeForKnownSize(size, kDefault), kDefault) << size;
  }
  EXPECT_EQ(PartCount(0, kDefault), 1);
  EXPECT_EQ(PartCount(1, kDefault), 1);
  EXPECT_EQ(PartCount(kDefault, kDefault), 1);
  EXPECT_EQ(PartCount(kDefault + 1, kDefault), 2);
}

TEST(PartSizeForKnownSizeTest, ExactlyTenThousandDefaultParts) {
  EXPECT_EQ(PartSizeForKnownSize(kDefault * kMaxParts, kDefault), kDefault);
  EXPECT_EQ(PartCount(kDefault * kMaxParts, kDefault), kMaxParts);
}

TEST(PartSizeForKnownSizeTest, OneByteMoreGrowsToNextMiB) {
  const auto size = PartSizeForKnownSize(kDefault * kMaxParts + 1, kDefault);
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 9 * kMiB);
  EXPECT_EQ(PartCount(kDefault * kMaxParts + 1, *size), 8889);
}

TEST(PartSizeForKnownSizeTest, MaxObjectUsesMaxParts) {
  EXPECT_EQ(PartSizeForKnownSize(kMaxObjectSize, kDefault), kMaxPartSize);
  EXPECT_EQ(PartCount(kMaxObjectSize, kMaxPartSize), kMaxParts);
}

TEST(PartSizeForKnownSizeTest, TooLargeObjectIsInvalidArgument) {
  const auto r = PartSizeForKnownSize(kMaxObjectSize + 1, kDefault);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("maximum object size"), std::string::npos);
  EXPECT_FALSE(PartSizeForKnownSize(~uint64_t{0}, kDefault));
}

TEST(PartSizeForKnownSizeTest, InvalidConfiguredSizeIsRejected) {
  const auto r = PartSizeForKnownSize(100, kMiB);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().subject, "--part-size");
}

TEST(PartSizeForKnownSizeTest, TenGiBWithDefault) {
  // 10 GiB / 10,000 = 1.02 MiB per part: the 8 MiB default is already enough.
  EXPECT_EQ(PartSizeForKnownSize(10 * kGiB, kDefault), kDefault);
  // 1 TiB / 10,000 = 104.9 MiB -> 105 MiB.
  EXPECT_EQ(PartSizeForKnownSize(kTiB, kDefault), 105 * kMiB);
}

RC_GTEST_PROP(PartSizeForKnownSizeProp, PlanFitsLimitsAndCoversSizeExactly, ()) {
  const uint64_t total = *ObjectSize();
  const uint64_t configured = *ValidPartSize();
  const auto part = PartSizeForKnownSize(total, configured);
  RC_ASSERT(part.has_value());
  RC_ASSERT(*part >= configured);
  RC_ASSERT(*part >= kMinPartSize);
  RC_ASSERT(*part <= kMaxPartSize);
  const int parts = PartCount(total, *part);
  RC_ASSERT(parts >= 1);
  RC_ASSERT(parts <= kMaxParts);
  // Parts 1..n-1 are full; the last holds the rest (0 < last <= part, or 0 for 0 bytes).
  const uint64_t full = static_cast<uint64_t>(parts - 1) * *part;
  RC_ASSERT(full <= total);
  const uint64_t last = total - full;
  RC_ASSERT(last <= *part);
  if (total > 0) RC_ASSERT(last > 0);
}

RC_GTEST_PROP(PartSizeForKnownSizeProp, NeverGrowsWhenConfiguredSizeSuffices, ()) {
  const uint64_t configured = *ValidPartSize();
  const uint64_t total = *rc::gen::inRange(uint64_t{0}, configured * kMaxParts + 1);
  RC_ASSERT(*PartSizeForKnownSize(total, configured) == configured);
}

// --- UnknownSizePlan -----------------------------------------------------------------------

TEST(UnknownSizePlanTest, DefaultPlanValues) {
  const UnknownSizePlan plan(kDefault);
  EXPECT_EQ(plan.group(), 1000);
  EXPECT_EQ(plan.Capacity(), uint64_t{8581545984000});  // 8 MiB x 1000 x 1023 = 7.8 TiB
  EXPECT_EQ(plan.PartSize(1), kDefault);
  EXPECT_EQ(plan.PartSize(1000), kDefault);
  EXPECT_EQ(plan.PartSize(1001), 16 * kMiB);
  EXPECT_EQ(plan.PartSize(9001), 4 * kGiB);
  EXPECT_EQ(plan.PartSize(10000), 4 * kGiB);
}

TEST(UnknownSizePlanTest, MinimumPartSizeNeedsSmallerGroups) {
  const UnknownSizePlan plan(kMinPartSize);
  EXPECT_EQ(plan.group(), 900);
  EXPECT_EQ(plan.Capacity(), 9723500 * kMiB);
  EXPECT_EQ(plan.PartSize(9901), kMaxPartSize);  // capped, not 10 GiB
}

TEST(UnknownSizePlanTest, MaximumPartSizeIsFlat) {
  const UnknownSizePlan plan(kMaxPartSize);
  EXPECT_EQ(plan.group(), 1000);
  EXPECT_EQ(plan.PartSize(1), kMaxPartSize);
  EXPECT_EQ(plan.PartSize(10000), kMaxPartSize);
  EXPECT_EQ(plan.Capacity(), kMaxObjectSize);
}

TEST(UnknownSizePlanTest, OutOfRangePartNumbersAreZero) {
  const UnknownSizePlan plan(kDefault);
  EXPECT_EQ(plan.PartSize(0), 0u);
  EXPECT_EQ(plan.PartSize(-1), 0u);
  EXPECT_EQ(plan.PartSize(kMaxParts + 1), 0u);
}

RC_GTEST_PROP(UnknownSizePlanProp, SizesNonDecreasingWithinLimitsCapacityAtLeast5TiB, ()) {
  const UnknownSizePlan plan(*ValidPartSize());
  RC_ASSERT(plan.Capacity() >= 5 * kTiB);
  RC_ASSERT(plan.group() >= 100);
  RC_ASSERT(plan.group() <= 1000);
  RC_ASSERT(plan.group() % 100 == 0);
  uint64_t previous = 0;
  uint64_t sum = 0;
  for (int n = 1; n <= kMaxParts; ++n) {
    const uint64_t size = plan.PartSize(n);
    RC_ASSERT(size >= previous);
    RC_ASSERT(size >= kMinPartSize);
    RC_ASSERT(size <= kMaxPartSize);
    previous = size;
    sum += size;
  }
  RC_ASSERT(sum == plan.Capacity());
}

RC_GTEST_PROP(UnknownSizePlanProp, AnySizeUpToCapacityFitsInTenThousandParts, ()) {
  const UnknownSizePlan plan(*ValidPartSize());
  const uint64_t total = *rc::gen::inRange(uint64_t{0}, plan.Capacity() + 1);
  uint64_t covered = 0;
  int parts = 0;
  while (covered < total) {
    ++parts;
    RC_ASSERT(parts <= kMaxParts);
    covered += plan.PartSize(parts);
  }
  RC_ASSERT(parts <= kMaxParts);
}

RC_GTEST_PROP(UnknownSizePlanProp, LargestGroupIsChosen, ()) {
  // No larger group (by 100) would also reach 5 TiB: checked by recomputing its sum.
  const uint64_t initial = *ValidPartSize();
  const UnknownSizePlan plan(initial);
  RC_PRE(plan.group() < 1000);
  const int bigger = plan.group() + 100;
  uint64_t sum = 0;
  for (int n = 1; n <= kMaxParts; ++n) {
    uint64_t s = initial;
    for (int k = (n - 1) / bigger; k > 0 && s < kMaxPartSize; --k) s *= 2;
    sum += std::min(s, kMaxPartSize);
  }
  RC_ASSERT(sum < 5 * kTiB);
}

}  // namespace
}  // namespace s3u::s3
