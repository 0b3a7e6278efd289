#include "http/retry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_clock.h"

namespace s3u::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Error MakeError(ErrorCode code, std::optional<milliseconds> retry_after = std::nullopt) {
  return Error{code, "PUT /b/k", "boom", 0, retry_after};
}

// Policy with round numbers so expected delays are easy to read.
RetryPolicy TestPolicy() {
  RetryPolicy p;
  p.max_attempts = 5;
  p.base_delay = milliseconds(100);
  p.throttle_base_delay = milliseconds(1000);
  p.max_delay = milliseconds(1000);
  return p;
}

TEST(ClassifyForRetryTest, MapsCodesToClasses) {
  EXPECT_EQ(ClassifyForRetry(ErrorCode::kUnavailable), RetryClass::kTransient);
  EXPECT_EQ(ClassifyForRetry(ErrorCode::kDataLoss), RetryClass::kTransient);
  EXPECT_EQ(ClassifyForRetry(ErrorCode::kResourceExhausted), RetryClass::kThrottled);
  EXPECT_EQ(ClassifyForRetry(ErrorCode::kUnauthenticated), RetryClass::kRefreshCredentials);
}

TEST(ClassifyForRetryTest, EverythingElseIsFatal) {
  for (ErrorCode code : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound,
                         ErrorCode::kPermissionDenied, ErrorCode::kFailedPrecondition,
                         ErrorCode::kAborted, ErrorCode::kCancelled, ErrorCode::kInternal}) {
    EXPECT_EQ(ClassifyForRetry(code), RetryClass::kFatal) << CodeName(code);
  }
}

TEST(DecideRetryTest, RandomZeroGivesNoDelay) {
  RetryDecision d = DecideRetry(TestPolicy(), MakeError(ErrorCode::kUnavailable), 3, 0.0);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, milliseconds(0));
}

TEST(DecideRetryTest, RandomNearOneGivesNearlyTheWholeWindow) {
  RetryDecision d = DecideRetry(TestPolicy(), MakeError(ErrorCode::kUnavailable), 3, 0.999);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, milliseconds(399));  // window 100 * 2^2 = 400
}

TEST(DecideRetryTest, WindowDoublesPerAttempt) {
  RetryPolicy p = TestPolicy();
  p.max_delay = milliseconds(100000);
  const Error e = MakeError(ErrorCode::kUnavailable);
  EXPECT_EQ(DecideRetry(p, e, 1, 0.5).delay, milliseconds(50));
  EXPECT_EQ(DecideRetry(p, e, 2, 0.5).delay, milliseconds(100));
  EXPECT_EQ(DecideRetry(p, e, 3, 0.5).delay, milliseconds(200));
  EXPECT_EQ(DecideRetry(p, e, 4, 0.5).delay, milliseconds(400));
}

TEST(DecideRetryTest, WindowIsCappedAtMaxDelay) {
  RetryPolicy p = TestPolicy();
  p.max_attempts = 100;
  const Error e = MakeError(ErrorCode::kUnavailable);
  EXPECT_EQ(DecideRetry(p, e, 10, 0.5).delay, milliseconds(500));
  EXPECT_EQ(DecideRetry(p, e, 99, 0.999).delay, milliseconds(999));  // no overflow
}

TEST(DecideRetryTest, RandomOutsideUnitIntervalIsClamped) {
  const Error e = MakeError(ErrorCode::kUnavailable);
  EXPECT_EQ(DecideRetry(TestPolicy(), e, 1, -3.0).delay, milliseconds(0));
  EXPECT_LT(DecideRetry(TestPolicy(), e, 1, 7.0).delay, milliseconds(100));
}

TEST(DecideRetryTest, ThrottlingUsesTheLargerBase) {
  RetryPolicy p = TestPolicy();
  p.max_delay = milliseconds(100000);
  EXPECT_EQ(DecideRetry(p, MakeError(ErrorCode::kResourceExhausted), 2, 0.5).delay,
            milliseconds(1000));
  EXPECT_EQ(DecideRetry(p, MakeError(ErrorCode::kUnavailable), 2, 0.5).delay, milliseconds(100));
}

TEST(DecideRetryTest, RetryAfterRaisesTheDelayAboveMaxDelay) {
  RetryDecision d =
      DecideRetry(TestPolicy(), MakeError(ErrorCode::kResourceExhausted, seconds(30)), 1, 0.5);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, seconds(30));
}

