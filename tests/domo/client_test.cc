// DomoClient's own logic (token cache, refresh, retries, streaming, paging, polling) against
// a scripted HttpClient, so each behaviour is pinned without a server. The emulator tests
// (domo_integration_tests) cover the same calls over real HTTP.
#include "domo/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "domo/paging.h"
#include "support/fake_clock.h"
#include "support/scripted_http.h"

namespace s3u::domo {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = "client-secret-value-1234";
constexpr const char* kDataset = "08a061e2-12a2-4646-b4bc-20beddb403e3";

using testing::Answer;
using testing::ScriptedHttp;

Error Reset() { return Error{ErrorCode::kUnavailable, "GET", "connection reset", 0, {}}; }

std::string TokenBody(const std::string& token, int expires_in = 3599) {
  return R"({"access_token":")" + token + R"(","customer":"acmecompany","expires_in":)" +
         std::to_string(expires_in) +
         R"(,"role":"Admin","scope":"data user","token_type":"bearer","userId":964382593})";
}

std::string DatasetBody() {
  return std::string(R"({"id":")") + kDataset +
         R"(","name":"sales","rows":2,"columns":1,"schema":{"columns":[{"type":"LONG",)"
         R"("name":"id"}]},"owner":{"id":964382593,"name":"Ada Owner"}})";
}

class DomoClientTest : public ::testing::Test {
 protected:
  DomoClientTest()
      : log_(LogLevel::kDebug, [this](LogLevel, std::string_view line) {
          std::lock_guard lock(log_mu_);
          log_lines_ += std::string(line) + "\n";
        }) {
    http_.On("POST /oauth/token", {{200, TokenBody("token-one")}, {200, TokenBody("token-two")}});
    http_.On("GET /v1/datasets/" + std::string(kDataset), {{200, DatasetBody()}});
  }
  DomoOptions Options() {
    DomoOptions o;
    o.api_url = "https://api.domo.test";
    o.client_id = "client-id";
    o.client_secret = kSecret;
    o.retry = retry_;
    return o;
  }
  DomoClient& Client() {
    if (!client_) client_ = std::make_unique<DomoClient>(Options(), http_, clock_, log_);
    return *client_;
  }
  int TokenRequests() const { return static_cast<int>(http_.Requests("/oauth/token").size()); }
  std::string LogText() {
    std::lock_guard lock(log_mu_);
    return log_lines_;
  }

  http::RetryPolicy retry_;  // the default: a 5-minute budget, no attempt cap
  ScriptedHttp http_;
  testing::FakeClock clock_;
  std::mutex log_mu_;
  std::string log_lines_;
  Logger log_;
  std::unique_ptr<DomoClient> client_;
};

TEST_F(DomoClientTest, TokenRequestIsAFormPostWithBasicAuth) {
  ASSERT_TRUE(Client().CurrentToken().has_value());
  const auto sent = http_.Requests("/oauth/token");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].url, "https://api.domo.test/oauth/token");
  EXPECT_EQ(sent[0].body, "grant_type=client_credentials&scope=data%20user");
  EXPECT_EQ(sent[0].Header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(sent[0].Header("Authorization"), BasicAuthorization("client-id", kSecret));
  EXPECT_EQ(sent[0].Header("Accept"), "application/json");
}

TEST_F(DomoClientTest, TokenIsCachedAcrossCalls) {
  ASSERT_TRUE(Client().GetDataset(kDataset).has_value());
  ASSERT_TRUE(Client().GetDataset(kDataset).has_value());
  EXPECT_EQ(TokenRequests(), 1);
  const auto sent = http_.Requests("/v1/datasets");
  EXPECT_EQ(sent[1].Header("Authorization"), "Bearer token-one");
}

TEST_F(DomoClientTest, TokenIsRefreshedMarginBeforeExpiry) {
  ASSERT_TRUE(Client().GetDataset(kDataset).has_value());
  clock_.Advance(seconds(3538));  // 61 s left: still good
  ASSERT_TRUE(Client().GetDataset(kDataset).has_value());
  EXPECT_EQ(TokenRequests(), 1);
  clock_.Advance(seconds(2));  // 59 s left: inside the 60 s margin
  ASSERT_TRUE(Client().GetDataset(kDataset).has_value());
  EXPECT_EQ(TokenRequests(), 2);
  EXPECT_EQ(http_.Requests("/v1/datasets").back().Header("Authorization"), "Bearer token-two");
}

TEST_F(DomoClientTest, RejectedTokenIsRefreshedOnceAndTheCallRepeated) {
  http_.On("GET /v1/datasets/" + std::string(kDataset),
           {{401,
             "",
             {{"WWW-Authenticate",
               "Bearer error=\"invalid_token\", "
               "error_description=\"Jwt expired at x\""}}},
            {200, DatasetBody()}});
  auto d = Client().GetDataset(kDataset);
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(TokenRequests(), 2);
  const auto sent = http_.Requests("/v1/datasets");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].Header("Authorization"), "Bearer token-two");
  EXPECT_THAT(LogText(), HasSubstr("the Domo token expired"));
}

