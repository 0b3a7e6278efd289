// Crash safety of `s3unload run`, end to end: the real binary is killed with SIGKILL at a named
// crash point (core/crash_point.h: S3UNLOAD_TEST_CRASH_AT), against the Domo emulator and
// radosgw; then the next start of the same job (`s3unload cleanup`, or the next `run`)
// recovers. After recovery, at every point: no object visible, no incomplete upload (both
// listed by the aws cli), one metrics row per run in the writeback dataset (the killed run's
// FAILED), the killed run FAILED in the history; and a re-run of the day writes the same
// objects, byte for byte, as a run that was never interrupted. docs/reliability.md lists the
// points and the results.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "unload/run_fixture.h"

namespace s3u {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace run_test;  // NOLINT: the shared fixture

// Split output (two or more 5 MiB objects, several parts each) with a manifest, so every step
// of the publish has a point between it and the next.
constexpr int kRows = 250000;
const std::string kOutput =
    "[output]\nmax_object_size = \"5MiB\"\nmanifest = true\ncompression = \"none\"\n"
    "[s3]\npart_size = \"5MiB\"\nconcurrency = 2\n";

struct CrashCase {
  std::string point;  // NAME or NAME:N
  std::string what;   // for docs/reliability.md
  // Killed after the publish: the objects are the run's result and stay; before it, nothing
  // of the run may stay visible.
  bool published = false;
  // Killed after its own (SUCCEEDED) metrics row was written: recovery adds none.
  bool metrics_written = false;
};

class CrashTest : public RunIntegrationTest, public ::testing::WithParamInterface<CrashCase> {
 protected:
  std::string JobFile() {
    return Job("input_dataset = \"" + std::string(kInputId) +
                   "\"\npath = \"crash/{date}\"\nprimary_key = [\"id\"]\nspecific_day = 1",
               kOutput);
  }
  // The objects in the bucket: each key with its size and a hash of its bytes. (Not the bytes:
  // on a mismatch gtest diffs strings line by line, quadratic in memory for megabytes of CSV.)
  // One recursive copy by the aws cli, not a call per key: each call costs a second.
  std::map<std::string, std::string> Objects() const {
    const std::filesystem::path into = dir_ / ("objects-" + std::to_string(++copies_));
    const CommandResult r = testing::AwsCli(
        RadosGw(), {"s3", "cp", "--recursive", "--quiet", "s3://" + bucket_, into.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::string> out;
    if (!std::filesystem::exists(into)) return out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(into)) {
      if (!entry.is_regular_file()) continue;
      const std::string bytes = testing::ReadWholeFile(entry.path().string());
      out[entry.path().lexically_relative(into).string()] =
          std::to_string(bytes.size()) + " bytes, hash " +
          std::to_string(std::hash<std::string>{}(bytes));
    }
    std::filesystem::remove_all(into);
    return out;
  }
  void Clear() const {
    const CommandResult r =
        testing::AwsCli(RadosGw(), {"s3", "rm", "--recursive", "--quiet", "s3://" + bucket_});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(Keys(), IsEmpty());
  }
  std::vector<std::pair<std::string, std::string>> CrashEnv(const std::string& point) const {
    auto env = Env(StandardDomo::kOwnerClientSecret);
    env.emplace_back("S3UNLOAD_TEST_CRASH_AT", point);
    return env;
  }

  mutable int copies_ = 0;
};

TEST_P(CrashTest, RecoveryLeavesNothingVisibleAndEveryRunInTheWritebackDataset) {
  const CrashCase& c = GetParam();
  StartEmulator({BigDataset(DaysAgo(1), DaysAgo(0), kRows)});
  const std::string job = JobFile();

  // The reference: the same day unloaded by a run nobody interrupts (its writeback dataset is
  // then the job's). Read in every case: the manifest's entries name the bucket, which is
  // each case's own.
  const json reference = RunJson(job, 0);
  ASSERT_EQ(reference["status"], "SUCCEEDED") << reference;
  ASSERT_GE(reference["s3_uris"].size(), 2u) << reference;
  const std::map<std::string, std::string> expected = Objects();
  const std::string writeback = reference["writeback_dataset_id"];
  Clear();

  // Killed at the point.
  const CommandResult killed = testing::RunCommand(
      {S3UNLOAD_BINARY, "run", "--config", job, "--no-progress", "--json"}, CrashEnv(c.point));
  ASSERT_EQ(killed.exit_code, 128 + 9) << "not killed at " << c.point << ":\n"
                                       << killed.out << killed.err;

  // Recovery by the next start of the job.
  const CommandResult cleanup =
      testing::RunCommand({S3UNLOAD_BINARY, "cleanup", "--config", job, "--json"},
                          Env(StandardDomo::kOwnerClientSecret));
  ASSERT_EQ(cleanup.exit_code, 0) << cleanup.out << cleanup.err;
  const json recovered = json::parse(cleanup.out);
  ASSERT_EQ(recovered.size(), 1u) << recovered;
  EXPECT_TRUE(recovered[0]["uploads_left"].empty()) << recovered;
  EXPECT_TRUE(recovered[0]["metrics_recorded"]) << recovered;
  const std::string killed_run = recovered[0]["run_id"];

  if (c.published) {
    EXPECT_EQ(Objects(), expected) << "a published run's objects changed by recovery";
  } else {
    EXPECT_THAT(Keys(), IsEmpty()) << "visible after recovery from " << c.point;
  }
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0)
      << "incomplete uploads after recovery from " << c.point;
  // A second cleanup has nothing left to do.
  const CommandResult again = testing::RunCommand({S3UNLOAD_BINARY, "cleanup", "--config", job},
                                                  Env(StandardDomo::kOwnerClientSecret));
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.out + again.err, HasSubstr("no interrupted run"));

