// The fixture of `s3unload run` end to end (run as a user would: the real binary with a job
// file, against the Domo emulator and radosgw, read back with the aws cli), shared by the test
// files of tests/unload that run the binary. Each test has its own emulator and bucket.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/emulator.h"
#include "support/servers.h"
#include "table/day_window.h"
#include "table/types.h"

namespace s3u::run_test {

using nlohmann::json;
using testing::CommandResult;
using testing::RadosGw;
using testing::StandardDomo;

inline constexpr const char* kInputId = "3b9d6f1e-0c2a-4e5b-8f7d-1a2b3c4d5e6f";

// The UTC date `days` days before today, "yyyy-mm-dd" (the default zone of a job).
inline std::string DaysAgo(int days) {
  return table::FormatDate(table::ResolveDayWindow(std::chrono::system_clock::now(),
                                                   **table::FindTimeZone("UTC", "zone"), days)
                               .local_date);
}

// A value as Domo's import grammar spells it: null unquoted and empty, text always quoted.
inline std::string ImportField(const std::optional<std::string>& v) {
  if (!v) return "";
  std::string out = "\"";
  for (char c : *v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}
// The documented output encoding (minimal quoting, null as nothing, LF), written here
// independently of the codec under test: quote when the text holds the delimiter, a quote,
// CR or LF, or would read back as null (empty, "\N").
inline std::string ExpectedField(const std::optional<std::string>& v) {
  if (!v) return "";
  if (v->find_first_of(",\"\r\n") == std::string::npos && !v->empty() && *v != "\\N") return *v;
  return ImportField(v);
}
using Row = std::vector<std::optional<std::string>>;
inline std::string Csv(const std::vector<Row>& rows,
                       std::string (*field)(const std::optional<std::string>&)) {
  std::string out;
  for (const Row& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + field(row[i]);
    out += "\n";
  }
  return out;
}

inline json InlineDataset(const std::string& id, const json& schema, const std::vector<Row>& rows) {
  return {{"id", id},
          {"name", "e2e input"},
          {"owner", StandardDomo::kOwnerUserId},
          {"schema", schema},
          {"csv", Csv(rows, ImportField)}};
}

inline std::string Gunzip(const std::string& bytes) {
  CommandResult r = testing::RunCommand({"gzip", "-dc"}, {}, bytes);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// The first field of every line after the header (simple rows only).
inline std::vector<std::string> FirstColumn(const std::string& csv) {
  std::vector<std::string> ids;
  size_t pos = csv.find('\n');
  while (pos != std::string::npos && pos + 1 < csv.size()) {
    const size_t end = csv.find('\n', pos + 1);
    const std::string line = csv.substr(pos + 1, end - pos - 1);
    ids.push_back(line.substr(0, line.find(',')));
    pos = end;
  }
  return ids;
}

class RunIntegrationTest : public ::testing::Test {
 protected:
  RunIntegrationTest() : bucket_(testing::UniqueBucket("run")) {
    testing::CreateBucketWithAwsCli(RadosGw(), bucket_);
    dir_ = std::filesystem::temp_directory_path() /
           ("s3u-run-" + std::to_string(::getpid()) + "-" + bucket_);
    std::filesystem::create_directories(dir_);
  }
  ~RunIntegrationTest() override { std::filesystem::remove_all(dir_); }

  // Starts this test's emulator: the standard config plus `datasets` and `faults`.
  void StartEmulator(const std::vector<json>& datasets, const json& faults = json::array()) {
    json config = testing::StandardEmulatorConfig(RadosGw().endpoint);
    for (const json& d : datasets) config["datasets"].push_back(d);
    config["faults"] = faults;
    emulator_ = std::make_unique<testing::EmulatorProcess>(config);
  }

  // A job file for the owner's client, writing to this test's bucket through `endpoint`.
  std::string Job(const std::string& details, const std::string& more = "",
                  const std::string& client = StandardDomo::kOwnerClientId,
                  std::string endpoint = "") {
    if (endpoint.empty()) endpoint = RadosGw().endpoint;
    const std::string toml =
        "name = \"e2e\"\n[credentials]\ndomo_client_id = \"" + client + "\"\ndomo_api_url = \"" +
        emulator_->url() + "\"\nbucket = \"" + bucket_ + "\"\nendpoint_url = \"" + endpoint +
        "\"\nregion = \"us-east-1\"\naws_access_key_id = \"" + RadosGw().owner.access_key_id +
        "\"\naws_secret_access_key = \"" + RadosGw().owner.secret_access_key + "\"\n[details]\n" +
        details + "\n" + more;
    const std::string path = (dir_ / ("job-" + std::to_string(++jobs_) + ".toml")).string();
    std::ofstream(path, std::ios::binary) << toml;
    return path;
  }

  CommandResult Run(const std::string& job, std::vector<std::string> extra = {},
                    const std::string& secret = StandardDomo::kOwnerClientSecret) {
    std::vector<std::string> argv = {S3UNLOAD_BINARY, "run", "--config", job, "--no-progress"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    CommandResult r = testing::RunCommand(argv, Env(secret));
    for (const std::string& hidden : {secret, RadosGw().owner.secret_access_key}) {
      EXPECT_THAT(r.out + r.err, ::testing::Not(::testing::HasSubstr(hidden)))
          << "a secret was printed";
    }
    return r;
  }
  // Runs with --json; a parse failure fails the test and gives null.
  json RunJson(const std::string& job, int expected_exit, std::vector<std::string> extra = {},
               const std::string& secret = StandardDomo::kOwnerClientSecret) {
    extra.push_back("--json");
    CommandResult r = Run(job, extra, secret);
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    try {
      return json::parse(r.out);
    } catch (const json::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << r.out << r.err;
      return nullptr;
    }
  }
  std::vector<std::pair<std::string, std::string>> Env(const std::string& secret) const {
    return {{"DOMO_CLIENT_SECRET", secret},
            {"S3UNLOAD_STORE", (dir_ / "history.db").string()},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"AWS_CONFIG_FILE", "/dev/null"},
            {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}};
  }

  // Keys in the bucket, listed by the aws cli.
  std::vector<std::string> Keys() const {
    CommandResult r = testing::AwsCli(
        RadosGw(), {"s3api", "list-objects-v2", "--bucket", bucket_, "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> keys;
    if (r.out.find_first_not_of(" \n") == std::string::npos) return keys;
    for (const json& o : json::parse(r.out).value("Contents", json::array())) {
      keys.push_back(o["Key"]);
    }
    return keys;
  }
  std::string ReadBack(const std::string& key) const {
    auto body = testing::ReadBackWithAwsCli(RadosGw(), bucket_, key);
    EXPECT_TRUE(body.has_value()) << key;
    return body.value_or("");
  }
  // Nothing visible and nothing half-written in the bucket.
  void ExpectBucketUntouched() const {
    EXPECT_THAT(Keys(), ::testing::IsEmpty());
    EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0);
  }

  // The rows of a dataset, read through the emulator's query API as the owner.
  std::vector<json> DatasetRows(const std::string& id) const {
    const std::string token =
        emulator_->Token(StandardDomo::kOwnerClientId, StandardDomo::kOwnerClientSecret);
    auto answer = emulator_->Call(
        "POST", "/v1/datasets/query/execute/" + id,
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
        R"({"sql": "SELECT * FROM table"})");
    std::vector<json> rows;
    if (answer.status != 200) {
      ADD_FAILURE() << "query of " << id << ": " << answer.status << " " << answer.body;
      return rows;
    }
    const json j = answer.Json();
    for (const json& row : j["rows"]) {
      json named;
      for (size_t i = 0; i < row.size(); ++i) named[j["columns"][i].get<std::string>()] = row[i];
      rows.push_back(named);
    }
    return rows;
  }
  // Paths of the emulator's requests so far (admin calls excluded).
  std::vector<std::string> RequestPaths() const {
    std::vector<std::string> paths;
    for (const json& r : emulator_->Admin("GET", "/__admin/requests")) paths.push_back(r["path"]);
    return paths;
  }

  std::string bucket_;
  std::filesystem::path dir_;
  std::unique_ptr<testing::EmulatorProcess> emulator_;
  int jobs_ = 0;
};

// A day of the synthetic "events" style, big enough for many query pages.
inline json BigDataset(const std::string& from, const std::string& to, int rows) {
  return {{"id", kInputId},
          {"name", "big"},
          {"owner", StandardDomo::kOwnerUserId},
          {"synthetic",
           {{"rows", rows},
            {"seed", 5},
            {"columns", json::array({{{"name", "id"}, {"type", "LONG"}, {"kind", "sequence"}},
                                     {{"name", "t"},
                                      {"type", "DATETIME"},
                                      {"kind", "timeline"},
                                      {"from", from},
                                      {"to", to}},
                                     {{"name", "n"},
                                      {"type", "DECIMAL"},
                                      {"kind", "number"},
                                      {"min", 0},
                                      {"max", 1000000},
                                      {"scale", 6}},
                                     {{"name", "note"},
                                      {"type", "STRING"},
                                      {"kind", "text"},
                                      {"min_length", 20},
                                      {"max_length", 60},
                                      {"hostile", true}}})}}}};
}

}  // namespace s3u::run_test
