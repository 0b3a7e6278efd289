// RefreshingCredentialsProvider's rules with a FakeClock, and each fetcher of
// s3/credential_providers.h offline: container and instance metadata against the scripted
// HttpClient, credential_process with real (tiny) processes, SSO with an in-memory token
// cache. The same fetchers over curl against the metadata stand-in server are in
// credential_providers_server_test.cc.
#include "s3/credential_providers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <thread>

#include "s3/errors.h"
#include "support/fake_clock.h"
#include "support/scripted_http.h"

namespace s3u::s3 {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::AllOf;
using testing::Answer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

Getenv EnvOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

using Files = std::shared_ptr<std::map<std::string, std::string>>;
ReadFile ReaderOf(Files files) {
  return [files](const std::string& path) -> std::optional<std::string> {
    auto it = files->find(path);
    if (it == files->end()) return std::nullopt;
    return it->second;
  };
}

// A fetch whose answers the test sets, counting calls.
struct FakeSource {
  int calls = 0;
  std::vector<Result<Credentials>> answers;  // front first; the last repeats

  CredentialsFetch Fetch() {
    return [this]() -> Result<Credentials> {
      const size_t i = std::min<size_t>(static_cast<size_t>(calls), answers.size() - 1);
      ++calls;
      return answers[i];
    };
  }
};

// The key id, or the error: never dereferences a failed Result.
std::string Id(const Result<Credentials>& r) {
  return r ? r->access_key_id : "error: " + r.error().message;
}

Credentials Temp(std::string id, std::chrono::system_clock::time_point expiration) {
  const std::string secret = "secret-of-" + id;
  return Credentials{std::move(id), secret, "token", expiration};
}

class RefreshingProviderTest : public ::testing::Test {
 protected:
  RefreshingCredentialsProvider& Provider() {
    if (!provider_) {
      provider_ = std::make_unique<RefreshingCredentialsProvider>("test source", source_.Fetch(),
                                                                  clock_, &log_);
    }
    return *provider_;
  }
  std::chrono::system_clock::time_point In(std::chrono::minutes m) { return clock_.Now() + m; }
  static tl::unexpected<Error> Down(ErrorCode code = ErrorCode::kUnavailable) {
    return Fail(code, "http://169.254.170.2/creds", "the endpoint is down");
  }

  testing::FakeClock clock_;
  std::string logged_;
  Logger log_{LogLevel::kDebug, [this](LogLevel, std::string_view line) { logged_ += line; }};
  FakeSource source_;
  std::unique_ptr<RefreshingCredentialsProvider> provider_;
};

TEST_F(RefreshingProviderTest, FetchesOnceAndServesTheCacheOutsideTheAdvisoryWindow) {
  source_.answers = {Temp("ASIA1", In(minutes(60))), Temp("ASIA2", In(minutes(120)))};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Id(Provider().Get()), "ASIA1");
  clock_.Advance(minutes(44));  // 16 minutes left
  EXPECT_EQ(Id(Provider().Get()), "ASIA1");
  EXPECT_EQ(source_.calls, 1);
}

TEST_F(RefreshingProviderTest, FetchesAgainInsideTheAdvisoryWindow) {
  source_.answers = {Temp("ASIA1", In(minutes(60))), Temp("ASIA2", In(minutes(120)))};
  ASSERT_TRUE(Provider().Get());
  clock_.Advance(minutes(46));  // 14 minutes left
  EXPECT_EQ(Id(Provider().Get()), "ASIA2");
  EXPECT_EQ(Id(Provider().Get()), "ASIA2");
  EXPECT_EQ(source_.calls, 2);
}

TEST_F(RefreshingProviderTest, AFailureInTheAdvisoryWindowKeepsTheCacheAndLogsNoSecret) {
  source_.answers = {Temp("ASIA1", In(minutes(60))), Down()};
  ASSERT_TRUE(Provider().Get());
  clock_.Advance(minutes(47));
  auto got = Provider().Get();
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->access_key_id, "ASIA1");
  EXPECT_EQ(source_.calls, 2);
  EXPECT_THAT(logged_, HasSubstr("test source: cannot refresh: the endpoint is down; using the "
                                 "current credentials, which expire at "));
  EXPECT_THAT(logged_, Not(HasSubstr("secret-of")));
  EXPECT_THAT(logged_, Not(HasSubstr("token")));
}

TEST_F(RefreshingProviderTest, AFailureInTheMandatoryWindowIsAnErrorNamingTheProvider) {
  source_.answers = {Temp("ASIA1", In(minutes(60))), Down(ErrorCode::kUnauthenticated)};
  ASSERT_TRUE(Provider().Get());
  clock_.Advance(minutes(51));  // 9 minutes left
  auto got = Provider().Get();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(got.error().subject, "http://169.254.170.2/creds");
  EXPECT_THAT(got.error().message, StartsWith("test source: cannot refresh: the endpoint is down"));
  EXPECT_THAT(got.error().message, HasSubstr("(the current credentials expire at "));
}

