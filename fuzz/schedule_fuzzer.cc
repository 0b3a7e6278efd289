// Fuzzes the schedule form (service/schedule.h): any JSON body reaches ParseSchedule through
// POST /api/v1/schedules/preview and the connector form. A schedule that parses must describe
// itself, survive its JSON round trip, and give strictly later next runs.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "fuzz/check.h"
#include "service/schedule.h"

using s3u::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s3u::service;  // NOLINT: fuzzer entry point
  const nlohmann::json form = nlohmann::json::parse(data, data + size, nullptr, false);
  if (form.is_discarded()) return 0;
  const auto schedule = ParseSchedule(form);
  if (!schedule) {
    Check(!schedule.error().empty());
    return 0;
  }
  (void)DescribeSchedule(*schedule);
  const auto again = ParseSchedule(ScheduleToJson(*schedule));
  Check(again.has_value());
  // From a fixed instant (2026-12-04T16:00:00Z), three fires in a row move forward.
  SysMs at{std::chrono::milliseconds(1796400000000)};
  for (int i = 0; i < 3; ++i) {
    const auto next = NextRun(*schedule, at);
    if (!next) break;
    Check(*next > at);
    at = *next;
  }
  return 0;
}
