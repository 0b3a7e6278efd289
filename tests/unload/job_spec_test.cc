#include "unload/job_spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace s3u::unload {
namespace {

constexpr const char* kMinimal = R"(
name = "sales-daily"
[credentials]
domo_client_id = "client-1"
domo_client_secret = "secret-in-file"
bucket = "unload-bucket"
[details]
input_dataset = "https://acme.domo.com/datasources/08A061E2-12a2-4646-b4bc-20beddb403e3/details/overview"
path = "exports/{yyyy}/{mm}/"
primary_key = ["id"]
specific_day = 1
)";

SpecSources FromToml(std::string text, std::map<std::string, std::string> env = {}) {
  SpecSources sources;
  sources.toml_text = std::move(text);
  sources.toml_path = "/jobs/sales-daily.toml";
  sources.getenv = [env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  return sources;
}

TEST(JobSpecTest, MinimalFileGetsDocumentedDefaults) {
  auto spec = BuildJobSpec(FromToml(kMinimal));
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->name, "sales-daily");
  EXPECT_EQ(spec->input_dataset_id, "08a061e2-12a2-4646-b4bc-20beddb403e3");
  EXPECT_EQ(spec->primary_key, std::vector<std::string>{"id"});
  EXPECT_EQ(spec->specific_day, 1);
  EXPECT_EQ(spec->engine, Engine::kDirect);
  EXPECT_EQ(spec->time_zone, "UTC");
  EXPECT_EQ(spec->compression, Compression::kGzip);
  EXPECT_EQ(spec->Extension(), ".csv.gz");
  EXPECT_EQ(spec->update_method, UpdateMethod::kAppend);
  EXPECT_EQ(spec->metrics_dates, MetricsDates::kAsReceived);
  EXPECT_EQ(spec->writeback_name, "s3unload metrics: sales-daily");
  EXPECT_EQ(spec->domo_api_url, "https://api.domo.com");
  EXPECT_FALSE(spec->aws_access_key_id.has_value());  // resolved later like the aws cli
  EXPECT_EQ(spec->checksum, "auto");
}

TEST(JobSpecTest, ChecksumTakesEveryAlgorithmAndNamesThemWhenWrong) {
  for (const char* name : {"auto", "md5", "crc32", "crc32c", "sha256", "none"}) {
    SpecSources sources = FromToml(kMinimal);
    sources.set_flags = {std::string("s3.checksum=") + name};
    auto spec = BuildJobSpec(sources);
    ASSERT_TRUE(spec.has_value()) << name << ": " << spec.error().ToString();
    EXPECT_EQ(spec->checksum, name);
  }
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"s3.checksum=sha1"};
  auto spec = BuildJobSpec(sources);
  ASSERT_FALSE(spec.has_value());
  EXPECT_NE(spec.error().message.find("s3.checksum"), std::string::npos) << spec.error().message;
  EXPECT_NE(spec.error().message.find("auto, md5"), std::string::npos) << spec.error().message;
}

TEST(JobSpecTest, EnvironmentOverridesTheFileAndFlagsOverrideBoth) {
  SpecSources sources = FromToml(kMinimal, {{"DOMO_CLIENT_SECRET", "from-env"}});
  sources.set_flags = {"details.specific_day=3", "output.compression=zstd"};
  sources.day_flag = 7;  // --day wins over --set, which came first
  auto spec = BuildJobSpec(sources);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->domo_client_secret, "from-env");
  EXPECT_EQ(spec->specific_day, 7);
  EXPECT_EQ(spec->Extension(), ".csv.zst");
}

TEST(JobSpecTest, NameDefaultsToTheFileStem) {
  std::string text = kMinimal;
  text.erase(0, text.find("[credentials]"));
  auto spec = BuildJobSpec(FromToml(text));
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->name, "sales-daily");
}

TEST(JobSpecTest, PrimaryKeyAcceptsCommaSeparatedText) {
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"details.primary_key=region, id"};
  auto spec = BuildJobSpec(sources);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->primary_key, (std::vector<std::string>{"region", "id"}));
}

