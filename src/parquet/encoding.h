// Parquet's value encodings that the writer needs (Encodings.md of apache/parquet-format):
// the RLE / bit-packed hybrid (definition levels and dictionary indices) and the exact
// conversion of DECIMAL text into the unscaled integer Parquet stores.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace s3u::parquet {

// Bits needed for values 0..max_value (0 for 0).
int BitWidth(uint64_t max_value);

// Appends `values` (each < 2^bit_width, bit_width 0..32) in the RLE / bit-packed hybrid,
// without a length prefix: runs of 8 or more equal values as RLE runs, the rest bit-packed
// in groups of 8 (the last group padded with zeros; readers stop at the page's value count).
void AppendRleHybrid(std::span<const uint32_t> values, int bit_width, std::string& out);

// GCC/Clang builtins; -Wpedantic needs __extension__.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// Largest DECIMAL precision the writer takes (a 16-byte FIXED_LEN_BYTE_ARRAY).
inline constexpr int kMaxDecimalPrecision = 38;

// "[+-]digits[.digits]" -> the unscaled value at `scale` (1.5 at scale 2 -> 150), exactly:
// nullopt when the text is not such a number, has more than `scale` fractional digits that
// are not zeros (it would need rounding), or needs more than `precision` digits.
// REQUIRES: 0 <= scale <= precision <= kMaxDecimalPrecision, precision >= 1.
std::optional<Int128> ParseDecimal(std::string_view text, int precision, int scale);

// Bytes of the FIXED_LEN_BYTE_ARRAY that holds every value of `precision` digits.
int DecimalByteWidth(int precision);
// `v` as `width` bytes, big-endian two's complement (Parquet's DECIMAL byte layout).
void AppendBigEndian(Int128 v, int width, std::string& out);

}  // namespace s3u::parquet