TEST_F(DomoClientTest, SecondRejectionFailsWithoutLooping) {
  http_.On("GET /v1/datasets/" + std::string(kDataset), {{401, ""}});
  auto d = Client().GetDataset(kDataset);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(TokenRequests(), 2);
  EXPECT_EQ(http_.Requests("/v1/datasets").size(), 2u);
}

TEST_F(DomoClientTest, Legacy406ToACsvExportRefreshesTheToken) {
  const std::string path = "GET /v1/datasets/" + std::string(kDataset) + "/data";
  http_.On(path, {{406, "<html>Error 406 Not Acceptable</html>"}, {200, "1\n2\n"}});
  std::string csv;
  auto bytes = Client().ExportCsv(kDataset, {}, [&](std::string_view c) {
    csv += c;
    return true;
  });
  ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
  EXPECT_EQ(csv, "1\n2\n");
  EXPECT_EQ(TokenRequests(), 2);
  EXPECT_EQ(http_.Requests("/data").front().Header("Accept"), "text/csv");
}

TEST_F(DomoClientTest, BadCredentialsFailWithoutRetryOrSecret) {
  http_.On("POST /oauth/token",
           {{401, R"({"status":401,"statusReason":"Unauthorized","message":"Bad credentials"})"}});
  auto d = Client().GetDataset(kDataset);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(d.error().message, AllOf(HasSubstr("developer portal"), Not(HasSubstr(kSecret))));
  EXPECT_EQ(TokenRequests(), 1);
  EXPECT_TRUE(http_.Requests("/v1/").empty());
}

TEST_F(DomoClientTest, ThrottledCallWaitsForRetryAfter) {
  http_.On("GET /v1/datasets/" + std::string(kDataset),
           {{429, R"({"status":429,"statusReason":"Too Many Requests"})", {{"Retry-After", "3"}}},
            {200, DatasetBody()}});
  ASSERT_TRUE(Client().GetDataset(kDataset).has_value());
  ASSERT_EQ(clock_.Sleeps().size(), 1u);
  EXPECT_GE(clock_.Sleeps()[0], seconds(3));
}

TEST_F(DomoClientTest, ServerErrorsAreRetriedOnReads) {
  http_.On("GET /v1/datasets/" + std::string(kDataset),
           {{500, ""}, {503, ""}, {200, DatasetBody()}});
  ASSERT_TRUE(Client().GetDataset(kDataset).has_value());
  EXPECT_EQ(http_.Requests("/v1/datasets").size(), 3u);
}

TEST_F(DomoClientTest, ServerErrorsGiveUpAfterMaxAttemptsWhenCapped) {
  retry_.max_attempts = 5;
  http_.On("GET /v1/datasets/" + std::string(kDataset), {{503, ""}});
  auto d = Client().GetDataset(kDataset);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(d.error().message, HasSubstr("after 5 attempts"));
  EXPECT_EQ(http_.Requests("/v1/datasets").size(), 5u);
}

