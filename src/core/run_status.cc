#include "core/run_status.h"

#include <array>
#include <string>
#include <utility>

namespace s3u {
namespace {

constexpr std::array<std::pair<RunStatus, std::string_view>, 4> kStatusNames = {{
    {RunStatus::kRunning, "RUNNING"},
    {RunStatus::kSucceeded, "SUCCEEDED"},
    {RunStatus::kFailed, "FAILED"},
    {RunStatus::kCancelled, "CANCELLED"},
}};

}  // namespace

std::string_view RunStatusName(RunStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return name;
  }
  return "UNKNOWN";
}

Result<RunStatus> ParseRunStatus(std::string_view text, std::string_view subject) {
  for (const auto& [value, name] : kStatusNames) {
    if (name == text) return value;
  }
  return Fail(ErrorCode::kInvalidArgument, std::string(subject),
              "unknown run status '" + std::string(text) +
                  "'; accepted: RUNNING, SUCCEEDED, FAILED, CANCELLED");
}

RunStatus StatusOfFailure(const Error& error) {
  return error.code == ErrorCode::kCancelled ? RunStatus::kCancelled : RunStatus::kFailed;
}

}  // namespace s3u
