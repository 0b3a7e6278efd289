#include "s3/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "support/fake_clock.h"

namespace s3u::s3 {
namespace {

using ::s3u::testing::FakeClock;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// 2026-11-24T10:00:00Z: a fixed start so expiry strings are known.
const std::chrono::system_clock::time_point kStart =
    std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + std::chrono::hours(10);

// An injected world: environment variables and files in maps the test can change.
struct World {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;
  int reads = 0;

  AwsSettingsInput Input() {
    AwsSettingsInput in;
    in.getenv = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    in.read_file = [this](const std::string& path) -> std::optional<std::string> {
      ++reads;
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    in.home = "/home/u";
    return in;
  }
};

constexpr char kCredPath[] = "/home/u/.aws/credentials";
constexpr char kConfigPath[] = "/home/u/.aws/config";

// --- ParseIni ------------------------------------------------------------------------------

TEST(ParseIniTest, SectionsKeysCommentsAndWhitespace) {
  const IniFile ini = ParseIni(
      "# comment\n"
      "; another\n"
      "[default]\n"
      "aws_access_key_id=AKIDEFAULT\n"
      "  AWS_Secret_Access_Key   =   secret/with+chars  \n"
      "region: eu-west-1 # inline comment\n"
      "\n"
      "[ profile   dev ]\r\n"
      "region = us-west-2\r\n");
  EXPECT_TRUE(ini.problems.empty());
  EXPECT_EQ(*ini.Find("default", "aws_access_key_id"), "AKIDEFAULT");
  EXPECT_EQ(*ini.Find("default", "aws_secret_access_key"), "secret/with+chars");
  EXPECT_EQ(*ini.Find("default", "region"), "eu-west-1");
  EXPECT_EQ(*ini.Find("profile dev", "region"), "us-west-2");
  EXPECT_EQ(ini.Find("default", "missing"), nullptr);
  EXPECT_EQ(ini.Find("nope", "region"), nullptr);
}

TEST(ParseIniTest, IndentedSettingAfterCompleteValueIsASetting) {
  const IniFile ini = ParseIni("[a]\nk = v\n  other = w\n");
  EXPECT_TRUE(ini.problems.empty());
  ASSERT_NE(ini.Find("a", "other"), nullptr);
  EXPECT_EQ(*ini.Find("a", "other"), "w");
}

TEST(ParseIniTest, HashInsideValueIsKept) {
  const IniFile ini = ParseIni("[a]\nk = abc#def\n");
  EXPECT_EQ(*ini.Find("a", "k"), "abc#def");
}

TEST(ParseIniTest, NestedServiceSectionsAreStoredDotted) {
  const IniFile ini = ParseIni(
      "[default]\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "  max_concurrent_requests = 20\n"
      "region = us-east-2\n");
  EXPECT_TRUE(ini.problems.empty());
  EXPECT_EQ(*ini.Find("default", "s3"), "");
  EXPECT_EQ(*ini.Find("default", "s3.addressing_style"), "path");
  EXPECT_EQ(*ini.Find("default", "s3.max_concurrent_requests"), "20");
  EXPECT_EQ(*ini.Find("default", "region"), "us-east-2");
}

TEST(ParseIniTest, BadLinesAreSkippedAndReportedWithoutValues) {
  const IniFile ini = ParseIni(
      "orphan = AKIDSECRETVALUE\n"
      "[default\n"
      "ignored = x\n"
      "[ok]\n"
      "just some words\n"
      "= novalue\n"
      "good = yes\n"
      "region = a\n"
      "   continued\n");
  ASSERT_EQ(ini.problems.size(), 6u);
  EXPECT_THAT(ini.problems[0], HasSubstr("line 1: setting outside any [section]"));
  EXPECT_THAT(ini.problems[1], HasSubstr("line 2: malformed section header"));
  EXPECT_THAT(ini.problems[2], HasSubstr("line 3"));
  EXPECT_THAT(ini.problems[3], HasSubstr("line 5"));
  EXPECT_THAT(ini.problems[4], HasSubstr("line 6"));
  EXPECT_THAT(ini.problems[5], HasSubstr("line 9: continuation line ignored"));
  for (const std::string& p : ini.problems) EXPECT_THAT(p, Not(HasSubstr("AKIDSECRETVALUE")));
  EXPECT_EQ(*ini.Find("ok", "good"), "yes");
  EXPECT_EQ(*ini.Find("ok", "region"), "a");
  EXPECT_FALSE(ini.HasSection("default"));
}

TEST(ParseIniTest, ContinuationOfNonEmptyValueIsReported) {
  const IniFile ini = ParseIni("[a]\nk = v\n  more\n");
  ASSERT_EQ(ini.problems.size(), 1u);
  EXPECT_THAT(ini.problems[0], HasSubstr("line 3: continuation"));
  EXPECT_EQ(*ini.Find("a", "k"), "v");
}

TEST(ParseIniTest, RepeatedSectionsMergeLastKeyWins) {
  const IniFile ini = ParseIni("[a]\nk = 1\nx = 1\n[b]\n[a]\nk = 2\n");
  EXPECT_EQ(*ini.Find("a", "k"), "2");
  EXPECT_EQ(*ini.Find("a", "x"), "1");
}

TEST(ParseIniTest, EmptyAndGarbageInputs) {
  EXPECT_TRUE(ParseIni("").sections.empty());
  EXPECT_TRUE(ParseIni("\n\n   \n").problems.empty());
  const IniFile bin = ParseIni(std::string("\0\x01[\xff]\n", 6));
  EXPECT_FALSE(bin.problems.empty());
}

// --- Credentials order ---------------------------------------------------------------------

TEST(ResolveAwsSettingsTest, FlagsWinOverEverything) {
  World w;
  w.env = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}};
  w.files[kCredPath] = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n";
  AwsSettingsInput in = w.Input();
  in.flag_access_key = "AKIDFLAG";
  in.flag_secret_key = "flagsecret";
  in.flag_session_token = "flagtoken";
  const auto s = ResolveAwsSettings(in);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDFLAG");
  EXPECT_EQ(s->credentials.secret_access_key, "flagsecret");
  EXPECT_EQ(s->credentials.session_token, "flagtoken");
  EXPECT_EQ(s->credentials_source, "flags");
}

TEST(ResolveAwsSettingsTest, FlagAccessKeyWithoutSecretNamesMissingFlag) {
  World w;
  AwsSettingsInput in = w.Input();
  in.flag_access_key = "AKIDFLAG";
  const auto s = ResolveAwsSettings(in);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().subject, "--secret-access-key");
}