TEST_F(RefreshingProviderTest, AFailedFetchIsNotRepeatedBeforeThePauseButTheCacheIsServed) {
  source_.answers = {Temp("ASIA1", In(minutes(60))), Down(), Down(),
                     Temp("ASIA2", In(minutes(120)))};
  ASSERT_TRUE(Provider().Get());
  clock_.Advance(minutes(51));
  EXPECT_FALSE(Provider().Get());  // the fetch fails: Get's error
  // Within the pause the credentials still valid are served (an abort can still be signed).
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Id(Provider().Get()), "ASIA1");
  EXPECT_EQ(source_.calls, 2);
  clock_.Advance(kFetchRetryPause);
  EXPECT_FALSE(Provider().Get());
  EXPECT_EQ(source_.calls, 3);
  clock_.Advance(kFetchRetryPause);
  EXPECT_EQ(Id(Provider().Get()), "ASIA2");
  EXPECT_EQ(source_.calls, 4);
}

TEST_F(RefreshingProviderTest, ExpiredCredentialsAreFetchedForWhateverThePause) {
  source_.answers = {Temp("ASIA1", In(minutes(60))), Down(), Temp("ASIA2", In(minutes(180)))};
  ASSERT_TRUE(Provider().Get());
  clock_.Advance(minutes(59) + seconds(40));
  EXPECT_FALSE(Provider().Get());            // 20 s left: the failure is an error
  EXPECT_EQ(Id(Provider().Get()), "ASIA1");  // within the pause
  clock_.Advance(seconds(25));               // expired, still within the pause
  EXPECT_EQ(Id(Provider().Get()), "ASIA2");
  EXPECT_EQ(source_.calls, 3);
}

TEST_F(RefreshingProviderTest, AFailureAfterExpirySaysTheCredentialsExpired) {
  source_.answers = {Temp("ASIA1", In(minutes(60))), Down()};
  ASSERT_TRUE(Provider().Get());
  clock_.Advance(minutes(61));
  auto got = Provider().Get();
  ASSERT_FALSE(got);
  EXPECT_THAT(got.error().message, HasSubstr("(the current credentials expired at "));
  EXPECT_FALSE(Provider().Get());  // expired: every Get asks the source
  EXPECT_EQ(source_.calls, 3);
}

TEST_F(RefreshingProviderTest, ShortSessionsAreNotFetchedOnEveryGet) {
  // A 15-minute STS session is inside the advisory window from the start.
  source_.answers = {Temp("ASIA1", In(minutes(15)))};
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Provider().Get());
  EXPECT_EQ(source_.calls, 1);
}

TEST_F(RefreshingProviderTest, RefreshAlwaysFetchesAndKeepsTheCacheWhenItFails) {
  source_.answers = {Temp("ASIA1", In(minutes(60))), Temp("ASIA2", In(minutes(60))),
                     Down(ErrorCode::kUnauthenticated)};
  ASSERT_TRUE(Provider().Get());
  EXPECT_EQ(Id(Provider().Refresh()), "ASIA2");
  auto failed = Provider().Refresh();
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().message, StartsWith("test source: cannot refresh: "));
  EXPECT_EQ(Id(Provider().Get()), "ASIA2");
  EXPECT_EQ(source_.calls, 3);
}

TEST_F(RefreshingProviderTest, CredentialsWithoutExpirationAreCachedUntilRefresh) {
  source_.answers = {Credentials{"AKIA1", "s", "", {}}, Credentials{"AKIA2", "s", "", {}}};
  ASSERT_TRUE(Provider().Get());
  clock_.Advance(minutes(60 * 24 * 365));
  EXPECT_EQ(Id(Provider().Get()), "AKIA1");
  EXPECT_EQ(Id(Provider().Refresh()), "AKIA2");
  EXPECT_EQ(source_.calls, 2);
}

TEST_F(RefreshingProviderTest, AFirstFailureSaysCannotGetCredentialsAndKeepsItsCode) {
  source_.answers = {Down(ErrorCode::kUnavailable)};
  auto got = Provider().Get();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(got.error().message, "test source: cannot get credentials: the endpoint is down");
  EXPECT_FALSE(Provider().Get());  // nothing cached: every Get asks again
  EXPECT_EQ(source_.calls, 2);
}

TEST_F(RefreshingProviderTest, CredentialsThatArriveExpiredAreAnErrorAboutTheClock) {
  source_.answers = {Temp("ASIA1", clock_.Now() - minutes(1))};
  auto got = Provider().Get();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(got.error().message,
              AllOf(StartsWith("test source: cannot get credentials: the credentials it returned "
                               "expired at "),
                    HasSubstr("check the clock")));
}

TEST_F(RefreshingProviderTest, ConcurrentCallersShareOneFetch) {
  std::atomic<int> calls{0};
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  RefreshingCredentialsProvider provider(
      "slow source",
      [&]() -> Result<Credentials> {
        ++calls;
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return release; });
        return Temp("ASIA1", clock_.Now() + minutes(60));
      },
      clock_);
  std::vector<std::thread> threads;
  std::vector<std::string> ids(8);
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      auto got = provider.Get();
      ids[i] = got ? got->access_key_id : got.error().message;
    });
  }
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 1);
  for (const auto& id : ids) EXPECT_EQ(id, "ASIA1");
}

// --- Container credentials ---------------------------------------------------------------------

