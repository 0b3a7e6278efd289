#include "emulator/latency.h"

#include <set>

namespace s3u::emulator {
namespace {

using nlohmann::json;

tl::unexpected<Error> Invalid(const std::string& subject, const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, subject, message);
}

Result<int64_t> NonNegative(const json& object, const char* key, const std::string& subject,
                            int64_t fallback) {
  if (!object.contains(key)) return fallback;
  const json& value = object[key];
  if (!value.is_number_integer() || value.get<int64_t>() < 0) {
    return Invalid(subject + "." + key, "must be an integer >= 0");
  }
  return value.get<int64_t>();
}

}  // namespace

Result<LatencyModel> LatencyPreset(std::string_view name, const std::string& subject) {
  LatencyModel model;
  model.preset = std::string(name);
  if (name == "none") return model;
  if (name == "cloud") {
    // docs/emulator.md "Latency model" explains the values.
    model.first_byte = std::chrono::milliseconds(300);
    model.bytes_per_second = 20'000'000;
    model.max_concurrent_queries = 16;
    model.retry_after_seconds = 1;
    return model;
  }
  return Invalid(subject, "unknown latency preset \"" + std::string(name) +
                              "\"; the presets are \"none\" and \"cloud\"");
}

Result<LatencyModel> ParseLatency(const json& value, const std::string& subject) {
  if (value.is_string()) return LatencyPreset(value.get<std::string>(), subject);
  if (!value.is_object()) {
    return Invalid(subject, "must be a preset name (\"none\", \"cloud\") or an object");
  }
  static const std::set<std::string> kKeys = {"preset", "ttfb_ms", "bytes_per_second",
                                              "max_concurrent_queries", "retry_after_seconds"};
  for (const auto& [key, item] : value.items()) {
    if (!kKeys.count(key)) {
      return Invalid(subject + "." + key,
                     "is not a latency key (preset, ttfb_ms, bytes_per_second, "
                     "max_concurrent_queries, retry_after_seconds)");
    }
  }
  std::string preset = "none";
  if (value.contains("preset")) {
    if (!value["preset"].is_string()) return Invalid(subject + ".preset", "must be a string");
    preset = value["preset"].get<std::string>();
  }
  auto model = LatencyPreset(preset, subject + ".preset");
  if (!model) return model;
  auto ttfb = NonNegative(value, "ttfb_ms", subject, model->first_byte.count());
  if (!ttfb) return Fail(ttfb.error());
  auto rate = NonNegative(value, "bytes_per_second", subject,
                          static_cast<int64_t>(model->bytes_per_second));
  if (!rate) return Fail(rate.error());
  auto cap = NonNegative(value, "max_concurrent_queries", subject, model->max_concurrent_queries);
  if (!cap) return Fail(cap.error());
  auto retry = NonNegative(value, "retry_after_seconds", subject, model->retry_after_seconds);
  if (!retry) return Fail(retry.error());
  if (*cap > 100000 || *retry > 3600) {
    return Invalid(subject,
                   "max_concurrent_queries must be at most 100000 and "
                   "retry_after_seconds at most 3600");
  }
  model->first_byte = std::chrono::milliseconds(*ttfb);
  model->bytes_per_second = static_cast<uint64_t>(*rate);
  model->max_concurrent_queries = static_cast<int>(*cap);
  model->retry_after_seconds = static_cast<int>(*retry);
  return model;
}

json LatencyToJson(const LatencyModel& model) {
  return {{"preset", model.preset},
          {"ttfb_ms", model.first_byte.count()},
          {"bytes_per_second", model.bytes_per_second},
          {"max_concurrent_queries", model.max_concurrent_queries},
          {"retry_after_seconds", model.retry_after_seconds}};
}

bool QueryGate::TryEnter(const std::string& token) {
  std::lock_guard lock(mu_);
  int& count = in_flight_[token];
  if (limit_ > 0 && count >= limit_) return false;
  ++count;
  return true;
}

void QueryGate::Leave(const std::string& token) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(token);
  if (it == in_flight_.end()) return;
  if (--it->second <= 0) in_flight_.erase(it);
}

int QueryGate::InFlight(const std::string& token) const {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(token);
  return it == in_flight_.end() ? 0 : it->second;
}

std::chrono::milliseconds PaceDelay(uint64_t bytes_per_second, uint64_t sent,
                                    std::chrono::milliseconds elapsed) {
  if (bytes_per_second == 0) return std::chrono::milliseconds(0);
  // When the last byte is due at the configured rate; never negative.
  const auto due = std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<long double>(sent) * 1000 / bytes_per_second));
  return due > elapsed ? due - elapsed : std::chrono::milliseconds(0);
}

void Pacer::FirstByte() {
  if (model_.first_byte.count() > 0) clock_.SleepFor(model_.first_byte);
  start_ = clock_.Monotonic();
}

void Pacer::Sent(uint64_t bytes) {
  sent_ += bytes;
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Monotonic() - start_);
  const auto wait = PaceDelay(model_.bytes_per_second, sent_, elapsed);
  if (wait.count() > 0) clock_.SleepFor(wait);
}

}  // namespace s3u::emulator
