// The emulated Domo instance: the shared model (model.h) and one part per API area of
// domo-api.md, each over that model: OAuth §1 (tokens.h), DataSets §3 (datasets.h), Streams
// §5 (streams.h), users and groups §6 (identity.h), permissions §7 (permissions.h) and
// Export-to-S3 §8 (s3_export_jobs.h). The HTTP layer (server.h) authenticates, parses
// requests and calls the areas, which answer with the JSON Domo returns or an Error whose
// http_status is the status Domo answers with.
//
// Time is the emulator clock: the system clock plus an offset the admin endpoint advances,
// so token expiry is tested without waiting. Background work (stream commits, exports to S3)
// runs on the instance's own threads, which the destructor stops and joins.
//
// Thread-safety: every method of every area may be called concurrently; one mutex guards the
// model, and no lock is held while rows are streamed or S3 is written.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/executor.h"
#include "core/log.h"
#include "emulator/config.h"
#include "emulator/datasets.h"
#include "emulator/identity.h"
#include "emulator/model.h"
#include "emulator/permissions.h"
#include "emulator/s3_export_jobs.h"
#include "emulator/streams.h"
#include "emulator/tokens.h"

namespace s3u::emulator {

class State {
 public:
  // REQUIRES: `config` validated by ParseConfig. `log` outlives the state.
  State(Config config, Logger& log);
  ~State();  // stops background work (exports end as cancelled) and joins
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  EmulatorClock& clock() { return model_.clock; }
  const Config& config() const { return model_.config; }
  // A fresh error id (the `toe` of Domo's error bodies).
  std::string NewToe();

  Tokens& tokens() { return tokens_; }
  Datasets& datasets() { return datasets_; }
  Streams& streams() { return streams_; }
  Identity& identity() { return identity_; }
  Permissions& permissions() { return permissions_; }
  S3ExportJobs& s3_exports() { return s3_exports_; }

 private:
  Model model_;
  std::atomic<bool> stopping_{false};
  // Stopped and joined first thing in the destructor, so no queued work outlives the areas.
  std::unique_ptr<ThreadPool> background_;
  Tokens tokens_;
  Datasets datasets_;
  Streams streams_;
  Identity identity_;
  Permissions permissions_;
  S3ExportJobs s3_exports_;
};

}  // namespace s3u::emulator
