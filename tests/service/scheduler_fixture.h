// The scheduler's test fixture, shared by the scheduler's and the backfills' tests: a fake
// clock, a real store in a temporary directory (reopened to simulate a restart, or opened
// again by a peer to simulate a second process), the fake launcher (support/fake_launcher.h)
// and helpers that save accounts and connectors.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "service/forms.h"
#include "service/schedule.h"
#include "service/scheduler.h"
#include "store/secret_box.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "support/fake_launcher.h"

namespace s3u::service {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "scheduler-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline int64_t Ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// 2026-03-10T10:00:00Z
inline const std::chrono::system_clock::time_point kStart =
    std::chrono::sys_days{std::chrono::year{2026} / 3 / 10} + std::chrono::hours(10);
class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // (Re)opens the store and a new scheduler on it: a restart of the service.
  void Open(bool owners_alive = true) {
    scheduler_.reset();
    launcher_.reset();
    store_.reset();
    store::StoreOptions options;
    options.owner = owner_;
    options.owner_alive = [owners_alive](std::string_view) { return owners_alive; };
    options.owner_here = [](std::string_view) { return true; };  // one machine
    auto opened = store::Store::Open(dir_.path() / "s.db", clock_, options);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store_ = std::move(*opened);
    auto box = store::SecretBox::LoadOrCreate(dir_.path() / "s.db.key");
    ASSERT_TRUE(box.has_value());
    store_->AttachSecrets(std::move(*box));
    launcher_ = std::make_unique<testing::FakeLauncher>(*store_, clock_);
    SchedulerOptions scheduler_options;
    scheduler_options.max_concurrent_runs = limit_;
    scheduler_options.lease_ms = lease_ms_;
    scheduler_options.run_ended = [this](const RunEnded& ended, bool retry_scheduled) {
      std::lock_guard lock(ended_mu_);
      ended_.push_back({ended.run_id, retry_scheduled});
    };
    scheduler_ = std::make_unique<Scheduler>(*store_, clock_, *launcher_, log_, scheduler_options);
  }

  std::string Account(store::AccountKind kind) {
    store::Account a;
    a.kind = kind;
    a.name = std::string(store::AccountKindName(kind)) + std::to_string(accounts_++);
    if (kind == store::AccountKind::kDomo) {
      a.domo_client_id = "client";
      a.domo_client_secret = "domo-secret";
    } else {
      a.aws_access_key_id = "AKIA";
      a.aws_secret_access_key = "aws-secret";
      a.bucket = "bucket";
      a.region = "us-east-1";
    }
    auto created = store_->CreateAccount(a);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created->id;
  }

  std::string Connector(const std::string& name, const nlohmann::json& schedule,
                        const nlohmann::json& retry = {{"every_minutes", 10}, {"max_retries", 2}}) {
    ConnectorForm form;
    form.name = name;
    form.domo_account_id = Account(store::AccountKind::kDomo);
    form.aws_account_id = Account(store::AccountKind::kAws);
    form.schedule = *ParseSchedule(schedule);
    form.retry = *ParseRetry(retry);
    auto created = store_->CreateConnector(ToRecord(form));
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    EXPECT_TRUE(scheduler_->Reschedule(created->id).has_value());
    return created->id;
  }

  store::ConnectorRecord Get(const std::string& id) { return *store_->GetConnector(id); }

  // Another service process on the same store (a fleet): its own connection, owner identity,
  // launcher and scheduler, on the same clock. `here`: whether this process can judge the
  // peer's owner identity (the same machine).
  struct Peer {
    std::unique_ptr<store::Store> store;
    std::unique_ptr<testing::FakeLauncher> launcher;
    std::unique_ptr<Scheduler> scheduler;
  };
  Peer OpenPeer(const std::string& owner, bool here = true) {
    Peer peer;
    store::StoreOptions options;
    options.owner = owner;
    options.owner_alive = [](std::string_view) { return false; };
    options.owner_here = [here](std::string_view) { return here; };
    auto opened = store::Store::Open(dir_.path() / "s.db", clock_, options);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    if (!opened) return peer;
    peer.store = std::move(*opened);
    auto box = store::SecretBox::LoadOrCreate(dir_.path() / "s.db.key");
    EXPECT_TRUE(box.has_value());
    peer.store->AttachSecrets(std::move(*box));
    peer.launcher = std::make_unique<testing::FakeLauncher>(*peer.store, clock_);
    SchedulerOptions scheduler_options;
    scheduler_options.max_concurrent_runs = limit_;
    scheduler_options.lease_ms = lease_ms_;
    peer.scheduler =
        std::make_unique<Scheduler>(*peer.store, clock_, *peer.launcher, log_, scheduler_options);
    return peer;
  }

  TempDir dir_;
  testing::FakeClock clock_{kStart};
  Logger log_{LogLevel::kOff};
  std::string owner_ = "boot/1/1";
  int limit_ = 2;
  // Longer than the fake clock's jumps between one process's ticks, so a lease expires only
  // where a test lets it (a real process renews every second).
  int64_t lease_ms_ = 3'600'000;
  int accounts_ = 0;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<testing::FakeLauncher> launcher_;
  std::unique_ptr<Scheduler> scheduler_;
  // What SchedulerOptions::run_ended was told: run id, retry scheduled.
  std::mutex ended_mu_;
  std::vector<std::pair<std::string, bool>> ended_;  // GUARDED_BY(ended_mu_)
};

}  // namespace s3u::service
