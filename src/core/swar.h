// Eight bytes of text at a time in one uint64_t (SWAR), for the scans of short values where
// SIMD would not amortise its setup: the CSV reader and writer (table/csv.cc) and the query
// page reader (domo/query_page.cc). Each function marks bytes by their high bit. A borrow can
// also mark bytes above (more significant than) a real hit, so only the lowest marked byte is
// exact: on a little-endian machine the first in memory (FirstMarked); callers scan byte by
// byte elsewhere. At the end, 16 bytes at a time as one vector (Bytes16), for texts long
// enough to fill one: a plain CSV row, a page's strings read in place.
//
// Thread-safety: pure functions.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

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

// 16 bytes as one vector, for scans of texts long enough to fill one (GCC's and Clang's
// vector extension: SSE2 on x86-64, NEON on ARM). A comparison with a byte marks each
// matching byte 0xFF (`Marks16`), with no borrow between bytes: every mark is exact.
using Bytes16 = unsigned char __attribute__((vector_size(16)));

inline Bytes16 Load16(const char* p) {
  Bytes16 v;
  std::memcpy(&v, p, 16);
  return v;
}

// A comparison's result (a vector of signed char) as marks.
template <typename Comparison>
inline Bytes16 Marks16(Comparison comparison) {
  return reinterpret_cast<Bytes16>(comparison);
}

inline bool AnyMarked16(Bytes16 marks) {
  uint64_t halves[2];
  std::memcpy(halves, &marks, 16);
  return (halves[0] | halves[1]) != 0;
}

// The offset of the first marked byte in memory, 16 when none. REQUIRES: a little-endian
// machine (callers test std::endian::native).
inline size_t FirstMarked16(Bytes16 marks) {
  uint64_t halves[2];
  std::memcpy(halves, &marks, 16);
  if (halves[0] != 0) return FirstMarked(halves[0]);
  return halves[1] != 0 ? 8 + FirstMarked(halves[1]) : 16;
}

}  // namespace s3u::swar
