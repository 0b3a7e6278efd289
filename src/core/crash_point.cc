#include "core/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <string>

namespace s3u {
namespace {

struct Armed {
  std::string name;
  long nth = 1;
  std::atomic<long> seen{0};
};

// Null when the variable is unset: the common case.
Armed* ReadArmed() {
  const char* value = std::getenv("S3UNLOAD_TEST_CRASH_AT");
  if (value == nullptr || *value == '\0') return nullptr;
  auto* armed = new Armed;  // lives as long as the process
  std::string_view text(value);
  const size_t colon = text.rfind(':');
  armed->name = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) {
    const std::string_view count = text.substr(colon + 1);
    std::from_chars(count.data(), count.data() + count.size(), armed->nth);
  }
  return armed;
}

}  // namespace

void CrashPoint(std::string_view name) {
  static Armed* const armed = ReadArmed();
  if (armed == nullptr || armed->name != name) return;
  if (armed->seen.fetch_add(1) + 1 == armed->nth) kill(getpid(), SIGKILL);
}

}  // namespace s3u
