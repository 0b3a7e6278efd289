// Leases: how several service processes sharing one store run each connector's runs exactly
// once (issue 19; docs/deploy.md, "A fleet on one PostgreSQL"). The rules:
//   - A run of a connector starts only under a lease: one row per running connector naming the
//     run, the owner process (process_identity.h) and when the lease expires. Store::ClaimRun
//     takes it in the same write transaction that checks the connector's due time (a compare
//     and set: the process that sees a due run second finds it already taken), checks that the
//     connector is not running anywhere and counts the leases against the global limit. Every
//     write transaction is serialized (SQLite's write lock, PostgreSQL's advisory lock), so
//     two processes can never both claim.
//   - The owner renews its leases while its runs go on (every scheduler tick). A process that
//     dies stops renewing; once the lease has expired, any process reaps it: the run is marked
//     FAILED (aborted), its journaled uploads aborted and its retry scheduled.
//   - A process that could not renew for a whole lease term cancels its own runs: another
//     process may have reaped them, and a run must not publish after its lease was lost.
//   - Cancel from any process: the request is written on the lease; the owner sees it at its
//     next renewal.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace s3u::store {

struct Lease {
  std::string connector_id;
  std::string run_id;
  std::string owner;  // the process identity holding it
  int64_t expires_ms = 0;
  bool cancel_requested = false;
};

enum class ClaimKind {
  kScheduled,  // the connector's next_run_ms came: claimed only while it still equals `due_ms`
  kRetry,      // its pending retry came: claimed only while retry_due_ms still equals `due_ms`
  kManual,     // run now, a backfill's day: no due time to check
};

struct ClaimRequest {
  ClaimKind kind = ClaimKind::kManual;
  std::string connector_id;
  std::string run_id;  // the run the lease is for
  int64_t due_ms = 0;  // kScheduled, kRetry: the due time the claimer read
  // kScheduled: the next fire after this one, stored with the claim (nullopt: none). It is
  // stored even when the connector is running, so a scheduled time that comes during a run is
  // skipped once, by whichever process sees it first.
  std::optional<int64_t> next_run_ms;
  // kScheduled and kRetry clear a pending retry when they claim (a new scheduled run
  // supersedes it); kManual clears it when set (run now starts a new series of attempts; a
  // backfill's day does not).
  bool clear_retry = false;
  int max_running = 1;   // the global limit: leases held in all
  int64_t lease_ms = 0;  // the lease's first term
};

enum class ClaimOutcome {
  kClaimed,           // the lease is ours: launch the run
  kTaken,             // the due time changed: another process claimed it (or the user edited it)
  kConnectorRunning,  // a run of the connector holds a lease (running_run_id)
  kLimitReached,      // max_running leases are held (running)
};

struct ClaimResult {
  ClaimOutcome outcome = ClaimOutcome::kTaken;
  std::string running_run_id;  // kConnectorRunning
  int running = 0;             // leases held in all, before this claim
};

}  // namespace s3u::store
