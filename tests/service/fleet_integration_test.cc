// Several `s3unload serve` processes on one PostgreSQL (issue 19; docs/deploy.md, "A fleet on
// one PostgreSQL"): the real binary up to three times over, its store a database of a real
// PostgreSQL 15, the Domo emulator and radosgw, driven only through the HTTP API; what the runs
// wrote is read back with the aws cli.
//
// The processes are started with the same test clock and every test advances them alike, so
// their scheduler clocks agree to the millisecond: schedules and lease expiry are tested without
// waiting (runs themselves use the real clock). Each test has its own database and bucket.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/emulator.h"
#include "support/postgres_server.h"
#include "support/servers.h"
#include "support/service_process.h"
#include "support/synthetic_day.h"

namespace s3u {
namespace {

using nlohmann::json;
using ::testing::IsEmpty;
using testing::PostgresServer;
using testing::RadosGw;
using testing::ServiceProcess;
using testing::StandardDomo;

// A one-day dataset big enough for a run to be caught in its middle (page kParkedPage of 1000
// rows, with its multipart upload open), as in the service's own integration test.
constexpr const char* kLongId = "4b1f2e3d-5c6a-4798-8a9b-0c1d2e3f4a5b";
constexpr const char* kLongDay = "2026-10-03";
constexpr int kParkedPage = 700;

json LongDataset() {
  return testing::OneDayDataset(kLongId, "a long day", kLongDay, "2026-10-04", 1'500'000, 5,
                                "note");
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class FleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    json config = testing::StandardEmulatorConfig(RadosGw().endpoint);
    config["datasets"].push_back(LongDataset());
    emulator_ = new testing::EmulatorProcess(config);
  }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }

  FleetTest() {
    store_ = PostgresServer::Shared().CreateDatabase();
    const std::string key = (dir_ / "secrets.key").string();
    testing::CommandResult made = testing::RunCommand({S3UNLOAD_BINARY, "store", "new-key", key});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    key_ = key;
    emulator_->Admin("POST", "/__admin/faults", json::array());
  }
  ~FleetTest() override { processes_.clear(); }

