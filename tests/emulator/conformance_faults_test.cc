// The emulator's injected faults and admin routes (docs/emulator.md): status answers (429
// with Retry-After, 500, 503) per route and dataset, consumed `times`; a connection dropped
// after N bytes of an export; a slow export body; tokens expiring early; an Export-to-S3
// ending in error; faults from the config file; the request log; datasets added at run time.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "conformance_util.h"
#include "support/servers.h"

namespace s3u::emulator {
namespace {

using nlohmann::json;
using D = testing::StandardDomo;

class FaultsConformanceTest : public testing::EmulatorConformanceTest {
 protected:
  using EmulatorConformanceTest::EmulatorConformanceTest;

  testing::RawAnswer Get(const std::string& path) { return Call("GET", path); }
  void SetFaults(const json& faults) { emulator_.Admin("POST", "/__admin/faults", faults); }
  std::string ExportPath(const std::string& id = D::kSalesDatasetId) {
    return "/v1/datasets/" + id + "/data";
  }
};

TEST_F(FaultsConformanceTest, Status429CarriesRetryAfterAndIsConsumed) {
  SetFaults(json::array({{{"route", "datasets"},
                          {"action", "status"},
                          {"status", 429},
                          {"retry_after", 2},
                          {"times", 1}}}));
  auto throttled = Get("/v1/datasets");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.Header("Retry-After").value_or(""), "2");
  const json body = throttled.Json();
  EXPECT_EQ(body["statusReason"], "Too Many Requests");
  EXPECT_EQ(body["message"], "Rate limit exceeded");
  EXPECT_TRUE(std::regex_match(body["toe"].get<std::string>(),
                               std::regex("[A-Z0-9]{10}-[A-Z0-9]{5}-[A-Z0-9]{5}")));
  EXPECT_EQ(Get("/v1/datasets").status, 200);
  EXPECT_EQ(emulator_.Admin("GET", "/__admin/faults"), json::array());
}

TEST_F(FaultsConformanceTest, Status500And503AnswerUntilTimesRunOut) {
  SetFaults(
      json::array({{{"route", "dataset"}, {"action", "status"}, {"status", 503}, {"times", 2}}}));
  const std::string path = "/v1/datasets/" + std::string(D::kSalesDatasetId);
  EXPECT_EQ(Get(path).status, 503);
  EXPECT_EQ(Get(path).status, 503);
  EXPECT_EQ(Get(path).status, 200);
  SetFaults(json::array({{{"route", "dataset"}, {"action", "status"}, {"status", 500}}}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get(path).status, 500);  // no `times`: every time
}

TEST_F(FaultsConformanceTest, DatasetNarrowsTheFault) {
  SetFaults(json::array({{{"route", "export"},
                          {"dataset", D::kEventsDatasetId},
                          {"action", "status"},
                          {"status", 500}}}));
  EXPECT_EQ(Get(ExportPath()).status, 200);
  EXPECT_EQ(Get(ExportPath(D::kEventsDatasetId)).status, 500);
}

TEST_F(FaultsConformanceTest, RouteFamilyMatchesOnlyItsRoutes) {
  SetFaults(json::array({{{"route", "users"}, {"action", "status"}, {"status", 500}}}));
  EXPECT_EQ(Get("/v1/datasets").status, 200);
  EXPECT_EQ(Get("/v1/users").status, 500);
}

TEST_F(FaultsConformanceTest, WildcardRouteMatchesEverythingIncludingTheTokenEndpoint) {
  SetFaults(json::array({{{"route", "*"}, {"action", "status"}, {"status", 503}, {"times", 2}}}));
  EXPECT_EQ(Get("/v1/groups").status, 503);
  auto token = emulator_.Call(
      "GET", "/oauth/token?grant_type=client_credentials",
      {{"Authorization",
        "Basic " + testing::Base64(std::string(D::kOwnerClientId) + ":" + D::kOwnerClientSecret)}});
  EXPECT_EQ(token.status, 503);
  EXPECT_EQ(Get("/v1/groups").status, 200);
}

TEST_F(FaultsConformanceTest, DropAfterBytesTruncatesTheExport) {
  SetFaults(json::array(
      {{{"route", "export"}, {"action", "drop_after_bytes"}, {"bytes", 1000}, {"times", 1}}}));
  auto dropped = testing::RunCommand(
      {"curl", "-sS", "-H", "Authorization: bearer " + token_, emulator_.url() + ExportPath()});
  EXPECT_EQ(dropped.exit_code, 18) << dropped.err;  // CURLE_PARTIAL_FILE
  EXPECT_EQ(dropped.out.size(), 1000u);
  const std::string full = Get(ExportPath()).body;
  EXPECT_EQ(dropped.out, full.substr(0, 1000));
}

TEST_F(FaultsConformanceTest, DropAfterBytesOnASyntheticExport) {
  SetFaults(
      json::array({{{"route", "export"}, {"action", "drop_after_bytes"}, {"bytes", 200000}}}));
  auto dropped = testing::RunCommand({"curl", "-sS", "-H", "Authorization: bearer " + token_,
                                      emulator_.url() + ExportPath(D::kEventsDatasetId)});
  EXPECT_EQ(dropped.exit_code, 18) << dropped.err;
  EXPECT_EQ(dropped.out.size(), 200000u);
}

TEST_F(FaultsConformanceTest, SlowExportIsThrottledButComplete) {
  SetFaults(json::array(
      {{{"route", "export"}, {"action", "slow"}, {"bytes_per_second", 50000}, {"times", 1}}}));
  const auto start = std::chrono::steady_clock::now();
  auto slow = Get(ExportPath());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(slow.status, 200);
  EXPECT_EQ(slow.body, Get(ExportPath()).body);
  // 72 kB at 50 kB/s cannot arrive in under a second (a lower bound only: never flaky).
  EXPECT_GE(elapsed, std::chrono::seconds(1));
}

TEST_F(FaultsConformanceTest, ExpireTokensMakesEveryIssuedTokenExpired) {
  EXPECT_EQ(Get("/v1/datasets").status, 200);
  SetFaults(json::array({{{"route", "datasets"}, {"action", "expire_tokens"}, {"times", 1}}}));
  auto expired = Get("/v1/datasets");
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.Header("WWW-Authenticate").value_or("").find("Jwt expired at"),
            std::string::npos);
  EXPECT_EQ(Get("/v1/datasets").status, 401);  // the old token stays expired
  token_ = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret);
  EXPECT_EQ(Get("/v1/datasets").status, 200);  // a new one works
}

