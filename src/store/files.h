// The store's files on disk: directories and files created readable by their owner only,
// and the mapping of errno values to Errors that name the file. The store directory holds
// the run history and the key file, so nothing in it is created group- or world-readable.
//
// Thread-safety: stateless functions.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/error.h"

namespace s3u::store {

// Creates `dir` and any missing parents with mode 0700 exactly, whatever the umask; existing
// directories are left as they are (their mode is the user's choice). Errors name the directory
// that could not be made.
Result<void> CreatePrivateDirectories(const std::filesystem::path& dir);

// Creates `path` as an empty file with mode 0600 exactly when nothing exists there; an existing
// file is left untouched. Used so SQLite never creates the database with its default mode 0644.
Result<void> CreatePrivateFileIfMissing(const std::filesystem::path& path);

// The Error for a failed system call on `path`: EACCES/EPERM -> kPermissionDenied, EIO ->
// kUnavailable, everything else kFailedPrecondition; the message is "`doing`: strerror".
Error ErrnoError(int error_number, const std::filesystem::path& path, std::string_view doing);

}  // namespace s3u::store
