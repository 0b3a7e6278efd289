// Debian's Prometheus server (2.42, scripts/setup) for the metrics tests: started on
// 127.0.0.1 and a free port with the caller's scrape configuration and rule files, its
// storage in a temporary directory, and asked with PromQL through its HTTP API
// (/api/v1/query), as a dashboard or an alert rule would.
//
// Thread-safety: one test thread.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace s3u::testing {

class PrometheusServer {
 public:
  // `scrape_configs`: the items of the config's `scrape_configs:` list, as YAML indented by two
  // spaces; `rule_files`: paths of rule files to load. Scrapes and rule evaluations happen every
  // second. Waits (polling /-/ready 50 ms apart, up to 60 s) until it serves; a server that
  // does not start fails the test, with its log.
  explicit PrometheusServer(const std::string& scrape_configs,
                            const std::vector<std::string>& rule_files = {});
  ~PrometheusServer();  // SIGTERM, then waits (SIGKILL after 30 s); removes its directory
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // The result of an instant query at the server's now: the `data.result` array of
  // {"metric": {labels}, "value": [time, "number"]}. A refused query fails the test and
  // gives null.
  nlohmann::json Query(const std::string& promql) const;

  // Polls `promql` (50 ms apart, up to `limit`) until it gives exactly one sample whose value
  // `holds`, and returns that value; otherwise fails the test with the last result and gives
  // nullopt. Scrapes come every second, so a value the service has now shows within a few.
  std::optional<double> WaitFor(const std::string& promql, const std::function<bool(double)>& holds,
                                std::chrono::seconds limit = std::chrono::seconds(60)) const;

  // What the server logged so far.
  std::string Log() const;

 private:
  std::string dir_;
  std::string url_;  // http://127.0.0.1:PORT
  int pid_ = -1;
};

}  // namespace s3u::testing
