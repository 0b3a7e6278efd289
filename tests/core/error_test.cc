#include "core/error.h"

#include <gtest/gtest.h>

namespace s3u {
namespace {

TEST(ErrorTest, ToStringPrefixesSubject) {
  Error e{ErrorCode::kInvalidArgument, "--part-size", "must be at least 5MiB", 0, {}};
  EXPECT_EQ(e.ToString(), "--part-size: must be at least 5MiB");
}

TEST(ErrorTest, ToStringWithoutSubjectIsTheMessage) {
  Error e{ErrorCode::kInternal, "", "boom", 0, {}};
  EXPECT_EQ(e.ToString(), "boom");
}

TEST(ErrorTest, FailBuildsUnexpectedResult) {
  Result<int> r = Fail(ErrorCode::kNotFound, "s3://b/k", "no such key", 404);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().http_status, 404);
  EXPECT_EQ(r.error().subject, "s3://b/k");
}

TEST(ErrorTest, ExitCodesGroupWhatScriptsCanActOn) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInvalidArgument), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUnauthenticated), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kPermissionDenied), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kNotFound), 4);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kFailedPrecondition), 5);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUnavailable), 6);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kResourceExhausted), 6);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kDataLoss), 7);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInternal), 1);
}

TEST(ErrorTest, CodeNamesAreDistinct) {
  EXPECT_EQ(CodeName(ErrorCode::kResourceExhausted), "resource_exhausted");
  EXPECT_NE(CodeName(ErrorCode::kUnavailable), CodeName(ErrorCode::kAborted));
}

}  // namespace
}  // namespace s3u
