#include "parquet/encoding.h"

#include "parquet/compact.h"

namespace s3u::parquet {

int BitWidth(uint64_t max_value) {
  int width = 0;
  while (max_value > 0) {
    ++width;
    max_value >>= 1;
  }
  return width;
}

namespace {

void AppendRleRun(uint32_t value, size_t count, int bit_width, std::string& out) {
  AppendVarint(static_cast<uint64_t>(count) << 1, out);
  for (int b = 0; b < (bit_width + 7) / 8; ++b) out += static_cast<char>((value >> (8 * b)) & 0xFF);
}

// Bit-packs values (LSB first), padded with zeros to a multiple of 8 values.
void AppendBitPacked(std::span<const uint32_t> values, int bit_width, std::string& out) {
  const size_t groups = (values.size() + 7) / 8;
  AppendVarint((static_cast<uint64_t>(groups) << 1) | 1, out);
  uint64_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < groups * 8; ++i) {
    const uint64_t v = i < values.size() ? values[i] : 0;
    buffer |= v << bits;
    bits += bit_width;
    while (bits >= 8) {
      out += static_cast<char>(buffer & 0xFF);
      buffer >>= 8;
      bits -= 8;
    }
  }
}

}  // namespace

void AppendRleHybrid(std::span<const uint32_t> values, int bit_width, std::string& out) {
  size_t literal_start = 0;  // values [literal_start, i) wait to be bit-packed
  size_t i = 0;
  while (i < values.size()) {
    size_t run = 1;
    while (i + run < values.size() && values[i + run] == values[i]) ++run;
    const size_t literal = i - literal_start;
    // A bit-packed run that is not the last must hold a multiple of 8 values: top it up
    // from this run, and start an RLE run only with what is left, if that is 8 or more.
    const size_t top_up = (8 - literal % 8) % 8;
    if (run >= top_up + 8) {
      if (literal + top_up > 0) {
        AppendBitPacked(values.subspan(literal_start, literal + top_up), bit_width, out);
      }
      AppendRleRun(values[i], run - top_up, bit_width, out);
      literal_start = i + run;
    }
    i += run;
  }
  if (literal_start < values.size()) {
    AppendBitPacked(values.subspan(literal_start), bit_width, out);
  }
}

std::optional<Int128> ParseDecimal(std::string_view text, int precision, int scale) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  Int128 value = 0;
  int significant = 0;  // digits of `value` (leading zeros are none)
  int fraction = 0;     // fractional digits taken into `value`
  bool any = false, point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !point) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any = true;
    if (point && fraction == scale) {
      if (c != '0') return std::nullopt;  // would need rounding
      continue;                           // a trailing zero past the scale is exact
    }
    if (point) ++fraction;
    if (value == 0 && c == '0') continue;
    // Counted before the digit is taken: 38 digits fit an Int128, a 39th would overflow it.
    if (++significant > precision) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (!any) return std::nullopt;
  // Scaled up to `scale`, the value must still have at most `precision` digits.
  if (value != 0 && significant + (scale - fraction) > precision) return std::nullopt;
  for (; fraction < scale; ++fraction) value *= 10;
  return negative ? -value : value;
}

int DecimalByteWidth(int precision) {
  // Smallest n with 10^precision - 1 < 2^(8n-1).
  static constexpr int kMaxDigits[] = {0,  2,  4,  6,  9,  11, 14, 16, 18,
                                       21, 23, 26, 28, 31, 33, 35, 38};
  int n = 1;
  while (kMaxDigits[n] < precision) ++n;
  return n;
}

void AppendBigEndian(Int128 v, int width, std::string& out) {
  for (int b = width - 1; b >= 0; --b) {
    out += static_cast<char>(static_cast<UInt128>(v) >> (8 * b) & 0xFF);
  }
}

}  // namespace s3u::parquet