TEST(ResolveAwsSettingsTest, FlagSecretWithoutAccessKeyNamesMissingFlag) {
  World w;
  AwsSettingsInput in = w.Input();
  in.flag_secret_key = "flagsecret";
  const auto s = ResolveAwsSettings(in);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().subject, "--access-key-id");
  EXPECT_THAT(s.error().message, Not(HasSubstr("flagsecret")));
}

TEST(ResolveAwsSettingsTest, SessionTokenFlagAloneIsRejected) {
  World w;
  AwsSettingsInput in = w.Input();
  in.flag_session_token = "tok";
  const auto s = ResolveAwsSettings(in);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST(ResolveAwsSettingsTest, EmptyFlagIsRejected) {
  World w;
  AwsSettingsInput in = w.Input();
  in.flag_region = " ";
  const auto s = ResolveAwsSettings(in);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().subject, "--region");
}

TEST(ResolveAwsSettingsTest, EnvironmentBeforeProfile) {
  World w;
  w.env = {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
           {"AWS_SECRET_ACCESS_KEY", "envsecret"},
           {"AWS_SESSION_TOKEN", "envtoken"},
           {"AWS_CREDENTIAL_EXPIRATION", "2026-11-24T11:00:00Z"}};
  w.files[kCredPath] = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(s->credentials.session_token, "envtoken");
  ASSERT_TRUE(s->credentials.expiration);
  EXPECT_EQ(s->credentials_source, "environment");
}

TEST(ResolveAwsSettingsTest, EnvironmentAccessKeyWithoutSecretIsInvalid) {
  World w;
  w.env = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}};
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().subject, "AWS_SECRET_ACCESS_KEY");
}

TEST(ResolveAwsSettingsTest, EnvironmentSecretAloneFallsThroughWithWarning) {
  World w;
  w.env = {{"AWS_SECRET_ACCESS_KEY", "envsecret"}};
  w.files[kCredPath] = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDFILE");
  ASSERT_EQ(s->warnings.size(), 1u);
  EXPECT_THAT(s->warnings[0], HasSubstr("AWS_SECRET_ACCESS_KEY is set without"));
}

