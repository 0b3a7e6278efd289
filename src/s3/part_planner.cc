#include "s3/part_planner.h"

#include <algorithm>
#include <string>

namespace s3u::s3 {
namespace {

constexpr uint64_t kUnknownSizeTarget = 5 * kTiB;

// Doubling stops at the cap, so the loop runs at most ~10 times even for part 10,000 with
// G = 100 (2^99 would overflow).
uint64_t SizeAt(uint64_t initial, int group, int part_number) {
  uint64_t size = initial;
  for (int steps = (part_number - 1) / group; steps > 0 && size < kMaxPartSize; --steps) {
    size *= 2;
  }
  return std::min(size, kMaxPartSize);
}

// 10,000 additions per candidate group: cheap, and exact where a closed form would need
// care at the cap.
uint64_t SumOfParts(uint64_t initial, int group) {
  uint64_t sum = 0;
  for (int n = 1; n <= kMaxParts; ++n) sum += SizeAt(initial, group, n);
  return sum;
}

}  // namespace

Result<void> ValidatePartSize(uint64_t part_size) {
  if (part_size < kMinPartSize || part_size > kMaxPartSize) {
    return Fail(ErrorCode::kInvalidArgument, "--part-size",
                "part size " + std::to_string(part_size) +
                    " bytes is outside S3's limits; use 5 MiB to 5 GiB");
  }
  return {};
}

Result<void> ValidatePartPlanOptions(const PartPlanOptions& options) {
  if (auto ok = ValidatePartSize(options.part_size); !ok) return ok;
  if (options.multipart_threshold > kMaxPutObjectSize) {
    return Fail(ErrorCode::kInvalidArgument, "--multipart-threshold",
                "multipart threshold " + std::to_string(options.multipart_threshold) +
                    " bytes exceeds the 5 GiB a single PutObject can take; use at most 5 GiB");
  }
  return {};
}

bool UseMultipart(uint64_t size, const PartPlanOptions& options) {
  return size >= options.multipart_threshold || size > kMaxPutObjectSize;
}

Result<uint64_t> PartSizeForKnownSize(uint64_t total_size, uint64_t configured_part_size) {
  if (auto ok = ValidatePartSize(configured_part_size); !ok) return Fail(ok.error());
  if (total_size > kMaxObjectSize) {
    return Fail(ErrorCode::kInvalidArgument, "size",
                "an object of " + std::to_string(total_size) +
                    " bytes exceeds S3's maximum object size of " + std::to_string(kMaxObjectSize) +
                    " bytes (10,000 parts of 5 GiB)");
  }
  const uint64_t needed = (total_size + kMaxParts - 1) / kMaxParts;
  const uint64_t needed_mib = (needed + kMiB - 1) / kMiB * kMiB;
  // needed_mib <= 5 GiB because total_size <= 10,000 x 5 GiB and 5 GiB is a whole MiB.
  return std::max(configured_part_size, needed_mib);
}

int PartCount(uint64_t total_size, uint64_t part_size) {
  if (total_size == 0) return 1;
  return static_cast<int>(
      std::min<uint64_t>((total_size + part_size - 1) / part_size, uint64_t{1} << 30));
}

UnknownSizePlan::UnknownSizePlan(uint64_t initial_part_size)
    : initial_(std::clamp(initial_part_size, kMinPartSize, kMaxPartSize)), group_(100) {
  // G = 100 always reaches 5 TiB (the sizes hit 5 GiB within 1,000 parts), so the loop
  // ends with a valid group even if no larger one qualifies.
  for (int g = 1000; g >= 100; g -= 100) {
    if (SumOfParts(initial_, g) >= kUnknownSizeTarget) {
      group_ = g;
      break;
    }
  }
  capacity_ = SumOfParts(initial_, group_);
}

uint64_t UnknownSizePlan::PartSize(int part_number) const {
  if (part_number < 1 || part_number > kMaxParts) return 0;
  return SizeAt(initial_, group_, part_number);
}

}  // namespace s3u::s3