constexpr const char* kContainerJson =
    R"({"RoleArn":"arn:aws:iam::1:role/r","AccessKeyId":"ASIACONT","SecretAccessKey":"cont-secret",)"
    R"("Token":"cont-token","Expiration":"2030-01-02T03:04:05Z"})";

class ContainerFetcherTest : public ::testing::Test {
 protected:
  Result<Credentials> Fetch(std::map<std::string, std::string> env) {
    return ContainerCredentialsFetcher(EnvOf(std::move(env)), ReaderOf(files_), http_, clock_)();
  }
  testing::ScriptedHttp http_;
  testing::FakeClock clock_;
  Files files_ = std::make_shared<std::map<std::string, std::string>>();
};

TEST_F(ContainerFetcherTest, RelativeUriGoesTo169_254_170_2) {
  http_.On("GET /v2/credentials/abc", {{200, kContainerJson}});
  auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIACONT");
  EXPECT_EQ(c->secret_access_key, "cont-secret");
  EXPECT_EQ(c->session_token, "cont-token");
  EXPECT_EQ(c->expiration, ParseS3Time("2030-01-02T03:04:05Z"));
  const auto sent = http_.Requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(sent[0].Header("Accept"), "application/json");
  EXPECT_EQ(sent[0].Header("Authorization"), "");
}

TEST_F(ContainerFetcherTest, RelativeUriWinsOverFullUri) {
  http_.On("GET /rel", {{200, kContainerJson}});
  ASSERT_TRUE(Fetch({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/rel"},
                     {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/full"}}));
  EXPECT_EQ(http_.Requests()[0].url, "http://169.254.170.2/rel");
}

TEST_F(ContainerFetcherTest, FullUriOverHttpIsAllowedOnlyToTheAgentsAndLoopback) {
  http_.On("GET /c*", {{200, kContainerJson}});
  for (const char* url :
       {"http://127.0.0.1:51679/c", "http://127.5.5.5/c", "http://[::1]:8080/c",
        "http://localhost/c", "http://LOCALHOST:80/c", "http://169.254.170.2/c",
        "http://169.254.170.23/c", "http://[fd00:ec2::23]/c", "http://user@169.254.170.2/c",
        "HTTP://127.0.0.1/c", "https://creds.example.com/c", "https://10.0.0.1:8443/c"}) {
    auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}});
    EXPECT_TRUE(c) << url << ": " << c.error().ToString();
  }
  EXPECT_EQ(http_.Requests().size(), 12u);
}

TEST_F(ContainerFetcherTest, FullUriOverHttpToAnyOtherHostIsRefusedBeforeAnyRequest) {
  for (const char* url :
       {"http://169.254.170.99/c", "http://example.com/c", "http://127.0.0.1.nip.io/c",
        "http://[::2]/c", "http://10.0.0.1/c", "http://169.254.169.254/c",
        "http://localhost.example.com/c", "http://127.0.0.1@evil.example/c"}) {
    auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}});
    ASSERT_FALSE(c) << url;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(c.error().subject, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    EXPECT_THAT(c.error().message, HasSubstr("plain http is allowed only to a loopback address"));
  }
  for (const char* url : {"ftp://127.0.0.1/c", "127.0.0.1/c", "http:///c"}) {
    auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}});
    ASSERT_FALSE(c) << url;
    EXPECT_THAT(c.error().message, HasSubstr("is not an http:// or https:// URL")) << url;
  }
  EXPECT_TRUE(http_.Requests().empty());
}

TEST_F(ContainerFetcherTest, AUrlIsQuotedWithoutItsUserInfo) {
  auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://user:pa55word@10.1.1.1/c"}});
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, Not(HasSubstr("pa55word")));
}

TEST_F(ContainerFetcherTest, TheTokenFileIsReadOnEveryFetchAndWinsOverTheVariable) {
  http_.On("GET /c", {{200, kContainerJson}});
  (*files_)["/var/run/token"] = "eks-token-1";
  const std::map<std::string, std::string> env = {
      {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/c"},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token"},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "static-token"}};
  ASSERT_TRUE(Fetch(env));
  (*files_)["/var/run/token"] = "eks-token-2";  // rotated by the agent
  ASSERT_TRUE(Fetch(env));
  const auto sent = http_.Requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].Header("Authorization"), "eks-token-1");
  EXPECT_EQ(sent[1].Header("Authorization"), "eks-token-2");
}