TEST(ResolveAwsSettingsTest, EmptyEnvironmentValuesCountAsUnset) {
  World w;
  w.env = {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}, {"AWS_PROFILE", ""}};
  w.files[kCredPath] = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDFILE");
  EXPECT_EQ(s->profile, "default");
}

TEST(ResolveAwsSettingsTest, ProfileFlagDisablesEnvironmentKeys) {
  World w;
  w.env = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}};
  w.files[kCredPath] = "[work]\naws_access_key_id = AKIDWORK\naws_secret_access_key = w\n";
  AwsSettingsInput in = w.Input();
  in.flag_profile = "work";
  const auto s = ResolveAwsSettings(in);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDWORK");
  EXPECT_EQ(s->credentials_source, std::string("profile work in ") + kCredPath);
  EXPECT_THAT(s->warnings.at(0), HasSubstr("ignored because --profile"));
}

TEST(ResolveAwsSettingsTest, AwsProfileEnvDoesNotDisableEnvironmentKeys) {
  World w;
  w.env = {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
           {"AWS_SECRET_ACCESS_KEY", "envsecret"},
           {"AWS_PROFILE", "work"}};
  w.files[kCredPath] = "[work]\naws_access_key_id = AKIDWORK\naws_secret_access_key = w\n";
  w.files[kConfigPath] = "[profile work]\nregion = eu-north-1\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(s->profile, "work");
  EXPECT_EQ(s->region, "eu-north-1");  // the profile still supplies settings
}

TEST(ResolveAwsSettingsTest, DefaultProfileFromCredentialsFile) {
  World w;
  w.files[kCredPath] =
      "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n"
      "aws_session_token = filetoken\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDFILE");
  EXPECT_EQ(s->credentials.secret_access_key, "filesecret");
  EXPECT_EQ(s->credentials.session_token, "filetoken");
  EXPECT_EQ(s->credentials_source, "profile default in /home/u/.aws/credentials");
  EXPECT_EQ(s->profile, "default");
}

TEST(ResolveAwsSettingsTest, CredentialsFileBeforeConfigFile) {
  World w;
  w.files[kCredPath] = "[default]\naws_access_key_id = AKIDCRED\naws_secret_access_key = c\n";
  w.files[kConfigPath] = "[default]\naws_access_key_id = AKIDCONF\naws_secret_access_key = d\n";
  EXPECT_EQ(ResolveAwsSettings(w.Input())->credentials.access_key_id, "AKIDCRED");
}

TEST(ResolveAwsSettingsTest, NamedProfileFromConfigFileNeedsProfilePrefix) {
  World w;
  w.env = {{"AWS_PROFILE", "dev"}};
  w.files[kConfigPath] =
      "[dev]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = x\n"
      "[profile dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = y\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDDEV");
  EXPECT_EQ(s->credentials_source, std::string("profile dev in ") + kConfigPath);
}

TEST(ResolveAwsSettingsTest, DefaultProfileInConfigAcceptsBothHeaders) {
  World w;
  w.files[kConfigPath] =
      "[profile default]\naws_access_key_id = AKIDPD\naws_secret_access_key = y\n";
  EXPECT_EQ(ResolveAwsSettings(w.Input())->credentials.access_key_id, "AKIDPD");
}

TEST(ResolveAwsSettingsTest, FileLocationsFromEnvironmentWithTilde) {
  World w;
  w.env = {{"AWS_SHARED_CREDENTIALS_FILE", "~/creds"}, {"AWS_CONFIG_FILE", "/etc/aws.conf"}};
  w.files["/home/u/creds"] = "[default]\naws_access_key_id = AKIDALT\naws_secret_access_key = z\n";
  w.files["/etc/aws.conf"] = "[default]\nregion = ca-central-1\n";
  w.files[kCredPath] =
      "[default]\naws_access_key_id = AKIDDEFAULTPATH\naws_secret_access_key = q\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDALT");
  EXPECT_EQ(s->region, "ca-central-1");
  EXPECT_EQ(s->region_source, "profile default in /etc/aws.conf");
}

