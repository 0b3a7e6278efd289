// Where concurrent work runs. Code that fans out (part uploads) takes an Executor, so tests
// can run it inline and deterministically (InlineExecutor) and the product on threads
// (ThreadPool).
//
// Thread-safety: Submit may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace s3u {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `task` at some point, possibly before Submit returns. Tasks must not throw.
  virtual void Submit(std::function<void()> task) = 0;
};

// Runs every task immediately on the caller's thread: the synchronous test mode.
class InlineExecutor final : public Executor {
 public:
  void Submit(std::function<void()> task) override { task(); }
};

// A fixed set of worker threads draining one queue. The destructor finishes queued tasks,
// then joins. Callers bound the queue themselves (the uploader admits a part only when a
// slot is free), so the queue never holds more than the caller allows.
class ThreadPool final : public Executor {
 public:
  // Throws std::system_error when a thread cannot be started (those started are ended first).
  explicit ThreadPool(int threads);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Submit(std::function<void()> task) override;

 private:
  void Loop();
  void Stop();  // finishes the queue, joins

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace s3u