  // Starts `n` processes on the test's store, their clocks at clock_ms_; the first creates the
  // API token, the others use it.
  void StartFleet(int n, const std::vector<std::string>& extra = {}) {
    for (int i = 0; i < n; ++i) {
      const std::string token = processes_.empty() ? "" : processes_.front()->token();
      processes_.push_back(
          std::make_unique<ServiceProcess>(dir_, clock_ms_, Args(extra), store_, token));
    }
  }
  std::vector<std::string> Args(const std::vector<std::string>& extra) const {
    std::vector<std::string> args = {"--secret-key-file", key_, "--max-concurrent-runs",
                                     std::to_string(kLimit)};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  ServiceProcess& P(size_t i) { return *processes_.at(i); }

  // Moves every live process's clock by `ms`, in order (each ticks as its clock moves).
  void AdvanceAll(int64_t ms) {
    for (auto& p : processes_) {
      if (p->pid() > 0) p->AdvanceClock(ms);
    }
  }

  void CreateAccounts() {
    auto domo = P(0).Call("POST", "/api/v1/accounts",
                          {{"kind", "domo"},
                           {"name", "owner"},
                           {"domo_client_id", StandardDomo::kOwnerClientId},
                           {"domo_client_secret", StandardDomo::kOwnerClientSecret},
                           {"domo_api_url", emulator_->url()}});
    ASSERT_EQ(domo.status, 201) << domo.raw;
    auto aws = P(0).Call("POST", "/api/v1/accounts",
                         {{"kind", "aws"},
                          {"name", "rgw"},
                          {"aws_access_key_id", RadosGw().owner.access_key_id},
                          {"aws_secret_access_key", RadosGw().owner.secret_access_key},
                          {"bucket", bucket_},
                          {"region", "us-east-1"},
                          {"endpoint_url", RadosGw().endpoint}});
    ASSERT_EQ(aws.status, 201) << aws.raw;
    domo_account_ = domo.body["id"];
    aws_account_ = aws.body["id"];
  }

  // Saves a connector writing under its own folder; returns its id.
  std::string Connector(const std::string& name, const std::string& dataset, const std::string& day,
                        const json& schedule, const json& retry) {
    json body = {{"name", name},
                 {"domo_account_id", domo_account_},
                 {"aws_account_id", aws_account_},
                 {"settings", testing::TestConnectorSettings(dataset, name + "/{date}/", day)},
                 {"schedule", schedule},
                 {"retry", retry}};
    auto created = P(0).Call("POST", "/api/v1/connectors", body);
    EXPECT_EQ(created.status, 201) << created.raw;
    return created.body.value("id", "");
  }

  json Runs() { return P(0).Call("GET", "/api/v1/runs?limit=1000").body["runs"]; }

  // Polls (the processes are others: nothing to block on) until `count` runs have ended and
  // (when `settled`) none runs, or `limit` passes; returns the runs.
  json WaitForEndedRuns(size_t count, bool settled = true,
                        std::chrono::seconds limit = std::chrono::seconds(600)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    json runs;
    while (std::chrono::steady_clock::now() < deadline) {
      runs = Runs();
      size_t ended = 0;
      bool running = false;
      for (const json& r : runs) {
        if (r["status"] == "RUNNING") {
          running = true;
        } else {
          ++ended;
        }
      }
      if (ended >= count && (!running || !settled)) return runs;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "fewer than " << count << " runs ended in time: " << runs.size() << " runs";
    return runs;
  }

  std::multiset<std::string> Keys() const {
    return testing::ListKeysWithAwsCli(RadosGw(), bucket_);
  }

  // What a burst of scheduled runs gave: every connector's run counted.
  struct Tally {
    int succeeded = 0;
    int failed = 0;
    int duplicates = 0;  // runs beyond the first SUCCEEDED one of a connector
    int missed = 0;      // connectors without a SUCCEEDED run
    int orphans = 0;     // multipart uploads left open
    std::vector<int> per_process;
    int64_t median_run_ms = 0;  // started to finished, by the runs' own clock
  };
  Tally Count(const json& runs, const std::vector<std::string>& connectors) {
    Tally t;
    std::map<std::string, int> succeeded;
    std::vector<int64_t> durations;
    for (const json& r : runs) {
      if (r["finished_ms"].is_number()) {
        durations.push_back(r["finished_ms"].get<int64_t>() - r["started_ms"].get<int64_t>());
      }
      if (r["status"] == "SUCCEEDED") {
        ++t.succeeded;
        ++succeeded[r["connector_id"].get<std::string>()];
      } else {
        ++t.failed;
      }
    }
    for (const std::string& id : connectors) {
      const int n = succeeded.count(id) ? succeeded[id] : 0;
      if (n == 0) ++t.missed;
      if (n > 1) t.duplicates += n - 1;
    }
    if (!durations.empty()) {
      std::nth_element(durations.begin(), durations.begin() + durations.size() / 2,
                       durations.end());
      t.median_run_ms = durations[durations.size() / 2];
    }
    t.orphans = testing::CountUploadsWithAwsCli(RadosGw(), bucket_);
    for (auto& p : processes_) {
      const std::string log = p->Log();
      int started = 0;
      for (size_t at = log.find(": scheduled run "); at != std::string::npos;
           at = log.find(": scheduled run ", at + 1)) {
        ++started;
      }
      t.per_process.push_back(started);
    }
    return t;
  }

  // Saves `n` connectors due every 15 minutes (the fleet's clocks start on a quarter hour);
  // their ids.
  std::vector<std::string> QuarterHourlyConnectors(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      ids.push_back(Connector(fmt::format("fleet-{:03}", i), StandardDomo::kSalesDatasetId,
                              "2026-10-05", {{"kind", "every_minutes"}, {"minutes", 15}},
                              {{"every_minutes", 15}, {"max_retries", 1}}));
    }
    return ids;
  }

  static constexpr int kLimit = 6;  // --max-concurrent-runs, over the fleet
  static inline testing::EmulatorProcess* emulator_ = nullptr;
  testing::ServiceScratch scratch_{"fleet"};
  const std::string& bucket_ = scratch_.bucket;
  const std::filesystem::path& dir_ = scratch_.dir;
  std::string store_;  // the database's URL
  std::string key_;    // the shared key file
  int64_t clock_ms_ = (NowMs() / 900'000) * 900'000;
  std::string domo_account_, aws_account_;
  std::vector<std::unique_ptr<ServiceProcess>> processes_;
};

// 200 connectors due at the same quarter hour, on 1, 2 and 3 processes: each runs exactly once
// whichever process claims it, none is missed, nothing is left open in S3; the rate is printed.
class FleetBurstTest : public FleetTest, public ::testing::WithParamInterface<int> {};

TEST_P(FleetBurstTest, TwoHundredDueRunsRunExactlyOnce) {
  constexpr int kConnectors = 200;
  StartFleet(GetParam());
  CreateAccounts();
  const std::vector<std::string> ids = QuarterHourlyConnectors(kConnectors);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kConnectors));
  const auto start = std::chrono::steady_clock::now();
  AdvanceAll(900'000);
  const json runs = WaitForEndedRuns(kConnectors);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Tally t = Count(runs, ids);
  std::cout << fmt::format(
      "[ numbers ] fleet of {}: {} runs in {:.1f} s = {:.0f} runs/min (limit {} at once, a run "
      "{} ms median); per process {}; duplicates {}, missed {}, failed {}, orphan uploads {}\n",
      GetParam(), runs.size(), seconds, runs.size() * 60.0 / seconds, kLimit, t.median_run_ms,
      fmt::join(t.per_process, "/"), t.duplicates, t.missed, t.failed, t.orphans);
  EXPECT_EQ(runs.size(), static_cast<size_t>(kConnectors));
  EXPECT_EQ(t.succeeded, kConnectors);
  EXPECT_EQ(t.duplicates, 0);
  EXPECT_EQ(t.missed, 0);
  EXPECT_EQ(t.orphans, 0);
  EXPECT_EQ(Keys().size(), static_cast<size_t>(kConnectors));
  int started = 0;  // what each process's log says it started: every run, once
  for (int n : t.per_process) started += n;
  EXPECT_EQ(started, kConnectors);
}

INSTANTIATE_TEST_SUITE_P(Processes, FleetBurstTest, ::testing::Values(1, 2, 3),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::to_string(info.param);
                         });