// --- Retries within the time budget ---------------------------------------------------------

const char* k503Body = R"({"status":503,"statusReason":"Service Unavailable"})";

TEST_F(DomoClientTest, SixtySecondOutageIsRiddenOutByTheDefaultBudget) {
  ASSERT_TRUE(Client().CurrentToken().has_value());
  const auto end = clock_.Monotonic() + seconds(60);
  http_.SetOutage([&] { return clock_.Monotonic() < end; }, {503, k503Body});
  auto d = Client().GetDataset(kDataset);
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_GE(clock_.Monotonic(), end);
  const auto sent = http_.Requests("/v1/datasets").size();
  ASSERT_GT(sent, 5u);  // more than the old five attempts
  EXPECT_EQ(Client().retry_counts().retries, sent - 1);
  EXPECT_EQ(Client().retry_counts().throttles, 0u);
  // Every pause within the 20 s cap, every retry logged.
  for (auto pause : clock_.Sleeps()) EXPECT_LE(pause, seconds(20));
  EXPECT_THAT(LogText(), HasSubstr("Domo GetDataset dataset " + std::string(kDataset) +
                                   ": attempt 1 failed: Domo failed GetDataset with HTTP 503"));
  EXPECT_THAT(LogText(), HasSubstr("attempt " + std::to_string(sent - 1) + " failed"));
}

TEST_F(DomoClientTest, TenMinuteOutageFailsSayingHowLongAndHowManyAttempts) {
  ASSERT_TRUE(Client().CurrentToken().has_value());
  const auto start = clock_.Monotonic();
  http_.SetOutage([&] { return clock_.Monotonic() < start + std::chrono::minutes(10); },
                  {503, k503Body});
  auto d = Client().GetDataset(kDataset);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(d.error().subject, "dataset " + std::string(kDataset));
  const auto sent = http_.Requests("/v1/datasets").size();
  EXPECT_THAT(d.error().message,
              ::testing::StartsWith("Domo stayed unavailable for 5m 0s (" + std::to_string(sent) +
                                    " attempts): Domo failed GetDataset with HTTP 503"));
  EXPECT_EQ(clock_.Monotonic() - start, std::chrono::minutes(5));  // the budget, exactly
  EXPECT_EQ(Client().retry_counts().retries, sent - 1);
}

TEST_F(DomoClientTest, RetryAfterOnA503IsHonouredInSecondsAndAsADate) {
  // Wed, 21 Oct 2015 07:28:00 GMT
  clock_.SetWall(std::chrono::sys_days(std::chrono::year(2015) / 10 / 21) + std::chrono::hours(7) +
                 std::chrono::minutes(28));
  http_.On("GET /v1/datasets/" + std::string(kDataset),
           {{503, k503Body, {{"Retry-After", "7"}}},
            {503, k503Body, {{"Retry-After", "Wed, 21 Oct 2015 07:28:37 GMT"}}},
            {200, DatasetBody()}});
  auto d = Client().GetDataset(kDataset);
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  // 7 s; then the date, 30 s after the second answer arrived (at 07:28:07).
  EXPECT_THAT(clock_.Sleeps(), ElementsAre(seconds(7), seconds(30)));
}

TEST_F(DomoClientTest, RetryAfterBeyondTheBudgetIsCutToWhatIsLeft) {
  retry_.budget = std::chrono::minutes(1);
  ASSERT_TRUE(Client().CurrentToken().has_value());
  http_.On("GET /v1/datasets/" + std::string(kDataset),
           {{429, R"({"status":429})", {{"Retry-After", "3600"}}}});
  auto d = Client().GetDataset(kDataset);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kResourceExhausted);
  EXPECT_THAT(d.error().message,
              ::testing::StartsWith("Domo kept throttling requests for 1m 0s (2 attempts): "));
  EXPECT_THAT(clock_.Sleeps(), ElementsAre(std::chrono::minutes(1)));
  EXPECT_EQ(Client().retry_counts().retries, 1u);
  EXPECT_EQ(Client().retry_counts().throttles, 1u);
}

