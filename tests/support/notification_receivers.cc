#include "support/notification_receivers.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>

#include "support/servers.h"

namespace s3u::testing {

namespace fs = std::filesystem;

NotificationReceivers::NotificationReceivers(int webhook_failures) {
  static std::atomic<int> counter{0};
  const fs::path dir =
      fs::temp_directory_path() /
      ("s3unload-receivers-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir / "got");
  dir_ = dir.string();
  // Debian's python3, where python3-aiosmtpd is installed (scripts/setup).
  auto spawned =
      SpawnProcess({"/usr/bin/python3",
                    std::string(S3UNLOAD_SOURCE_DIR) + "/tests/support/notification_receivers.py",
                    (dir / "got").string(), "--fail-first", std::to_string(webhook_failures)},
                   (dir / "receivers.log").string());
  pid_ = spawned.pid;
  if (std::sscanf(spawned.first_line.c_str(), "smtp=%d http=%d", &smtp_port_, &http_port_) != 2) {
    ADD_FAILURE() << "the notification receivers did not start: " << spawned.first_line << "\n"
                  << ReadWholeFile(dir_ + "/receivers.log");
  }
}

NotificationReceivers::~NotificationReceivers() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (WaitForExit(pid_, std::chrono::seconds(30)) == -1) {
      ADD_FAILURE() << "the notification receivers did not stop within 30 s (killed)";
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::vector<std::string> NotificationReceivers::Read(const std::string& extension) const {
  std::vector<std::string> got;
  for (int n = 1;; ++n) {
    const fs::path path = fs::path(dir_) / "got" / (std::to_string(n) + "." + extension);
    if (!fs::exists(path)) return got;
    got.push_back(ReadWholeFile(path.string()));
  }
}

}  // namespace s3u::testing
