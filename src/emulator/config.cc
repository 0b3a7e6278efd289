#include "emulator/config.h"

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace s3u::emulator {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

tl::unexpected<Error> Invalid(const std::string& subject, const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, subject, message);
}

// Field readers: an absent key keeps the default; a present key of the wrong type fails.
Result<void> ReadString(const json& object, const char* key, const std::string& subject,
                        std::string& out) {
  if (!object.contains(key)) return {};
  if (!object[key].is_string()) return Invalid(subject + "." + key, "must be a string");
  out = object[key].get<std::string>();
  return {};
}

Result<void> ReadInt(const json& object, const char* key, const std::string& subject, int64_t min,
                     int64_t& out) {
  if (!object.contains(key)) return {};
  if (!object[key].is_number_integer() || object[key].get<int64_t>() < min) {
    return Invalid(subject + "." + key, "must be an integer >= " + std::to_string(min));
  }
  out = object[key].get<int64_t>();
  return {};
}

Result<void> ReadBool(const json& object, const char* key, const std::string& subject, bool& out) {
  if (!object.contains(key)) return {};
  if (!object[key].is_boolean()) return Invalid(subject + "." + key, "must be true or false");
  out = object[key].get<bool>();
  return {};
}

Result<std::string> ReadFile(const fs::path& path, const std::string& subject) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, subject, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<json> ParseJsonText(const std::string& text, const std::string& subject) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    return Invalid(subject, std::string("is not valid JSON: ") + e.what());
  }
}

// A relative fixture folder is looked up next to the config file first, then in the current
// directory (tests pass paths relative to the source tree).
fs::path ResolvePath(const std::string& path, const fs::path& base_dir) {
  fs::path p(path);
  if (p.is_absolute()) return p;
  if (!base_dir.empty() && fs::exists(base_dir / p)) return base_dir / p;
  return p;
}

Result<void> ParseExportSection(const json& section, ExportFormat& out) {
  if (!section.is_object()) return Invalid("export", "must be an object");
  std::string quote = "minimal", null_text = "empty", timestamps = "epoch_millis_string";
  if (auto r = ReadString(section, "null", "export", null_text); !r) return Fail(r.error());
  if (auto r = ReadString(section, "quote", "export", quote); !r) return Fail(r.error());
  if (auto r = ReadString(section, "timestamps", "export", timestamps); !r) {
    return Fail(r.error());
  }
  if (quote != "minimal" && quote != "all") {
    return Invalid("export.quote", "must be \"minimal\" or \"all\"");
  }
  if (null_text == "empty") null_text.clear();
  if (!null_text.empty() && null_text != "\\N") {
    return Invalid("export.null", "must be \"empty\" or \"\\\\N\"");
  }
  if (timestamps != "epoch_millis_string" && timestamps != "iso8601") {
    return Invalid("export.timestamps", "must be \"epoch_millis_string\" or \"iso8601\"");
  }
  out.csv.quoting = quote == "all" ? table::Quoting::kAll : table::Quoting::kMinimal;
  out.csv.null_text = null_text;
  out.iso_timestamps = timestamps == "iso8601";
  return {};
}

Result<void> CheckReferences(const Config& config) {
  std::set<int64_t> users, groups;
  for (size_t i = 0; i < config.users.size(); ++i) {
    if (!users.insert(config.users[i].id).second) {
      return Invalid("users[" + std::to_string(i) + "].id", "repeats another user's id");
    }
  }
  for (size_t i = 0; i < config.groups.size(); ++i) {
    const std::string field = "groups[" + std::to_string(i) + "]";
    if (!groups.insert(config.groups[i].id).second) {
      return Invalid(field + ".id", "repeats another group's id");
    }
    for (int64_t member : config.groups[i].members) {
      if (!users.count(member)) {
        return Invalid(field + ".members", "user " + std::to_string(member) + " is not in users");
      }
    }
  }
  std::set<std::string> client_ids;
  for (size_t i = 0; i < config.clients.size(); ++i) {
    const std::string field = "clients[" + std::to_string(i) + "]";
    if (!users.count(config.clients[i].user_id)) {
      return Invalid(field + ".user_id",
                     "user " + std::to_string(config.clients[i].user_id) + " is not in users");
    }
    if (!client_ids.insert(config.clients[i].client_id).second) {
      return Invalid(field + ".client_id", "repeats another client's id");
    }
  }
  std::set<std::string> dataset_ids;
  for (size_t i = 0; i < config.datasets.size(); ++i) {
    const auto& dataset = config.datasets[i];
    const std::string field = "datasets[" + std::to_string(i) + "]";
    if (!dataset_ids.insert(dataset.id).second) {
      return Invalid(field + ".id", "repeats another dataset's id");
    }
    if (!users.count(dataset.owner)) {
      return Invalid(field + ".owner",
                     "user " + std::to_string(dataset.owner) + " is not in users");
    }
    for (const auto& grant : dataset.grants) {
      const bool known = grant.type == "USER" ? users.count(grant.id) : groups.count(grant.id);
      if (!known) {
        return Invalid(field + ".permissions", grant.type + " " + std::to_string(grant.id) +
                                                   " is not in " +
                                                   (grant.type == "USER" ? "users" : "groups"));
      }
    }
  }
  return {};
}

}  // namespace

