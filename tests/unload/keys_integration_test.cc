// `s3unload run` writes its object at exactly the key the path template renders (issue 13,
// item 2): dot segments, doubled slashes, reserved characters and both Unicode normalisation
// forms are kept, against the Domo emulator and radosgw; the aws cli lists the keys and boto3
// reads every object back (one process for all). A template holding a character no key may hold
// (CR, LF, NUL, a bidi override) is refused at validation, with exit code 2, before anything is
// read or written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/emulator.h"
#include "support/servers.h"

namespace s3u {
namespace {

using nlohmann::json;
using testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::RadosGw;
using testing::StandardDomo;

constexpr char kDay[] = "2026-10-05";  // a day of the standard "sales" fixture (100 rows)

class RunKeysTest : public ::testing::Test {
 protected:
  RunKeysTest()
      : bucket_(testing::UniqueBucket("runkeys")),
        dir_(std::filesystem::temp_directory_path() /
             ("s3u-runkeys-" + std::to_string(::getpid()) + "-" + bucket_)),
        emulator_(testing::StandardEmulatorConfig(RadosGw().endpoint)) {
    testing::CreateBucketWithAwsCli(RadosGw(), bucket_);
    std::filesystem::create_directories(dir_);
    job_ = (dir_ / "keys.toml").string();
    std::ofstream(job_, std::ios::binary)
        << "name = \"keys\"\n[credentials]\ndomo_client_id = \"" << StandardDomo::kOwnerClientId
        << "\"\ndomo_api_url = \"" << emulator_.url() << "\"\nbucket = \"" << bucket_
        << "\"\nendpoint_url = \"" << RadosGw().endpoint
        << "\"\nregion = \"us-east-1\"\naws_access_key_id = \"" << RadosGw().owner.access_key_id
        << "\"\naws_secret_access_key = \"" << RadosGw().owner.secret_access_key
        << "\"\n[details]\ninput_dataset = \"" << StandardDomo::kSalesDatasetId
        << "\"\npath = \"unused/\"\nprimary_key = [\"id\"]\ndate_column = \"day\"\nspecific_day = "
        << testing::SpecificDayFor(kDay) << "\n[output]\ncompression = \"none\"\n";
  }
  ~RunKeysTest() override { std::filesystem::remove_all(dir_); }

  // `s3unload run` of the job with details.path = `path`.
  CommandResult Run(const std::string& path) {
    return testing::RunCommand({S3UNLOAD_BINARY, "run", "--config", job_, "--no-progress", "--json",
                                "--set", "details.path=" + path},
                               {{"DOMO_CLIENT_SECRET", StandardDomo::kOwnerClientSecret},
                                {"S3UNLOAD_STORE", (dir_ / "history.db").string()},
                                {"AWS_EC2_METADATA_DISABLED", "true"},
                                {"AWS_CONFIG_FILE", "/dev/null"},
                                {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}});
  }

  std::multiset<std::string> ListedKeys() const {
    return testing::ListKeysWithAwsCli(RadosGw(), bucket_);
  }

  std::string bucket_;
  std::filesystem::path dir_;
  testing::EmulatorProcess emulator_;
  std::string job_;
};

TEST_F(RunKeysTest, EachRunWritesExactlyTheRenderedKey) {
  const std::string file = std::string(StandardDomo::kSalesDatasetId) + "_" + kDay + ".csv";
  // Template -> the key it must produce, byte for byte.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"reference/", "reference/" + file},
      {"orders/../x/", "orders/../x/" + file},
      {"./", "./" + file},
      {"../", "../" + file},
      {"a//b/", "a//b/" + file},
      {"100%2F/", "100%2F/" + file},
      {"q?a=1&b=2#f/", "q?a=1&b=2#f/" + file},
      {"p+ s~=&/", "p+ s~=&/" + file},
      {"caf\xC3\xA9/", "caf\xC3\xA9/" + file},    // NFC
      {"cafe\xCC\x81/", "cafe\xCC\x81/" + file},  // NFD: another key
      {"\xE6\x97\xA5\xE6\x9C\xAC/", "\xE6\x97\xA5\xE6\x9C\xAC/" + file},
      {"./{yyyy}//{mm}/./{dd}/../day", "./2026//10/./05/../day.csv"},
  };
  std::multiset<std::string> expected_keys;
  for (const auto& [path, key] : cases) {
    CommandResult r = Run(path);
    ASSERT_EQ(r.exit_code, 0) << "[" << path << "] " << r.out << r.err;
    const json out = json::parse(r.out);
    ASSERT_EQ(out["s3_uris"].size(), 1u) << out;
    EXPECT_EQ(out["s3_uris"][0], "s3://" + bucket_ + "/" + key) << out;
    expected_keys.insert(key);
  }
  EXPECT_EQ(ListedKeys(), expected_keys);
  // Every run unloaded the same day: every object holds the reference's bytes (all read back
  // by one boto3 process).
  std::vector<std::string> keys;
  for (const auto& [path, key] : cases) keys.push_back(key);
  const auto read = testing::ReadBackManyWithBoto3(RadosGw(), bucket_, keys);
  ASSERT_EQ(read.size(), keys.size());
  const auto& reference = read[0];
  ASSERT_TRUE(reference.has_value());
  EXPECT_THAT(*reference, HasSubstr("\n"));
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_TRUE(read[i] == reference) << keys[i];
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0);
}

// Issue 13, item 2: "a\r\nb/" ran and created a key holding CR LF; a NUL reached S3.
TEST_F(RunKeysTest, ATemplateWithACharacterNoKeyMayHoldIsRefusedWithExit2) {
  for (const auto& [path, named] : std::vector<std::pair<std::string, std::string>>{
           {"a\r\nb/", "U+000D (carriage return) at character 2"},
           {"out/\xE2\x80\xAE"
            "vsc/",
            "U+202E (right-to-left override) at character 5"},
           {"x\x7F/", "U+007F (delete) at character 2"},
           {"bad-\xC3/", "byte 0xC3 at character 5"}}) {
    CommandResult r = Run(path);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.out + r.err, HasSubstr("details.path")) << r.out << r.err;
    EXPECT_THAT(r.out + r.err, HasSubstr(named)) << r.out << r.err;
  }
  EXPECT_THAT(ListedKeys(), IsEmpty());
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0);
}

}  // namespace
}  // namespace s3u
