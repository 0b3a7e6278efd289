// The environment as an injected dependency: code that reads variables or files takes a
// Getenv / ReadFile, so tests pass a map and the service passes none; commands pass
// ProcessEnv and ReadWholeFile, the real lookups.
//
// Thread-safety: ProcessEnv and ReadWholeFile are reentrant (nothing here sets variables).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace s3u {

// Reads an environment variable; nullopt when unset.
using Getenv = std::function<std::optional<std::string>(std::string_view name)>;

// Reads a whole file; nullopt when it is missing or unreadable.
using ReadFile = std::function<std::optional<std::string>(const std::string& path)>;

// The process environment.
std::optional<std::string> ProcessEnv(std::string_view name);

// The file's bytes.
std::optional<std::string> ReadWholeFile(const std::string& path);

}  // namespace s3u