  // The history says how the killed run ended.
  const CommandResult history = testing::RunCommand({S3UNLOAD_BINARY, "history", "--json"},
                                                    Env(StandardDomo::kOwnerClientSecret));
  bool found = false;
  for (const json& run : json::parse(history.out)) {
    if (run["run_id"] != killed_run) continue;
    found = true;
    EXPECT_EQ(run["status"], "FAILED");
    EXPECT_THAT(run["error"]["message"].get<std::string>(), HasSubstr("interrupted"));
  }
  EXPECT_TRUE(found) << history.out;

  // A re-run of the day writes what the uninterrupted run wrote.
  const json rerun = RunJson(job, 0);
  EXPECT_EQ(rerun["status"], "SUCCEEDED") << rerun;
  EXPECT_EQ(Objects(), expected) << "the re-run after " << c.point << " differs";
  EXPECT_EQ(testing::CountUploadsWithAwsCli(RadosGw(), bucket_), 0);

  // One metrics row per run: the reference, the killed run (FAILED), the re-run.
  std::map<std::string, std::string> statuses;
  for (const json& row : DatasetRows(writeback)) statuses[row["run_id"]] = row["status"];
  EXPECT_EQ(statuses.size(), 3u);
  EXPECT_EQ(statuses[reference["run_id"]], "SUCCEEDED");
  EXPECT_EQ(statuses[killed_run], c.metrics_written ? "SUCCEEDED" : "FAILED");
  EXPECT_EQ(statuses[rerun["run_id"]], "SUCCEEDED");
}

// Ten points, from before the first part to after the last object: each names a step the run
// has just done when it is killed.
INSTANTIATE_TEST_SUITE_P(
    Points, CrashTest,
    ::testing::Values(CrashCase{"page-written:1", "after the first page, before any upload"},
                      CrashCase{"upload-opened:1", "an upload journaled, before its first part"},
                      CrashCase{"part-uploaded:1", "after the first part"},
                      CrashCase{"part-uploaded:3", "mid-parts, in the second object"},
                      CrashCase{"page-written:8", "mid-read, parts of two objects uploaded"},
                      CrashCase{"object-completed:1", "between completions of split objects"},
                      CrashCase{"object-completed:2", "every object completed, no manifest"},
                      CrashCase{"before-manifest:1", "before the manifest"},
                      CrashCase{"before-metrics:1", "published, before the metrics row", true},
                      CrashCase{"before-history:1", "metrics row written, before the history", true,
                                true}),
    [](const ::testing::TestParamInfo<CrashCase>& info) {
      std::string name;
      for (char ch : info.param.point)
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

}  // namespace
}  // namespace s3u
