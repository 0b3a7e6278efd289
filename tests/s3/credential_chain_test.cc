// The credential chain without a network: STS, SSO, container and instance metadata answers
// come from a scripted HttpClient; credential_process runs real /bin/sh commands.
#include "s3/credential_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "s3/client.h"
#include "s3/sts.h"
#include "support/fake_clock.h"
#include "support/scripted_http.h"

namespace s3u::s3 {
namespace {

using ::s3u::testing::Answer;
using ::s3u::testing::FakeClock;
using ::s3u::testing::ScriptedHttp;
using ::s3u::testing::SentRequest;
using ::testing::HasSubstr;
using ::testing::Not;

const std::chrono::system_clock::time_point kStart =
    std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + std::chrono::hours(10);

std::string Iso(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(secs - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// An STS answer with credentials "<key>" that expire at `expires`.
std::string StsAnswer(const std::string& action, const std::string& key,
                      std::chrono::system_clock::time_point expires,
                      const std::string& arn = "arn:aws:sts::123456789012:assumed-role/R/s") {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
         "Result><Credentials><AccessKeyId>" + key + "</AccessKeyId><SecretAccessKey>secret-" +
         key + "</SecretAccessKey><SessionToken>token-" + key + "</SessionToken><Expiration>" +
         Iso(expires) + "</Expiration></Credentials><AssumedRoleUser><Arn>" + arn +
         "</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></" + action + "Result></" +
         action + "Response>";
}

// "Action=AssumeRole&RoleArn=..." -> value of `name` (still encoded).
std::string FormValue(const std::string& body, const std::string& name) {
  const std::string needle = name + "=";
  size_t at = 0;
  while ((at = body.find(needle, at)) != std::string::npos) {
    if (at == 0 || body[at - 1] == '&') {
      const size_t end = body.find('&', at);
      return body.substr(at + needle.size(),
                         end == std::string::npos ? std::string::npos : end - at - needle.size());
    }
    at += needle.size();
  }
  return {};
}

// "Credential=AKID/..." of a signed request.
std::string SignedBy(const SentRequest& r) {
  const std::string auth = r.Header("Authorization");
  const size_t at = auth.find("Credential=");
  if (at == std::string::npos) return {};
  return auth.substr(at + 11, auth.find('/', at) - at - 11);
}

struct World {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;
  std::optional<std::string> profile_flag;

  AwsSettingsInput Input() {
    AwsSettingsInput in;
    in.getenv = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    in.read_file = [this](const std::string& path) -> std::optional<std::string> {
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    in.home = "/home/u";
    in.flag_profile = profile_flag;
    return in;
  }
};

constexpr char kCredPath[] = "/home/u/.aws/credentials";
constexpr char kConfigPath[] = "/home/u/.aws/config";

// A fake STS/S3 world: AssumeRole and AssumeRoleWithWebIdentity issue ASIA1, ASIA2, ...
// (each valid `lifetime`), or fail while `sts_down`.
struct FakeAws {
  FakeClock clock{kStart};
  Logger log{LogLevel::kOff};
  std::chrono::minutes lifetime{60};
  bool sts_down = false;
  int issued = 0;
  std::function<Result<http::Response>(const SentRequest&)> other;
  ScriptedHttp http{[this](const SentRequest& r) -> Result<http::Response> {
    const std::string action = FormValue(r.body, "Action");
    if (r.method == "POST" && (action == "AssumeRole" || action == "AssumeRoleWithWebIdentity")) {
      if (sts_down)
        return Answer(
            503, "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>");
      return Answer(200,
                    StsAnswer(action, "ASIA" + std::to_string(++issued), clock.Now() + lifetime,
                              "arn:aws:sts::123456789012:assumed-role/Writer/" +
                                  FormValue(r.body, "RoleSessionName")));
    }
    if (other) return other(r);
    return Answer(404, "");
  }};

  std::vector<SentRequest> StsCalls() const {
    std::vector<SentRequest> out;
    for (const auto& r : http.Sent()) {
      if (r.url.find("sts.") != std::string::npos) out.push_back(r);
    }
    return out;
  }
};

std::unique_ptr<CredentialsProvider> Chain(World& w, FakeAws& aws) {
  auto chain = MakeDefaultChain(w.Input(), aws.http, aws.clock, aws.log);
  EXPECT_TRUE(chain.has_value()) << chain.error().ToString();
  return std::move(*chain);
}

// --- STS parsing and endpoints -----------------------------------------------------------------

TEST(StsTest, ParsesAssumeRoleAnswer) {
  auto c = ParseStsCredentials(StsAnswer("AssumeRole", "ASIAX", kStart), "AssumeRole");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->credentials.access_key_id, "ASIAX");
  EXPECT_EQ(c->credentials.secret_access_key, "secret-ASIAX");
  EXPECT_EQ(c->credentials.session_token, "token-ASIAX");
  EXPECT_EQ(c->credentials.expiration, kStart);
  EXPECT_EQ(c->arn, "arn:aws:sts::123456789012:assumed-role/R/s");
}

TEST(StsTest, AnswerWithoutSessionTokenIsRefused) {
  auto c = ParseStsCredentials(
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
      "<SecretAccessKey>S</SecretAccessKey><Expiration>2026-11-24T10:00:00Z</Expiration>"
      "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
      "AssumeRole");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kInternal);
  EXPECT_THAT(c.error().message, HasSubstr("SessionToken"));
  EXPECT_FALSE(ParseStsCredentials("not xml <", "AssumeRole").has_value());
}

TEST(StsTest, ErrorAnswersMapToCodes) {
  auto body = [](const std::string& code) {
    return "<ErrorResponse><Error><Type>Sender</Type><Code>" + code +
           "</Code><Message>why &amp; how</Message></Error></ErrorResponse>";
  };
  EXPECT_EQ(MapStsError("AssumeRole", 403, body("AccessDenied")).code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(MapStsError("AssumeRole", 400, body("ExpiredToken")).code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(MapStsError("AssumeRole", 403, body("InvalidClientTokenId")).code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(MapStsError("AssumeRoleWithWebIdentity", 400, body("InvalidIdentityToken")).code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(MapStsError("AssumeRole", 400, body("Throttling")).code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(MapStsError("AssumeRole", 503, "").code, ErrorCode::kUnavailable);
  EXPECT_EQ(MapStsError("AssumeRole", 400, body("ValidationError")).code,
            ErrorCode::kInvalidArgument);
  const Error e = MapStsError("AssumeRole", 403, body("AccessDenied"));
  EXPECT_EQ(e.subject, "sts AssumeRole");
  EXPECT_THAT(e.message, HasSubstr("AccessDenied: why & how"));
  // radosgw answers S3-style <Error> documents, sometimes without a code.
  EXPECT_EQ(MapStsError("AssumeRole", 403, "<Error><Code>Unknown</Code></Error>").code,
            ErrorCode::kPermissionDenied);
}

TEST(StsTest, CallerIdentity) {
  auto arn = ParseCallerIdentity(
      "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/u</Arn>"
      "</GetCallerIdentityResult></GetCallerIdentityResponse>");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(*arn, "arn:aws:iam::1:user/u");
  EXPECT_FALSE(ParseCallerIdentity("<GetCallerIdentityResponse/>").has_value());
}

TEST(StsTest, EndpointOrder) {
  World w;
  w.env["AWS_REGION"] = "eu-west-1";
  auto s = ResolveStsSettings(w.Input());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->endpoint_url, "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(s->region, "eu-west-1");
  w.env["AWS_REGION"] = "cn-north-1";
  EXPECT_EQ(ResolveStsSettings(w.Input())->endpoint_url, "https://sts.cn-north-1.amazonaws.com.cn");

  auto in = w.Input();
  in.flag_endpoint_url = "http://127.0.0.1:9000";  // S3's flag never moves STS
  EXPECT_EQ(ResolveStsSettings(in)->endpoint_url, "https://sts.cn-north-1.amazonaws.com.cn");

  w.files[kConfigPath] =
      "[default]\nservices = local\nendpoint_url = http://profile:1\n"
      "[services local]\nsts =\n  endpoint_url = http://services:1\n";
  EXPECT_EQ(ResolveStsSettings(w.Input())->endpoint_url, "http://services:1");
  w.env["AWS_ENDPOINT_URL"] = "http://global:1";
  EXPECT_EQ(ResolveStsSettings(w.Input())->endpoint_url, "http://global:1");
  w.env["AWS_ENDPOINT_URL_STS"] = "http://sts-only:1";
  EXPECT_EQ(ResolveStsSettings(w.Input())->endpoint_url, "http://sts-only:1");
  w.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(ResolveStsSettings(w.Input())->endpoint_url, "https://sts.cn-north-1.amazonaws.com.cn");
  w.env.erase("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  w.env["AWS_ENDPOINT_URL_STS"] = "ftp://nope";
  auto bad = ResolveStsSettings(w.Input());
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().subject, "AWS_ENDPOINT_URL_STS");
}

TEST(StsTest, AssumeRoleRequestIsSignedForStsAndCarriesEveryParameter) {
  FakeAws aws;
  StsClient sts(aws.http, aws.clock, {"https://sts.eu-west-1.amazonaws.com", "eu-west-1"});
  AssumeRoleParams p{"arn:aws:iam::123456789012:role/Writer", "my-session", "ext id/1", 3600};
  auto c = sts.AssumeRole({"AKIDBASE", "base-secret", "", std::nullopt}, p);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  const auto sent = aws.http.Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_EQ(FormValue(sent[0].body, "Version"), "2011-06-15");
  EXPECT_EQ(FormValue(sent[0].body, "RoleArn"),
            "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FWriter");
  EXPECT_EQ(FormValue(sent[0].body, "RoleSessionName"), "my-session");
  EXPECT_EQ(FormValue(sent[0].body, "ExternalId"), "ext%20id%2F1");
  EXPECT_EQ(FormValue(sent[0].body, "DurationSeconds"), "3600");
  EXPECT_THAT(sent[0].Header("Authorization"),
              HasSubstr("Credential=AKIDBASE/20261124/eu-west-1/sts/aws4_request"));
  EXPECT_THAT(sent[0].Header("Content-Type"), HasSubstr("application/x-www-form-urlencoded"));
  EXPECT_EQ(sent[0].Header("x-amz-security-token"), "");
  EXPECT_THAT(sent[0].body, Not(HasSubstr("base-secret")));
}

// --- The chain's order ---------------------------------------------------------------------------

TEST(ChainTest, FlagsBeatEnvironmentWhichBeatsRoleProfiles) {
  World w;
  FakeAws aws;
  w.env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  w.env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  w.files[kConfigPath] =
      "[default]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = Environment\n";
  auto in = w.Input();
  in.flag_access_key = "AKIDFLAG";
  in.flag_secret_key = "flag-secret";
  auto flags = MakeDefaultChain(in, aws.http, aws.clock, aws.log);
  ASSERT_TRUE(flags.has_value());
  EXPECT_EQ((*flags)->Get()->access_key_id, "AKIDFLAG");
  EXPECT_EQ((*flags)->Describe(), "flags");

  auto env = Chain(w, aws);
  EXPECT_EQ(env->Get()->access_key_id, "AKIDENV");
  EXPECT_EQ(env->Describe(), "environment");
  EXPECT_TRUE(aws.http.Sent().empty());
}

TEST(ChainTest, RoleProfileWithSourceProfileAssumesTheRole) {
  World w;
  FakeAws aws;
  w.files[kCredPath] = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n";
  w.files[kConfigPath] =
      "[profile writer]\nrole_arn = arn:aws:iam::123456789012:role/Writer\n"
      "source_profile = base\nexternal_id = ext-42\nrole_session_name = nightly\n"
      "duration_seconds = 7200\nregion = us-west-2\n";
  w.env["AWS_PROFILE"] = "writer";
  auto chain = Chain(w, aws);
  auto c = chain->Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->session_token, "token-ASIA1");
  EXPECT_EQ(chain->Describe(), "assume-role arn:aws:iam::123456789012:role/Writer");
  EXPECT_EQ(chain->IdentityArn(), "arn:aws:sts::123456789012:assumed-role/Writer/nightly");
  const auto calls = aws.StsCalls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].url, "https://sts.us-west-2.amazonaws.com/");
  EXPECT_EQ(SignedBy(calls[0]), "AKIDBASE");
  EXPECT_EQ(FormValue(calls[0].body, "ExternalId"), "ext-42");
  EXPECT_EQ(FormValue(calls[0].body, "RoleSessionName"), "nightly");
  EXPECT_EQ(FormValue(calls[0].body, "DurationSeconds"), "7200");
  // Cached: a second Get asks nobody.
  EXPECT_EQ(chain->Get()->access_key_id, "ASIA1");
  EXPECT_EQ(aws.StsCalls().size(), 1u);
}

TEST(ChainTest, RoleChainsThroughSourceProfiles) {
  World w;
  FakeAws aws;
  w.files[kConfigPath] =
      "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = c\n"
      "[profile c]\naws_access_key_id = AKIDC\naws_secret_access_key = s\n";
  w.profile_flag = "a";
  auto c = Chain(w, aws)->Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  const auto calls = aws.StsCalls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(SignedBy(calls[0]), "AKIDC");
  EXPECT_THAT(FormValue(calls[0].body, "RoleArn"), HasSubstr("role%2FB"));
  EXPECT_EQ(SignedBy(calls[1]), "ASIA1");
  EXPECT_EQ(calls[1].Header("x-amz-security-token"), "token-ASIA1");
  EXPECT_THAT(FormValue(calls[1].body, "RoleArn"), HasSubstr("role%2FA"));
  EXPECT_EQ(c->access_key_id, "ASIA2");
}

TEST(ChainTest, RoleProfileMistakesNameTheSetting) {
  FakeAws aws;
  auto error_for = [&](const std::string& config) {
    World w;
    w.files[kConfigPath] = config;
    w.profile_flag = "a";
    auto c = Chain(w, aws)->Get();
    EXPECT_FALSE(c.has_value());
    return c ? Error{} : c.error();
  };
  EXPECT_THAT(error_for("[profile a]\nrole_arn = r\nsource_profile = b\n"
                        "[profile b]\nrole_arn = r\nsource_profile = a\n")
                  .message,
              HasSubstr("loop"));
  EXPECT_THAT(error_for("[profile a]\nrole_arn = r\nsource_profile = missing\n").message,
              HasSubstr("does not exist"));
  EXPECT_THAT(error_for("[profile a]\nrole_arn = r\n").message,
              HasSubstr("neither source_profile nor credential_source"));
  EXPECT_THAT(error_for("[profile a]\nrole_arn = r\ncredential_source = Nowhere\n").message,
              HasSubstr("Environment, Ec2InstanceMetadata or EcsContainer"));
  EXPECT_EQ(error_for("[profile a]\nrole_arn = r\ncredential_source = Environment\n"
                      "duration_seconds = 60\n")
                .subject,
            "duration_seconds");
  EXPECT_TRUE(aws.StsCalls().empty());
}

TEST(ChainTest, CredentialSourceEnvironmentWithProfileFlag) {
  World w;
  FakeAws aws;
  w.env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  w.env["AWS_SECRET_ACCESS_KEY"] = "s";
  w.files[kConfigPath] =
      "[profile r]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = Environment\n";
  w.profile_flag = "r";  // --profile skips the environment step, not credential_source
  auto c = Chain(w, aws)->Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(SignedBy(aws.StsCalls().at(0)), "AKIDENV");
}

TEST(ChainTest, WebIdentityFromTheEnvironmentIsUnsigned) {
  World w;
  FakeAws aws;
  w.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
  w.env["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/Pod";
  w.env["AWS_ROLE_SESSION_NAME"] = "pod-1";
  w.files["/var/run/token"] = "eyJ.token.sig\n";
  auto chain = Chain(w, aws);
  auto c = chain->Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIA1");
  const auto call = aws.StsCalls().at(0);
  EXPECT_EQ(FormValue(call.body, "Action"), "AssumeRoleWithWebIdentity");
  EXPECT_EQ(FormValue(call.body, "WebIdentityToken"), "eyJ.token.sig");
  EXPECT_EQ(FormValue(call.body, "RoleSessionName"), "pod-1");
  EXPECT_EQ(call.Header("Authorization"), "");
  EXPECT_EQ(chain->Describe(), "web identity arn:aws:iam::1:role/Pod");
  EXPECT_EQ(chain->IdentityArn(), "arn:aws:sts::123456789012:assumed-role/Writer/pod-1");

  // The token file is re-read at each fetch (EKS rotates it).
  w.files["/var/run/token"] = "eyJ.rotated";
  aws.clock.Advance(std::chrono::seconds(2));
  ASSERT_TRUE(chain->Refresh().has_value());
  EXPECT_EQ(FormValue(aws.StsCalls().at(1).body, "WebIdentityToken"), "eyJ.rotated");

  w.files.erase("/var/run/token");
  aws.clock.Advance(std::chrono::seconds(2));
  auto gone = chain->Refresh();
  ASSERT_FALSE(gone.has_value());
  EXPECT_THAT(gone.error().message, HasSubstr("web identity arn:aws:iam::1:role/Pod"));
  EXPECT_THAT(gone.error().message, HasSubstr("/var/run/token"));
}

TEST(ChainTest, WebIdentityNeedsARole) {
  World w;
  FakeAws aws;
  w.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
  auto c = Chain(w, aws)->Get();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().subject, "AWS_ROLE_ARN");
}

TEST(ChainTest, RoleProfileBeatsWebIdentityAndProfileFlagSkipsItsVariables) {
  World w;
  FakeAws aws;
  w.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
  w.env["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/Pod";
  w.files["/var/run/token"] = "t";
  w.files[kCredPath] = "[k]\naws_access_key_id = AKIDK\naws_secret_access_key = s\n";
  w.files[kConfigPath] = "[default]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = k\n";
  auto chain = Chain(w, aws);
  ASSERT_TRUE(chain->Get().has_value());
  EXPECT_EQ(FormValue(aws.StsCalls().at(0).body, "Action"), "AssumeRole");

  World v;
  v.env = w.env;
  v.files = w.files;
  v.files[kConfigPath] = "[profile k]\nregion = us-east-1\n";
  v.profile_flag = "k";
  FakeAws aws2;
  auto keys = Chain(v, aws2);
  ASSERT_TRUE(keys->Get().has_value());
  EXPECT_EQ(keys->Get()->access_key_id, "AKIDK");
  EXPECT_TRUE(aws2.StsCalls().empty());
}

TEST(ChainTest, SsoUsesTheCachedTokenOfTheSession) {
  World w;
  FakeAws aws;
  w.files[kConfigPath] =
      "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
      "sso_role_name = Writer\n[sso-session corp]\nsso_region = eu-central-1\n"
      "sso_start_url = https://corp.awsapps.com/start\n";
  w.profile_flag = "dev";
  // sha1("corp")
  const std::string cache = "/home/u/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";
  w.files[cache] = "{\"accessToken\": \"sso-access\", \"expiresAt\": \"" +
                   Iso(kStart + std::chrono::hours(8)) + "\"}";
  const auto expires_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              (kStart + std::chrono::hours(1)).time_since_epoch())
                              .count();
  aws.other = [&](const SentRequest&) -> Result<http::Response> {
    return Answer(200,
                  "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":"
                  "\"s\",\"sessionToken\":\"t\",\"expiration\":" +
                      std::to_string(expires_ms) + "}}");
  };
  auto chain = Chain(w, aws);
  auto c = chain->Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIASSO");
  EXPECT_EQ(c->expiration, kStart + std::chrono::hours(1));
  const auto sent = aws.http.Sent().at(0);
  EXPECT_EQ(sent.url,
            "https://portal.sso.eu-central-1.amazonaws.com/federation/credentials?"
            "account_id=111122223333&role_name=Writer");
  EXPECT_EQ(sent.Header("x-amz-sso_bearer_token"), "sso-access");

  w.files[cache] = "{\"accessToken\": \"old\", \"expiresAt\": \"" + Iso(kStart) + "\"}";
  World expired = w;
  auto again = Chain(expired, aws)->Get();
  ASSERT_FALSE(again.has_value());
  EXPECT_THAT(again.error().message, HasSubstr("aws sso login"));
}

TEST(ChainTest, CredentialsFileBeatsProcessWhichBeatsConfigFileKeys) {
  FakeAws aws;
  World w;
  w.files[kConfigPath] =
      "[default]\ncredential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\","
      "\"SecretAccessKey\":\"s\"}'\naws_access_key_id = AKIDCONFIG\n"
      "aws_secret_access_key = s\n";
  auto process = Chain(w, aws);
  auto c = process->Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDPROC");
  EXPECT_EQ(process->Describe(), "credential_process");

  w.files[kCredPath] = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n";
  EXPECT_EQ(Chain(w, aws)->Get()->access_key_id, "AKIDFILE");

  World config_only;
  config_only.files[kConfigPath] =
      "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n";
  EXPECT_EQ(Chain(config_only, aws)->Get()->access_key_id, "AKIDCONFIG");
}

TEST(ProcessProviderTest, ReadsTemporaryCredentialsAndReportsFailures) {
  FakeClock clock(kStart);
  Logger log(LogLevel::kOff);
  const std::string expires = Iso(kStart + std::chrono::hours(1));
  ProcessProvider ok(
      "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAP\", \"SecretAccessKey\": "
      "\"s\", \"SessionToken\": \"t\", \"Expiration\": \"" +
          expires + "\"}'",
      clock, log);
  auto c = ok.Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->session_token, "t");
  EXPECT_EQ(c->expiration, kStart + std::chrono::hours(1));

  ProcessProvider fails("echo '{\"AccessKeyId\": \"leak\"}'; exit 3", clock, log);
  auto f = fails.Get();
  ASSERT_FALSE(f.has_value());
  EXPECT_THAT(f.error().message, HasSubstr("credentials from credential_process could not be "
                                           "obtained"));
  EXPECT_THAT(f.error().message, HasSubstr("status 3"));
  EXPECT_THAT(f.error().message, Not(HasSubstr("leak")));

  EXPECT_THAT(ParseProcessCredentials("{\"Version\":2,\"AccessKeyId\":\"a\","
                                      "\"SecretAccessKey\":\"s\"}",
                                      "p")
                  .error()
                  .message,
              HasSubstr("Version"));
  EXPECT_THAT(ParseProcessCredentials("{\"Version\":1}", "p").error().message,
              HasSubstr("AccessKeyId"));
  EXPECT_FALSE(ParseProcessCredentials("nope", "p").has_value());
}

TEST(ChainTest, ContainerCredentialsWithTokenFile) {
  World w;
  FakeAws aws;
  w.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9911/creds";
  w.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "plain-token";
  w.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "/var/run/container-token";
  w.files["/var/run/container-token"] = "file-token\n";
  aws.other = [&](const SentRequest&) -> Result<http::Response> {
    return Answer(200,
                  "{\"AccessKeyId\":\"ASIACONT\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
                  "\"Expiration\":\"" +
                      Iso(kStart + std::chrono::hours(6)) + "\"}");
  };
  auto chain = Chain(w, aws);
  auto c = chain->Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIACONT");
  const auto sent = aws.http.Sent().at(0);
  EXPECT_EQ(sent.url, "http://127.0.0.1:9911/creds");
  EXPECT_EQ(sent.Header("Authorization"), "file-token");
  EXPECT_EQ(sent.timeout, std::chrono::milliseconds(2000));

  World rel;
  rel.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  FakeAws aws2;
  aws2.other = aws.other;
  ASSERT_TRUE(Chain(rel, aws2)->Get().has_value());
  EXPECT_EQ(aws2.http.Sent().at(0).url, "http://169.254.170.2/v2/credentials/abc");
}

TEST(ChainTest, NothingConfiguredListsEveryPlace) {
  World w;
  FakeAws aws;
  w.env["AWS_EC2_METADATA_DISABLED"] = "true";
  auto c = Chain(w, aws)->Get();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(c.error().message, HasSubstr("AWS_WEB_IDENTITY_TOKEN_FILE"));
  EXPECT_THAT(c.error().message, HasSubstr("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
  EXPECT_THAT(c.error().message, HasSubstr("disabled by AWS_EC2_METADATA_DISABLED"));
  EXPECT_TRUE(aws.http.Sent().empty());
}

TEST(ChainTest, InstanceMetadataIsTheLastStep) {
  World w;
  FakeAws aws;
  aws.other = [&](const SentRequest& r) -> Result<http::Response> {
    if (r.method == "PUT") return Answer(200, "imds-token");
    if (r.url.ends_with("/security-credentials/")) return Answer(200, "InstanceRole\n");
    return Answer(200,
                  "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":"
                  "\"s\",\"Token\":\"t\",\"Expiration\":\"" +
                      Iso(kStart + std::chrono::hours(6)) + "\"}");
  };
  auto chain = Chain(w, aws);
  auto c = chain->Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  const auto sent = aws.http.Sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(sent[0].Header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(sent[0].timeout, std::chrono::milliseconds(1000));
  EXPECT_EQ(sent[2].url,
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/InstanceRole");
  EXPECT_EQ(sent[2].Header("x-aws-ec2-metadata-token"), "imds-token");

  // Unreachable metadata: no credentials, and the reason.
  World none;
  none.env["AWS_METADATA_SERVICE_TIMEOUT"] = "3";
  none.env["AWS_METADATA_SERVICE_NUM_ATTEMPTS"] = "2";
  FakeAws down;
  down.other = [](const SentRequest&) -> Result<http::Response> {
    return Fail(ErrorCode::kUnavailable, "PUT http://169.254.169.254/latest/api/token",
                "timed out");
  };
  auto e = Chain(none, down)->Get();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(e.error().message, HasSubstr("instance metadata"));
  ASSERT_EQ(down.http.Sent().size(), 2u);  // two attempts
  EXPECT_EQ(down.http.Sent()[0].timeout, std::chrono::milliseconds(3000));
}

// --- Refresh ------------------------------------------------------------------------------------

struct RoleFixture {
  FakeAws aws;
  std::unique_ptr<AssumeRoleProvider> role;
  RoleFixture() {
    role = std::make_unique<AssumeRoleProvider>(
        std::make_unique<StaticCredentialsProvider>(Credentials{"AKIDBASE", "s", "", {}}),
        AssumeRoleParams{"arn:aws:iam::1:role/Writer", "s3unload", "", std::nullopt},
        StsSettings{"https://sts.us-east-1.amazonaws.com", "us-east-1"}, aws.http, aws.clock,
        aws.log);
  }
};

TEST(RefreshTest, AdvisoryAndMandatoryWindows) {
  RoleFixture f;
  ASSERT_EQ(f.role->Get()->access_key_id, "ASIA1");
  f.aws.clock.Advance(std::chrono::minutes(44));  // 16 min left: still fresh
  EXPECT_EQ(f.role->Get()->access_key_id, "ASIA1");
  EXPECT_EQ(f.aws.StsCalls().size(), 1u);

  f.aws.clock.Advance(std::chrono::minutes(2));  // 14 min left: advisory refresh
  f.aws.sts_down = true;
  auto kept = f.role->Get();  // a failure there keeps the current credentials
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->access_key_id, "ASIA1");
  f.aws.sts_down = false;
  EXPECT_EQ(f.role->Get()->access_key_id, "ASIA2");

  f.aws.clock.Advance(std::chrono::minutes(51));  // 9 min left of ASIA2: mandatory
  f.aws.sts_down = true;
  auto failed = f.role->Get();
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().subject, "credentials");
  EXPECT_THAT(failed.error().message,
              HasSubstr("credentials from assume-role arn:aws:iam::1:role/Writer could not be "
                        "refreshed"));
  EXPECT_THAT(failed.error().message, HasSubstr("503"));
}

TEST(RefreshTest, ShortSessionsShrinkTheWindows) {
  RoleFixture f;
  f.aws.lifetime = std::chrono::minutes(15);  // the shortest AssumeRole session
  ASSERT_EQ(f.role->Get()->access_key_id, "ASIA1");
  f.aws.clock.Advance(std::chrono::minutes(7));
  EXPECT_EQ(f.role->Get()->access_key_id, "ASIA1");  // not refetched at every call
  f.aws.clock.Advance(std::chrono::minutes(1));      // past half its life
  EXPECT_EQ(f.role->Get()->access_key_id, "ASIA2");
}

TEST(RefreshTest, RefreshCallsWithinASecondShareOneFetch) {
  RoleFixture f;
  ASSERT_TRUE(f.role->Get().has_value());
  f.aws.clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(f.role->Refresh()->access_key_id, "ASIA2");
  EXPECT_EQ(f.role->Refresh()->access_key_id, "ASIA2");  // same second: shared
  f.aws.clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(f.role->Refresh()->access_key_id, "ASIA3");
}

TEST(RefreshTest, ExpiredBaseTokenIsRefreshedOnceForAssumeRole) {
  FakeAws aws;
  int base_refreshes = 0;
  struct Base final : CredentialsProvider {
    int* refreshes;
    explicit Base(int* r) : refreshes(r) {}
    Result<Credentials> Get() override { return Credentials{"AKIDOLD", "s", "t", {}}; }
    Result<Credentials> Refresh() override {
      ++*refreshes;
      return Credentials{"AKIDNEW", "s", "t", {}};
    }
  };
  bool first = true;
  ScriptedHttp http([&](const SentRequest& r) -> Result<http::Response> {
    if (first) {
      first = false;
      return Answer(400, "<ErrorResponse><Error><Code>ExpiredToken</Code></Error></ErrorResponse>");
    }
    EXPECT_EQ(SignedBy(r), "AKIDNEW");
    return Answer(200, StsAnswer("AssumeRole", "ASIAOK", kStart + std::chrono::hours(1)));
  });
  AssumeRoleProvider role(
      std::make_unique<Base>(&base_refreshes), {"arn:aws:iam::1:role/R", "s", "", std::nullopt},
      {"https://sts.us-east-1.amazonaws.com", "us-east-1"}, http, aws.clock, aws.log);
  auto c = role.Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAOK");
  EXPECT_EQ(base_refreshes, 1);
}

// Parts signed after a refresh use the new credentials; an ExpiredToken answer refreshes
// once and the part is sent again.
TEST(RefreshTest, MultipartUploadSwitchesCredentialsMidway) {
  FakeAws aws;
  std::vector<std::pair<std::string, std::string>> parts;  // (partNumber, signing key)
  bool expire_next_part = false;
  aws.other = [&](const SentRequest& r) -> Result<http::Response> {
    if (r.method == "POST" && r.url.find("?uploads") != std::string::npos) {
      return Answer(200,
                    "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
                    "</InitiateMultipartUploadResult>");
    }
    if (r.method == "PUT") {
      const size_t at = r.url.find("partNumber=");
      parts.emplace_back(r.url.substr(at + 11, 1), SignedBy(r));
      if (expire_next_part) {
        expire_next_part = false;
        return Answer(400,
                      "<Error><Code>ExpiredToken</Code><Message>The provided token has "
                      "expired.</Message></Error>");
      }
      http::Response ok = Answer(200, "");
      ok.headers.emplace_back("ETag", "\"e\"");
      return ok;
    }
    return Answer(404, "");
  };
  AssumeRoleProvider role(
      std::make_unique<StaticCredentialsProvider>(Credentials{"AKIDBASE", "s", "", {}}),
      {"arn:aws:iam::1:role/Writer", "s3unload", "", std::nullopt},
      {"https://sts.us-east-1.amazonaws.com", "us-east-1"}, aws.http, aws.clock, aws.log);
  ClientOptions options;
  options.endpoint_url = "http://127.0.0.1:1";
  auto client = S3Client::Create(aws.http, role, aws.clock, aws.log, options);
  ASSERT_TRUE(client.has_value());
  const S3Location loc{"bucket", "day/part"};
  auto upload = (*client)->CreateMultipartUpload(loc, {});
  ASSERT_TRUE(upload.has_value()) << upload.error().ToString();
  ASSERT_TRUE((*client)->UploadPart(loc, *upload, 1, "a", ChecksumAlgorithm::kMd5).has_value());
  aws.clock.Advance(std::chrono::minutes(50));  // into the advisory window
  ASSERT_TRUE((*client)->UploadPart(loc, *upload, 2, "b", ChecksumAlgorithm::kMd5).has_value());
  aws.clock.Advance(std::chrono::seconds(5));
  expire_next_part = true;  // the server says the token expired
  ASSERT_TRUE((*client)->UploadPart(loc, *upload, 3, "c", ChecksumAlgorithm::kMd5).has_value());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"1", "ASIA1"}, {"2", "ASIA2"}, {"3", "ASIA2"}, {"3", "ASIA3"}};
  EXPECT_EQ(parts, expected);
}

}  // namespace
}  // namespace s3u::s3