TEST(ResolveAwsSettingsTest, ProfileWithHalfAKeyPairIsInvalid) {
  World w;
  w.files[kCredPath] = "[default]\naws_access_key_id = AKIDHALF\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message, HasSubstr("has aws_access_key_id but no aws_secret_access_key"));
}

TEST(ResolveAwsSettingsTest, MissingNamedProfileIsNotFoundListingFiles) {
  World w;
  w.files[kCredPath] = "[default]\naws_access_key_id = A\naws_secret_access_key = b\n";
  AwsSettingsInput in = w.Input();
  in.flag_profile = "ghost";
  const auto s = ResolveAwsSettings(in);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().subject, "--profile");
  EXPECT_THAT(s.error().message,
              AllOf(HasSubstr("profile ghost not found in /home/u/.aws/credentials"),
                    HasSubstr("/home/u/.aws/config (missing)")));
}

TEST(ResolveAwsSettingsTest, MissingAwsProfileEnvIsNotFoundEvenWithEnvKeys) {
  World w;
  w.env = {
      {"AWS_PROFILE", "ghost"}, {"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}};
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().subject, "AWS_PROFILE");
}

TEST(ResolveAwsSettingsTest, NoCredentialsAnywhereListsWhereItLooked) {
  World w;
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(s.error().message, AllOf(HasSubstr("--access-key-id"), HasSubstr("AWS_ACCESS_KEY_ID"),
                                       HasSubstr("/home/u/.aws/credentials (missing)"),
                                       HasSubstr("/home/u/.aws/config (missing)")));
}

TEST(ResolveAwsSettingsTest, AnSsoProfileWithoutItsSessionSectionSaysWhatIsMissing) {
  World w;
  w.files[kConfigPath] =
      "[profile sso]\nsso_session = corp\nsso_account_id = 1\nregion = us-east-1\n";
  AwsSettingsInput in = w.Input();
  in.flag_profile = "sso";
  const auto s = ResolveAwsSettings(in);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message, HasSubstr("[sso-session corp]"));
}

TEST(ResolveAwsSettingsTest, ARoleProfileAssumesItsRoleWithItsSourceProfilesKeys) {
  World w;
  w.files[kCredPath] = "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n";
  w.files[kConfigPath] =
      "[profile writer]\nrole_arn = arn:aws:iam::123456789012:role/w\nsource_profile = base\n"
      "external_id = ext-1\nduration_seconds = 900\n";
  AwsSettingsInput in = w.Input();
  in.flag_profile = "writer";
  const auto s = ResolveAwsSettings(in);
  ASSERT_TRUE(s) << s.error().message;
  const auto* role = std::get_if<AssumeRoleSource>(&s->source.where);
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(role->role_arn, "arn:aws:iam::123456789012:role/w");
  EXPECT_EQ(role->external_id, "ext-1");
  EXPECT_EQ(role->session_name, "s3unload");
  EXPECT_EQ(role->duration_seconds, 900);
  const auto* base = std::get_if<Credentials>(&role->base->where);
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(base->access_key_id, "AKIDBASE");
  EXPECT_THAT(s->credentials_source, HasSubstr("assume-role arn:aws:iam::123456789012:role/w"));
  EXPECT_TRUE(s->credentials.access_key_id.empty());  // fetched later, not fixed
}

TEST(ResolveAwsSettingsTest, ASourceProfileCycleIsRefused) {
  World w;
  w.files[kConfigPath] =
      "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n";
  AwsSettingsInput in = w.Input();
  in.flag_profile = "a";
  const auto s = ResolveAwsSettings(in);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message, HasSubstr("cycle: a -> b -> a"));
}

TEST(ResolveAwsSettingsTest, WebIdentityFromTheEnvironmentComesBeforeTheProfilesKeys) {
  World w;
  w.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
  w.env["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/irsa";
  w.files[kCredPath] = "[default]\naws_access_key_id = AKID\naws_secret_access_key = s\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_TRUE(s) << s.error().message;
  const auto* web = std::get_if<WebIdentitySource>(&s->source.where);
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->token_file, "/var/run/token");
  EXPECT_EQ(web->role_arn, "arn:aws:iam::1:role/irsa");
}

