// CheckDomoAccess against scripted Domo answers (a fake HttpClient under the real
// DomoClient), and the report's exact text and JSON. The CLI tests (domo_integration_tests
// CheckDomo*) run the same check against the emulator.
#include "domo/access_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "domo/client.h"
#include "support/fake_clock.h"

namespace s3u::domo {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kDataset = "08a061e2-12a2-4646-b4bc-20beddb403e3";
constexpr int64_t kOwner = 964382593;

// Answers by "METHOD path" (query dropped); unscripted routes answer 404. Records the routes.
class ScriptedDomo final : public http::HttpClient {
 public:
  std::map<std::string, http::Response> routes;
  std::vector<std::string> sent;

  Result<http::Response> Send(const http::Request& request) override {
    std::string path = request.url.substr(request.url.find('/', request.url.find("://") + 3));
    path = path.substr(0, path.find('?'));
    sent.push_back(request.method + " " + path);
    auto it = routes.find(sent.back());
    if (it == routes.end()) return http::Response{404, {}, R"({"message":"not found"})"};
    return it->second;
  }
};

http::Response Json(int status, std::string body) {
  return {status, {{"Content-Type", "application/json"}}, std::move(body)};
}

class DomoAccessCheckTest : public ::testing::Test {
 protected:
  DomoAccessCheckTest() {
    http_.routes["POST /oauth/token"] = Json(
        200, R"({"access_token":"opaque-token-1","customer":"acmecompany","expires_in":3599,)"
             R"("role":"Admin","scope":"data user","token_type":"bearer","userId":964382593})");
    http_.routes[std::string("GET /v1/datasets/") + kDataset] =
        Json(200, std::string(R"({"id":")") + kDataset +
                      R"(","name":"sales","rows":2,"columns":2,"schema":{"columns":[)"
                      R"({"type":"LONG","name":"id"},{"type":"DATETIME","name":"event_time"}]},)"
                      R"("owner":{"id":964382593,"name":"Ada Owner"}})");
  }
  Result<DomoAccessReport> Check(std::optional<std::string> dataset,
                                 std::optional<int64_t> writeback_owner = {}) {
    DomoOptions options;
    options.api_url = "https://api.domo.test";
    options.client_id = "client-id";
    options.client_secret = "client-secret-value";
    options.retry.max_attempts = 1;
    DomoClient client(options, http_, clock_, log_);
    return CheckDomoAccess(client, clock_, std::move(dataset), writeback_owner,
                           "https://api.domo.test", "client-id");
  }

  ScriptedDomo http_;
  // 2026-01-02T03:04:05Z
  testing::FakeClock clock_{
      std::chrono::system_clock::time_point(std::chrono::seconds(1767323045))};
  Logger log_{LogLevel::kOff};
};

TEST_F(DomoAccessCheckTest, WithoutADatasetOnlyTheTokenIsChecked) {
  auto r = Check(std::nullopt);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_THAT(http_.sent, ElementsAre("POST /oauth/token"));
  EXPECT_TRUE(r->ok());
  EXPECT_FALSE(r->dataset);
  EXPECT_EQ(r->token.user_id, kOwner);
  EXPECT_EQ(r->expires_in, std::chrono::seconds(3599));
  EXPECT_EQ(DomoAccessText(*r),
            "Domo at https://api.domo.test (client client-id)\n"
            "  token            user 964382593, customer acmecompany, role Admin, scopes "
            "'data user', expires 2026-01-02T04:04:04Z (in 59m 59s)\n"
            "verdict: ok: the credentials work (no dataset checked)");
  EXPECT_EQ(DomoAccessJson(*r).dump(),
            R"({"api_url":"https://api.domo.test","status":"ok","token":{"customer":)"
            R"("acmecompany","expires_at":"2026-01-02T04:04:04Z","expires_in_seconds":3599,)"
            R"("role":"Admin","scopes":["data","user"],"user_id":964382593}})");
}

TEST_F(DomoAccessCheckTest, OwnerIsAllowedWithTheSchemaAndTheTokensUser) {
  auto r = Check(kDataset);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->expires_in, std::chrono::seconds(3599));
  EXPECT_EQ(DomoAccessText(*r),
            "Domo at https://api.domo.test (client client-id)\n"
            "  token            user 964382593, customer acmecompany, role Admin, scopes "
            "'data user', expires 2026-01-02T04:04:04Z (in 59m 59s)\n"
            "  dataset          08a061e2-12a2-4646-b4bc-20beddb403e3 (sales): 2 rows, 2 columns, "
            "owner user 964382593 (Ada Owner)\n"
            "      #  column      type\n"
            "      1  id          LONG\n"
            "      2  event_time  DATETIME\n"
            "  writeback owner  user 964382593 (Ada Owner) (the token's user)\n"
            "  ownership        owner\n"
            "verdict: ok: user 964382593 may unload dataset 08a061e2-12a2-4646-b4bc-20beddb403e3");
  const auto j = DomoAccessJson(*r);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["dataset"].dump(),
            R"({"columns":2,"id":"08a061e2-12a2-4646-b4bc-20beddb403e3","name":"sales",)"
            R"("owner":{"id":964382593,"name":"Ada Owner"},"rows":2,"schema":[{"name":"id",)"
            R"("type":"LONG"},{"name":"event_time","type":"DATETIME"}]})");
  EXPECT_EQ(j["writeback_owner"].dump(), R"({"id":964382593,"name":"Ada Owner","source":"token"})");
  EXPECT_EQ(j["ownership"].dump(),
            R"({"allowed":true,"how":"owner","public_owner_only":false,"reason":""})");
}

TEST_F(DomoAccessCheckTest, StrangerIsRefusedWithTheReasonAsAFindingNotAnError) {
  // Neither the permissions list nor the user can be read: the public owner decides.
  auto r = Check(kDataset, 42);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE(r->ok());
  ASSERT_TRUE(r->dataset);
  EXPECT_TRUE(r->dataset->verdict.public_owner_only);
  const std::string text = DomoAccessText(*r);
  EXPECT_THAT(text, HasSubstr("\n  writeback owner  user 42\n"));
  EXPECT_THAT(text, HasSubstr("\nverdict: REFUSED: " + r->dataset->verdict.reason));
  EXPECT_THAT(text, Not(HasSubstr("ownership ")));
  const auto j = DomoAccessJson(*r);
  EXPECT_EQ(j["status"], "refused");
  EXPECT_EQ(j["writeback_owner"]["source"], "flag");
  EXPECT_EQ(j["ownership"]["reason"], r->dataset->verdict.reason);
}

TEST_F(DomoAccessCheckTest, MissingDatasetIsAnErrorNamingIt) {
  http_.routes.erase(std::string("GET /v1/datasets/") + kDataset);
  auto r = Check(kDataset);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(r.error().ToString(), HasSubstr(kDataset));
}

TEST_F(DomoAccessCheckTest, RejectedCredentialsEndTheCheckBeforeTheDataset) {
  http_.routes["POST /oauth/token"] = Json(401, R"({"error":"unauthorized"})");
  auto r = Check(kDataset);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(http_.sent, ElementsAre("POST /oauth/token"));
}

}  // namespace
}  // namespace s3u::domo