TEST_F(ContainerFetcherTest, TheTokenVariableIsSentWithoutAFile) {
  http_.On("GET /c", {{200, kContainerJson}});
  ASSERT_TRUE(Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"},
                     {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc"}}));
  EXPECT_EQ(http_.Requests()[0].Header("Authorization"), "Basic abc");
}

TEST_F(ContainerFetcherTest, AMissingTokenFileOrATokenWithALineBreakIsAnError) {
  auto missing = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nope"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().subject, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  EXPECT_THAT(missing.error().message, HasSubstr("cannot read the authorization token file /nope"));
  (*files_)["/t"] = "token\n";
  auto newline = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/t"}});
  ASSERT_FALSE(newline);
  EXPECT_EQ(newline.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(newline.error().message, HasSubstr("holds a line break"));
  auto cr = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"},
                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\rb"}});
  ASSERT_FALSE(cr);
  EXPECT_EQ(cr.error().subject, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  EXPECT_TRUE(http_.Requests().empty());
}

TEST_F(ContainerFetcherTest, FailuresAreTriedThreeTimesOneSecondApart) {
  http_.On("GET /c", {{500, "agent restarting"},
                      Answer::Failure({ErrorCode::kUnavailable, "x", "connection reset", 0, {}}),
                      {200, kContainerJson}});
  auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"}});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_THAT(clock_.Sleeps(), ElementsAre(seconds(1), seconds(1)));
}

TEST_F(ContainerFetcherTest, AFinalRefusalSaysWhatTheAgentAnswered) {
  http_.On("GET /c", {{401, R"({"code":"InvalidToken","message":"invalid authorization token"})"}});
  auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(c.error().message,
            "the container endpoint answered HTTP 401: invalid authorization token (after 3 "
            "attempts)");
  EXPECT_EQ(http_.Requests().size(), 3u);
}

TEST_F(ContainerFetcherTest, AnAnswerWithoutAFieldNamesTheFieldAndNoValue) {
  http_.On("GET /c",
           {{200, R"({"AccessKeyId":"ASIACONT","SecretAccessKey":"cont-secret","Token":"t"})"}});
  auto c = Fetch({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInternal);
  EXPECT_EQ(c.error().message, "the container endpoint answered without Expiration (a string)");
  EXPECT_EQ(http_.Requests().size(), 1u);
}

TEST_F(ContainerFetcherTest, ConfiguredMeansEitherUriVariable) {
  EXPECT_FALSE(ContainerCredentialsConfigured(EnvOf({})));
  EXPECT_FALSE(ContainerCredentialsConfigured(EnvOf({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", ""}})));
  EXPECT_TRUE(ContainerCredentialsConfigured(EnvOf({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "x"}})));
  EXPECT_TRUE(
      ContainerCredentialsConfigured(EnvOf({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/x"}})));
}

// --- Instance metadata -------------------------------------------------------------------------

constexpr const char* kRoleRoute = "GET /latest/meta-data/iam/security-credentials/";
constexpr const char* kCredsRoute = "GET /latest/meta-data/iam/security-credentials/app-role";

std::string ImdsJson(std::string expiration = "2030-01-01T00:00:00Z") {
  return R"({"Code":"Success","LastUpdated":"2026-12-05T10:00:00Z","Type":"AWS-HMAC",)"
         R"("AccessKeyId":"ASIAIMDS","SecretAccessKey":"imds-secret","Token":"imds-token",)"
         R"("Expiration":")" +
         expiration + R"("})";
}

class ImdsFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_.On("PUT /latest/api/token", {{200, "tok-1"}});
    http_.On(kRoleRoute, {{200, "app-role"}});
    http_.On(kCredsRoute, {{200, ImdsJson()}});
  }
  Result<Credentials> Fetch() { return InstanceMetadataFetcher(settings_, http_, clock_, &log_)(); }

  ImdsSettings settings_;
  testing::ScriptedHttp http_;
  testing::FakeClock clock_;
  std::string logged_;
  Logger log_{LogLevel::kDebug, [this](LogLevel, std::string_view line) { logged_ += line; }};
};

TEST_F(ImdsFetcherTest, SettingsDefaultAndComeFromTheEnvironment) {
  auto defaults = ReadImdsSettings(EnvOf({}));
  ASSERT_TRUE(defaults);
  EXPECT_FALSE(defaults->disabled);
  EXPECT_FALSE(defaults->v1_disabled);
  EXPECT_EQ(defaults->endpoint, "http://169.254.169.254");
  EXPECT_EQ(defaults->timeout, seconds(1));
  EXPECT_EQ(defaults->attempts, 1);
  auto set = ReadImdsSettings(EnvOf({{"AWS_EC2_METADATA_DISABLED", "TRUE"},
                                     {"AWS_EC2_METADATA_V1_DISABLED", "true"},
                                     {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://10.0.0.5:1338/"},
                                     {"AWS_METADATA_SERVICE_TIMEOUT", "5"},
                                     {"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3"}}));
  ASSERT_TRUE(set) << set.error().ToString();
  EXPECT_TRUE(set->disabled);
  EXPECT_TRUE(set->v1_disabled);
  EXPECT_EQ(set->endpoint, "http://10.0.0.5:1338");
  EXPECT_EQ(set->timeout, seconds(5));
  EXPECT_EQ(set->attempts, 3);
  auto ipv6 = ReadImdsSettings(EnvOf({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}}));
  EXPECT_EQ(ipv6->endpoint, "http://[fd00:ec2::254]");
  EXPECT_FALSE(ReadImdsSettings(EnvOf({{"AWS_EC2_METADATA_DISABLED", "yes"}}))->disabled);
}

TEST_F(ImdsFetcherTest, SettingsThatCannotBeUsedNameTheirVariable) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"AWS_METADATA_SERVICE_TIMEOUT", "0"},
           {"AWS_METADATA_SERVICE_TIMEOUT", "1.5"},
           {"AWS_METADATA_SERVICE_TIMEOUT", "-1"},
           {"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "many"},
           {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254"},
           {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv5"}}) {
    auto s = ReadImdsSettings(EnvOf({{name, value}}));
    ASSERT_FALSE(s) << name << "=" << value;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.error().subject, name);
  }
}

TEST_F(ImdsFetcherTest, TokenThenRoleThenCredentialsAllWithTheToken) {
  auto c = Fetch();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_EQ(c->secret_access_key, "imds-secret");
  EXPECT_EQ(c->session_token, "imds-token");
  EXPECT_EQ(c->expiration, ParseS3Time("2030-01-01T00:00:00Z"));
  const auto sent = http_.Requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].Route(), "PUT /latest/api/token");
  EXPECT_EQ(sent[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(sent[0].Header("X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(sent[1].Route(), kRoleRoute);
  EXPECT_EQ(sent[2].Route(), kCredsRoute);
  EXPECT_EQ(sent[1].Header("X-aws-ec2-metadata-token"), "tok-1");
  EXPECT_EQ(sent[2].Header("X-aws-ec2-metadata-token"), "tok-1");
  EXPECT_EQ(logged_, "");
}

TEST_F(ImdsFetcherTest, DisabledSendsNothing) {
  settings_.disabled = true;
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(c.error().message, HasSubstr("AWS_EC2_METADATA_DISABLED=true"));
  EXPECT_TRUE(http_.Requests().empty());
}

TEST_F(ImdsFetcherTest, ATokenPutAnswered403Or404Or405FallsBackToImdsV1AsBotocoreDoes) {
  for (int status : {403, 404, 405}) {
    testing::ScriptedHttp http;
    http.On("PUT /latest/api/token", {{status, ""}});
    http.On(kRoleRoute, {{200, "app-role"}});
    http.On(kCredsRoute, {{200, ImdsJson()}});
    logged_.clear();
    auto c = InstanceMetadataFetcher(settings_, http, clock_, &log_)();
    ASSERT_TRUE(c) << status << ": " << c.error().ToString();
    const auto sent = http.Requests();
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(sent[1].Header("X-aws-ec2-metadata-token"), "");
    EXPECT_EQ(sent[2].Header("X-aws-ec2-metadata-token"), "");
    EXPECT_THAT(logged_, HasSubstr("no IMDSv2 session token (the token request was answered HTTP " +
                                   std::to_string(status) + "); trying IMDSv1"));
  }
}

TEST_F(ImdsFetcherTest, ATokenPutThatFailsEveryAttemptAlsoFallsBack) {
  settings_.attempts = 2;
  http_.On("PUT /latest/api/token",
           {Answer::Failure({ErrorCode::kUnavailable, "x", "timed out", 0, {}})});
  http_.On(kRoleRoute, {{401, ""}});  // this IMDS requires tokens
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "IMDS requires a session token (IMDSv2) and none was had: timed out");
  EXPECT_EQ(http_.Requests("PUT").size(), 2u);
  EXPECT_EQ(http_.Requests(kRoleRoute).size(), 2u);
}

TEST_F(ImdsFetcherTest, WithImdsV1DisabledNoTokenIsAnError) {
  settings_.v1_disabled = true;
  http_.On("PUT /latest/api/token", {{403, ""}});
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message,
              HasSubstr("IMDSv1 is disabled (AWS_EC2_METADATA_V1_DISABLED=true)"));
  EXPECT_EQ(http_.Requests().size(), 1u);
}

TEST_F(ImdsFetcherTest, ATokenPutAnswered400IsAnError) {
  http_.On("PUT /latest/api/token", {{400, ""}});
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("IMDS refused the token request (HTTP 400)"));
  EXPECT_EQ(http_.Requests().size(), 1u);
}

TEST_F(ImdsFetcherTest, A401FetchesANewTokenOnceAndSendsTheRequestAgain) {
  http_.On("PUT /latest/api/token", {{200, "tok-1"}, {200, "tok-2"}});
  http_.On(kCredsRoute, {{401, ""}, {200, ImdsJson()}});
  auto c = Fetch();
  ASSERT_TRUE(c) << c.error().ToString();
  const auto creds = http_.Requests(kCredsRoute);
  ASSERT_EQ(creds.size(), 2u);
  EXPECT_EQ(creds[0].Header("X-aws-ec2-metadata-token"), "tok-1");
  EXPECT_EQ(creds[1].Header("X-aws-ec2-metadata-token"), "tok-2");
  EXPECT_EQ(http_.Requests("PUT").size(), 2u);
}

TEST_F(ImdsFetcherTest, ATokenRefusedAgainAfterItsRenewalIsAnError) {
  http_.On(kRoleRoute, {{401, ""}});
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(c.error().message, "IMDS refused the session token (HTTP 401)");
  EXPECT_EQ(http_.Requests("PUT").size(), 2u);
}

TEST_F(ImdsFetcherTest, NoRoleAttachedIsSaidPlainly) {
  http_.On(kRoleRoute, {{404, "Not Found"}});
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(c.error().message, StartsWith("no IAM role is attached to this instance"));
}

TEST_F(ImdsFetcherTest, ABlankRoleNameIsAnError) {
  http_.On(kRoleRoute, {{200, "\n"}});
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "IMDS answered an empty role name");
  EXPECT_EQ(http_.Requests().size(), 2u);
}

TEST_F(ImdsFetcherTest, EachGetHasTheConfiguredAttempts) {
  settings_.attempts = 3;
  http_.On(kCredsRoute, {{500, ""}, {200, "not json"}, {200, ImdsJson()}});
  ASSERT_TRUE(Fetch());
  EXPECT_EQ(http_.Requests(kCredsRoute).size(), 3u);
  http_.On(kCredsRoute, {{503, ""}});
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
}

TEST_F(ImdsFetcherTest, ACodeOtherThanSuccessIsShownWithItsMessage) {
  http_.On(kCredsRoute, {{200, R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot )"
                               R"(assume the role app-role."})"}});
  auto c = Fetch();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "IMDS has no credentials for role app-role: AssumeRoleUnauthorizedAccess: EC2 cannot "
            "assume the role app-role.");
}

TEST_F(ImdsFetcherTest, CredentialsAboutToExpireAreExtendedAsBotocoreDoes) {
  clock_.SetWall(*ParseS3Time("2026-12-05T10:00:00Z"));
  http_.On(kCredsRoute, {{200, ImdsJson("2026-12-05T10:03:00Z")}});
  auto c = Fetch();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->expiration, ParseS3Time("2026-12-05T10:20:00Z"));
  EXPECT_THAT(logged_, HasSubstr("while IMDS cannot rotate them"));
}

// --- credential_process --------------------------------------------------------------------------

TEST(SplitCommandLineTest, SplitsAsPythonsShlexSplit) {
  // Expected values printed by Python 3.11's shlex.split, which botocore uses.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"helper --profile prod", {"helper", "--profile", "prod"}},
      {"  a   b  ", {"a", "b"}},
      {R"("/opt/my tools/helper" --x)", {"/opt/my tools/helper", "--x"}},
      {R"(helper 'it''s' "q\"uote" back\\slash)", {"helper", "its", "q\"uote", "back\\slash"}},
      {R"(a\ b c)", {"a b", "c"}},
      {"'$HOME' ~ *.json", {"$HOME", "~", "*.json"}},
      {R"(x "" y)", {"x", "", "y"}},
      {R"("a\b")", {"a\\b"}},
      {"tab\there", {"tab", "here"}},
  };
  for (const auto& [line, words] : cases) {
    auto split = SplitCommandLine(line);
    ASSERT_TRUE(split) << line << ": " << split.error().ToString();
    EXPECT_EQ(*split, words) << line;
  }
}