TEST(JobSpecTest, ReportsEveryProblemAtOnceWithFieldNames) {
  auto spec = BuildJobSpec(FromToml(R"(
[credentials]
domo_client_id = "c"
[details]
input_dataset = "not-a-guid"
path = "/abs/{year}"
specific_day = -1
engine = "fast"
time_zone = "Mars/Base"
[output]
compression = "rar"
delimiter = "ab"
[s3]
part_size = "1MiB"
concurrency = 0
)"));
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
  const std::string& m = spec.error().message;
  for (const char* field :
       {"details.input_dataset", "details.path", "details.specific_day", "details.engine",
        "details.time_zone", "output.compression", "output.delimiter", "s3.part_size",
        "s3.concurrency", "credentials.bucket", "credentials.domo_client_secret",
        "details.primary_key"}) {
    EXPECT_NE(m.find(field), std::string::npos) << field << " missing from:\n" << m;
  }
  // Each says what is accepted.
  EXPECT_NE(m.find("direct, domo-export"), std::string::npos);
  EXPECT_NE(m.find("none, gzip, zstd"), std::string::npos);
  EXPECT_NE(m.find("0 to 3650"), std::string::npos);
}

TEST(JobSpecTest, UnknownFieldsAreErrorsNotIgnored) {
  std::string text = kMinimal;
  text += "\n[output]\ncompresion = \"gzip\"\n";
  auto spec = BuildJobSpec(FromToml(text));
  ASSERT_FALSE(spec.has_value());
  EXPECT_NE(spec.error().message.find("output.compresion"), std::string::npos);
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"details.dya=3"};
  EXPECT_FALSE(BuildJobSpec(sources).has_value());
}

TEST(JobSpecTest, InvalidTomlSaysWhere) {
  auto spec = BuildJobSpec(FromToml("name = \"x\"\n[details\n"));
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().subject, "/jobs/sales-daily.toml");
  EXPECT_NE(spec.error().message.find("line 2"), std::string::npos);
}

TEST(JobSpecTest, DomoExportEngineRefusesOutputOptionsItCannotHonour) {
  std::string text = kMinimal;
  text += "engine = \"domo-export\"\n[output]\ncompression = \"zstd\"\n";
  auto spec = BuildJobSpec(FromToml(text));
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().subject, "output.compression");
  EXPECT_NE(spec.error().message.find("domo-export"), std::string::npos);
}

TEST(JobSpecTest, ReaderObjectsIsOneOrPerReaderAndOnlyForTheDirectEngine) {
  EXPECT_EQ(BuildJobSpec(FromToml(kMinimal))->reader_objects, ReaderObjects::kOne);
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"output.reader_objects=per-reader"};
  EXPECT_EQ(BuildJobSpec(sources)->reader_objects, ReaderObjects::kPerReader);
  sources.set_flags = {"output.reader_objects=each"};
  auto wrong = BuildJobSpec(sources);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().subject, "output.reader_objects (from --set)");
  auto exported = BuildJobSpec(FromToml(std::string(kMinimal) +
                                        "engine = \"domo-export\"\n[output]\nreader_objects = "
                                        "\"per-reader\"\n"));
  ASSERT_FALSE(exported.has_value());
  EXPECT_EQ(exported.error().subject, "output.reader_objects");
}

TEST(JobSpecTest, SecretsNeverAppearInErrors) {
  std::string text = kMinimal;
  text += "[s3]\nconcurrency = 1000\n";
  auto spec = BuildJobSpec(FromToml(text));
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().message.find("secret-in-file"), std::string::npos);
}

TEST(JobSpecTest, NamingAnAccountWithoutAStoreSaysWhereAccountsLive) {
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"credentials.aws_account=prod"};
  auto spec = BuildJobSpec(sources);
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().subject, "credentials.aws_account (from --set)");
  EXPECT_NE(spec.error().message.find("s3unload serve"), std::string::npos);
}

