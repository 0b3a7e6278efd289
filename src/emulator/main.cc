// domo-emulator: serves the emulated Domo APIs (docs/emulator.md) until SIGTERM or SIGINT.
// The first stdout line is the base URL, flushed, so a parent process can read it and go;
// logs go to stderr with secrets redacted.
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>

#include "core/log.h"
#include "emulator/config.h"
#include "emulator/faults.h"
#include "emulator/server.h"
#include "emulator/state.h"

int main(int argc, char** argv) {
  CLI::App app{"domo-emulator: an emulator of the Domo APIs s3unload uses"};
  std::string config_path, host = "127.0.0.1", level_name = "info";
  int port = 0;
  app.add_option("--config", config_path,
                 "JSON configuration (docs/emulator.md); without it, a demo instance with one "
                 "client (demo-client / demo-secret) and no datasets");
  app.add_option("--port", port, "port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  app.add_option("--host", host, "address to listen on");
  app.add_option("--log-level", level_name, "debug, info, warn, error or off");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  s3u::LogLevel level;
  if (!s3u::ParseLogLevel(level_name, &level)) {
    std::fprintf(stderr, "domo-emulator: --log-level must be debug, info, warn, error or off\n");
    return 2;
  }
  s3u::Logger log(level);

  auto config = config_path.empty()
                    ? s3u::Result<s3u::emulator::Config>(s3u::emulator::DemoConfig())
                    : s3u::emulator::LoadConfigFile(config_path);
  if (!config) {
    log.Error("domo-emulator: " + config.error().ToString());
    return 2;
  }
  std::vector<s3u::emulator::Fault> initial_faults = config->faults;

  // Signals are taken by a dedicated thread (sigwait), so they are blocked everywhere else:
  // block them before any other thread exists.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  s3u::emulator::FaultTable faults;
  faults.Set(std::move(initial_faults));
  s3u::emulator::State state(std::move(*config), log);
  s3u::emulator::Server server(state, faults, log);
  auto bound = server.Bind(host, port);
  if (!bound) {
    log.Error("domo-emulator: " + bound.error().ToString());
    return 1;
  }
  std::printf("http://%s:%d\n", host.c_str(), *bound);
  std::fflush(stdout);

  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    log.Info("domo-emulator: stopping on signal " + std::to_string(signal));
    server.Stop();
  });
  server.Run();
  // Run also returns if the listener fails; wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}
