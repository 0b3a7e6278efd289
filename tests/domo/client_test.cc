// DomoClient's own logic (token cache, refresh, retries, streaming, paging, polling) against
// a scripted HttpClient, so each behaviour is pinned without a server. The emulator tests
// (domo_integration_tests) cover the same calls over real HTTP.
#include "domo/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <thread>

#include "support/fake_clock.h"

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

struct Sent {
  std::string method;
  std::string url;
  http::Headers headers;
  std::string body;
  std::string Header(std::string_view name) const {
    return std::string(http::FindHeader(headers, name).value_or(""));
  }
};

// Answers by "METHOD path" (the URL without scheme, host and query); each route has a queue
// of answers, the last of which repeats. An answer may stream `chunks` into the sink and
// then fail with `transport` instead of completing.
struct Answer {
  Answer(int status_in, std::string body_in, http::Headers headers_in = {})
      : status(status_in), body(std::move(body_in)), headers(std::move(headers_in)) {}
  // A 200 whose body arrives as `chunks`, then fails with `transport` when given.
  static Answer Streamed(std::vector<std::string> chunks, std::optional<Error> transport = {}) {
    Answer a(200, "");
    a.chunks = std::move(chunks);
    a.transport = std::move(transport);
    return a;
  }

  int status;
  std::string body;
  http::Headers headers;
  std::vector<std::string> chunks;  // streamed to a sink before the status completes
  std::optional<Error> transport;   // a transport failure (after the chunks)
};

Error Reset() { return Error{ErrorCode::kUnavailable, "GET", "connection reset", 0, {}}; }

class ScriptedHttp final : public http::HttpClient {
 public:
  void On(const std::string& route, std::vector<Answer> answers) {
    std::lock_guard lock(mu_);
    routes_[route] = std::deque<Answer>(answers.begin(), answers.end());
  }
  Result<http::Response> Send(const http::Request& request) override {
    std::optional<Answer> found;
    {
      std::lock_guard lock(mu_);
      sent_.push_back({request.method, request.url, request.headers, std::string(request.body)});
      std::string path = request.url.substr(request.url.find('/', request.url.find("://") + 3));
      path = path.substr(0, path.find('?'));
      auto it = routes_.find(request.method + " " + path);
      if (it == routes_.end()) return http::Response{599, {}, "no route " + path};
      found = it->second.front();
      if (it->second.size() > 1) it->second.pop_front();
    }
    const Answer& answer = *found;
    for (const auto& chunk : answer.chunks) {
      if (request.sink && !request.sink(chunk)) {
        return Fail(ErrorCode::kCancelled, "GET", "the sink aborted the transfer");
      }
    }
    if (answer.transport) return Fail(*answer.transport);
    http::Response response{answer.status, answer.headers, answer.body};
    if (request.sink && answer.status / 100 == 2 && answer.chunks.empty()) {
      request.sink(answer.body);
      response.body.clear();
    }
    return response;
  }
  std::vector<Sent> Requests(const std::string& path_part = "") const {
    std::lock_guard lock(mu_);
    std::vector<Sent> out;
    for (const auto& s : sent_) {
      if (s.url.find(path_part) != std::string::npos) out.push_back(s);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Answer>> routes_;
  std::vector<Sent> sent_;
};

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

TEST_F(DomoClientTest, ServerErrorsGiveUpAfterMaxAttempts) {
  http_.On("GET /v1/datasets/" + std::string(kDataset), {{503, ""}});
  auto d = Client().GetDataset(kDataset);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(d.error().message, HasSubstr("after 5 attempts"));
  EXPECT_EQ(http_.Requests("/v1/datasets").size(), 5u);
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