TEST_F(DomoClientTest, RetriesAndThrottlesAreCountedAcrossCalls) {
  ASSERT_TRUE(Client().CurrentToken().has_value());
  http_.On("GET /v1/datasets/" + std::string(kDataset),
           {{429, R"({"status":429})"}, {503, k503Body}, {200, DatasetBody()}});
  ASSERT_TRUE(Client().GetDataset(kDataset).has_value());
  http_.On("GET /v1/datasets/" + std::string(kDataset),
           {Answer::Failure(Reset()), {200, DatasetBody()}});
  ASSERT_TRUE(Client().GetDataset(kDataset).has_value());
  EXPECT_EQ(Client().retry_counts().retries, 3u);
  EXPECT_EQ(Client().retry_counts().throttles, 1u);
}

TEST_F(DomoClientTest, NonIdempotentCallIsNotRepeatedAfterAServerError) {
  http_.On("POST /v1/datasets", {{500, ""}, {201, DatasetBody()}});
  auto d = Client().CreateDataset({"w", "", {{"id", table::ColumnType::kLong}}});
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kAborted);
  EXPECT_THAT(d.error().message, HasSubstr("may have applied it"));
  EXPECT_EQ(http_.Requests("/v1/datasets").size(), 1u);
}

TEST_F(DomoClientTest, NonIdempotentCallIsRepeatedAfterAThrottle) {
  http_.On("POST /v1/datasets", {{429, ""}, {201, DatasetBody()}});
  ASSERT_TRUE(Client().CreateDataset({"w", "", {}}).has_value());
  EXPECT_EQ(http_.Requests("/v1/datasets").size(), 2u);
}

TEST_F(DomoClientTest, ExportDroppedBeforeTheFirstByteIsRetried) {
  http_.On("GET /v1/datasets/" + std::string(kDataset) + "/data",
           {Answer::Streamed({}, Reset()), {200, "1\n2\n"}});
  std::string csv;
  auto bytes = Client().ExportCsv(kDataset, {}, [&](std::string_view c) {
    csv += c;
    return true;
  });
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, 4u);
  EXPECT_EQ(csv, "1\n2\n");
}

TEST_F(DomoClientTest, ExportDroppedAfterBytesIsAbortedNamingTheBytes) {
  http_.On("GET /v1/datasets/" + std::string(kDataset) + "/data",
           {Answer::Streamed({"1\n", "2\n3"}, Reset())});
  auto bytes = Client().ExportCsv(kDataset, {}, [](std::string_view) { return true; });
  ASSERT_FALSE(bytes.has_value());
  EXPECT_EQ(bytes.error().code, ErrorCode::kAborted);
  EXPECT_THAT(bytes.error().message, HasSubstr("after 5 bytes"));
  EXPECT_EQ(http_.Requests("/data").size(), 1u);
}

