#include "support/prometheus.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http/curl_client.h"
#include "s3/sigv4.h"
#include "support/servers.h"

namespace s3u::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Got {
  int status = 0;  // 0: no answer
  std::string body;
};

Got Get(const std::string& url) {
  http::CurlHttpClient client;
  http::Request request;
  request.method = "GET";
  request.url = url;
  auto response = client.Send(request);
  if (!response) return {};
  return {response->status, response->body};
}

}  // namespace

PrometheusServer::PrometheusServer(const std::string& scrape_configs,
                                   const std::vector<std::string>& rule_files) {
  static std::atomic<int> counter{0};
  const fs::path dir =
      fs::temp_directory_path() /
      ("s3unload-prometheus-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir / "data");
  dir_ = dir.string();
  std::ofstream config(dir / "prometheus.yml");
  config << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n";
  if (!rule_files.empty()) {
    config << "rule_files:\n";
    for (const std::string& file : rule_files) config << "  - " << json(file).dump() << "\n";
  }
  config << "scrape_configs:\n" << scrape_configs;
  config.close();
  const std::string listen = "127.0.0.1:" + std::to_string(FreePorts(1));
  url_ = "http://" + listen;
  // Prometheus writes nothing on stdout; the shell says it is about to exec it, so SpawnProcess
  // has its first line, and readiness is then polled.
  auto spawned = SpawnProcess(
      {"sh", "-c", "echo starting; exec \"$0\" \"$@\"", "prometheus",
       "--config.file=" + (dir / "prometheus.yml").string(),
       "--storage.tsdb.path=" + (dir / "data").string(), "--web.listen-address=" + listen},
      (dir / "prometheus.log").string());
  pid_ = spawned.pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Get(url_ + "/-/ready").status != 200) {
    int status = 0;
    const bool exited = pid_ < 0 || ::waitpid(pid_, &status, WNOHANG) == pid_;
    if (exited || std::chrono::steady_clock::now() > deadline) {
      if (exited) pid_ = -1;
      ADD_FAILURE() << "prometheus did not start on " << listen << ": " << Log();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (WaitForExit(pid_, std::chrono::seconds(30)) == -1) {
      ADD_FAILURE() << "prometheus did not stop within 30 s of SIGTERM (killed)";
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

json PrometheusServer::Query(const std::string& promql) const {
  const Got got = Get(url_ + "/api/v1/query?query=" + s3::UriEncode(promql, true));
  const json body = json::parse(got.body, nullptr, false);
  if (got.status != 200 || !body.is_object() || body.value("status", "") != "success" ||
      !body["data"]["result"].is_array()) {
    ADD_FAILURE() << "query " << promql << ": HTTP " << got.status << " " << got.body;
    return nullptr;
  }
  return body["data"]["result"];
}

std::optional<double> PrometheusServer::WaitFor(const std::string& promql,
                                                const std::function<bool(double)>& holds,
                                                std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  json result;
  while (std::chrono::steady_clock::now() < deadline) {
    result = Query(promql);
    if (result.is_null()) return std::nullopt;
    if (result.size() == 1) {
      const double value = std::stod(result[0]["value"][1].get<std::string>());
      if (holds(value)) return value;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << promql << " never held within " << limit.count() << " s; last result "
                << result.dump();
  return std::nullopt;
}

std::string PrometheusServer::Log() const { return ReadWholeFile(dir_ + "/prometheus.log"); }

}  // namespace s3u::testing
