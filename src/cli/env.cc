#include "cli/env.h"

#include <cstdlib>

namespace s3u::cli {

std::optional<std::string> ProcessEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace s3u::cli
