#include "emulator/state.h"

#include <mutex>
#include <utility>

#include "emulator/auth.h"

namespace s3u::emulator {
namespace {

// Background threads: stream commits and Export-to-S3 jobs. Several, so one slow export does
// not hold up commits or other exports.
constexpr int kBackgroundThreads = 4;

}  // namespace

State::State(Config config, Logger& log)
    : model_(std::move(config), log),
      background_(std::make_unique<ThreadPool>(kBackgroundThreads)),
      tokens_(model_),
      datasets_(model_),
      streams_(model_, datasets_, *background_),
      identity_(model_),
      permissions_(model_),
      s3_exports_(model_, *background_, stopping_) {
  for (auto& dataset : model_.config.datasets) (void)datasets_.Put(std::move(dataset));
  model_.config.datasets.clear();  // the model owns the rows now
}

State::~State() {
  stopping_ = true;
  background_.reset();  // finishes queued work (exports see stopping_ and cancel), joins
}

std::string State::NewToe() {
  std::lock_guard lock(model_.mu);
  return emulator::NewToe(model_.rng);
}

}  // namespace s3u::emulator
