// `s3unload serve [--listen HOST:PORT] [--store PATH] ...`: the connector service
// (service/service.h): the API of docs/api.md and the web page, schedules and retries, until
// SIGTERM or Ctrl-C, which shut it down cleanly (docs/service.md).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace s3u::cli {

struct ServeFlags {
  std::string listen = "127.0.0.1:8686";
  std::string store;
  std::string secret_key_file;
  int max_concurrent_runs = 2;
  int lease_seconds = 30;
  int shutdown_grace_seconds = 30;
  std::string web_dir;
  bool new_token = false;
  std::string token_file;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string tls_cert;
  std::string tls_key;
  std::optional<int64_t> test_clock_start_ms;
};

CLI::App* AddServeCommand(CLI::App& app, ServeFlags& flags);
int RunServe(const ServeFlags& flags);

}  // namespace s3u::cli
