// The environment as an injected dependency: code that reads variables takes a Getenv, so
// tests pass a map; commands pass ProcessEnv, the one real lookup.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace s3u::cli {

// Reads an environment variable; nullopt when unset.
using Getenv = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment.
std::optional<std::string> ProcessEnv(std::string_view name);

// The store every command shares: `--store` when given, else $S3UNLOAD_STORE, else the XDG
// default (docs/store.md).
Result<std::filesystem::path> ResolveStorePath(const std::string& flag, const Getenv& getenv);

}  // namespace s3u::cli