TEST(SplitCommandLineTest, UnclosedQuotesATrailingBackslashAndNothingAreErrors) {
  for (const auto& [line, what] : std::vector<std::pair<std::string, std::string>>{
           {"helper 'x", "has a ' without its closing quote"},
           {"helper \"x", "has a \" without its closing quote"},
           {"helper \"x\\\"", "has a \" without its closing quote"},
           {"helper x\\", "ends with a backslash"},
           {"   ", "is empty"}}) {
    auto split = SplitCommandLine(line);
    ASSERT_FALSE(split) << line;
    EXPECT_EQ(split.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(split.error().subject, "credential_process");
    EXPECT_THAT(split.error().message, HasSubstr(what)) << line;
  }
}

constexpr const char* kProcessJson =
    R"({"Version":1,"AccessKeyId":"ASIAPROC","SecretAccessKey":"proc-secret",)"
    R"("SessionToken":"proc-token","Expiration":"2030-01-01T00:00:00Z"})";

Result<Credentials> RunHelper(const std::string& command, ProcessOptions options = {}) {
  return ProcessCredentialsFetcher(command, options)();
}

TEST(ProcessFetcherTest, ReadsTheCredentialsTheProgramPrints) {
  auto c = RunHelper(std::string("printf '") + kProcessJson + "'");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAPROC");
  EXPECT_EQ(c->secret_access_key, "proc-secret");
  EXPECT_EQ(c->session_token, "proc-token");
  EXPECT_EQ(c->expiration, ParseS3Time("2030-01-01T00:00:00Z"));
}

TEST(ProcessFetcherTest, WithoutExpirationOrSessionTokenTheKeysAreStatic) {
  auto c = RunHelper(R"(printf '{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}')");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->session_token, "");
  EXPECT_FALSE(c->expiration);
}

