#include "cli/env.h"

#include "store/store.h"

namespace s3u::cli {

Result<std::filesystem::path> ResolveStorePath(const std::string& flag, const Getenv& getenv) {
  if (!flag.empty()) return std::filesystem::path(flag);
  if (auto env = getenv("S3UNLOAD_STORE"); env && !env->empty()) {
    return std::filesystem::path(*env);
  }
  return store::DefaultStorePath(getenv("XDG_STATE_HOME"), getenv("HOME"));
}

}  // namespace s3u::cli