TEST(JobSpecTest, SavedAccountsFillOnlyWhatTheJobLeavesUnset) {
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"credentials.aws_account=prod", "credentials.region=eu-west-1"};
  std::vector<std::string> asked;
  sources.resolve_account = [&](std::string_view kind,
                                std::string_view name) -> Result<std::vector<SpecValue>> {
    asked.push_back(std::string(kind) + ":" + std::string(name));
    return std::vector<SpecValue>{
        {"credentials.aws_access_key_id", {"AKIAPROD"}, false, "account prod"},
        {"credentials.aws_secret_access_key", {"prod-secret"}, false, "account prod"},
        {"credentials.region", {"us-west-2"}, false, "account prod"},
        {"credentials.bucket", {"prod-bucket"}, false, "account prod"}};
  };
  auto spec = BuildJobSpec(sources);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(asked, std::vector<std::string>{"aws:prod"});
  EXPECT_EQ(spec->aws_access_key_id, "AKIAPROD");
  EXPECT_EQ(spec->region, "eu-west-1");      // the job's own value wins
  EXPECT_EQ(spec->bucket, "unload-bucket");  // kMinimal's bucket wins over the account's
}

TEST(JobSpecTest, AnUnknownAccountIsAFieldError) {
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"credentials.domo_account=nope"};
  sources.resolve_account = [](std::string_view,
                               std::string_view name) -> Result<std::vector<SpecValue>> {
    return Fail(ErrorCode::kNotFound, std::string(name), "no saved Domo account named nope");
  };
  auto checked = CheckJobSpec(sources);
  ASSERT_FALSE(checked.has_value());
  ASSERT_EQ(checked.error().size(), 1u);
  EXPECT_EQ(checked.error()[0].field, "credentials.domo_account (from --set)");
  EXPECT_EQ(checked.error()[0].message, "no saved Domo account named nope");
}

TEST(JobSpecTest, ValuesSitBetweenTheEnvironmentAndTheFlags) {
  SpecSources sources = FromToml(kMinimal, {{"DOMO_CLIENT_SECRET", "from-env"}});
  sources.values = {{"credentials.domo_client_secret", {"from-values"}, false, ""},
                    {"details.specific_day", {"3"}, false, ""},
                    {"details.primary_key", {"a", "b"}, true, ""}};
  sources.day_flag = 5;
  auto spec = BuildJobSpec(sources);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->domo_client_secret, "from-values");
  EXPECT_EQ(spec->specific_day, 5);
  EXPECT_EQ(spec->primary_key, (std::vector<std::string>{"a", "b"}));
}

TEST(JobSpecTest, CheckJobSpecListsEachProblemWithItsPlainFieldName) {
  SpecSources sources;
  sources.values = {{"name", {"c1"}, false, ""},
                    {"details.specific_day", {"-2"}, false, ""},
                    {"details.nope", {"x"}, false, ""}};
  auto checked = CheckJobSpec(sources);
  ASSERT_FALSE(checked.has_value());
  std::vector<std::string> fields;
  for (const FieldError& e : checked.error()) fields.push_back(e.field);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "details.nope"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "details.specific_day"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "details.input_dataset"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "credentials.bucket"), fields.end());
}

TEST(JobSpecTest, TabDelimiterAndSizes) {
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"output.delimiter=\\t", "output.max_object_size=64MiB", "s3.part_size=16MiB",
                       "output.format=jsonl", "output.compression=none"};
  auto spec = BuildJobSpec(sources);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->delimiter, '\t');
  EXPECT_EQ(spec->max_object_size, 64ull << 20);
  EXPECT_EQ(spec->part_size, 16ull << 20);
  EXPECT_EQ(spec->Extension(), ".jsonl");
}

// The one problem of `sources` (ADD_FAILURE when there is not exactly one).
FieldError OnlyProblem(const SpecSources& sources) {
  auto checked = CheckJobSpec(sources);
  if (checked.has_value() || checked.error().size() != 1) {
    ADD_FAILURE() << (checked ? std::string("no problem")
                              : JoinFieldErrors(checked.error(), "spec").ToString());
    return {};
  }
  return checked.error().front();
}

// Issue 13, item 6: a job without specific_day unloaded today's partial day.
TEST(JobSpecTest, SpecificDayDefaultsToYesterday) {
  std::string text = kMinimal;
  text.erase(text.find("specific_day = 1\n"), std::string("specific_day = 1\n").size());
  auto spec = BuildJobSpec(FromToml(text));
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->specific_day, 1);
  SpecSources today = FromToml(text);
  today.day_flag = 0;  // today stays available, when asked for
  EXPECT_EQ(BuildJobSpec(today)->specific_day, 0);
}

