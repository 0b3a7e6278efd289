// The transport flags shared by upload, check-s3 and check-domo: --retry-budget reads a
// duration, and --max-attempts is only a cap when given.
#include "cli/s3_options.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace s3u::cli {
namespace {

S3Flags Parse(std::vector<std::string> args) {
  CLI::App app;
  S3Flags flags;
  AddS3Flags(app, flags);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return flags;
}

TEST(S3FlagsTest, DefaultIsAFiveMinuteBudgetWithoutAnAttemptCap) {
  const S3Flags flags = Parse({});
  EXPECT_EQ(flags.retry_budget, std::chrono::minutes(5));
  EXPECT_FALSE(flags.max_attempts.has_value());
}

TEST(S3FlagsTest, RetryBudgetReadsDurationsAndMaxAttemptsCaps) {
  EXPECT_EQ(Parse({"--retry-budget", "90s"}).retry_budget, std::chrono::seconds(90));
  EXPECT_EQ(Parse({"--retry-budget", "1h"}).retry_budget, std::chrono::hours(1));
  EXPECT_EQ(Parse({"--retry-budget=2m30s"}).retry_budget, std::chrono::seconds(150));
  EXPECT_EQ(Parse({"--max-attempts", "3"}).max_attempts, 3);
}

TEST(S3FlagsTest, RetryBudgetThatIsNotADurationIsAUsageError) {
  for (const char* bad : {"soon", "0s", "-1m", "500ms"}) {
    try {
      Parse({"--retry-budget", bad});
      ADD_FAILURE() << bad << " was accepted";
    } catch (const CLI::ValidationError& e) {
      EXPECT_NE(std::string(e.what()).find("at least 1s"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace s3u::cli