TEST(ResolveAwsSettingsTest, ContainerThenInstanceMetadataEndTheChain) {
  World w;
  AwsSettingsInput in = w.Input();
  in.instance_metadata = true;
  auto s = ResolveAwsSettings(in);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(std::holds_alternative<InstanceMetadataSource>(s->source.where));
  w.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/x";
  s = ResolveAwsSettings(in);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(std::holds_alternative<ContainerSource>(s->source.where));
  w.env.clear();
  w.env["AWS_EC2_METADATA_DISABLED"] = "TRUE";
  EXPECT_FALSE(ResolveAwsSettings(in));
}

TEST(ResolveAwsSettingsTest, StsUsesTheS3EndpointUnlessItsOwnIsSet) {
  World w;
  w.env["AWS_ACCESS_KEY_ID"] = "AKID";
  w.env["AWS_SECRET_ACCESS_KEY"] = "s";
  AwsSettingsInput in = w.Input();
  in.flag_endpoint_url = "http://127.0.0.1:7480";
  auto s = ResolveAwsSettings(in);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sts_endpoint_url, "http://127.0.0.1:7480");
  w.env["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:9000";
  s = ResolveAwsSettings(in);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sts_endpoint_url, "http://127.0.0.1:9000");
}

TEST(ResolveAwsSettingsTest, NoHomeAndNoFunctionsStillAnswers) {
  AwsSettingsInput in;  // no getenv, no read_file, no home
  const auto s = ResolveAwsSettings(in);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(s.error().message, HasSubstr("HOME is not set"));
}

TEST(ResolveAwsSettingsTest, BadIniLinesBecomeWarnings) {
  World w;
  w.files[kCredPath] =
      "garbage line\n[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n";
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_TRUE(s) << s.error().ToString();
  ASSERT_EQ(s->warnings.size(), 1u);
  EXPECT_THAT(s->warnings[0], HasSubstr("/home/u/.aws/credentials: line 1"));
}

TEST(ResolveAwsSettingsTest, ErrorsNeverContainSecrets) {
  World w;
  w.files[kCredPath] = "[default]\naws_secret_access_key = TOPSECRETVALUE\n";
  w.env = {{"AWS_SECRET_ACCESS_KEY", "ENVSECRETVALUE"}};
  const auto s = ResolveAwsSettings(w.Input());
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message,
              AllOf(Not(HasSubstr("TOPSECRETVALUE")), Not(HasSubstr("ENVSECRETVALUE"))));
}

// --- Region and endpoint -------------------------------------------------------------------

AwsSettingsInput WithKeys(World& w) {
  AwsSettingsInput in = w.Input();
  in.flag_access_key = "AKID";
  in.flag_secret_key = "s";
  return in;
}

TEST(ResolveAwsSettingsTest, RegionOrder) {
  World w;
  w.files[kConfigPath] = "[default]\nregion = from-profile\n";
  w.env = {{"AWS_REGION", "from-aws-region"}, {"AWS_DEFAULT_REGION", "from-default-region"}};
  AwsSettingsInput in = WithKeys(w);
  in.flag_region = "from-flag";
  auto s = ResolveAwsSettings(in);
  EXPECT_EQ(s->region, "from-flag");
  EXPECT_EQ(s->region_source, "--region");
  s = ResolveAwsSettings(WithKeys(w));
  EXPECT_EQ(s->region, "from-aws-region");
  EXPECT_EQ(s->region_source, "AWS_REGION");
  w.env.erase("AWS_REGION");
  s = ResolveAwsSettings(WithKeys(w));
  EXPECT_EQ(s->region, "from-default-region");
  EXPECT_EQ(s->region_source, "AWS_DEFAULT_REGION");
  w.env.clear();
  s = ResolveAwsSettings(WithKeys(w));
  EXPECT_EQ(s->region, "from-profile");
  EXPECT_EQ(s->region_source, "profile default in /home/u/.aws/config");
  w.files.clear();
  s = ResolveAwsSettings(WithKeys(w));
  EXPECT_EQ(s->region, "us-east-1");
  EXPECT_EQ(s->region_source, "default");
}

TEST(ResolveAwsSettingsTest, RegionInCredentialsFileIsIgnoredLikeBotocore) {
  World w;
  w.files[kCredPath] = "[default]\naws_access_key_id = A\naws_secret_access_key = b\nregion = x\n";
  EXPECT_EQ(ResolveAwsSettings(w.Input())->region, "us-east-1");
}

