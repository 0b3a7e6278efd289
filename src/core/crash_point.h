// Crash points: named places where the crash-safety tests kill the process, so that a SIGKILL
// lands exactly between two steps instead of wherever a timer happens to fire.
//
//   S3UNLOAD_TEST_CRASH_AT=NAME      the process sends itself SIGKILL the 1st time it passes NAME
//   S3UNLOAD_TEST_CRASH_AT=NAME:N    ... the Nth time
//
// The variable is read once, on the first call. Unset (always, outside those tests) a crash
// point costs one relaxed atomic load. The points are listed in docs/reliability.md.
//
// Thread-safety: may be called from any thread.
#pragma once

#include <string_view>

namespace s3u {

void CrashPoint(std::string_view name);

}  // namespace s3u