TEST_F(DomoClientTest, ExportStoppedByTheSinkIsCancelledNotAborted) {
  http_.On("GET /v1/datasets/" + std::string(kDataset) + "/data",
           {Answer::Streamed({"1\n", "2\n"})});
  auto bytes = Client().ExportCsv(kDataset, {}, [](std::string_view) { return false; });
  ASSERT_FALSE(bytes.has_value());
  EXPECT_EQ(bytes.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(http_.Requests("/data").size(), 1u);
}

TEST_F(DomoClientTest, FailingTokenEndpointIsRetriedOnlyByItsOwnLoop) {
  retry_.max_attempts = 5;
  http_.On("POST /oauth/token", {{503, ""}});
  auto d = Client().GetDataset(kDataset);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(TokenRequests(), 5);
  EXPECT_TRUE(http_.Requests("/v1/").empty());
}

TEST_F(DomoClientTest, ExportRowsParsesQuotedFieldsCrlfAndNulls) {
  http_.On("GET /v1/datasets/" + std::string(kDataset) + "/data",
           {Answer::Streamed({"id,note\r\n1,\"a,", "b\"\r\n2,\\N\r\n3,\"\"\r\n"})});
  std::vector<std::string> seen;
  auto stats = Client().ExportRows(
      kDataset, {.include_header = true}, {},
      [&](std::span<const table::Field> fields, const table::RecordInfo&) -> Result<void> {
        std::string row;
        for (const auto& f : fields) row += (f.null ? "<null>" : std::string(f.text)) + "|";
        seen.push_back(row);
        return {};
      });
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_THAT(seen, ElementsAre("id|note|", "1|a,b|", "2|<null>|", "3||"));
  EXPECT_EQ(stats->records, 4u);
  EXPECT_EQ(stats->bytes, 30u);
  EXPECT_THAT(http_.Requests("/data").front().url, HasSubstr("includeHeader=true"));
}

TEST_F(DomoClientTest, ExportRowsReturnsTheHandlersErrorAsIs) {
  http_.On("GET /v1/datasets/" + std::string(kDataset) + "/data", {{200, "1\n2\n"}});
  auto stats = Client().ExportRows(
      kDataset, {}, {}, [](std::span<const table::Field>, const table::RecordInfo&) {
        return Result<void>(Fail(ErrorCode::kDataLoss, "row", "disk full"));
      });
  ASSERT_FALSE(stats.has_value());
  EXPECT_EQ(stats.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(stats.error().message, "disk full");
}

TEST_F(DomoClientTest, QueryPagesUntilAShortPage) {
  const std::string path = "POST /v1/datasets/query/execute/" + std::string(kDataset);
  http_.On(path, {{200, R"({"columns":["id"],"rows":[[1],[2]]})"},
                  {200, R"({"columns":["id"],"rows":[[3]]})"}});
  std::vector<size_t> pages;
  auto rows = Client().QueryPages(kDataset, "SELECT id FROM table", 2, [&](const QueryResult& p) {
    pages.push_back(p.rows.size());
    return Result<void>();
  });
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ(*rows, 3);
  EXPECT_THAT(pages, ElementsAre(2u, 1u));
  const auto sent = http_.Requests("/query/execute/");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].body, R"({"sql":"SELECT id FROM table LIMIT 2 OFFSET 0"})");
  EXPECT_EQ(sent[1].body, R"({"sql":"SELECT id FROM table LIMIT 2 OFFSET 2"})");
}

TEST_F(DomoClientTest, QueryIntoPageMemoryReusesAWrittenPagesBuffers) {
  const std::string path = "POST /v1/datasets/query/execute/" + std::string(kDataset);
  http_.On(path, {{200, R"({"columns":["id","s"],"rows":[[1,"a\"b"],[2.50,null]]})"},
                  {200, R"({"columns":["n"],"rows":[[-0.0],[1e3],[7]]})"}});
  DomoClient& client = Client();
  PageMemory memory;
  auto first = client.Query(kDataset, "SELECT id, s FROM table", &memory);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  ASSERT_EQ(first->rows.size(), 2u);
  EXPECT_EQ(first->rows[0][1], "a\"b");
  EXPECT_EQ(first->rows[1][0], "2.50");
  EXPECT_EQ(first->rows[1][1], std::nullopt);
  const char* text = first->rows[0][0]->data();
  memory.GiveRows(std::move(first->rows));
  // The second page, of another shape, is read into the first one's memory.
  auto second = client.Query(kDataset, "SELECT n FROM table", &memory);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  ASSERT_EQ(second->columns, std::vector<std::string>{"n"});
  ASSERT_EQ(second->rows.size(), 3u);
  EXPECT_EQ(second->rows[0][0], "-0.0");
  EXPECT_EQ(second->rows[1][0], "1e3");
  EXPECT_EQ(second->rows[2][0], "7");
  EXPECT_EQ(second->rows[0][0]->data(), text);
}