Result<std::vector<Grant>> ParseGrants(const json& list, const std::string& subject) {
  static const std::set<std::string> kLevels = {"OWNER", "CO_OWNER", "CAN_EDIT", "CAN_SHARE",
                                                "CAN_VIEW"};
  if (!list.is_array()) return Invalid(subject, "must be an array of grants");
  std::vector<Grant> grants;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string field = subject + "[" + std::to_string(i) + "]";
    const json& item = list[i];
    if (!item.is_object()) return Invalid(field, "must be an object {type, id, accessLevel}");
    Grant grant;
    if (auto r = ReadString(item, "type", field, grant.type); !r) return Fail(r.error());
    if (grant.type != "USER" && grant.type != "GROUP") {
      return Invalid(field + ".type", "must be USER or GROUP");
    }
    // Domo's internal API spells ids as strings; accept both spellings.
    if (item.contains("id") && item["id"].is_string()) {
      const std::string text = item["id"].get<std::string>();
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), grant.id);
      if (ec != std::errc() || end != text.data() + text.size() || grant.id < 1) {
        return Invalid(field + ".id", "must be a numeric user or group id, got \"" + text + "\"");
      }
    } else if (auto r = ReadInt(item, "id", field, 1, grant.id); !r) {
      return Fail(r.error());
    }
    if (grant.id == 0) return Invalid(field + ".id", "is required");
    if (auto r = ReadString(item, "accessLevel", field, grant.access_level); !r) {
      return Fail(r.error());
    }
    if (!kLevels.count(grant.access_level)) {
      return Invalid(field + ".accessLevel",
                     "must be one of OWNER, CO_OWNER, CAN_EDIT, CAN_SHARE, CAN_VIEW");
    }
    grants.push_back(grant);
  }
  return grants;
}

