#include "http/retry.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "support/fake_clock.h"

namespace s3u::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr milliseconds kNoTime{0};  // elapsed: the first attempt has just failed

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
  RetryDecision d = DecideRetry(TestPolicy(), MakeError(ErrorCode::kUnavailable), 3, kNoTime, 0.0);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, milliseconds(0));
}

TEST(DecideRetryTest, RandomNearOneGivesNearlyTheWholeWindow) {
  RetryDecision d =
      DecideRetry(TestPolicy(), MakeError(ErrorCode::kUnavailable), 3, kNoTime, 0.999);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, milliseconds(399));  // window 100 * 2^2 = 400
}

TEST(DecideRetryTest, WindowDoublesPerAttempt) {
  RetryPolicy p = TestPolicy();
  p.max_delay = milliseconds(100000);
  const Error e = MakeError(ErrorCode::kUnavailable);
  EXPECT_EQ(DecideRetry(p, e, 1, kNoTime, 0.5).delay, milliseconds(50));
  EXPECT_EQ(DecideRetry(p, e, 2, kNoTime, 0.5).delay, milliseconds(100));
  EXPECT_EQ(DecideRetry(p, e, 3, kNoTime, 0.5).delay, milliseconds(200));
  EXPECT_EQ(DecideRetry(p, e, 4, kNoTime, 0.5).delay, milliseconds(400));
}

TEST(DecideRetryTest, WindowIsCappedAtMaxDelay) {
  RetryPolicy p = TestPolicy();
  p.max_attempts = 100;
  const Error e = MakeError(ErrorCode::kUnavailable);
  EXPECT_EQ(DecideRetry(p, e, 10, kNoTime, 0.5).delay, milliseconds(500));
  EXPECT_EQ(DecideRetry(p, e, 99, kNoTime, 0.999).delay, milliseconds(999));  // no overflow
}

TEST(DecideRetryTest, RandomOutsideUnitIntervalIsClamped) {
  const Error e = MakeError(ErrorCode::kUnavailable);
  EXPECT_EQ(DecideRetry(TestPolicy(), e, 1, kNoTime, -3.0).delay, milliseconds(0));
  EXPECT_LT(DecideRetry(TestPolicy(), e, 1, kNoTime, 7.0).delay, milliseconds(100));
}

TEST(DecideRetryTest, ThrottlingUsesTheLargerBase) {
  RetryPolicy p = TestPolicy();
  p.max_delay = milliseconds(100000);
  EXPECT_EQ(DecideRetry(p, MakeError(ErrorCode::kResourceExhausted), 2, kNoTime, 0.5).delay,
            milliseconds(1000));
  EXPECT_EQ(DecideRetry(p, MakeError(ErrorCode::kUnavailable), 2, kNoTime, 0.5).delay,
            milliseconds(100));
}

TEST(DecideRetryTest, RetryAfterRaisesTheDelayAboveMaxDelay) {
  RetryDecision d = DecideRetry(TestPolicy(), MakeError(ErrorCode::kResourceExhausted, seconds(30)),
                                1, kNoTime, 0.5);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, seconds(30));
}

TEST(DecideRetryTest, RetryAfterShorterThanJitterKeepsTheJitter) {
  RetryPolicy p = TestPolicy();
  RetryDecision d =
      DecideRetry(p, MakeError(ErrorCode::kUnavailable, milliseconds(10)), 3, kNoTime, 0.5);
  EXPECT_EQ(d.delay, milliseconds(200));
}

TEST(DecideRetryTest, RetryAfterIsCutToTheBudgetLeft) {
  RetryPolicy p = TestPolicy();  // budget: 5 minutes
  const Error e = MakeError(ErrorCode::kUnavailable, std::chrono::hours(2));
  EXPECT_EQ(DecideRetry(p, e, 1, kNoTime, 0.1).delay, minutes(5));
  EXPECT_EQ(DecideRetry(p, e, 1, minutes(4), 0.1).delay, minutes(1));
}

TEST(DecideRetryTest, RetryAfterOnA503IsHonoured) {
  // A 503 is kUnavailable (Domo) or kResourceExhausted (S3 SlowDown): either way it waits.
  for (ErrorCode code : {ErrorCode::kUnavailable, ErrorCode::kResourceExhausted}) {
    Error e{code, "GET /b/k", "Service Unavailable", 503, seconds(42)};
    RetryDecision d = DecideRetry(TestPolicy(), e, 1, kNoTime, 0.5);
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.delay, seconds(42)) << CodeName(code);
  }
}

