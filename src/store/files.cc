#include "store/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace s3u::store {

Error ErrnoError(int error_number, const std::filesystem::path& path, std::string_view doing) {
  ErrorCode code = ErrorCode::kFailedPrecondition;
  if (error_number == EACCES || error_number == EPERM) code = ErrorCode::kPermissionDenied;
  if (error_number == EIO) code = ErrorCode::kUnavailable;
  return Error{code, path.string(), std::string(doing) + ": " + std::strerror(error_number), 0, {}};
}

Result<void> CreatePrivateDirectories(const std::filesystem::path& dir) {
  // Walk up to the first existing ancestor, then create downwards with mkdir(0700):
  // std::filesystem::create_directories would use 0777 minus the umask.
  std::vector<std::filesystem::path> missing;
  for (std::filesystem::path p = dir; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return Fail(ErrorCode::kFailedPrecondition, p.string(),
                    "exists but is not a directory; the store needs a directory here");
      }
      break;
    }
    if (errno != ENOENT) return Fail(ErrnoError(errno, p, "cannot inspect the directory"));
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    // EEXIST: another process created it between our stat and mkdir, which is fine.
    if (::mkdir(it->c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;
      return Fail(ErrnoError(errno, *it, "cannot create the directory"));
    }
    // The umask may have taken bits off 0700 (even the owner's, with 0277).
    if (::chmod(it->c_str(), 0700) != 0) {
      return Fail(ErrnoError(errno, *it, "cannot set the directory's mode"));
    }
  }
  return {};
}

Result<void> CreatePrivateFileIfMissing(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return Fail(ErrnoError(errno, path, "cannot create the file"));
  }
  // The umask may have taken bits off 0600; the owner must be able to write the file.
  const bool mode_set = ::fchmod(fd, 0600) == 0;
  const int fchmod_errno = errno;
  ::close(fd);
  if (!mode_set) return Fail(ErrnoError(fchmod_errno, path, "cannot set the file's mode"));
  return {};
}

}  // namespace s3u::store
