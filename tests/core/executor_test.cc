#include "core/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace s3u {
namespace {

TEST(InlineExecutorTest, RunsTaskBeforeSubmitReturns) {
  InlineExecutor executor;
  int ran = 0;
  executor.Submit([&] { ++ran; });
  EXPECT_EQ(ran, 1);
}

TEST(ThreadPoolTest, DestructorDrainsEveryQueuedTask) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < 100; ++i) pool.Submit([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(ThreadPoolTest, RunsTasksOnWorkerThreads) {
  std::atomic<bool> other_thread{false};
  const auto caller = std::this_thread::get_id();
  {
    ThreadPool pool(1);
    pool.Submit([&] { other_thread = std::this_thread::get_id() != caller; });
  }
  EXPECT_TRUE(other_thread.load());
}

}  // namespace
}  // namespace s3u