TEST(ProcessFetcherTest, ArgumentsReachTheProgramUninterpreted) {
  // sh prints its first argument ($0 of -c) as the key id: '$HOME' arrives as written.
  auto c = RunHelper(
      R"(sh -c 'printf "{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"s\"}" "$0"' '$HOME *')");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "$HOME *");
}

TEST(ProcessFetcherTest, ANonZeroExitShowsStderrsFirstLineAndNeverStdout) {
  auto c = RunHelper(
      "sh -c 'echo SECRET-ON-STDOUT; echo \"token expired, log in\" >&2; echo second >&2; exit 3' "
      "--password hunter2");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(c.error().subject, "credential_process");
  EXPECT_EQ(c.error().message, "sh exited with status 3: token expired, log in");
  EXPECT_THAT(c.error().message, Not(HasSubstr("hunter2")));
}

TEST(ProcessFetcherTest, ASignalAndSilenceAreSaidSo) {
  auto killed = RunHelper("sh -c 'kill -9 $$'");
  ASSERT_FALSE(killed);
  EXPECT_EQ(killed.error().message,
            "sh was killed by signal 9 and wrote nothing on standard error");
  auto silent = RunHelper("false");
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().message,
            "false exited with status 1 and wrote nothing on standard error");
}

TEST(ProcessFetcherTest, AProgramThatDoesNotFinishIsStopped) {
  ProcessOptions options;
  options.timeout = std::chrono::milliseconds(100);
  auto c = RunHelper("sleep 30", options);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "sleep did not finish within 100 ms and was stopped");
}

