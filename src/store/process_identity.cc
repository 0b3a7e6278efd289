#include "store/process_identity.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace s3u::store {
namespace {

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Field 22 of /proc/<pid>/stat (starttime); "" when the process does not exist. The second
// field (the command name, in parentheses) may itself contain spaces and ')', so the fields
// are counted from the last ')'.
std::string StartTime(std::string_view pid) {
  const std::string stat = ReadFirstLine("/proc/" + std::string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int number = 3; fields >> field; ++number) {
    if (number == 22) return field;
  }
  return {};
}

std::string BootId() { return ReadFirstLine("/proc/sys/kernel/random/boot_id"); }

}  // namespace

std::string CurrentProcessIdentity() {
  const std::string pid = std::to_string(::getpid());
  return BootId() + "/" + pid + "/" + StartTime(pid);
}

bool ProcessAlive(std::string_view identity) {
  const size_t first = identity.find('/');
  if (first == std::string_view::npos) return false;
  const size_t second = identity.find('/', first + 1);
  if (second == std::string_view::npos) return false;
  const std::string_view boot = identity.substr(0, first);
  const std::string_view pid = identity.substr(first + 1, second - first - 1);
  const std::string_view start = identity.substr(second + 1);
  int pid_number = 0;
  const auto parsed = std::from_chars(pid.data(), pid.data() + pid.size(), pid_number);
  if (parsed.ec != std::errc() || parsed.ptr != pid.data() + pid.size() || pid_number <= 0) {
    return false;
  }
  if (boot.empty() || start.empty() || boot != BootId()) return false;
  return StartTime(pid) == start;
}

bool ProcessOnThisBoot(std::string_view identity) {
  const size_t slash = identity.find('/');
  return slash != std::string_view::npos && slash > 0 && identity.substr(0, slash) == BootId();
}

}  // namespace s3u::store
