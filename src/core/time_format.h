// Time as numbers and words, the same everywhere: epoch milliseconds (the store, metrics rows,
// the API), ISO-8601 UTC (the API, log lines) and short human durations (messages).
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace s3u {

// Milliseconds since 1970-01-01T00:00:00Z.
int64_t EpochMillis(std::chrono::system_clock::time_point t);

// ISO-8601 in UTC to the millisecond: "2026-12-04T16:00:00.123Z" (log lines, the run log).
std::string IsoUtcMillis(std::chrono::system_clock::time_point t);
// Epoch milliseconds as ISO-8601 UTC to the second, "2026-12-04T16:00:00Z" (rounded down):
// how times are written in the API and in log lines, never as raw milliseconds.
std::string IsoUtc(int64_t epoch_ms);

// "250ms", "42s", "3m 5s", "2h 0m 7s", "1d 3h 0m 0s": the magnitude of `d` (the sign is the
// caller's to word, e.g. "ahead"/"behind").
std::string FormatDuration(std::chrono::milliseconds d);

// A duration as people write it in settings: one or more <number><unit> groups, units ms, s,
// m, h, d, optionally separated by spaces ("90s", "5m", "1m30s", "2h 0m 7s", FormatDuration's
// own output); a bare number is seconds ("300"). nullopt for anything else, a negative value
// or one past a year.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace s3u