TEST(ResolveAwsSettingsTest, EndpointOrder) {
  World w;
  w.files[kConfigPath] =
      "[default]\nendpoint_url = http://profile\nservices = local\n"
      "[services local]\ns3 =\n  endpoint_url = http://services\n";
  w.env = {{"AWS_ENDPOINT_URL_S3", "http://env-s3"}, {"AWS_ENDPOINT_URL", "http://env-global"}};
  AwsSettingsInput in = WithKeys(w);
  in.flag_endpoint_url = "http://flag";
  EXPECT_EQ(ResolveAwsSettings(in)->endpoint_url, "http://flag");
  EXPECT_EQ(ResolveAwsSettings(WithKeys(w))->endpoint_url, "http://env-s3");
  w.env.erase("AWS_ENDPOINT_URL_S3");
  EXPECT_EQ(ResolveAwsSettings(WithKeys(w))->endpoint_url, "http://env-global");
  w.env.clear();
  EXPECT_EQ(ResolveAwsSettings(WithKeys(w))->endpoint_url, "http://services");
  w.files[kConfigPath] = "[default]\nendpoint_url = http://profile\n";
  EXPECT_EQ(ResolveAwsSettings(WithKeys(w))->endpoint_url, "http://profile");
  w.files.clear();
  EXPECT_EQ(ResolveAwsSettings(WithKeys(w))->endpoint_url, std::nullopt);
}

TEST(ResolveAwsSettingsTest, IgnoreConfiguredEndpointUrls) {
  World w;
  w.files[kConfigPath] = "[default]\nendpoint_url = http://profile\n";
  w.env = {{"AWS_ENDPOINT_URL", "http://env"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}};
  EXPECT_EQ(ResolveAwsSettings(WithKeys(w))->endpoint_url, std::nullopt);
  AwsSettingsInput in = WithKeys(w);
  in.flag_endpoint_url = "http://flag";
  EXPECT_EQ(ResolveAwsSettings(in)->endpoint_url, "http://flag");
}

TEST(ResolveAwsSettingsTest, NestedS3SectionInProfileIsIgnoredGracefully) {
  World w;
  w.files[kConfigPath] =
      "[default]\nregion = us-west-1\ns3 =\n  addressing_style = path\n  "
      "signature_version = s3v4\noutput = json\n";
  const auto s = ResolveAwsSettings(WithKeys(w));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->region, "us-west-1");
  EXPECT_TRUE(s->warnings.empty());
}

// --- Providers -----------------------------------------------------------------------------

TEST(StaticCredentialsProviderTest, ReturnsCredentialsUntilExpiry) {
  FakeClock clock(kStart);
  Credentials c{"AKID", "secret", "token", clock.Now() + std::chrono::minutes(5)};
  StaticCredentialsProvider p(c, clock);
  ASSERT_TRUE(p.Get());
  EXPECT_EQ(p.Get()->access_key_id, "AKID");
  EXPECT_EQ(p.Refresh()->secret_access_key, "secret");
  clock.Advance(std::chrono::minutes(5));
  const auto expired = p.Refresh();
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(expired.error().message,
              AllOf(HasSubstr("AKID"), Not(HasSubstr("secret")), Not(HasSubstr("token"))));
  EXPECT_FALSE(p.Get());
}

TEST(StaticCredentialsProviderTest, NoExpirationNeverExpires) {
  FakeClock clock(kStart);
  StaticCredentialsProvider p(Credentials{"AKID", "s", "", std::nullopt}, clock);
  clock.Advance(std::chrono::hours(24 * 365));
  EXPECT_TRUE(p.Get());
}

TEST(StaticCredentialsProviderTest, WithoutClockExpiryIsLeftToTheServer) {
  StaticCredentialsProvider p(Credentials{"AKID", "s", "t", kStart});
  EXPECT_TRUE(p.Get());
  EXPECT_TRUE(p.Refresh());
}

