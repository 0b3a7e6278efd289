// The Domo API emulator (build/src/emulator/domo-emulator) as a test fixture: started as a
// child process on a free 127.0.0.1 port with a JSON config, stopped by the destructor.
// Unlike the S3 servers, each fixture gets its own emulator (it starts in milliseconds), so
// tests can give it different datasets and faults.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace s3u::testing {

// Identities of StandardEmulatorConfig(), used by the Domo client and CLI tests.
struct StandardDomo {
  static constexpr const char* kOwnerClientId = "s3unload-owner-client";
  static constexpr const char* kOwnerClientSecret = "owner-client-secret-0001";
  static constexpr long long kOwnerUserId = 964382593;  // Ada Owner, owns the input datasets
  static constexpr const char* kCoOwnerClientId = "s3unload-coowner-client";
  static constexpr const char* kCoOwnerClientSecret = "coowner-client-secret-0001";
  static constexpr long long kCoOwnerUserId = 809129372;  // Grace Coowner, via group
  static constexpr long long kGroupId = 1324037627;       // "Data Engineers": CO_OWNER of sales
  static constexpr const char* kStrangerClientId = "s3unload-stranger-client";
  static constexpr const char* kStrangerClientSecret = "stranger-client-secret-0001";
  static constexpr long long kStrangerUserId = 555000111;  // Mallory Stranger, no grant
  static constexpr const char* kDataOnlyClientId = "s3unload-dataonly-client";  // scope data
  static constexpr const char* kDataOnlyClientSecret = "dataonly-client-secret-0001";
  // "sales": 7 columns incl. DATETIME event_time and DATE day, ~1000 rows over 10 days
  // (fixture tests/support/domo/sales), hostile text, nulls.
  static constexpr const char* kSalesDatasetId = "08a061e2-12a2-4646-b4bc-20beddb403e3";
  // "events": synthetic, 100000 rows over 30 days, owned by Ada.
  static constexpr const char* kEventsDatasetId = "6f1c2a9e-4b7d-4e3a-9c1f-2d8e5b7a0c44";
};

// The config every Domo test starts from (see docs/emulator.md for the format).
nlohmann::json StandardEmulatorConfig();

class EmulatorProcess {
 public:
  // Writes `config` to a temporary file, starts the emulator with --config and --port 0,
  // and waits for the URL it prints. A failure to start fails the test (ADD_FAILURE + abort).
  explicit EmulatorProcess(const nlohmann::json& config = StandardEmulatorConfig());
  ~EmulatorProcess();  // SIGTERM, then waits
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT
  int pid() const { return pid_; }
  // Calls an admin route (e.g. "POST", "/__admin/faults", {...}); returns the JSON answer.
  nlohmann::json Admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = nullptr) const;

 private:
  std::string url_;
  std::string config_path_;
  int pid_ = -1;
};

}  // namespace s3u::testing
