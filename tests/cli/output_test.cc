#include "cli/output.h"

#include <gtest/gtest.h>

namespace s3u::cli {
namespace {

TEST(CombineProblemsTest, ListsEveryProblemWithItsField) {
  Error e = CombineProblems({{ErrorCode::kInvalidArgument, "--part-size", "too small", 0, {}},
                             {ErrorCode::kInvalidArgument, "--sse", "unknown", 0, {}}});
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message, "2 problems:\n  --part-size: too small\n  --sse: unknown");
}

TEST(CombineProblemsTest, SingleProblemIsKeptAsIs) {
  Error e = CombineProblems({{ErrorCode::kNotFound, "source", "missing", 0, {}}});
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.ToString(), "source: missing");
}

}  // namespace
}  // namespace s3u::cli
