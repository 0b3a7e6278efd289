#include "cli/serve_command.h"

#include <iostream>

#include "cli/env.h"
#include "cli/interrupt.h"
#include "core/log.h"
#include "service/service.h"

namespace s3u::cli {
namespace {

// "HOST:PORT" → host and port; field errors name --listen.
Result<std::pair<std::string, int>> ParseListen(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Fail(ErrorCode::kInvalidArgument, "--listen",
                "\"" + text + "\" is not HOST:PORT (e.g. 127.0.0.1:8686; port 0 picks a free one)");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = text.substr(colon + 1);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(port_text, &used);
    if (used != port_text.size()) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "--listen",
                "\"" + port_text + "\" is not a port; use 0 to 65535 (0 picks a free one)");
  }
  return std::make_pair(host, port);
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeFlags& flags) {
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run the connector service: web page, API, schedules and retries (docs/api.md)");
  cmd->add_option("--listen", flags.listen,
                  "HOST:PORT to serve on (default 127.0.0.1:8686; port 0 picks a free one)");
  cmd->add_option("--store", flags.store,
                  "The store: a path, sqlite:///PATH or postgresql://... (default: see "
                  "docs/store.md; also $S3UNLOAD_STORE)");
  cmd->add_option("--secret-key-file", flags.secret_key_file,
                  "The key of the saved secrets (needed with PostgreSQL; `s3unload store "
                  "new-key` makes one; or $S3UNLOAD_SECRET_KEY in base64)");
  cmd->add_option("--max-concurrent-runs", flags.max_concurrent_runs,
                  "Runs at once, over all connectors and every process sharing the store "
                  "(default 2)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--lease-seconds", flags.lease_seconds,
                  "How long a run's lease outlives its process: with several processes on one "
                  "store, a dead process's runs are retried by another after this (default 30)")
      ->check(CLI::Range(3, 3600));
  cmd->add_option("--shutdown-grace", flags.shutdown_grace_seconds,
                  "Seconds running runs get to finish on SIGTERM before they are cancelled "
                  "(default 30)")
      ->check(CLI::Range(0, 3600));
  cmd->add_option("--web-dir", flags.web_dir,
                  "Serve the page from this directory instead of the embedded copy (development)");
  cmd->add_flag("--new-token", flags.new_token,
                "Replace the API token and print the new one (the old one stops working)");
  cmd->add_option("--token-file", flags.token_file,
                  "When a token is created, also write it to this file (mode 0600)");
  cmd->add_option("--log-level", flags.log_level, "debug, info (default), warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  cmd->add_option("--log-format", flags.log_format,
                  "text (default: \"level: message\") or json (one object per line: time, "
                  "level, message)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--tls-cert", flags.tls_cert,
                  "Serve HTTPS with this certificate (PEM, the chain after it); needs --tls-key");
  cmd->add_option("--tls-key", flags.tls_key,
                  "The certificate's private key (PEM, unencrypted); needs --tls-cert");
  cmd->add_option("--test-clock-start-ms", flags.test_clock_start_ms,
                  "Tests only: a scheduler clock moved by POST /api/v1/test/clock")
      ->group("");  // hidden from --help
  return cmd;
}

int RunServe(const ServeFlags& flags) {
  auto listen = ParseListen(flags.listen);
  if (!listen) {
    std::cerr << "s3unload serve: " << listen.error().ToString() << "\n";
    return ExitCodeFor(listen.error().code);
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    std::cerr << "s3unload serve: "
              << (flags.tls_cert.empty() ? "--tls-cert: --tls-key was given without it"
                                         : "--tls-key: --tls-cert was given without it")
              << "; give both for HTTPS, or neither\n";
    return ExitCodeFor(ErrorCode::kInvalidArgument);
  }
  auto store_url = ResolveStoreUrl(flags.store, ProcessEnv);
  if (!store_url) {
    std::cerr << "s3unload serve: " << store_url.error().ToString() << "\n";
    return ExitCodeFor(store_url.error().code);
  }
  service::ServeOptions options;
  options.host = listen->first;
  options.port = listen->second;
  options.store = *store_url;
  options.secret_key = ResolveSecretKeySource(flags.secret_key_file, ProcessEnv);
  options.max_concurrent_runs = flags.max_concurrent_runs;
  options.lease = std::chrono::seconds(flags.lease_seconds);
  options.shutdown_grace = std::chrono::seconds(flags.shutdown_grace_seconds);
  options.web_dir = flags.web_dir;
  options.new_token = flags.new_token;
  options.token_file = flags.token_file;
  ParseLogLevel(flags.log_level, &options.log_level);
  options.json_log = flags.log_format == "json";
  options.tls_cert = flags.tls_cert;
  options.tls_key = flags.tls_key;
  options.test_clock_start_ms = flags.test_clock_start_ms;
  InstallInterruptHandler();
  return service::Serve(options, Interrupted(), std::cout, std::cerr);
}

}  // namespace s3u::cli