TEST_F(FaultsConformanceTest, ExportErrorEndsTheNextExportToS3InError) {
  SetFaults(json::array({{{"route", "s3export"},
                          {"action", "export_error"},
                          {"message", "Simulated warehouse outage"},
                          {"times", 1}}}));
  const std::string path = "/api/query/v1/export/" + std::string(D::kSalesDatasetId);
  auto started = Call("POST", path,
                      json{{"bucket", "some-bucket"},
                           {"awsAccessKey", "AKIAEXAMPLE"},
                           {"awsAccessSecret", "secret-example"}}
                          .dump());
  ASSERT_EQ(started.status, 200) << started.body;
  const std::string id = started.Json()["exportId"];
  json found = json::object();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline &&
         found.value("exportStatus", "") != "error") {
    for (const auto& e : Get(path).Json()) {
      if (e["exportId"] == id) found = e;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(found["exportStatus"], "error");
  EXPECT_EQ(found["errorCode"], "EXPORT_FAILED");
  EXPECT_EQ(found["message"], "Simulated warehouse outage");
}

TEST_F(FaultsConformanceTest, InvalidFaultIsRefusedNamingTheField) {
  auto answer =
      emulator_.Call("POST", "/__admin/faults", {{"Content-Type", "application/json"}},
                     json::array({{{"route", "datasets"}, {"action", "explode"}}}).dump());
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(answer.body.find("faults[0].action"), std::string::npos);
  auto no_rate = emulator_.Call("POST", "/__admin/faults", {{"Content-Type", "application/json"}},
                                json::array({{{"route", "export"}, {"action", "slow"}}}).dump());
  EXPECT_EQ(no_rate.status, 400);
}

TEST_F(FaultsConformanceTest, RequestLogRecordsMethodPathStatusAndRoute) {
  emulator_.Admin("DELETE", "/__admin/requests");
  Get("/v1/datasets");
  Get("/v1/users/1");
  const json log = emulator_.Admin("GET", "/__admin/requests");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(
      log[0],
      json({{"method", "GET"}, {"path", "/v1/datasets"}, {"status", 200}, {"route", "datasets"}}));
  EXPECT_EQ(log[1]["status"], 404);
  EXPECT_EQ(log[1]["route"], "users");
}

TEST_F(FaultsConformanceTest, AdminAddsADatasetAtRunTime) {
  emulator_.Admin("POST", "/__admin/datasets",
                  {{"id", "11111111-2222-4333-8444-555555555555"},
                   {"name", "inline"},
                   {"owner", D::kOwnerUserId},
                   {"schema", {{{"name", "id"}, {"type", "LONG"}}}},
                   {"csv", "1\n2\n"}});
  EXPECT_EQ(Get("/v1/datasets/11111111-2222-4333-8444-555555555555/data").body, "1\n2\n");
  auto bad = emulator_.Call("POST", "/__admin/datasets", {{"Content-Type", "application/json"}},
                            json{{"id", "x"}, {"owner", 1}, {"schema", json::array()}}.dump());
  EXPECT_EQ(bad.status, 400);
}

TEST_F(FaultsConformanceTest, ClockAdvanceRefusesNegativeSteps) {
  auto answer = emulator_.Call("POST", "/__admin/clock", {{"Content-Type", "application/json"}},
                               json{{"advance_seconds", -5}}.dump());
  EXPECT_EQ(answer.status, 400);
}

TEST_F(FaultsConformanceTest, UnknownRouteIsCanonical404) {
  auto answer = Get("/v1/pages");
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.Json()["statusReason"], "Not Found");
}