// Issue 13, item 6: the secret in the job and the key id only in the environment was reported
// as "--secret-access-key was given without --access-key-id".
TEST(JobSpecTest, SecretWithoutKeyIdNamesTheMissingJobField) {
  SpecSources sources = FromToml(kMinimal, {{"AWS_ACCESS_KEY_ID", "AKIDFROMENV"}});
  sources.set_flags = {"credentials.aws_secret_access_key=s3cr3t-value"};
  const FieldError e = OnlyProblem(sources);
  EXPECT_EQ(e.field, "credentials.aws_access_key_id");
  EXPECT_NE(e.message.find("credentials.aws_secret_access_key (from --set) is set without "
                           "credentials.aws_access_key_id"),
            std::string::npos)
      << e.message;
  EXPECT_EQ(e.message.find("s3cr3t-value"), std::string::npos) << "the secret was echoed";
  EXPECT_EQ(e.message.find("--secret-access-key"), std::string::npos) << e.message;
}

TEST(JobSpecTest, SessionTokenWithoutKeyIdNamesTheMissingJobField) {
  std::string text = kMinimal;
  text.insert(text.find("bucket ="), "aws_session_token = \"tok\"\n");
  const FieldError e = OnlyProblem(FromToml(text));
  EXPECT_EQ(e.field, "credentials.aws_access_key_id");
  EXPECT_NE(e.message.find("credentials.aws_session_token (from /jobs/sales-daily.toml)"),
            std::string::npos)
      << e.message;
}

TEST(JobSpecTest, KeyIdWithoutSecretNamesTheMissingJobField) {
  SpecSources sources = FromToml(kMinimal, {{"AWS_SECRET_ACCESS_KEY", "from-env"}});
  sources.set_flags = {"credentials.aws_access_key_id=AKIDINJOB"};
  const FieldError e = OnlyProblem(sources);
  EXPECT_EQ(e.field, "credentials.aws_secret_access_key");
  EXPECT_NE(e.message.find("credentials.aws_access_key_id (from --set) is set without"),
            std::string::npos)
      << e.message;
}

TEST(JobSpecTest, KeyPairInTheJobOrNoneAtAllIsAccepted) {
  SpecSources both = FromToml(kMinimal);
  both.set_flags = {"credentials.aws_access_key_id=AKID", "credentials.aws_secret_access_key=s",
                    "credentials.aws_session_token=t"};
  EXPECT_TRUE(BuildJobSpec(both).has_value());
  EXPECT_TRUE(BuildJobSpec(FromToml(kMinimal, {{"AWS_ACCESS_KEY_ID", "AKID"}})).has_value());
}

// Issue 13, item 2: "a\r\nb/" ran and created a key holding CR LF.
TEST(JobSpecTest, PathWithACharacterAKeyCannotHoldIsAFieldError) {
  for (const auto& [path, named] : std::vector<std::pair<std::string, std::string>>{
           {"a\r\nb/", "U+000D (carriage return) at character 2"},
           {std::string("x/\0/", 4), "U+0000 (NUL) at character 3"},
           {"out/\xE2\x80\xAE"
            "vsc.exe/",
            "U+202E (right-to-left override) at character 5"},
           {"\xC2\x9B"
            "31m/",
            "U+009B (a control character) at character 1"},
           {"bad-\xFF/", "byte 0xFF at character 5"}}) {
    SpecSources sources = FromToml(kMinimal);
    sources.set_flags = {"details.path=" + path};
    const FieldError e = OnlyProblem(sources);
    EXPECT_EQ(e.field, "details.path (from --set)");  // the field, and where the value came from
    EXPECT_NE(e.message.find(named), std::string::npos) << e.message;
  }
}

TEST(JobSpecTest, PathKeepsDotSegmentsDoubleSlashesAndReservedCharacters) {
  const std::string path = "orders/../x/./a//b %2F?#+~=&/caf\xC3\xA9/cafe\xCC\x81/";
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"details.path=" + path};
  auto spec = BuildJobSpec(sources);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->path, path);
}

