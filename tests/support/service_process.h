// One `s3unload serve` process as users run it (the real binary on a free port), driven through
// its HTTP API (docs/api.md): shared by the service's integration tests and the fleet's.
// The scheduler's clock is the service's test clock (docs/service.md, "Testing").
//
// Thread-safety: one test thread.
#pragma once

#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/emulator.h"
#include "support/servers.h"

namespace s3u::testing {

// The `settings` of a connector that unloads `day` of `dataset` (key `id`, date column
// `event_time`, as OneDayDataset and the standard datasets have them) into `path`. One reader:
// the tests that park a run at a page (a `hold` fault) need the day read by one chain of
// 1000-row pages (the automatic setting would give a 1,500-page day 8 readers).
inline nlohmann::json TestConnectorSettings(const std::string& dataset, const std::string& path,
                                            const std::string& day) {
  return {{"details",
           {{"input_dataset", dataset},
            {"path", path},
            {"primary_key", {"id"}},
            {"date_column", "event_time"},
            {"specific_day", SpecificDayFor(day)}}},
          {"tuning", {{"page_rows", 1000}, {"readers", 1}}},
          {"s3", {{"part_size", "5MiB"}}}};
}

// What a test of `s3unload serve` starts with: a radosgw bucket of its own (when `with_bucket`)
// and a temporary directory for its processes' stores, logs and token, removed at the end.
struct ServiceScratch {
  explicit ServiceScratch(const std::string& tag, bool with_bucket = true)
      : bucket(with_bucket ? UniqueBucket(tag) : "") {
    if (with_bucket) CreateBucketWithAwsCli(RadosGw(), bucket);
    dir = std::filesystem::temp_directory_path() /
          ("s3u-" + tag + "-" + std::to_string(::getpid()) + "-" + UniqueBucket(tag));
    std::filesystem::create_directories(dir);
  }
  ~ServiceScratch() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  ServiceScratch(const ServiceScratch&) = delete;
  ServiceScratch& operator=(const ServiceScratch&) = delete;

  std::string bucket;
  std::filesystem::path dir;
};

// One `s3unload serve` process. By default its store is `dir`/s3unload.db and its token the one
// it writes to `dir`/token; `store` (a path or URL, passed as --store) and `token` (one that
// another process of the same store created) replace them.
class ServiceProcess {
 public:
  using json = nlohmann::json;

  ServiceProcess(const std::filesystem::path& dir, int64_t clock_start_ms,
                 std::vector<std::string> extra = {}, const std::string& store = "",
                 const std::string& token = "")
      : dir_(dir) {
    std::vector<std::string> argv = {S3UNLOAD_BINARY, "serve"};
    if (std::find(extra.begin(), extra.end(), "--listen") == extra.end()) {
      argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
    }
    argv.insert(argv.end(), {"--store", store.empty() ? (dir / "s3unload.db").string() : store,
                             "--test-clock-start-ms", std::to_string(clock_start_ms)});
    if (token.empty()) argv.insert(argv.end(), {"--token-file", (dir / "token").string()});
    argv.insert(argv.end(), extra.begin(), extra.end());
    log_ = (dir / ("serve-" + std::to_string(++starts_) + ".log")).string();
    SpawnedProcess p = SpawnProcess(argv, log_);
    pid_ = p.pid;
    const std::string prefix = "s3unload serve listening on ";
    if (p.first_line.rfind(prefix, 0) != 0) {
      ADD_FAILURE() << "the service did not start: " << p.first_line << ReadWholeFile(log_);
      return;
    }
    port_ = std::stoi(p.first_line.substr(p.first_line.rfind(':') + 1));
    token_ = token.empty() ? ReadWholeFile((dir / "token").string()) : token;
    while (!token_.empty() && token_.back() == '\n') token_.pop_back();
  }
  ~ServiceProcess() { Stop(SIGTERM); }

  // Stops the process with `signal` and returns its exit status (as waitpid gives it).
  int Stop(int signal) {
    Signal(signal);
    return Wait();
  }
  void Signal(int signal) const {
    if (pid_ > 0) ::kill(pid_, signal);
  }
  // Waits for the process to exit; its exit status as waitpid gives it.
  int Wait() {
    if (pid_ <= 0) return -1;
    const int status = WaitForExit(pid_, std::chrono::seconds(90));
    if (status == -1) ADD_FAILURE() << "the service did not exit within 90 s (killed)";
    pid_ = -1;
    return status;
  }

  struct Answer {
    int status = 0;
    json body;
    std::string raw;
    std::string www_authenticate;
  };
  Answer Call(const std::string& method, const std::string& path, const json& body = nullptr,
              const std::string& token = "\x01") const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(60, 0);
    httplib::Headers headers;
    const std::string bearer = token == "\x01" ? token_ : token;
    if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
    const std::string text = body.is_null() ? "" : body.dump();
    httplib::Result r = method == "GET"      ? client.Get(path.c_str(), headers)
                        : method == "DELETE" ? client.Delete(path.c_str(), headers)
                        : method == "PUT"
                            ? client.Put(path.c_str(), headers, text, "application/json")
                            : client.Post(path.c_str(), headers, text, "application/json");
    Answer a;
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": no answer";
      return a;
    }
    a.status = r->status;
    a.raw = r->body;
    a.body = json::parse(r->body, nullptr, false);
    a.www_authenticate = r->get_header_value("WWW-Authenticate");
    return a;
  }

  // Waits (polling the API, 50 ms apart, up to `limit`) until `ready` holds for the run.
  // Asks GET `path` until its answer is 200 and `ready` (the service is another process:
  // there is nothing to block on); a test failure after `limit`.
  json WaitFor(const std::string& path, const std::function<bool(const json&)>& ready,
               std::chrono::seconds limit = std::chrono::seconds(120)) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      Answer a = Call("GET", path);
      if (a.status == 200 && ready(a.body)) return a.body;
      last = a.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << path << " never got there: " << last.dump();
    return last;
  }
  json WaitForRun(const std::string& run_id, const std::function<bool(const json&)>& ready,
                  std::chrono::seconds limit = std::chrono::seconds(120)) const {
    return WaitFor("/api/v1/runs/" + run_id, ready, limit);
  }
  json WaitForEnd(const std::string& run_id) const {
    return WaitForRun(run_id, [](const json& r) { return r["status"] != "RUNNING"; });
  }
  // A connector leaves "running" a moment after its run's end is recorded: once the scheduler
  // has scheduled the retry, if any (docs/api.md). Its state is read after that.
  json WaitForSettled(const std::string& connector_id) const {
    return WaitFor("/api/v1/connectors/" + connector_id,
                   [](const json& c) { return c["state"] != "running"; });
  }
  int64_t AdvanceClock(int64_t ms) const {
    return Call("POST", "/api/v1/test/clock", {{"advance_ms", ms}}).body["now_ms"];
  }

  int port() const { return port_; }
  int pid() const { return pid_; }
  const std::string& token() const { return token_; }
  std::string Log() const { return ReadWholeFile(log_); }
  // Waits up to a minute for `text` to appear in the log (the process writes it; there is
  // nothing to block on but the file).
  bool WaitForLog(const std::string& text) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (Log().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

 private:
  std::filesystem::path dir_;
  std::string log_;
  int pid_ = -1;
  int port_ = 0;
  std::string token_;
  static inline int starts_ = 0;
};

}  // namespace s3u::testing