class ConfigFaultsTest : public FaultsConformanceTest {
 protected:
  ConfigFaultsTest()
      : FaultsConformanceTest(testing::StandardConfigWith(
            "faults",
            json::array(
                {{{"route", "groups"}, {"action", "status"}, {"status", 503}, {"times", 1}}}))) {}
};

TEST_F(ConfigFaultsTest, FaultsFromTheConfigFileApplyFromTheStart) {
  EXPECT_EQ(Get("/v1/groups").status, 503);
  EXPECT_EQ(Get("/v1/groups").status, 200);
}

TEST(EmulatorStartupTest, InvalidConfigExitsWithTheFieldNamed) {
  auto result = testing::RunShell(std::string("echo '{\"users\": [{\"id\": \"x\"}]}' > ") +
                                  "/tmp/s3u-bad-emulator.json && " + S3UNLOAD_EMULATOR +
                                  " --config /tmp/s3u-bad-emulator.json");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("users[0].id"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST(EmulatorStartupTest, WithoutConfigServesTheDemoClient) {
  // Started by hand (the fixture always passes --config); polls for the URL line, bounded.
  auto result = testing::RunShell(
      std::string("out=$(mktemp); ") + S3UNLOAD_EMULATOR +
      " --port 0 > \"$out\" 2>/dev/null & pid=$!; "
      "for i in $(seq 200); do [ -s \"$out\" ] && break; sleep 0.05; done; "
      "curl -s -u demo-client:demo-secret \"$(head -1 \"$out\")/oauth/token?grant_type="
      "client_credentials\"; kill $pid; wait $pid; rm -f \"$out\"");
  EXPECT_NE(result.out.find("\"access_token\""), std::string::npos) << result.out << result.err;
  EXPECT_NE(result.out.find("\"scope\":\"data user\""), std::string::npos) << result.out;
}

}  // namespace
}  // namespace s3u::emulator