TEST(DecideRetryTest, RetryAfterShorterThanJitterKeepsTheJitter) {
  RetryPolicy p = TestPolicy();
  RetryDecision d = DecideRetry(p, MakeError(ErrorCode::kUnavailable, milliseconds(10)), 3, 0.5);
  EXPECT_EQ(d.delay, milliseconds(200));
}

TEST(DecideRetryTest, RetryAfterAboveFiveMinutesIsClamped) {
  RetryDecision d =
      DecideRetry(TestPolicy(), MakeError(ErrorCode::kUnavailable, std::chrono::hours(2)), 1, 0.1);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, std::chrono::minutes(5));
}

TEST(DecideRetryTest, StopsAtTheAttemptCap) {
  const Error e = MakeError(ErrorCode::kUnavailable);
  EXPECT_TRUE(DecideRetry(TestPolicy(), e, 4, 0.5).retry);
  EXPECT_FALSE(DecideRetry(TestPolicy(), e, 5, 0.5).retry);
  EXPECT_FALSE(DecideRetry(TestPolicy(), e, 6, 0.5).retry);
}

TEST(DecideRetryTest, FatalCodesAreNeverRetriedEvenWithRetryAfter) {
  for (ErrorCode code : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound,
                         ErrorCode::kPermissionDenied, ErrorCode::kFailedPrecondition,
                         ErrorCode::kAborted, ErrorCode::kCancelled, ErrorCode::kInternal}) {
    RetryDecision d = DecideRetry(TestPolicy(), MakeError(code, seconds(1)), 1, 0.5);
    EXPECT_FALSE(d.retry) << CodeName(code);
    EXPECT_EQ(d.delay, milliseconds(0)) << CodeName(code);
  }
}

TEST(DecideRetryTest, UnauthenticatedIsLeftToTheCaller) {
  EXPECT_FALSE(DecideRetry(TestPolicy(), MakeError(ErrorCode::kUnauthenticated), 1, 0.5).retry);
}

TEST(DecideRetryTest, SingleAttemptPolicyNeverRetries) {
  RetryPolicy p = TestPolicy();
  p.max_attempts = 1;
  EXPECT_FALSE(DecideRetry(p, MakeError(ErrorCode::kUnavailable), 1, 0.5).retry);
}

class ParseRetryAfterTest : public ::testing::Test {
 protected:
  // Wed, 21 Oct 2015 07:28:00 GMT
  const std::chrono::system_clock::time_point now_ =
      std::chrono::sys_days(std::chrono::year(2015) / 10 / 21) + std::chrono::hours(7) +
      std::chrono::minutes(28);
};

TEST_F(ParseRetryAfterTest, DeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("120", now_), milliseconds(120000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now_), milliseconds(0));
}

TEST_F(ParseRetryAfterTest, HttpDateRelativeToNow) {
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now_), seconds(30));
  EXPECT_EQ(ParseRetryAfter("Thu, 22 Oct 2015 07:28:00 GMT", now_), std::chrono::hours(24));
}

TEST_F(ParseRetryAfterTest, HttpDateInThePastMeansNow) {
  EXPECT_EQ(ParseRetryAfter("Tue, 20 Oct 2015 07:28:00 GMT", now_), milliseconds(0));
}

TEST_F(ParseRetryAfterTest, HugeDeltaSaturatesInsteadOfOverflowing) {
  auto d = ParseRetryAfter("99999999999999999999999", now_);
  ASSERT_TRUE(d.has_value());
  EXPECT_GT(*d, std::chrono::hours(24 * 365));
}

TEST_F(ParseRetryAfterTest, RejectsGarbage) {
  for (std::string_view bad :
       {"", "  ", "-5", "1.5", "12s", "soon", "Wed, 21 Oct 2015 07:28:30 UTC",
        "Wed, 21 Foo 2015 07:28:30 GMT", "Wed, 31 Feb 2015 07:28:30 GMT",
        "Wed, 21 Oct 2015 25:28:30 GMT", "Wednesday, 21-Oct-15 07:28:30 GMT"}) {
    EXPECT_FALSE(ParseRetryAfter(bad, now_).has_value()) << bad;
  }
}

TEST(MakeRandomTest, SameSeedSameSequenceWithinUnitInterval) {
  auto a = MakeRandom(42);
  auto b = MakeRandom(42);
  for (int i = 0; i < 1000; ++i) {
    const double x = a();
    EXPECT_EQ(x, b());
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
  }
}

class RunWithRetryTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  RetryPolicy policy_ = TestPolicy();
  std::function<double()> half_ = [] { return 0.5; };
};

TEST_F(RunWithRetryTest, SuccessOnThirdAttemptReturnsTheValue) {
  std::vector<int> seen;
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, [&](int n) -> Result<int> {
    seen.push_back(n);
    if (n < 3) return Fail(ErrorCode::kUnavailable, "GET /b/k", "reset");
    return 42;
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(clock_.Sleeps(), (std::vector<milliseconds>{milliseconds(50), milliseconds(100)}));
}

TEST_F(RunWithRetryTest, FirstSuccessNeitherSleepsNorRetries) {
  int calls = 0;
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, [&](int) -> Result<int> {
    ++calls;
    return 1;
  });
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock_.Sleeps().empty());
}

TEST_F(RunWithRetryTest, GivesUpAtTheCapWithTheLastErrorAnnotated) {
  int calls = 0;
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, [&](int n) -> Result<int> {
    ++calls;
    return Fail(ErrorCode::kUnavailable, "GET /b/k", "reset #" + std::to_string(n), 503);
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_EQ(r.error().subject, "GET /b/k");
  EXPECT_EQ(r.error().message, "reset #5 (after 5 attempts)");
  EXPECT_EQ(clock_.Sleeps(), (std::vector<milliseconds>{milliseconds(50), milliseconds(100),
                                                        milliseconds(200), milliseconds(400)}));
}

TEST_F(RunWithRetryTest, FatalErrorStopsAtOnceWithoutAnnotation) {
  int calls = 0;
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, [&](int) -> Result<int> {
    ++calls;
    return Fail(ErrorCode::kPermissionDenied, "PUT /b/k", "AccessDenied", 403);
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.error().message, "AccessDenied");
  EXPECT_TRUE(clock_.Sleeps().empty());
}

TEST_F(RunWithRetryTest, FatalErrorAfterRetriesIsAnnotatedWithTheAttemptCount) {
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, [&](int n) -> Result<int> {
    if (n == 1) return Fail(ErrorCode::kUnavailable, "PUT /b/k", "reset");
    return Fail(ErrorCode::kNotFound, "PUT /b/k", "NoSuchUpload", 404);
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message, "NoSuchUpload (after 2 attempts)");
  EXPECT_EQ(clock_.Sleeps().size(), 1u);
}

TEST_F(RunWithRetryTest, UnauthenticatedIsReturnedForTheCallerToRefresh) {
  int calls = 0;
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, [&](int) -> Result<int> {
    ++calls;
    return Fail(ErrorCode::kUnauthenticated, "GET /b/k", "ExpiredToken", 400);
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(calls, 1);
}

TEST_F(RunWithRetryTest, ThrottledAttemptsSleepForTheServersRetryAfter) {
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, [&](int n) -> Result<int> {
    if (n == 1) {
      Error e{ErrorCode::kResourceExhausted, "PUT /b/k", "SlowDown", 503, seconds(7)};
      return Fail(std::move(e));
    }
    return 7;
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(clock_.Sleeps(), (std::vector<milliseconds>{seconds(7)}));
}

TEST_F(RunWithRetryTest, WorksForVoidResults) {
  int calls = 0;
  Result<void> r = RunWithRetry<void>(policy_, clock_, half_, [&](int n) -> Result<void> {
    ++calls;
    if (n == 1) return Fail(ErrorCode::kDataLoss, "PUT /b/k", "BadDigest");
    return {};
  });
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace s3u::http

namespace s3u::http {
namespace {

TEST(RunWithRetryObserverTest, IsToldOfEachRetryWithTheNextAttemptNumber) {
  testing::FakeClock clock;
  RetryPolicy policy;
  policy.max_attempts = 3;
  std::vector<int> next_attempts;
  std::vector<std::chrono::milliseconds> delays;
  auto result = RunWithRetry<int>(
      policy, clock, [] { return 0.5; },
      [](int) -> Result<int> { return Fail(ErrorCode::kUnavailable, "s3://b/k", "reset"); },
      [&](const Error& e, std::chrono::milliseconds d, int next) {
        EXPECT_EQ(e.message, "reset");
        next_attempts.push_back(next);
        delays.push_back(d);
      });
  ASSERT_FALSE(result);
  EXPECT_EQ(next_attempts, (std::vector<int>{2, 3}));
  EXPECT_EQ(delays, clock.Sleeps());
}

}  // namespace
}  // namespace s3u::http
