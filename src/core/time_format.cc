#include "core/time_format.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <limits>

namespace s3u {

int64_t EpochMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string IsoUtcMillis(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, ms);
}

std::string IsoUtc(int64_t epoch_ms) {
  const auto t =
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(epoch_ms));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  // llabs of the most negative value is undefined; clamp first.
  const long long raw = d.count();
  const long long ms = raw == std::numeric_limits<long long>::min()
                           ? std::numeric_limits<long long>::max()
                           : std::llabs(raw);
  if (ms < 1000) return std::to_string(ms) + "ms";
  long long s = ms / 1000;
  const long long days = s / 86400;
  s %= 86400;
  const long long hours = s / 3600;
  s %= 3600;
  const long long minutes = s / 60;
  s %= 60;
  std::string out;
  if (days > 0) out += std::to_string(days) + "d ";
  if (days > 0 || hours > 0) out += std::to_string(hours) + "h ";
  if (days > 0 || hours > 0 || minutes > 0) out += std::to_string(minutes) + "m ";
  return out + std::to_string(s) + "s";
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  constexpr int64_t kMaxMs = int64_t{366} * 86'400'000;
  auto skip_spaces = [&] {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  };
  skip_spaces();
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  bool first = true;
  while (!text.empty()) {
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || value < 0 || value > kMaxMs) return std::nullopt;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    size_t unit_length = 0;
    while (unit_length < text.size() && text[unit_length] >= 'a' && text[unit_length] <= 'z') {
      ++unit_length;
    }
    const std::string_view unit = text.substr(0, unit_length);
    text.remove_prefix(unit_length);
    int64_t scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s" || (unit.empty() && first && text.empty())) {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return std::nullopt;
    }
    total += value * scale;  // no overflow: value and total stay below a year
    if (total > kMaxMs) return std::nullopt;
    first = false;
    skip_spaces();
  }
  return std::chrono::milliseconds(total);
}

}  // namespace s3u