TEST_F(FleetTest, AKilledProcesssRunIsRetriedByAnotherAfterItsLeaseExpires) {
  StartFleet(3, {"--lease-seconds", "5"});
  CreateAccounts();
  const std::string id = Connector("long", kLongId, kLongDay, {{"kind", "manual"}},
                                   {{"every_minutes", 2}, {"max_retries", 1}});
  emulator_->Admin("POST", "/__admin/faults",
                   json::array({{{"route", "query"},
                                 {"dataset", kLongId},
                                 {"action", "hold"},
                                 {"after", kParkedPage},
                                 {"times", 1}}}));
  auto started = P(1).Call("POST", "/api/v1/connectors/" + id + "/run");
  ASSERT_EQ(started.status, 202) << started.raw;
  const std::string run_id = started.body["run_id"];
  json held = json::object();
  for (int i = 0; i < 3 && held.value("holding", 0) == 0; ++i) {
    held = emulator_->Admin("GET", "/__admin/held?wait_ms=60000");
  }
  ASSERT_EQ(held.value("holding", 0), 1) << "the run never reached page " << kParkedPage;
  ASSERT_GT(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0) << "no upload open";
  // Every process sees the run, and none may start the connector again.
  EXPECT_EQ(P(2).Call("GET", "/api/v1/connectors/" + id).body["running_run_id"], run_id);
  EXPECT_EQ(P(0).Call("POST", "/api/v1/connectors/" + id + "/run").status, 409);

  EXPECT_TRUE(WIFSIGNALED(P(1).Stop(SIGKILL)));
  emulator_->Admin("POST", "/__admin/faults", json::array());
  EXPECT_THAT(Keys(), IsEmpty()) << "nothing partial is visible";
  AdvanceAll(5'000);  // the lease's last millisecond: still the dead process's
  EXPECT_EQ(P(0).Call("GET", "/api/v1/runs/" + run_id).body["status"], "RUNNING");
  AdvanceAll(1);  // expired: the first process to tick reaps it and cleans up
  const json failed = P(2).Call("GET", "/api/v1/runs/" + run_id).body;
  EXPECT_EQ(failed["status"], "FAILED") << failed.dump();
  EXPECT_EQ(failed["error"]["code"], "aborted");
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0) << "its upload aborted";
  EXPECT_THAT(Keys(), IsEmpty());
  const json connector = P(2).Call("GET", "/api/v1/connectors/" + id).body;
  EXPECT_EQ(connector["state"], "retry_pending") << connector.dump();
  const int64_t due = failed["finished_ms"].get<int64_t>() + 2 * 60'000;
  EXPECT_EQ(connector["retry_due_ms"], due);

  // The run's times are the real clock's (the scheduler's is the test clock): up to its retry.
  AdvanceAll(std::max<int64_t>(0, due - P(0).AdvanceClock(0)));
  const json runs = WaitForEndedRuns(2);
  ASSERT_EQ(runs.size(), 2u) << runs.dump();
  EXPECT_EQ(runs[0]["attempt"], 2);
  EXPECT_EQ(runs[0]["status"], "SUCCEEDED") << runs[0].dump();
  EXPECT_EQ(Keys().size(), 1u);
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0);
}

