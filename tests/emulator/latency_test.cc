#include "emulator/latency.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "emulator/config.h"
#include "support/fake_clock.h"

namespace s3u::emulator {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;

TEST(LatencyModelTest, NoneIsLoopbackWithoutCap) {
  auto model = LatencyPreset("none", "latency");
  ASSERT_TRUE(model) << model.error().ToString();
  EXPECT_EQ(model->first_byte, milliseconds(0));
  EXPECT_EQ(model->bytes_per_second, 0u);
  EXPECT_EQ(model->max_concurrent_queries, 0);
  EXPECT_FALSE(model->Active());
  EXPECT_TRUE(LatencyPreset("cloud", "latency")->Active());
}

TEST(LatencyModelTest, CloudPresetHasTheDocumentedValues) {
  auto model = ParseLatency(nlohmann::json("cloud"), "latency");
  ASSERT_TRUE(model) << model.error().ToString();
  EXPECT_EQ(model->preset, "cloud");
  EXPECT_EQ(model->first_byte, milliseconds(300));
  EXPECT_EQ(model->bytes_per_second, 20'000'000u);
  EXPECT_EQ(model->max_concurrent_queries, 16);
  EXPECT_EQ(model->retry_after_seconds, 1);
}

TEST(LatencyModelTest, ObjectOverridesItsPresetFieldByField) {
  auto model = ParseLatency(
      nlohmann::json{{"preset", "cloud"}, {"ttfb_ms", 20}, {"max_concurrent_queries", 2}},
      "latency");
  ASSERT_TRUE(model) << model.error().ToString();
  EXPECT_EQ(model->first_byte, milliseconds(20));
  EXPECT_EQ(model->bytes_per_second, 20'000'000u);  // kept from the preset
  EXPECT_EQ(model->max_concurrent_queries, 2);
  EXPECT_EQ(LatencyToJson(*model)["ttfb_ms"], 20);
}

TEST(LatencyModelTest, RefusesAnUnknownPresetNamingTheField) {
  auto model = ParseLatency(nlohmann::json{{"preset", "moon"}}, "latency");
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(model.error().subject, "latency.preset");
  EXPECT_NE(model.error().message.find("\"cloud\""), std::string::npos);
}

TEST(LatencyModelTest, RefusesUnknownKeysAndNegativeNumbers) {
  auto typo = ParseLatency(nlohmann::json{{"ttfb", 5}}, "latency");
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().subject, "latency.ttfb");
  auto negative = ParseLatency(nlohmann::json{{"bytes_per_second", -1}}, "latency");
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().subject, "latency.bytes_per_second");
  EXPECT_FALSE(ParseLatency(nlohmann::json(3), "latency"));
}

TEST(LatencyModelTest, ConfigTakesItAndDefaultsToNone) {
  const nlohmann::json base = {{"users", nlohmann::json::array()}};
  auto plain = ParseConfig(base, std::filesystem::path("."));
  ASSERT_TRUE(plain) << plain.error().ToString();
  EXPECT_EQ(plain->latency.preset, "none");
  nlohmann::json with = base;
  with["latency"] = "cloud";
  auto cloud = ParseConfig(with, std::filesystem::path("."));
  ASSERT_TRUE(cloud) << cloud.error().ToString();
  EXPECT_EQ(cloud->latency.max_concurrent_queries, 16);
  with["latency"] = "fast";
  auto bad = ParseConfig(with, std::filesystem::path("."));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().subject, "latency");
}

TEST(QueryGateTest, CapsEachTokenSeparately) {
  QueryGate gate(2);
  EXPECT_TRUE(gate.TryEnter("a"));
  EXPECT_TRUE(gate.TryEnter("a"));
  EXPECT_FALSE(gate.TryEnter("a"));  // the third query of token a: 429
  EXPECT_EQ(gate.InFlight("a"), 2);  // the refused one was not counted
  EXPECT_TRUE(gate.TryEnter("b"));
  gate.Leave("a");
  EXPECT_TRUE(gate.TryEnter("a"));
  EXPECT_EQ(gate.InFlight("a"), 2);
  EXPECT_EQ(gate.InFlight("b"), 1);
}

TEST(QueryGateTest, ZeroMeansNoCap) {
  QueryGate gate(0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(gate.TryEnter("a"));
  EXPECT_EQ(gate.InFlight("a"), 100);
}

TEST(PacerTest, WaitsTheFirstByteThenPacesTheBodyAtTheRate) {
  FakeClock clock;
  LatencyModel model;
  model.first_byte = milliseconds(300);
  model.bytes_per_second = 1'000'000;
  Pacer pacer(model, clock);
  pacer.FirstByte();
  pacer.Sent(250'000);
  pacer.Sent(250'000);
  EXPECT_EQ(clock.Sleeps(),
            (std::vector<milliseconds>{milliseconds(300), milliseconds(250), milliseconds(250)}));
}

TEST(PacerTest, NoneNeverWaits) {
  FakeClock clock;
  Pacer pacer(LatencyModel{}, clock);
  pacer.FirstByte();
  pacer.Sent(100'000'000);
  EXPECT_TRUE(clock.Sleeps().empty());
}

TEST(PaceDelayTest, ASlowWriterIsNotPenalisedTwice) {
  // 1 MB at 1 MB/s is due at 1 s: nothing more to wait once 1.2 s have passed.
  EXPECT_EQ(PaceDelay(1'000'000, 1'000'000, milliseconds(1200)), milliseconds(0));
  EXPECT_EQ(PaceDelay(1'000'000, 1'000'000, milliseconds(400)), milliseconds(600));
  EXPECT_EQ(PaceDelay(0, 1'000'000, milliseconds(0)), milliseconds(0));
}

}  // namespace
}  // namespace s3u::emulator
