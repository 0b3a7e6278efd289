// The run history kept in the Store: the one implementation of unload::RunHistory, shared by
// `s3unload run` and the service. A history that cannot be written never fails the run: the
// problem goes to the log as a warning (the run itself and its metrics row are unaffected).
//
// Thread-safety: as thread-safe as the Store (which serialises its own access); one instance
// may serve every run of the service at once.
#pragma once

#include "core/clock.h"
#include "core/log.h"
#include "store/store.h"
#include "unload/history.h"

namespace s3u::jobs {

class StoreHistory final : public unload::RunHistory {
 public:
  // `store` and `log` must outlive this.
  StoreHistory(store::Store& store, Clock& clock, Logger& log)
      : store_(store), clock_(clock), log_(log) {}

  void Began(const unload::RunStart& start) override;
  void Finished(const std::string& run_id, const unload::RunEnd& end) override;
  void NotStarted(const unload::RunIdentity& id, int64_t at_ms, const Error& error) override;
  Result<void> UploadOpened(const std::string& run_id, const std::string& bucket,
                            const std::string& key, const std::string& upload_id) override;
  void UploadCompleted(const std::string& upload_id) override;
  void UploadAborted(const std::string& upload_id) override;
  void Published(const std::string& run_id) override;

 private:
  store::Store& store_;
  Clock& clock_;
  Logger& log_;
};

}  // namespace s3u::jobs