Result<DatasetEntry> ParseDatasetEntry(const json& item, const fs::path& base_dir,
                                       const std::string& subject) {
  if (!item.is_object()) return Invalid(subject, "must be an object");
  DatasetEntry entry;
  if (auto r = ReadString(item, "id", subject, entry.id); !r) return Fail(r.error());
  if (entry.id.empty()) return Invalid(subject + ".id", "is required (a GUID string)");
  if (auto r = ReadString(item, "name", subject, entry.name); !r) return Fail(r.error());
  if (entry.name.empty()) entry.name = entry.id;
  if (auto r = ReadString(item, "description", subject, entry.description); !r) {
    return Fail(r.error());
  }
  if (auto r = ReadInt(item, "owner", subject, 1, entry.owner); !r) return Fail(r.error());
  if (entry.owner == 0) return Invalid(subject + ".owner", "is required (a user id)");
  if (item.contains("permissions")) {
    auto grants = ParseGrants(item["permissions"], subject + ".permissions");
    if (!grants) return Fail(grants.error());
    entry.grants = std::move(*grants);
  }
  const int sources = item.contains("fixture") + item.contains("synthetic") + item.contains("csv");
  if (sources > 1) {
    return Invalid(subject, "give one of \"fixture\", \"synthetic\" or \"schema\" + \"csv\"");
  }
  if (item.contains("synthetic")) {
    auto spec = ParseSyntheticSpec(item["synthetic"]);
    if (!spec) return Fail(spec.error());
    entry.schema = SchemaOf(*spec);
    entry.synthetic = std::move(*spec);
    return entry;
  }
  std::string csv;
  if (item.contains("fixture")) {
    std::string folder;
    if (auto r = ReadString(item, "fixture", subject, folder); !r) return Fail(r.error());
    const fs::path dir = ResolvePath(folder, base_dir);
    auto schema_text = ReadFile(dir / "schema.json", subject + ".fixture");
    if (!schema_text) return Fail(schema_text.error());
    auto schema_json = ParseJsonText(*schema_text, (dir / "schema.json").string());
    if (!schema_json) return Fail(schema_json.error());
    auto schema = ParseSchema(*schema_json, (dir / "schema.json").string());
    if (!schema) return Fail(schema.error());
    entry.schema = std::move(*schema);
    auto data = ReadFile(dir / "data.csv", subject + ".fixture");
    if (!data) return Fail(data.error());
    csv = std::move(*data);
  } else {
    if (!item.contains("schema")) {
      return Invalid(subject,
                     "needs \"fixture\", \"synthetic\" or \"schema\" (+ optional \"csv\")");
    }
    auto schema = ParseSchema(item["schema"], subject + ".schema");
    if (!schema) return Fail(schema.error());
    entry.schema = std::move(*schema);
    if (auto r = ReadString(item, "csv", subject, csv); !r) return Fail(r.error());
  }
  auto rows = ParseCsvRows(csv, entry.schema);
  if (!rows) {
    Error error = rows.error();
    error.subject = subject + " data, " + error.subject;
    return Fail(std::move(error));
  }
  entry.rows = std::move(*rows);
  return entry;
}

Result<std::vector<Fault>> ParseFaults(const json& list, const std::string& subject) {
  static const std::set<std::string> kRoutes = {"token",  "datasets",    "dataset",  "export",
                                                "import", "query",       "streams",  "users",
                                                "groups", "permissions", "s3export", "*"};
  static const std::set<std::string> kActions = {"status",        "drop_after_bytes", "slow",
                                                 "expire_tokens", "export_error",     "hold"};
  if (!list.is_array()) return Invalid(subject, "must be an array of faults");
  std::vector<Fault> faults;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string field = subject + "[" + std::to_string(i) + "]";
    const json& item = list[i];
    if (!item.is_object()) return Invalid(field, "must be an object {route, action, ...}");
    Fault fault;
    int64_t status = fault.status, times = -1, retry_after = -1;
    int64_t bytes = 0, rate = 0, after = 0;
    if (auto r = ReadString(item, "route", field, fault.route); !r) return Fail(r.error());
    if (auto r = ReadString(item, "action", field, fault.action); !r) return Fail(r.error());
    if (auto r = ReadString(item, "dataset", field, fault.dataset); !r) return Fail(r.error());
    if (auto r = ReadString(item, "message", field, fault.message); !r) return Fail(r.error());
    if (auto r = ReadInt(item, "status", field, 100, status); !r) return Fail(r.error());
    if (auto r = ReadInt(item, "times", field, 1, times); !r) return Fail(r.error());
    if (auto r = ReadInt(item, "retry_after", field, 0, retry_after); !r) return Fail(r.error());
    if (auto r = ReadInt(item, "bytes", field, 0, bytes); !r) return Fail(r.error());
    if (auto r = ReadInt(item, "bytes_per_second", field, 1, rate); !r) return Fail(r.error());
    if (auto r = ReadInt(item, "after", field, 0, after); !r) return Fail(r.error());
    if (!kRoutes.count(fault.route)) {
      return Invalid(field + ".route",
                     "must be one of token, datasets, dataset, export, import, query, streams, "
                     "users, groups, permissions, s3export, *");
    }
    if (!kActions.count(fault.action)) {
      return Invalid(field + ".action",
                     "must be one of status, drop_after_bytes, slow, expire_tokens, export_error, "
                     "hold");
    }
    if (status > 599) return Invalid(field + ".status", "must be an HTTP status (100-599)");
    if (fault.action == "slow" && rate == 0) {
      return Invalid(field + ".bytes_per_second", "is required for a slow fault");
    }
    if (fault.action == "drop_after_bytes" && !item.contains("bytes")) {
      return Invalid(field + ".bytes", "is required for a drop_after_bytes fault");
    }
    fault.status = static_cast<int>(status);
    if (times >= 1) fault.times = static_cast<int>(times);
    if (retry_after >= 0) fault.retry_after = static_cast<int>(retry_after);
    fault.bytes = static_cast<uint64_t>(bytes);
    fault.bytes_per_second = static_cast<uint64_t>(rate);
    fault.after = static_cast<uint64_t>(after);
    faults.push_back(std::move(fault));
  }
  return faults;
}

