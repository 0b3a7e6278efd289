// Eight bytes of text at a time in one uint64_t (SWAR), for the scans of short values where
// SIMD would not amortise its setup: the CSV reader and writer (table/csv.cc) and the query
// page reader (domo/query_page.cc). Each function marks bytes by their high bit. A borrow can
// also mark bytes above (more significant than) a real hit, so only the lowest marked byte is
// exact: on a little-endian machine the first in memory (FirstMarked); callers scan byte by
// byte elsewhere.
//
// Thread-safety: pure functions.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace s3u::swar {

inline constexpr uint64_t kOnes = 0x0101010101010101;  // 0x01 in every byte
inline constexpr uint64_t kHighs = kOnes << 7;         // 0x80 in every byte

// `byte` in every byte of a word.
constexpr uint64_t Broadcast(unsigned char byte) { return kOnes * byte; }

// The bytes of `x` below `n`, for n in 1..128 (1: the zero bytes).
constexpr uint64_t BytesBelow(uint64_t x, unsigned char n) {
  return (x - Broadcast(n)) & ~x & kHighs;
}

// The bytes of `x` equal to `byte`.
constexpr uint64_t BytesEqual(uint64_t x, unsigned char byte) {
  return BytesBelow(x ^ Broadcast(byte), 1);
}

// The offset of the first marked byte in memory. REQUIRES: a little-endian machine (callers
// test std::endian::native), mask != 0.
constexpr size_t FirstMarked(uint64_t mask) {
  return static_cast<size_t>(std::countr_zero(mask)) / 8;
}

}  // namespace s3u::swar
