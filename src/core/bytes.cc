#include "core/bytes.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <limits>
#include <utility>

namespace s3u {

Result<uint64_t> ParseByteSize(std::string_view text, std::string_view subject) {
  auto invalid = [&](std::string_view why) {
    return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                fmt::format("'{}' is not a size ({}); use a number of bytes with an optional "
                            "unit, e.g. 8MiB, 64M, 5GB or 1048576",
                            text, why));
  };
  size_t i = 0;
  uint64_t number = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (number > (std::numeric_limits<uint64_t>::max() - digit) / 10) return invalid("too large");
    number = number * 10 + digit;
    ++i;
  }
  if (i == 0) return invalid("it does not start with a number");
  std::string unit;
  for (; i < text.size(); ++i)
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  static const std::array<std::pair<std::string_view, uint64_t>, 13> kUnits = {{
      {"", 1},
      {"b", 1},
      {"k", 1ull << 10},
      {"kib", 1ull << 10},
      {"m", 1ull << 20},
      {"mib", 1ull << 20},
      {"g", 1ull << 30},
      {"gib", 1ull << 30},
      {"t", 1ull << 40},
      {"tib", 1ull << 40},
      {"kb", 1000ull},
      {"mb", 1000ull * 1000},
      {"gb", 1000ull * 1000 * 1000},
  }};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) {
      if (number > std::numeric_limits<uint64_t>::max() / factor) return invalid("too large");
      return number * factor;
    }
  }
  if (unit == "tb") return number * 1000ull * 1000 * 1000 * 1000;
  return invalid(fmt::format("unknown unit '{}'", unit));
}

std::string FormatBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  if (value < 10) return fmt::format("{:.2f} {}", value, kUnits[unit]);
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

}  // namespace s3u
