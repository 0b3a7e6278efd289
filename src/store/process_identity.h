// Names a running process so that another process can later tell whether it is still alive.
// The store records it as the owner of each RUNNING run; on start the service marks the runs
// of dead owners FAILED (Store::MarkInterruptedRuns) while leaving a concurrent CLI run alone.
//
// An identity is "<boot id>/<pid>/<start time>" from /proc (Linux): the boot id catches a
// reboot, and the start time (clock ticks since boot) catches a pid reused by another process.
//
// Thread-safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

namespace s3u::store {

// The identity of the calling process.
std::string CurrentProcessIdentity();

// True when `identity` names a process running now on this machine since this boot. A
// malformed identity, another boot, a missing pid or a different start time are all dead.
bool ProcessAlive(std::string_view identity);

// True when `identity` names a process of this machine since this boot (alive or not): one
// whose liveness ProcessAlive can judge. Another machine's process, or a malformed identity,
// is not.
bool ProcessOnThisBoot(std::string_view identity);

}  // namespace s3u::store
