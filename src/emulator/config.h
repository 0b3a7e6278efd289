// The emulator's configuration: the JSON document of docs/emulator.md (users, groups, API
// clients, datasets, faults and behaviour switches), parsed and validated into plain values.
// The admin endpoints reuse the dataset and fault parsers, so a dataset added at run time is
// read exactly like one from the file.
//
// Thread-safety: pure functions and plain values (fixture files are read, nothing else).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "emulator/data.h"
#include "emulator/latency.h"
#include "emulator/sql.h"
#include "emulator/synthetic.h"
#include "table/csv.h"
#include "table/types.h"

namespace s3u::emulator {

struct UserEntry {
  int64_t id = 0;
  std::string name;
  std::string email;
  std::string role = "Participant";  // Admin | Privileged | Participant (§6)
  std::string title;
};

struct GroupEntry {
  int64_t id = 0;
  std::string name;
  std::vector<int64_t> members;  // user ids
};

struct ClientEntry {
  std::string client_id;
  std::string client_secret;
  int64_t user_id = 0;  // the user the client's tokens act as
  std::vector<std::string> scopes = {"data", "user"};
};

// A share of a dataset (§7): to a user or a group, at one access level.
struct Grant {
  std::string type;  // USER | GROUP
  int64_t id = 0;
  std::string access_level;  // OWNER | CO_OWNER | CAN_EDIT | CAN_SHARE | CAN_VIEW
};

struct DatasetEntry {
  std::string id;
  std::string name;
  std::string description;
  int64_t owner = 0;
  table::Schema schema;
  std::vector<Row> rows;                   // fixture / inline CSV data
  std::optional<SyntheticSpec> synthetic;  // generated on demand instead of `rows`
  std::vector<Grant> grants;
};

// One injected fault (docs/emulator.md "Faults").
struct Fault {
  std::string route = "*";  // token, datasets, dataset, export, import, query, streams,
                            // users, groups, permissions, s3export, *
  std::string dataset;      // narrows the fault to one dataset id when not empty
  std::string action;  // status | drop_after_bytes | slow | expire_tokens | export_error | hold
  int status = 500;
  std::optional<int> retry_after;  // seconds, sent as Retry-After with `status`
  uint64_t bytes = 0;              // drop_after_bytes
  uint64_t bytes_per_second = 0;   // slow
  std::string message;             // export_error
  std::optional<int> times;        // matching requests left; nullopt = unlimited
  uint64_t after = 0;              // matching requests still to pass before it applies
};

struct ExportFormat {
  CsvFormat csv;                // export.quote: minimal | all; export.null: "" | "\N"
  bool iso_timestamps = false;  // export.timestamps: epoch_millis_string | iso8601
};

struct Config {
  std::string customer = "acmecompany";
  int token_lifetime_seconds = 3599;
  bool legacy_406_html = false;
  ExportFormat export_format;
  std::optional<std::string> s3_endpoint;  // Export-to-S3 target; Amazon S3 when absent
  int min_commit_interval_seconds = 0;
  std::vector<UserEntry> users;
  std::vector<GroupEntry> groups;
  std::vector<ClientEntry> clients;
  std::vector<DatasetEntry> datasets;
  std::vector<Fault> faults;
  LatencyModel latency;  // "latency": a preset or an object (latency.h); default "none"
};

// Parses a whole configuration. Relative fixture paths resolve against `base_dir`, then the
// current directory. kInvalidArgument names the field ("datasets[1].schema[0].type"), what
// was wrong and what is accepted; cross-references (owner, members, client users) are checked.
Result<Config> ParseConfig(const nlohmann::json& json, const std::filesystem::path& base_dir);

// Reads and parses the file at `path` (kNotFound / kInvalidArgument).
Result<Config> LoadConfigFile(const std::filesystem::path& path);

// The instance served without --config: one Admin user, one client ("demo-client" /
// "demo-secret") with both scopes, and no datasets.
Config DemoConfig();

// One dataset entry (config "datasets[i]" or the admin body); `subject` prefixes field names.
Result<DatasetEntry> ParseDatasetEntry(const nlohmann::json& json,
                                       const std::filesystem::path& base_dir,
                                       const std::string& subject);

// Shares as the config and the share endpoint spell them: [{type, id, accessLevel}], ids as
// numbers or numeric strings.
Result<std::vector<Grant>> ParseGrants(const nlohmann::json& json, const std::string& subject);

// A fault list (config "faults" or the admin body).
Result<std::vector<Fault>> ParseFaults(const nlohmann::json& json, const std::string& subject);
nlohmann::json FaultToJson(const Fault& fault);

}  // namespace s3u::emulator