TEST(DecideRetryTest, BudgetExhaustedExactlyStops) {
  RetryPolicy p = TestPolicy();
  p.max_attempts = 0;
  const Error e = MakeError(ErrorCode::kUnavailable);
  const RetryDecision last = DecideRetry(p, e, 30, p.budget - milliseconds(1), 0.999);
  EXPECT_TRUE(last.retry);
  EXPECT_EQ(last.delay, milliseconds(1));  // the pause ends where the budget does
  const RetryDecision spent = DecideRetry(p, e, 31, p.budget, 0.999);
  EXPECT_FALSE(spent.retry);
  EXPECT_EQ(spent.stop, RetryStop::kBudget);
  EXPECT_EQ(DecideRetry(p, e, 31, p.budget + seconds(30), 0.5).stop, RetryStop::kBudget);
}

TEST(DecideRetryTest, WithoutACapOnlyTheBudgetStops) {
  RetryPolicy p;  // the defaults
  EXPECT_EQ(p.max_attempts, 0);
  EXPECT_EQ(p.budget, minutes(5));
  const RetryDecision d = DecideRetry(p, MakeError(ErrorCode::kUnavailable), 1000, minutes(4), 0.5);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, seconds(10));  // half of the 20 s cap
}

TEST(DecideRetryTest, StopReasons) {
  RetryPolicy p = TestPolicy();
  EXPECT_EQ(DecideRetry(p, MakeError(ErrorCode::kNotFound), 1, kNoTime, 0.5).stop,
            RetryStop::kFatal);
  EXPECT_EQ(DecideRetry(p, MakeError(ErrorCode::kUnavailable), 5, kNoTime, 0.5).stop,
            RetryStop::kMaxAttempts);
  EXPECT_EQ(DecideRetry(p, MakeError(ErrorCode::kUnavailable), 1, kNoTime, 0.5).stop,
            RetryStop::kNone);
}

TEST(DecideRetryTest, StopsAtTheAttemptCap) {
  const Error e = MakeError(ErrorCode::kUnavailable);
  EXPECT_TRUE(DecideRetry(TestPolicy(), e, 4, kNoTime, 0.5).retry);
  EXPECT_FALSE(DecideRetry(TestPolicy(), e, 5, kNoTime, 0.5).retry);
  EXPECT_FALSE(DecideRetry(TestPolicy(), e, 6, kNoTime, 0.5).retry);
}

TEST(DecideRetryTest, FatalCodesAreNeverRetriedEvenWithRetryAfter) {
  for (ErrorCode code : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound,
                         ErrorCode::kPermissionDenied, ErrorCode::kFailedPrecondition,
                         ErrorCode::kAborted, ErrorCode::kCancelled, ErrorCode::kInternal}) {
    RetryDecision d = DecideRetry(TestPolicy(), MakeError(code, seconds(1)), 1, kNoTime, 0.5);
    EXPECT_FALSE(d.retry) << CodeName(code);
    EXPECT_EQ(d.delay, milliseconds(0)) << CodeName(code);
  }
}

TEST(DecideRetryTest, UnauthenticatedIsLeftToTheCaller) {
  EXPECT_FALSE(
      DecideRetry(TestPolicy(), MakeError(ErrorCode::kUnauthenticated), 1, kNoTime, 0.5).retry);
}

TEST(DecideRetryTest, SingleAttemptPolicyNeverRetries) {
  RetryPolicy p = TestPolicy();
  p.max_attempts = 1;
  EXPECT_FALSE(DecideRetry(p, MakeError(ErrorCode::kUnavailable), 1, kNoTime, 0.5).retry);
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

TEST(GiveUpMessageTest, SaysHowLongAndHowManyAttemptsWhenTheBudgetRanOut) {
  const Error unavailable{ErrorCode::kUnavailable, "s3://b/k part 3", "HTTP 500", 500, {}};
  EXPECT_EQ(GiveUpMessage("S3", unavailable, RetryStop::kBudget, 23, minutes(5)),
            "S3 stayed unavailable for 5m 0s (23 attempts): HTTP 500");
  const Error throttled{ErrorCode::kResourceExhausted, "dataset d", "429", 429, {}};
  EXPECT_EQ(GiveUpMessage("Domo", throttled, RetryStop::kBudget, 1, seconds(0)),
            "Domo kept throttling requests for 0ms (1 attempt): 429");
  EXPECT_EQ(GiveUpMessage("S3", unavailable, RetryStop::kMaxAttempts, 3, seconds(2)),
            "HTTP 500 (after 3 attempts)");
  EXPECT_EQ(GiveUpMessage("S3", unavailable, RetryStop::kFatal, 1, kNoTime), "HTTP 500");
}

class RunWithRetryTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  RetryPolicy policy_ = TestPolicy();
  std::function<double()> half_ = [] { return 0.5; };
};

