// The emulator's HTTP front: cpp-httplib routes for every endpoint of domo-api.md §11 on one
// listener (the platform API and the internal instance API share it), plus the admin
// routes of docs/emulator.md. Each API request goes through the same gate, in order:
// injected faults for its route family, authentication (bearer token, or for internal routes
// also X-DOMO-Developer-Token), scope of its route family; then the State answers.
// Errors leave as Domo's canonical JSON body with a fresh `toe`.
//
// Thread-safety: Run blocks on the calling thread and serves on httplib's worker threads;
// Stop may be called from any thread (e.g. a signal-waiting thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/log.h"
#include "emulator/faults.h"
#include "emulator/state.h"

namespace s3u::emulator {

// The route family of a request path (the `route` of faults and of the request log):
// token, datasets, dataset, export, import, query, streams, users, groups, permissions,
// s3export, admin, or unknown. `dataset` receives the dataset id in the path, if any.
std::string RouteOf(std::string_view method, std::string_view path, std::string* dataset);

class Server {
 public:
  // References outlive the server.
  Server(State& state, FaultTable& faults, Logger& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds `host`:`port` (0 = a free port) and returns the bound port; kUnavailable when the
  // address cannot be bound.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop. REQUIRES: Bind succeeded.
  void Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace s3u::emulator
