#include "cli/env.h"

#include <cstdlib>

#include "store/store.h"

namespace s3u::cli {

std::optional<std::string> ProcessEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Result<std::filesystem::path> ResolveStorePath(const std::string& flag, const Getenv& getenv) {
  if (!flag.empty()) return std::filesystem::path(flag);
  if (auto env = getenv("S3UNLOAD_STORE"); env && !env->empty()) {
    return std::filesystem::path(*env);
  }
  return store::DefaultStorePath(getenv("XDG_STATE_HOME"), getenv("HOME"));
}

}  // namespace s3u::cli
