#include "unload/query_permits.h"

#include <gtest/gtest.h>

namespace s3u::unload {
namespace {

TEST(QueryPermitsTest, AThrottleSeenAtReleaseShrinksTheLimitByOne) {
  QueryPermits permits(4, /*throttles=*/7);  // earlier throttles (the row count's) do not count
  permits.Acquire();
  permits.Acquire();
  EXPECT_EQ(permits.in_flight(), 2);
  permits.Release(7);
  EXPECT_EQ(permits.limit(), 4);
  permits.Release(9);  // two 429s since the last look: one step down per look
  EXPECT_EQ(permits.limit(), 3);
  EXPECT_EQ(permits.in_flight(), 0);
  permits.Acquire();
  permits.Release(9);  // nothing new
  EXPECT_EQ(permits.limit(), 3);
}

TEST(QueryPermitsTest, NeverShrinksBelowOne) {
  QueryPermits permits(2, 0);
  for (uint64_t throttles = 1; throttles <= 5; ++throttles) {
    permits.Acquire();
    permits.Release(throttles);
  }
  EXPECT_EQ(permits.limit(), 1);
  permits.Acquire();  // one query is still allowed: the run goes on
  EXPECT_EQ(permits.in_flight(), 1);
  permits.Release(5);
}

}  // namespace
}  // namespace s3u::unload