TEST(ProcessFetcherTest, TooMuchOutputIsStopped) {
  ProcessOptions options;
  options.max_output = 1000;
  auto c = RunHelper("head -c 5000 /dev/zero", options);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "head printed more than 1000 bytes on standard output and was stopped");
}

TEST(ProcessFetcherTest, OutputItCannotUseIsAnErrorWithoutTheOutput) {
  for (
      const auto& [command, message] : std::vector<std::pair<std::string, std::string>>{
          {"echo not-json-SECRET", "echo did not print a JSON object on standard output"},
          {R"(printf '{"Version":2,"AccessKeyId":"A","SecretAccessKey":"SECRET"}')",
           "printf printed Version 2; the supported Version is 1"},
          {R"(printf '{"AccessKeyId":"A","SecretAccessKey":"SECRET"}')",
           "printf printed Version (none); the supported Version is 1"},
          {R"(printf '{"Version":1,"AccessKeyId":"A"}')",
           "printf printed no SecretAccessKey (a string)"},
          {R"(printf '{"Version":1,"AccessKeyId":"A","SecretAccessKey":"SECRET","Expiration":"soon"}')",
           "printf printed an Expiration that is not an ISO 8601 time: soon"}}) {
    auto c = RunHelper(command);
    ASSERT_FALSE(c) << command;
    EXPECT_EQ(c.error().message, message);
    EXPECT_THAT(c.error().message, Not(HasSubstr("SECRET")));
  }
}

TEST(ProcessFetcherTest, AProgramThatCannotBeRunIsAnInvalidArgument) {
  auto c = RunHelper("/nonexistent/helper --x");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.error().message, "cannot run /nonexistent/helper: No such file or directory");
}

// --- SSO -----------------------------------------------------------------------------------------

TEST(SsoSettingsTest, ASessionSectionSuppliesTheStartUrlAndRegion) {
  const IniFile config = ParseIni(
      "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\n"
      "sso_role_name = Writer\nregion = eu-west-1\n"
      "[sso-session my-sso]\nsso_start_url = https://d-abc123.awsapps.com/start\n"
      "sso_region = us-east-1\n");
  auto s = ReadSsoSettings(config, "/h/.aws/config", "dev");
  ASSERT_TRUE(s) << s.error().ToString();
  ASSERT_TRUE(*s);
  EXPECT_EQ((*s)->session, "my-sso");
  EXPECT_EQ((*s)->start_url, "https://d-abc123.awsapps.com/start");
  EXPECT_EQ((*s)->region, "us-east-1");
  EXPECT_EQ((*s)->account_id, "111122223333");
  EXPECT_EQ((*s)->role_name, "Writer");
  // botocore's cache key: the SHA-1 of the session name.
  EXPECT_EQ(SsoTokenPath(**s, "/h"),
            "/h/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json");
}

TEST(SsoSettingsTest, LegacyProfilesCarryEverythingAndHashTheStartUrl) {
  const IniFile config = ParseIni(
      "[default]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = us-east-1\n"
      "sso_account_id = 111122223333\nsso_role_name = Writer\n");
  auto s = ReadSsoSettings(config, "/h/.aws/config", "default");
  ASSERT_TRUE(s && *s);
  EXPECT_FALSE((*s)->session);
  EXPECT_EQ(SsoTokenPath(**s, "/h"),
            "/h/.aws/sso/cache/40a89917e3175433e361b710a9d43528d7f1890a.json");
}

TEST(SsoSettingsTest, AProfileWithoutAccountOrRoleIsNotSso) {
  const IniFile config = ParseIni("[profile dev]\nsso_session = my-sso\nregion = eu-west-1\n");
  auto s = ReadSsoSettings(config, "/c", "dev");
  ASSERT_TRUE(s);
  EXPECT_FALSE(*s);
  EXPECT_FALSE(*ReadSsoSettings(config, "/c", "absent"));
}