TEST_F(RunWithRetryTest, SuccessOnThirdAttemptReturnsTheValue) {
  std::vector<int> seen;
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, "S3", [&](int n) -> Result<int> {
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
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, "S3", [&](int) -> Result<int> {
    ++calls;
    return 1;
  });
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock_.Sleeps().empty());
}

TEST_F(RunWithRetryTest, GivesUpAtTheCapWithTheLastErrorAnnotated) {
  int calls = 0;
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, "S3", [&](int n) -> Result<int> {
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
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, "S3", [&](int) -> Result<int> {
    ++calls;
    return Fail(ErrorCode::kPermissionDenied, "PUT /b/k", "AccessDenied", 403);
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.error().message, "AccessDenied");
  EXPECT_TRUE(clock_.Sleeps().empty());
}

TEST_F(RunWithRetryTest, FatalErrorAfterRetriesIsAnnotatedWithTheAttemptCount) {
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, "S3", [&](int n) -> Result<int> {
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
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, "S3", [&](int) -> Result<int> {
    ++calls;
    return Fail(ErrorCode::kUnauthenticated, "GET /b/k", "ExpiredToken", 400);
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(calls, 1);
}

TEST_F(RunWithRetryTest, ThrottledAttemptsSleepForTheServersRetryAfter) {
  Result<int> r = RunWithRetry<int>(policy_, clock_, half_, "S3", [&](int n) -> Result<int> {
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
  Result<void> r = RunWithRetry<void>(policy_, clock_, half_, "S3", [&](int n) -> Result<void> {
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
      policy, clock, [] { return 0.5; }, "S3",
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

namespace s3u::http {
namespace {

// An endpoint down until `up_at` on `clock`: every attempt before then fails.
std::function<Result<int>(int)> DownUntil(testing::FakeClock& clock,
                                          std::chrono::steady_clock::time_point up_at) {
  return [&clock, up_at](int) -> Result<int> {
    if (clock.Monotonic() < up_at) {
      return Fail(ErrorCode::kUnavailable, "s3://b/k part 2", "HTTP 503 Service Unavailable", 503);
    }
    return 7;
  };
}

TEST(RunWithRetryBudgetTest, SixtySecondOutageIsSurvivedWithTheDefaults) {
  testing::FakeClock clock;
  auto random = MakeRandom(1);
  const auto up_at = clock.Monotonic() + seconds(60);
  int retries = 0;
  Result<int> r = RunWithRetry<int>(RetryPolicy{}, clock, random, "S3", DownUntil(clock, up_at),
                                    [&](const Error&, milliseconds, int) { ++retries; });
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_GE(clock.Monotonic(), up_at);
  EXPECT_GT(retries, 4);  // more than the old five attempts allowed
  for (auto pause : clock.Sleeps()) EXPECT_LE(pause, seconds(20));
}

TEST(RunWithRetryBudgetTest, TenMinuteOutageFailsWhenTheBudgetIsSpentExactly) {
  testing::FakeClock clock;
  auto random = MakeRandom(2);
  const auto start = clock.Monotonic();
  int attempts = 0;
  auto down = DownUntil(clock, start + minutes(10));
  Result<int> r = RunWithRetry<int>(RetryPolicy{}, clock, random, "S3", [&](int n) {
    attempts = n;
    return down(n);
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().subject, "s3://b/k part 2");
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_EQ(r.error().message, "S3 stayed unavailable for 5m 0s (" + std::to_string(attempts) +
                                   " attempts): HTTP 503 Service Unavailable");
  EXPECT_EQ(clock.Monotonic() - start, minutes(5));
}

TEST(RunWithRetryBudgetTest, TimeSpentInsideAttemptsCountsAgainstTheBudget) {
  // Stalled attempts (each a 40 s timeout) use the budget up without any pause.
  testing::FakeClock clock;
  RetryPolicy policy;
  policy.budget = minutes(2);
  int attempts = 0;
  Result<int> r = RunWithRetry<int>(
      policy, clock, [] { return 0.0; }, "Domo",
      [&](int n) {
        attempts = n;
        clock.Advance(seconds(40));
        return Result<int>(Fail(ErrorCode::kUnavailable, "dataset d", "stalled"));
      });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(attempts, 3);  // started at 0 s, 40 s and 80 s; none at 120 s
  EXPECT_EQ(r.error().message, "Domo stayed unavailable for 2m 0s (3 attempts): stalled");
}

TEST(RetryCounterTest, CountsRetriesAndThrottlesFromSeveralThreads) {
  RetryCounter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < 1000; ++i) {
        counter.Record(
            MakeError(i % 4 == 0 ? ErrorCode::kResourceExhausted : ErrorCode::kUnavailable));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.Get().retries, 4000u);
  EXPECT_EQ(counter.Get().throttles, 1000u);
}

}  // namespace
}  // namespace s3u::http