TEST(ResolvingCredentialsProviderTest, WithoutClockCachesUntilRefresh) {
  World w;
  w.env = {{"AWS_ACCESS_KEY_ID", "AKID1"},
           {"AWS_SECRET_ACCESS_KEY", "s"},
           {"AWS_CREDENTIAL_EXPIRATION", "2000-01-01T00:00:00Z"}};
  ResolvingCredentialsProvider p(w.Input());
  EXPECT_EQ(p.Get()->access_key_id, "AKID1");
  w.env["AWS_ACCESS_KEY_ID"] = "AKID2";
  EXPECT_EQ(p.Get()->access_key_id, "AKID1");
  EXPECT_EQ(p.Refresh()->access_key_id, "AKID2");
}

TEST(ResolvingCredentialsProviderTest, ResolvesOnceThenCaches) {
  World w;
  w.files[kCredPath] = "[default]\naws_access_key_id = AKID1\naws_secret_access_key = s1\n";
  FakeClock clock(kStart);
  ResolvingCredentialsProvider p(w.Input(), clock);
  EXPECT_EQ(w.reads, 0);  // nothing read before the first Get
  EXPECT_EQ(p.Get()->access_key_id, "AKID1");
  const int reads = w.reads;
  EXPECT_EQ(p.Get()->access_key_id, "AKID1");
  EXPECT_EQ(w.reads, reads);
}

TEST(ResolvingCredentialsProviderTest, RefreshPicksUpRotatedKeys) {
  World w;
  w.files[kCredPath] = "[default]\naws_access_key_id = AKID1\naws_secret_access_key = s1\n";
  FakeClock clock(kStart);
  ResolvingCredentialsProvider p(w.Input(), clock);
  EXPECT_EQ(p.Get()->access_key_id, "AKID1");
  w.files[kCredPath] = "[default]\naws_access_key_id = AKID2\naws_secret_access_key = s2\n";
  EXPECT_EQ(p.Get()->access_key_id, "AKID1");
  EXPECT_EQ(p.Refresh()->access_key_id, "AKID2");
  EXPECT_EQ(p.Get()->secret_access_key, "s2");
}

TEST(ResolvingCredentialsProviderTest, FailedRefreshKeepsPreviousCredentials) {
  World w;
  w.files[kCredPath] = "[default]\naws_access_key_id = AKID1\naws_secret_access_key = s1\n";
  FakeClock clock(kStart);
  ResolvingCredentialsProvider p(w.Input(), clock);
  ASSERT_TRUE(p.Get());
  w.files.clear();
  const auto r = p.Refresh();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(p.Get()->access_key_id, "AKID1");
}

TEST(ResolvingCredentialsProviderTest, ExpiredEnvironmentCredentialsAreReResolved) {
  World w;
  FakeClock clock(kStart);
  w.env = {{"AWS_ACCESS_KEY_ID", "AKIDOLD"},
           {"AWS_SECRET_ACCESS_KEY", "s"},
           {"AWS_CREDENTIAL_EXPIRATION", "2026-11-24T10:01:00Z"}};
  ResolvingCredentialsProvider p(w.Input(), clock);
  ASSERT_TRUE(p.Get());
  clock.Advance(std::chrono::minutes(2));
  const auto stale = p.Get();  // re-resolves, finds the same expired keys
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kUnauthenticated);
  w.env.erase("AWS_CREDENTIAL_EXPIRATION");
  w.env["AWS_ACCESS_KEY_ID"] = "AKIDNEW";
  EXPECT_EQ(p.Get()->access_key_id, "AKIDNEW");
}

TEST(ResolvingCredentialsProviderTest, ConcurrentGetAndRefresh) {
  World w;
  w.files[kCredPath] = "[default]\naws_access_key_id = AKID1\naws_secret_access_key = s1\n";
  FakeClock clock(kStart);
  AwsSettingsInput in = w.Input();
  // The world's maps are not thread-safe: serve a constant file instead.
  in.read_file = [](const std::string& path) -> std::optional<std::string> {
    if (path != kCredPath) return std::nullopt;
    return std::string("[default]\naws_access_key_id = AKID1\naws_secret_access_key = s1\n");
  };
  in.getenv = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  ResolvingCredentialsProvider p(std::move(in), clock);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&p, &ok, t] {
      for (int i = 0; i < 200; ++i) {
        const auto r = (i + t) % 10 == 0 ? p.Refresh() : p.Get();
        if (r && r->access_key_id == "AKID1") ok.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 800);
}

}  // namespace
}  // namespace s3u::s3
