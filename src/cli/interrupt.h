// Ctrl-C and SIGTERM for commands that move data: the handler only sets a flag (no
// SA_RESTART, so a blocked read returns EINTR); the command's loop sees it, aborts its
// uploads cleanly and exits 130.
#pragma once

#include <atomic>

namespace s3u::cli {

void InstallInterruptHandler();
// Set once SIGINT or SIGTERM arrived.
const std::atomic<bool>& Interrupted();

}  // namespace s3u::cli
