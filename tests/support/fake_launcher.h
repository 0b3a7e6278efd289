// The one fake of the service's Launcher seam (service/scheduler.h): it records each run in the
// store as a real launcher would, remembers what it was asked to run, and the test decides how
// (and when) each run ends. A run that cannot start is simulated with `refuse_next`: it is
// recorded FAILED and reported ended before Launch returns, as RunLauncher does.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/time_format.h"
#include "service/scheduler.h"
#include "store/store.h"

namespace s3u::testing {

class FakeLauncher final : public service::Launcher {
 public:
  struct Launched {
    std::string connector_name;
    service::LaunchRequest request;
    std::shared_ptr<std::atomic<bool>> cancel;
    std::function<void(const service::RunEnded&)> done;
  };

  FakeLauncher(store::Store& store, Clock& clock) : store_(store), clock_(clock) {}

  void Launch(const store::ConnectorRecord& connector, const service::LaunchRequest& request,
              std::shared_ptr<std::atomic<bool>> cancel,
              std::function<void(const service::RunEnded&)> done) override {
    store::RunRecord record;
    record.run_id = request.run_id;
    record.job_name = connector.name;
    record.connector_id = connector.id;
    record.input_dataset_id = "ds";
    record.day = "2026-03-09";
    record.time_zone = "UTC";
    record.engine = "direct";
    record.attempt = request.attempt;
    record.started_ms = EpochMillis(clock_.Now());
    EXPECT_TRUE(store_.BeginRun(record).has_value());
    if (refuse_next) {  // recorded FAILED and reported ended before Launch returns
      refuse_next = false;
      refused.push_back(request.run_id);
      const int64_t now = EpochMillis(clock_.Now());
      store::RunResult result;
      result.error_code = "failed_precondition";
      result.error_message = "could not start";
      EXPECT_TRUE(store_.FinishRun(request.run_id, store::RunStatus::kFailed, now, result));
      return done({request.connector_id, request.run_id, store::RunStatus::kFailed, now});
    }
    launched.push_back({connector.name, request, std::move(cancel), std::move(done)});
  }

  void CleanUp(const store::ConnectorRecord&, const store::RunRecord& run) override {
    cleaned_up.push_back(run.run_id);
  }

  // Ends the i-th launched run the way a real run would: recorded, then reported.
  void End(size_t i, store::RunStatus status) {
    ASSERT_LT(i, launched.size());
    store::RunResult result;
    if (status != store::RunStatus::kSucceeded) {
      result.error_code = status == store::RunStatus::kCancelled ? "cancelled" : "unavailable";
      result.error_message = "it failed";
    }
    const int64_t now = EpochMillis(clock_.Now());
    ASSERT_TRUE(store_.FinishRun(launched[i].request.run_id, status, now, result).has_value());
    // A copy: `done` may launch the next run (a backfill's), which grows `launched`.
    const Launched run = launched[i];
    run.done({run.request.connector_id, run.request.run_id, status, now});
  }

  std::vector<Launched> launched;
  std::vector<std::string> cleaned_up;  // runs CleanUp was asked to clean up
  bool refuse_next = false;             // the next Launch fails to start its run
  std::vector<std::string> refused;     // runs that could not start

 private:
  store::Store& store_;
  Clock& clock_;
};

}  // namespace s3u::testing
