// Part plans for multipart uploads: how large each part is, within S3's limits
// (10,000 parts; 5 MiB..5 GiB per part, the last part may be smaller; 5 GiB per PutObject;
// objects up to 10,000 x 5 GiB = 48.8 TiB).
//
// Memory is part size x parts in flight, so plans start from the configured part size and
// only grow it when the 10,000-part limit requires.
//
// Thread-safety: pure functions; UnknownSizePlan is immutable after construction.
#pragma once

#include <cstdint>

#include "core/error.h"

namespace s3u::s3 {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;
inline constexpr uint64_t kGiB = uint64_t{1} << 30;
inline constexpr uint64_t kTiB = uint64_t{1} << 40;
inline constexpr int kMaxParts = 10000;
inline constexpr uint64_t kMinPartSize = 5 * kMiB;
inline constexpr uint64_t kMaxPartSize = 5 * kGiB;
inline constexpr uint64_t kMaxPutObjectSize = 5 * kGiB;
inline constexpr uint64_t kMaxObjectSize = kMaxParts * kMaxPartSize;  // 48.8 TiB

struct PartPlanOptions {
  // Initial part size. Larger parts mean fewer requests but more memory per part in flight
  // and more bytes re-sent when a part is retried.
  uint64_t part_size = 8 * kMiB;
  // Objects of at least this size use multipart upload (as the aws cli does); smaller ones
  // use one PutObject. Must be <= 5 GiB, the PutObject limit.
  uint64_t multipart_threshold = 8 * kMiB;
};

// kInvalidArgument (subject "--part-size") unless 5 MiB <= part_size <= 5 GiB.
Result<void> ValidatePartSize(uint64_t part_size);

// Validates both fields (subjects "--part-size", "--multipart-threshold").
Result<void> ValidatePartPlanOptions(const PartPlanOptions& options);

// True when an object of `size` bytes should be uploaded in parts: size >= threshold, or
// size > 5 GiB (which PutObject cannot take).
bool UseMultipart(uint64_t size, const PartPlanOptions& options);

// Part size for an object of known size: max(configured, ceil(size / 10,000) rounded up to a
// whole MiB), so the object fits in 10,000 parts. kInvalidArgument when the configured size
// is invalid (subject "--part-size") or total_size exceeds kMaxObjectSize.
Result<uint64_t> PartSizeForKnownSize(uint64_t total_size, uint64_t configured_part_size);

// Number of parts for `total_size` bytes at `part_size` (at least 1: an empty object is one
// empty part). REQUIRES: part_size > 0.
int PartCount(uint64_t total_size, uint64_t part_size);

// Part sizes for a stream of unknown length (a Domo export). Part n (1-based) is the
// initial size for the first G parts, then doubles every G parts, capped at 5 GiB. G is the
// largest of 1000, 900, ..., 100 for which the 10,000 parts together hold at least 5 TiB.
//
// A stream can hold at most Capacity() bytes; beyond that the caller must know the size up
// front (like the aws cli's --expected-size). For the default 8 MiB: G = 1000 and
// Capacity() = 8 MiB x 1000 x (2^10 - 1) = 8,581,545,984,000 bytes (7.8 TiB).
// For the 5 MiB minimum: G = 900, Capacity() = 9,723,500 MiB (9.3 TiB).
class UnknownSizePlan {
 public:
  // REQUIRES: ValidatePartSize(initial_part_size) succeeds.
  explicit UnknownSizePlan(uint64_t initial_part_size);

  // Size of part `part_number`; 0 outside 1..10,000.
  uint64_t PartSize(int part_number) const;
  // Sum of all 10,000 part sizes.
  uint64_t Capacity() const { return capacity_; }
  // Parts per doubling step (G).
  int group() const { return group_; }

 private:
  uint64_t initial_;
  int group_;
  uint64_t capacity_;
};

}  // namespace s3u::s3
