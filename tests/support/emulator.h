// The Domo API emulator (build/src/emulator/domo-emulator) as a test fixture: started as a
// child process on a free 127.0.0.1 port with a JSON config, stopped by the destructor.
// Unlike the S3 servers, each fixture gets its own emulator (it starts in milliseconds), so
// tests can give it different datasets and faults.
//
// Thread-safety: an EmulatorProcess is used by one test thread; the emulator itself serves
// concurrent requests.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  // Mallory Stranger, no grant. Role Admin: Admins may read every dataset (§7), so the
  // stranger sees the datasets and their owner, and only the ownership rule refuses her.
  static constexpr long long kStrangerUserId = 555000111;
  static constexpr const char* kDataOnlyClientId = "s3unload-dataonly-client";  // scope data
  static constexpr const char* kDataOnlyClientSecret = "dataonly-client-secret-0001";
  // "sales": 7 columns (id LONG, event_time DATETIME, day DATE, customer STRING, region
  // STRING, amount DECIMAL, ratio DOUBLE), 1000 rows, 100 a day over 2026-10-01..10
  // (fixture tests/support/domo/sales, made by make_sales.py), hostile text, nulls.
  static constexpr const char* kSalesDatasetId = "08a061e2-12a2-4646-b4bc-20beddb403e3";
  static constexpr long long kSalesRows = 1000;
  // "events": synthetic, 100000 rows over 30 days from 2026-10-01, owned by Ada.
  static constexpr const char* kEventsDatasetId = "6f1c2a9e-4b7d-4e3a-9c1f-2d8e5b7a0c44";
  static constexpr long long kEventsRows = 100000;
};

// The config every Domo test starts from (see docs/emulator.md for the format). Export-to-S3
// writes to `s3_endpoint` (e.g. RadosGw().endpoint); empty leaves it unset (Amazon S3).
nlohmann::json StandardEmulatorConfig(const std::string& s3_endpoint = "");

// Standard base64 with padding (HTTP Basic credentials in hand-built requests).
std::string Base64(std::string_view bytes);

// The specific_day that names `date` ("yyyy-mm-dd") today (the real clock), counted in `zone`
// as a run counts it: tests reach a fixed day of a fixture whatever day they run on.
int SpecificDayFor(const std::string& date, const std::string& zone = "UTC");

// One raw HTTP answer (conformance tests speak HTTP directly, not through the Domo client,
// so the two cannot agree on a mistake).
struct RawAnswer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Case-insensitive header lookup; nullopt when absent.
  std::optional<std::string> Header(const std::string& name) const;
  // The body as JSON; a parse failure fails the test and gives null.
  nlohmann::json Json() const;
};

class EmulatorProcess {
 public:
  // Writes `config` to a temporary file, starts the emulator with --config and --port 0,
  // and waits for the URL it prints. A failure to start fails the test (ADD_FAILURE + abort).
  explicit EmulatorProcess(const nlohmann::json& config = StandardEmulatorConfig());
  ~EmulatorProcess();  // SIGTERM, then waits (SIGKILL after 10 s)
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT
  int pid() const { return pid_; }
  // Calls an admin route (e.g. "POST", "/__admin/faults", {...}); returns the JSON answer
  // (null for an empty one). A non-2xx answer fails the test (ADD_FAILURE).
  nlohmann::json Admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = nullptr) const;
  // One HTTP exchange: `path` (with its query) below url(), headers and body as given.
  // A transport failure fails the test and gives status 0.
  RawAnswer Call(const std::string& method, const std::string& path,
                 const std::vector<std::pair<std::string, std::string>>& headers = {},
                 const std::string& body = "") const;
  // An access token for a client, fetched the way pydomo does (POST form, HTTP Basic).
  std::string Token(const std::string& client_id, const std::string& client_secret,
                    const std::string& scope = "") const;
  // What the emulator wrote to stderr so far (its request log), e.g. to check redaction.
  std::string Log() const;

 private:
  std::string url_;
  std::string dir_;  // temporary folder: config.json, stderr.log
  int pid_ = -1;
};

}  // namespace s3u::testing
