// Exact values end to end (issue 13): `s3unload run`, the real binary, against the Domo
// emulator and radosgw, for every Domo type with nulls, through both engines (direct: the
// query API, CSV and JSON Lines; domo-export: Domo's own CSV). What lands in S3 is read back
// with the aws cli and compared AS TEXT with the source: a LONG beyond 2^53, a DECIMAL of 39
// digits, DOUBLE extremes, -0.0 and exponents in either case keep every character.
#include <gtest/gtest.h>

#include <chrono>
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

namespace s3u {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::RadosGw;
using testing::StandardDomo;

constexpr const char* kDatasetId = "5e1a7c3d-2b4f-4e6a-9c8d-0f1e2d3c4b5a";

// One source row: its CSV cells (nullopt = null) and, written out by hand, the JSON Lines
// line the row must become (numbers verbatim, text that JSON cannot spell as a number as a
// string, null as null).
struct SourceRow {
  std::vector<std::optional<std::string>> cells;
  std::string jsonl;
};

// The day unloaded (yesterday, UTC) and a row on the day before it, which must stay out.
std::string Yesterday(int more_days = 0) {
  return table::FormatDate(table::ResolveDayWindow(std::chrono::system_clock::now(),
                                                   **table::FindTimeZone("UTC", "zone"),
                                                   1 + more_days)
                               .local_date);
}

// The columns: a key, the day's DATETIME, then every Domo type.
const json kSchema = json::array({{{"name", "id"}, {"type", "LONG"}},
                                  {{"name", "t"}, {"type", "DATETIME"}},
                                  {{"name", "big"}, {"type", "LONG"}},
                                  {{"name", "dec"}, {"type", "DECIMAL"}},
                                  {{"name", "dbl"}, {"type", "DOUBLE"}},
                                  {{"name", "s"}, {"type", "STRING"}},
                                  {{"name", "d"}, {"type", "DATE"}}});

std::vector<SourceRow> Rows(const std::string& day) {
  const std::string t = "\"t\":\"" + day;
  return {
      {{"1", day + "T00:00:00", "9007199254740993", "12345678901234567890.123456789", "1e300",
        "a,b", day},
       R"({"id":1,)" + t +
           R"(T00:00:00","big":9007199254740993,"dec":12345678901234567890.123456789,)"
           R"("dbl":1e300,"s":"a,b","d":")" +
           day + "\"}"},
      {{"2", day + "T01:02:03", "-9223372036854775808", "-99999999999999.9999", "-0.0",
        std::nullopt, std::nullopt},
       R"({"id":2,)" + t +
           R"(T01:02:03","big":-9223372036854775808,"dec":-99999999999999.9999,"dbl":-0.0,)"
           R"("s":null,"d":null})"},
      {{"3", day + "T12:00:00", "9223372036854775807", "123456789012345678901234567890.000000001",
        "5e-324", "", day},
       R"({"id":3,)" + t +
           R"(T12:00:00","big":9223372036854775807,)"
           R"("dec":123456789012345678901234567890.000000001,"dbl":5e-324,"s":"","d":")" +
           day + "\"}"},
      {{"4", day + "T13:00:00", std::nullopt, "1234.50", "1.7976931348623157e308", "007",
        std::nullopt},
       R"({"id":4,)" + t +
           R"(T13:00:00","big":null,"dec":1234.50,"dbl":1.7976931348623157e308,"s":"007",)"
           R"("d":null})"},
      {{"5", day + "T14:00:00", "0", std::nullopt, "1E+300", "x\"y", day},
       R"({"id":5,)" + t + R"(T14:00:00","big":0,"dec":null,"dbl":1E+300,"s":"x\"y","d":")" + day +
           "\"}"},
      {{"6", day + "T15:00:00", "-1", "0.0", std::nullopt, "1e300", day},
       R"({"id":6,)" + t + R"(T15:00:00","big":-1,"dec":0.0,"dbl":null,"s":"1e300","d":")" + day +
           "\"}"},
      // Numbers JSON cannot spell as numbers: kept as their text everywhere.
      {{"7", day + "T23:59:59", "+5", "1.", "2.5E-3", "12345678901234567890.123456789",
        std::nullopt},
       R"({"id":7,)" + t +
           R"(T23:59:59","big":"+5","dec":"1.","dbl":2.5E-3,)"
           R"("s":"12345678901234567890.123456789","d":null})"},
  };
}