TEST_F(DomoClientTest, QueryIntoPageMemoryRetriesADroppedAnswerFromItsStart) {
  // The first attempt's answer breaks off after some bytes; with the answer read into a
  // buffer (not streamed on), the query is simply asked again and the buffer starts over.
  const std::string path = "POST /v1/datasets/query/execute/" + std::string(kDataset);
  http_.On(path, {Answer::Streamed({R"({"columns":["id"],"rows":[[1],)"}, Reset()),
                  {200, R"({"columns":["id"],"rows":[[1],[2]]})"}});
  PageMemory memory;
  auto page = Client().Query(kDataset, "SELECT id FROM table", &memory);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[1][0], "2");
  EXPECT_EQ(http_.Requests("/query/execute/").size(), 2u);
}

TEST_F(DomoClientTest, QueryIntoPageMemoryFailsAsWithoutIt) {
  const std::string path = "POST /v1/datasets/query/execute/" + std::string(kDataset);
  http_.On(path, {{200, R"({"columns":["id"],"rows":[[1],[2,3]]})"}});
  PageMemory memory;
  auto with = Client().Query(kDataset, "SELECT id FROM table", &memory);
  auto without = Client().Query(kDataset, "SELECT id FROM table");
  ASSERT_FALSE(with.has_value());
  ASSERT_FALSE(without.has_value());
  EXPECT_EQ(with.error().ToString(), without.error().ToString());
}

TEST_F(DomoClientTest, ListDatasetsPagesUntilAnEmptyPage) {
  std::string page = "[";
  for (int i = 0; i < 50; ++i)
    page += std::string(i ? "," : "") + "{\"id\":\"" + std::to_string(i) + "\"}";
  page += "]";
  http_.On("GET /v1/datasets", {{200, page}, {200, R"([{"id":"last"}])"}, {200, "[]"}});
  auto all = Client().ListDatasets("sa les");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 51u);
  const auto sent = http_.Requests("/v1/datasets?");
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_THAT(sent[2].url, HasSubstr("limit=50&offset=51&nameLike=sa%20les"));
}

TEST_F(DomoClientTest, WaitForExecutionBacksOffOnTheClock) {
  http_.On("GET /v1/streams/42/executions/1", {{200, R"({"id":1,"currentState":"ACTIVE"})"},
                                               {200, R"({"id":1,"currentState":"ACTIVE"})"},
                                               {200, R"({"id":1,"currentState":"SUCCESS"})"}});
  auto e = Client().WaitForExecution(42, 1);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->state, "SUCCESS");
  EXPECT_THAT(clock_.Sleeps(), ElementsAre(milliseconds(1000), milliseconds(2000)));
}

TEST_F(DomoClientTest, WaitGivesUpAfterThePollTimeout) {
  http_.On("GET /v1/streams/42/executions/1", {{200, R"({"id":1,"currentState":"ACTIVE"})"}});
  DomoOptions o = Options();
  o.poll.timeout = seconds(10);
  client_ = std::make_unique<DomoClient>(o, http_, clock_, log_);
  auto e = Client().WaitForExecution(42, 1);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(e.error().subject, "stream 42 execution 1");
}

