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