// Domo's import grammar: null unquoted and empty, text quoted.
std::string ImportCsv(const std::vector<std::vector<std::optional<std::string>>>& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += ',';
      if (!row[i]) continue;
      out += '"';
      for (char c : *row[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
    out += '\n';
  }
  return out;
}

// The documented CSV output (minimal quoting, null as nothing, LF): the source text as is,
// quoted only when it holds a comma or quote or is empty.
std::string ExpectedCsv(const std::vector<SourceRow>& rows) {
  std::string out = "id,t,big,dec,dbl,s,d\n";
  for (const SourceRow& row : rows) {
    for (size_t i = 0; i < row.cells.size(); ++i) {
      if (i > 0) out += ',';
      if (!row.cells[i]) continue;
      const std::string& v = *row.cells[i];
      if (!v.empty() && v.find_first_of(",\"") == std::string::npos) {
        out += v;
        continue;
      }
      out += '"';
      for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
    out += '\n';
  }
  return out;
}

class ExactValuesIntegrationTest : public ::testing::Test {
 protected:
  ExactValuesIntegrationTest()
      : day_(Yesterday()), rows_(Rows(day_)), bucket_(testing::UniqueBucket("exact")) {
    testing::CreateBucketWithAwsCli(RadosGw(), bucket_);
    dir_ = std::filesystem::temp_directory_path() /
           ("s3u-exact-" + std::to_string(::getpid()) + "-" + bucket_);
    std::filesystem::create_directories(dir_);
    std::vector<std::vector<std::optional<std::string>>> source;
    for (const SourceRow& row : rows_) source.push_back(row.cells);
    // Out of key order, and one row of the day before, which no engine may write.
    std::swap(source.front(), source.back());
    source.push_back({"8", Yesterday(1) + "T12:00:00", "8", "8.8", "8e8", "old", std::nullopt});
    json config = testing::StandardEmulatorConfig(RadosGw().endpoint);
    config["datasets"].push_back({{"id", kDatasetId},
                                  {"name", "exact values"},
                                  {"owner", StandardDomo::kOwnerUserId},
                                  {"schema", kSchema},
                                  {"csv", ImportCsv(source)}});
    emulator_ = std::make_unique<testing::EmulatorProcess>(config);
  }
  ~ExactValuesIntegrationTest() override { std::filesystem::remove_all(dir_); }

  // Runs `s3unload run` with the job's [details] extra lines and sections; returns the key
  // of the one object written (relative to the bucket), "" on failure.
  std::string RunJob(const std::string& name, const std::string& details,
                     const std::string& sections) {
    const std::string path = (dir_ / (name + ".toml")).string();
    std::ofstream(path, std::ios::binary)
        << "name = \"" << name << "\"\n[credentials]\ndomo_client_id = \""
        << StandardDomo::kOwnerClientId << "\"\ndomo_api_url = \"" << emulator_->url()
        << "\"\nbucket = \"" << bucket_ << "\"\nendpoint_url = \"" << RadosGw().endpoint
        << "\"\nregion = \"us-east-1\"\naws_access_key_id = \"" << RadosGw().owner.access_key_id
        << "\"\naws_secret_access_key = \"" << RadosGw().owner.secret_access_key
        << "\"\n[details]\ninput_dataset = \"" << kDatasetId
        << "\"\nprimary_key = [\"id\"]\ndate_column = \"t\"\nspecific_day = 1\n"
        << details << "\n"
        << sections;
    const CommandResult r =
        testing::RunCommand({S3UNLOAD_BINARY, "run", "--config", path, "--no-progress", "--json"},
                            {{"DOMO_CLIENT_SECRET", StandardDomo::kOwnerClientSecret},
                             {"S3UNLOAD_STORE", (dir_ / "history.db").string()},
                             {"AWS_EC2_METADATA_DISABLED", "true"},
                             {"AWS_CONFIG_FILE", "/dev/null"},
                             {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const json out = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    if (r.exit_code != 0 || !out.is_object() || out["s3_uris"].size() != 1) {
      ADD_FAILURE() << r.out << r.err;
      return "";
    }
    EXPECT_EQ(out["rows"], rows_.size()) << r.out;
    return out["s3_uris"][0].get<std::string>().substr(("s3://" + bucket_ + "/").size());
  }
  // The object at `key`, read with the aws cli.
  std::string ReadBack(const std::string& key) const {
    auto body = testing::ReadBackWithAwsCli(RadosGw(), bucket_, key);
    EXPECT_TRUE(body.has_value()) << key;
    return body.value_or("");
  }

  std::string day_;
  std::vector<SourceRow> rows_;
  std::string bucket_;
  std::filesystem::path dir_;
  std::unique_ptr<testing::EmulatorProcess> emulator_;
};

TEST_F(ExactValuesIntegrationTest, DirectEngineCsvIsTheSourceTextForEveryType) {
  const std::string key =
      RunJob("direct-csv", "path = \"direct/out.csv\"", "[output]\ncompression = \"none\"\n");
  ASSERT_FALSE(key.empty());
  EXPECT_EQ(ReadBack(key), ExpectedCsv(rows_));
}

TEST_F(ExactValuesIntegrationTest, DirectEngineJsonLinesWritesNumbersVerbatim) {
  const std::string key = RunJob("direct-jsonl", "path = \"direct/out.jsonl\"",
                                 "[output]\nformat = \"jsonl\"\ncompression = \"none\"\n");
  ASSERT_FALSE(key.empty());
  std::string expected;
  for (const SourceRow& row : rows_) expected += row.jsonl + "\n";
  const std::string got = ReadBack(key);
  EXPECT_EQ(got, expected);
  // Every line is valid JSON.
  size_t start = 0;
  for (size_t end = got.find('\n'); end != std::string::npos; end = got.find('\n', start)) {
    EXPECT_TRUE(json::accept(got.substr(start, end - start))) << got.substr(start, end - start);
    start = end + 1;
  }
}

TEST_F(ExactValuesIntegrationTest, DomoExportEngineCsvIsTheSourceTextForEveryType) {
  const std::string key = RunJob("export-csv", "path = \"export/\"\nengine = \"domo-export\"", "");
  ASSERT_FALSE(key.empty());
  const CommandResult plain = testing::RunCommand({"gzip", "-dc"}, {}, ReadBack(key));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, ExpectedCsv(rows_));
}

}  // namespace
}  // namespace s3u
