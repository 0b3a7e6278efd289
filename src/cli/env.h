// Where the commands' shared store lives.
#pragma once

#include <filesystem>
#include <string>

#include "core/env.h"
#include "core/error.h"

namespace s3u::cli {

// The store every command shares: `--store` when given, else $S3UNLOAD_STORE, else the XDG
// default (docs/store.md).
Result<std::filesystem::path> ResolveStorePath(const std::string& flag, const Getenv& getenv);

}  // namespace s3u::cli