json FaultToJson(const Fault& fault) {
  json j = {{"route", fault.route}, {"action", fault.action}};
  if (!fault.dataset.empty()) j["dataset"] = fault.dataset;
  if (fault.action == "status") j["status"] = fault.status;
  if (fault.retry_after) j["retry_after"] = *fault.retry_after;
  if (fault.after) j["after"] = fault.after;
  if (fault.action == "drop_after_bytes") j["bytes"] = fault.bytes;
  if (fault.action == "slow") j["bytes_per_second"] = fault.bytes_per_second;
  if (!fault.message.empty()) j["message"] = fault.message;
  if (fault.times) j["times"] = *fault.times;
  return j;
}

Result<Config> ParseConfig(const json& root, const fs::path& base_dir) {
  if (!root.is_object()) return Invalid("config", "must be a JSON object");
  static const std::set<std::string> kKeys = {"customer",
                                              "token_lifetime_seconds",
                                              "legacy_406_html",
                                              "export",
                                              "s3",
                                              "min_commit_interval_seconds",
                                              "users",
                                              "groups",
                                              "clients",
                                              "datasets",
                                              "faults",
                                              "latency"};
  for (const auto& [key, value] : root.items()) {
    if (!kKeys.count(key)) {
      return Invalid(key, "is not a config key (see docs/emulator.md for the accepted ones)");
    }
  }
  Config config;
  int64_t lifetime = config.token_lifetime_seconds, interval = 0;
  if (auto r = ReadString(root, "customer", "config", config.customer); !r) return Fail(r.error());
  if (auto r = ReadInt(root, "token_lifetime_seconds", "config", 1, lifetime); !r) {
    return Fail(r.error());
  }
  if (auto r = ReadInt(root, "min_commit_interval_seconds", "config", 0, interval); !r) {
    return Fail(r.error());
  }
  config.token_lifetime_seconds = static_cast<int>(lifetime);
  config.min_commit_interval_seconds = static_cast<int>(interval);
  if (auto r = ReadBool(root, "legacy_406_html", "config", config.legacy_406_html); !r) {
    return Fail(r.error());
  }
  if (root.contains("export")) {
    if (auto r = ParseExportSection(root["export"], config.export_format); !r) {
      return Fail(r.error());
    }
  }
  if (root.contains("s3")) {
    std::string endpoint;
    if (!root["s3"].is_object()) return Invalid("s3", "must be an object {\"endpoint\": URL}");
    if (auto r = ReadString(root["s3"], "endpoint", "s3", endpoint); !r) return Fail(r.error());
    if (!endpoint.empty()) config.s3_endpoint = endpoint;
  }
  const json empty = json::array();
  const json& users = root.contains("users") ? root["users"] : empty;
  const json& groups = root.contains("groups") ? root["groups"] : empty;
  const json& clients = root.contains("clients") ? root["clients"] : empty;
  const json& datasets = root.contains("datasets") ? root["datasets"] : empty;
  for (const auto* list : {&users, &groups, &clients, &datasets}) {
    if (!list->is_array()) return Invalid("config", "users, groups, clients, datasets: arrays");
  }
  for (size_t i = 0; i < users.size(); ++i) {
    const std::string field = "users[" + std::to_string(i) + "]";
    UserEntry user;
    if (!users[i].is_object()) return Invalid(field, "must be an object");
    if (auto r = ReadInt(users[i], "id", field, 1, user.id); !r) return Fail(r.error());
    if (user.id == 0) return Invalid(field + ".id", "is required");
    for (auto [key, out] : {std::pair{"name", &user.name}, std::pair{"email", &user.email},
                            std::pair{"role", &user.role}, std::pair{"title", &user.title}}) {
      if (auto r = ReadString(users[i], key, field, *out); !r) return Fail(r.error());
    }
    if (user.role != "Admin" && user.role != "Privileged" && user.role != "Participant") {
      return Invalid(field + ".role", "must be Admin, Privileged or Participant");
    }
    config.users.push_back(std::move(user));
  }
  for (size_t i = 0; i < groups.size(); ++i) {
    const std::string field = "groups[" + std::to_string(i) + "]";
    GroupEntry group;
    if (!groups[i].is_object()) return Invalid(field, "must be an object");
    if (auto r = ReadInt(groups[i], "id", field, 1, group.id); !r) return Fail(r.error());
    if (group.id == 0) return Invalid(field + ".id", "is required");
    if (auto r = ReadString(groups[i], "name", field, group.name); !r) return Fail(r.error());
    if (groups[i].contains("members")) {
      const json& members = groups[i]["members"];
      if (!members.is_array()) return Invalid(field + ".members", "must be an array of user ids");
      for (const auto& member : members) {
        if (!member.is_number_integer()) {
          return Invalid(field + ".members", "must be an array of user ids");
        }
        group.members.push_back(member.get<int64_t>());
      }
    }
    config.groups.push_back(std::move(group));
  }
  for (size_t i = 0; i < clients.size(); ++i) {
    const std::string field = "clients[" + std::to_string(i) + "]";
    ClientEntry client;
    if (!clients[i].is_object()) return Invalid(field, "must be an object");
    if (auto r = ReadString(clients[i], "client_id", field, client.client_id); !r) {
      return Fail(r.error());
    }
    if (auto r = ReadString(clients[i], "client_secret", field, client.client_secret); !r) {
      return Fail(r.error());
    }
    if (client.client_id.empty() || client.client_secret.empty()) {
      return Invalid(field, "client_id and client_secret are required");
    }
    if (auto r = ReadInt(clients[i], "user_id", field, 1, client.user_id); !r) {
      return Fail(r.error());
    }
    if (clients[i].contains("scopes")) {
      const json& scopes = clients[i]["scopes"];
      client.scopes.clear();
      if (!scopes.is_array()) return Invalid(field + ".scopes", "must be an array of scopes");
      for (const auto& scope : scopes) {
        static const std::set<std::string> kScopes = {"account", "audit", "buzz",    "dashboard",
                                                      "data",    "user",  "workflow"};
        if (!scope.is_string() || !kScopes.count(scope.get<std::string>())) {
          return Invalid(field + ".scopes",
                         "must list scopes from account, audit, buzz, dashboard, data, user, "
                         "workflow");
        }
        client.scopes.push_back(scope.get<std::string>());
      }
    }
    config.clients.push_back(std::move(client));
  }
  for (size_t i = 0; i < datasets.size(); ++i) {
    auto entry = ParseDatasetEntry(datasets[i], base_dir, "datasets[" + std::to_string(i) + "]");
    if (!entry) return Fail(entry.error());
    config.datasets.push_back(std::move(*entry));
  }
  if (root.contains("faults")) {
    auto faults = ParseFaults(root["faults"], "faults");
    if (!faults) return Fail(faults.error());
    config.faults = std::move(*faults);
  }
  if (root.contains("latency")) {
    auto latency = ParseLatency(root["latency"], "latency");
    if (!latency) return Fail(latency.error());
    config.latency = std::move(*latency);
  }
  if (auto r = CheckReferences(config); !r) return Fail(r.error());
  return config;
}

Result<Config> LoadConfigFile(const fs::path& path) {
  auto text = ReadFile(path, "--config");
  if (!text) return Fail(text.error());
  auto root = ParseJsonText(*text, path.string());
  if (!root) return Fail(root.error());
  auto config = ParseConfig(*root, path.parent_path());
  if (!config) {
    Error error = config.error();
    error.subject = path.string() + ": " + error.subject;
    return Fail(std::move(error));
  }
  return config;
}

Config DemoConfig() {
  Config config;
  config.users.push_back({1, "Demo Admin", "admin@example.com", "Admin", "Administrator"});
  config.clients.push_back({"demo-client", "demo-secret", 1, {"data", "user"}});
  return config;
}

}  // namespace s3u::emulator