TEST(JobSpecTest, RetryBudgetDefaultsToFiveMinutesAndReadsDurations) {
  auto defaults = BuildJobSpec(FromToml(kMinimal));
  ASSERT_TRUE(defaults.has_value()) << defaults.error().ToString();
  EXPECT_EQ(defaults->retry_budget, std::chrono::minutes(5));

  auto from_file =
      BuildJobSpec(FromToml(std::string(kMinimal) + "[tuning]\nretry_budget = \"90s\"\n"));
  ASSERT_TRUE(from_file.has_value()) << from_file.error().ToString();
  EXPECT_EQ(from_file->retry_budget, std::chrono::seconds(90));

  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"tuning.retry_budget=1h"};
  auto from_flag = BuildJobSpec(sources);
  ASSERT_TRUE(from_flag.has_value()) << from_flag.error().ToString();
  EXPECT_EQ(from_flag->retry_budget, std::chrono::hours(1));
}

TEST(JobSpecTest, RetryBudgetThatIsNotADurationNamesTheField) {
  for (std::string bad : {"soon", "0s", "500ms", "-5m"}) {
    SpecSources sources = FromToml(kMinimal);
    sources.set_flags = {"tuning.retry_budget=" + bad};
    auto spec = BuildJobSpec(sources);
    ASSERT_FALSE(spec.has_value()) << bad;
    EXPECT_EQ(spec.error().subject, "tuning.retry_budget (from --set)") << bad;
    EXPECT_NE(spec.error().message.find("a duration of at least 1s"), std::string::npos)
        << spec.error().message;
  }
}

// Found by job_file_fuzzer: a table name starting with '$' reaches an assertion inside
// toml++ when it is compiled header-only with assertions on. The product links the compiled
// toml++ (TOML_HEADER_ONLY=0), where it is a parse error; this keeps it one.
TEST(JobSpecTest, ATableNameStartingWithADollarIsAnErrorNotACrash) {
  auto spec = BuildJobSpec(FromToml(std::string(kMinimal) + "[$etails]\nx = 1\n"));
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
}

TEST(JobSpecTest, ParquetDefaultsToZstdPagesAndItsOwnExtension) {
  SpecSources sources = FromToml(kMinimal);
  sources.set_flags = {"output.format=parquet", "output.row_group_size=16MiB",
                       "output.decimal_precision=18", "output.decimal_scale=4",
                       "output.decimal=string"};
  auto spec = BuildJobSpec(sources);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->format, OutputFormat::kParquet);
  EXPECT_EQ(spec->compression, Compression::kZstd);
  EXPECT_EQ(spec->Extension(), ".parquet");
  EXPECT_EQ(spec->row_group_size, 16ull << 20);
  EXPECT_EQ(spec->decimal_precision, 18);
  EXPECT_EQ(spec->decimal_scale, 4);
  EXPECT_TRUE(spec->decimal_as_string);
  sources.set_flags.push_back("output.compression=snappy");
  spec = BuildJobSpec(sources);
  ASSERT_TRUE(spec.has_value()) << spec.error().ToString();
  EXPECT_EQ(spec->compression, Compression::kSnappy);
  EXPECT_EQ(spec->Extension(), ".parquet");
}

TEST(JobSpecTest, ParquetProblemsAreNamed) {
  for (const auto& [flags, field] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"output.compression=snappy"}, "output.compression"},  // CSV cannot
           {{"output.format=parquet", "output.delimiter=;"}, "output.delimiter"},
           {{"output.format=parquet", "output.decimal_precision=10", "output.decimal_scale=11"},
            "output.decimal_scale"},
           {{"output.decimal_precision=39"}, "output.decimal_precision"},
           {{"output.row_group_size=1KiB"}, "output.row_group_size"},
           {{"output.decimal=float"}, "output.decimal"}}) {
    SpecSources sources = FromToml(kMinimal);
    sources.set_flags = flags;
    auto spec = BuildJobSpec(sources);
    ASSERT_FALSE(spec.has_value()) << field;
    EXPECT_EQ(spec.error().subject.substr(0, field.size()), field) << spec.error().ToString();
  }
}

}  // namespace
}  // namespace s3u::unload