TEST(SsoSettingsTest, IncompleteOrInconsistentSettingsAreListed) {
  auto missing = ReadSsoSettings(ParseIni("[profile dev]\nsso_role_name = Writer\n"), "/c", "dev");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(missing.error().subject, "profile dev");
  EXPECT_EQ(missing.error().message,
            "profile dev in /c is set up for SSO but lacks sso_start_url, sso_region, "
            "sso_account_id");
  auto no_section = ReadSsoSettings(
      ParseIni("[profile dev]\nsso_session = gone\nsso_role_name = W\nsso_account_id = 1\n"), "/c",
      "dev");
  ASSERT_FALSE(no_section);
  EXPECT_THAT(no_section.error().message, HasSubstr("there is no [sso-session gone] section"));
  auto differs = ReadSsoSettings(
      ParseIni("[profile dev]\nsso_session = s\nsso_role_name = W\nsso_account_id = 1\n"
               "sso_region = eu-west-1\n[sso-session s]\nsso_start_url = https://x/start\n"
               "sso_region = us-east-1\n"),
      "/c", "dev");
  ASSERT_FALSE(differs);
  EXPECT_THAT(differs.error().message, HasSubstr("sets sso_region to a value other than"));
}

class SsoFetcherTest : public ::testing::Test {
 protected:
  SsoFetcherTest() {
    settings_.profile = "dev";
    settings_.session = "my-sso";
    settings_.start_url = "https://d-abc123.awsapps.com/start";
    settings_.region = "us-east-1";
    settings_.account_id = "111122223333";
    settings_.role_name = "Writer Role";
    clock_.SetWall(*ParseS3Time("2026-12-05T10:00:00Z"));
  }
  Result<Credentials> Fetch() {
    return SsoCredentialsFetcher(settings_, "/h", ReaderOf(files_), http_, clock_,
                                 "http://portal.test")();
  }
  void CacheToken(std::string expires_at) {
    (*files_)[SsoTokenPath(settings_, "/h")] =
        R"({"startUrl":"https://d-abc123.awsapps.com/start","region":"us-east-1",)"
        R"("accessToken":"sso-access-token","expiresAt":")" +
        expires_at + "\"}";
  }

  SsoSettings settings_;
  testing::ScriptedHttp http_;
  testing::FakeClock clock_;
  Files files_ = std::make_shared<std::map<std::string, std::string>>();
};

TEST_F(SsoFetcherTest, TradesTheCachedTokenForRoleCredentials) {
  CacheToken("2026-12-05T18:00:00Z");
  http_.On("GET /federation/credentials",
           {{200, R"({"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"sso-secret",)"
                  R"("sessionToken":"sso-session","expiration":1796468400000}})"}});
  auto c = Fetch();
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIASSO");
  EXPECT_EQ(c->secret_access_key, "sso-secret");
  EXPECT_EQ(c->session_token, "sso-session");
  EXPECT_EQ(c->expiration, std::chrono::system_clock::time_point(seconds(1796468400)));
  const auto sent = http_.Requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(
      sent[0].url,
      "http://portal.test/federation/credentials?account_id=111122223333&role_name=Writer%20Role");
  EXPECT_EQ(sent[0].Header("x-amz-sso_bearer_token"), "sso-access-token");
}

TEST_F(SsoFetcherTest, TheOldUtcSuffixOfExpiresAtIsRead) {
  CacheToken("2026-12-05T18:00:00UTC");
  http_.On("GET /federation/credentials",
           {{200, R"({"roleCredentials":{"accessKeyId":"A","secretAccessKey":"s",)"
                  R"("sessionToken":"t","expiration":1796468400000}})"}});
  EXPECT_TRUE(Fetch());
}

TEST_F(SsoFetcherTest, AMissingOrExpiredTokenSaysToLogIn) {
  auto missing = Fetch();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(missing.error().message,
            "no SSO token is cached in /h/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c"
            ".json; run `aws sso login --profile dev`");
  CacheToken("2026-12-05T09:59:59Z");
  auto expired = Fetch();
  ASSERT_FALSE(expired);
  EXPECT_THAT(expired.error().message, AllOf(HasSubstr("expired at 2026-12-05T09:59:59Z"),
                                             HasSubstr("run `aws sso login --profile dev`")));
  (*files_)[SsoTokenPath(settings_, "/h")] = R"({"accessToken":"x"})";
  auto broken = Fetch();
  ASSERT_FALSE(broken);
  EXPECT_THAT(broken.error().message, HasSubstr("is not an SSO token (accessToken and expiresAt)"));
  EXPECT_TRUE(http_.Requests().empty());
}

TEST_F(SsoFetcherTest, APortalRefusalSaysToLogInAndOtherAnswersAreQuoted) {
  CacheToken("2026-12-05T18:00:00Z");
  http_.On("GET /federation/credentials",
           {{401, R"({"message":"Session token not found or invalid"})"}});
  auto refused = Fetch();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(refused.error().message, AllOf(HasSubstr("Session token not found or invalid"),
                                             HasSubstr("run `aws sso login --profile dev`")));
  EXPECT_THAT(refused.error().message, Not(HasSubstr("sso-access-token")));
  http_.On("GET /federation/credentials", {{500, R"({"message":"internal"})"}});
  auto down = Fetch();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  http_.On("GET /federation/credentials", {{200, R"({"roleCredentials":{}})"}});
  auto empty = Fetch();
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInternal);
}

TEST(SsoPortalUrlTest, IsTheRegionalPortal) {
  EXPECT_EQ(SsoPortalUrl("eu-west-1"), "https://portal.sso.eu-west-1.amazonaws.com");
}

}  // namespace
}  // namespace s3u::s3
