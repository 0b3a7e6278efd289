#include "cli/env.h"

#include "store/store.h"

namespace s3u::cli {

Result<store::StoreUrl> ResolveStoreUrl(const std::string& flag, const Getenv& getenv) {
  if (!flag.empty()) return store::ParseStoreUrl(flag);
  if (auto env = getenv("S3UNLOAD_STORE"); env && !env->empty()) {
    return store::ParseStoreUrl(*env);
  }
  auto path = store::DefaultStorePath(getenv("XDG_STATE_HOME"), getenv("HOME"));
  if (!path) return Fail(std::move(path.error()));
  return store::SqliteStoreUrl(*path);
}

store::SecretKeySource ResolveSecretKeySource(const std::string& flag, const Getenv& getenv) {
  store::SecretKeySource source;
  source.key_file = flag;
  if (auto env = getenv("S3UNLOAD_SECRET_KEY")) source.key_base64 = *env;
  return source;
}

}  // namespace s3u::cli