TEST_F(DomoClientTest, UploadPartSendsGzip) {
  http_.On("PUT /v1/streams/42/executions/1/part/1",
           {{200, R"({"id":1,"currentState":"ACTIVE"})"}});
  ASSERT_TRUE(Client().UploadPart(42, 1, 1, "1,a\n2,b\n").has_value());
  const auto sent = http_.Requests("/part/1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].Header("Content-Encoding"), "gzip");
  ASSERT_GE(sent[0].body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(sent[0].body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(sent[0].body[1]), 0x8b);
}

TEST_F(DomoClientTest, InternalRoutesGoToTheInstanceUrl) {
  DomoOptions o = Options();
  o.instance_url = "https://acme.domo.test/";
  client_ = std::make_unique<DomoClient>(o, http_, clock_, log_);
  http_.On("GET /api/data/v3/datasources/" + std::string(kDataset) + "/permissions",
           {{200, R"({"list":[]})"}});
  ASSERT_TRUE(Client().GetPermissions(kDataset).has_value());
  EXPECT_EQ(
      http_.Requests("/permissions").front().url,
      "https://acme.domo.test/api/data/v3/datasources/" + std::string(kDataset) + "/permissions");
}

TEST_F(DomoClientTest, S3ExportSecretsNeverReachTheLog) {
  http_.On("POST /api/query/v1/export/" + std::string(kDataset),
           {{400, R"({"status":400,"message":"bad key wJalrXUtnFEMI/K7MDENG"})"}});
  S3ExportRequest r;
  r.bucket = "b";
  r.aws_access_secret = "wJalrXUtnFEMI/K7MDENG";
  r.session_token = "session-token-value";
  auto e = Client().StartS3Export(kDataset, r);
  ASSERT_FALSE(e.has_value());
  EXPECT_THAT(log_.Redact(e.error().message), Not(HasSubstr("wJalrXUtnFEMI")));
  EXPECT_THAT(LogText(), AllOf(Not(HasSubstr("wJalrXUtnFEMI")), Not(HasSubstr("token-one")),
                               Not(HasSubstr(kSecret))));
}

TEST_F(DomoClientTest, InvalidOptionsFailEveryCallWithoutSending) {
  DomoOptions o = Options();
  o.api_url = "ftp://api.domo.test";
  client_ = std::make_unique<DomoClient>(o, http_, clock_, log_);
  auto d = Client().GetDataset(kDataset);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(d.error().subject, "--domo-api-url");
  EXPECT_TRUE(http_.Requests().empty());
}

TEST_F(DomoClientTest, ConcurrentCallersShareOneTokenRequest) {
  DomoClient& client = Client();  // one client, shared by the threads
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { ok += client.GetDataset(kDataset).has_value() ? 1 : 0; });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(TokenRequests(), 1);
}

TEST(ValidateDomoOptionsTest, NamesTheFieldAtFault) {
  DomoOptions o;
  o.client_id = "id";
  o.client_secret = "secret";
  EXPECT_TRUE(ValidateDomoOptions(o).has_value());
  auto check = [](DomoOptions bad, const std::string& field) {
    auto r = ValidateDomoOptions(bad);
    ASSERT_FALSE(r.has_value()) << field;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().subject, field);
  };
  DomoOptions bad = o;
  bad.client_id.clear();
  check(bad, "--domo-client-id");
  bad = o;
  bad.client_secret.clear();
  check(bad, "--domo-client-secret");
  bad = o;
  bad.api_url = "https://user:pw@api.domo.com";
  check(bad, "--domo-api-url");
  bad = o;
  bad.api_url = "api.domo.com";
  check(bad, "--domo-api-url");
  bad = o;
  bad.instance_url = "https://acme.domo.com?x=1";
  check(bad, "--domo-instance-url");
  bad = o;
  bad.scopes = {"data", "everything"};
  check(bad, "scopes");
}

TEST(PollDelayTest, DoublesUpToTheCap) {
  PollPolicy p{milliseconds(500), milliseconds(3000), seconds(60)};
  EXPECT_EQ(PollDelay(p, 1), milliseconds(500));
  EXPECT_EQ(PollDelay(p, 2), milliseconds(1000));
  EXPECT_EQ(PollDelay(p, 3), milliseconds(2000));
  EXPECT_EQ(PollDelay(p, 4), milliseconds(3000));
  EXPECT_EQ(PollDelay(p, 1000), milliseconds(3000));
}

}  // namespace
}  // namespace s3u::domo