// `serve --new-token` on one process: within a second every process takes the new token and
// refuses the old one.
TEST_F(FleetTest, ANewTokenOnOneProcessReplacesTheOldOneOnAll) {
  StartFleet(2);
  const std::string old_token = P(0).token();
  ASSERT_EQ(P(1).Call("GET", "/api/v1/accounts", nullptr, old_token).status, 200);
  P(0).Stop(SIGTERM);
  processes_[0] =
      std::make_unique<ServiceProcess>(dir_, clock_ms_, Args({"--new-token"}), store_, "");
  const std::string new_token = P(0).token();
  ASSERT_FALSE(new_token.empty());
  ASSERT_NE(new_token, old_token);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (P(1).Call("GET", "/api/v1/accounts", nullptr, new_token).status != 200 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // another process: polled
  }
  EXPECT_EQ(P(1).Call("GET", "/api/v1/accounts", nullptr, new_token).status, 200);
  EXPECT_EQ(P(1).Call("GET", "/api/v1/accounts", nullptr, old_token).status, 401);
  EXPECT_EQ(P(0).Call("GET", "/api/v1/accounts", nullptr, old_token).status, 401);
}

TEST_F(FleetTest, APostgresRestartMidBurstLosesAndDoublesNothing) {
  constexpr int kConnectors = 60;
  StartFleet(3);
  CreateAccounts();
  const std::vector<std::string> ids = QuarterHourlyConnectors(kConnectors);
  AdvanceAll(900'000);
  const json before = WaitForEndedRuns(kConnectors / 4, /*settled=*/false);
  PostgresServer::Shared().Restart();
  json runs = WaitForEndedRuns(kConnectors);
  EXPECT_LT(before.size(), static_cast<size_t>(kConnectors)) << "restarted after the burst";
  Tally t = Count(runs, ids);
  if (t.missed > 0) {
    // A run that the restart failed (a store write cut mid-call) is retried as the Retry pane
    // says, once its time comes.
    AdvanceAll(15 * 60'000);
    runs = WaitForEndedRuns(kConnectors + t.failed);
    t = Count(runs, ids);
  }
  std::cout << fmt::format(
      "[ numbers ] PostgreSQL restarted mid-burst (after {} of {} runs had begun): {} runs ({} "
      "failed by the restart and retried); duplicates {}, missed {}, orphan uploads {}\n",
      before.size(), kConnectors, runs.size(), t.failed, t.duplicates, t.missed, t.orphans);
  EXPECT_EQ(t.duplicates, 0);
  EXPECT_EQ(t.missed, 0);
  EXPECT_EQ(t.orphans, 0);
  EXPECT_EQ(Keys().size(), static_cast<size_t>(kConnectors));
  for (auto& p : processes_) {
    EXPECT_EQ(p->Call("GET", "/api/v1/health", nullptr, "").status, 200) << "still serving";
  }
}

}  // namespace
}  // namespace s3u
