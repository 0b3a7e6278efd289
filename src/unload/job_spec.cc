#include "unload/job_spec.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <charconv>
#include <set>

#include "core/bytes.h"
#include "core/time_format.h"
#include "domo/model.h"
#include "unload/field_rules.h"

namespace s3u::unload {
namespace {

// A raw value before validation: TOML scalars become text, arrays lists; env and flags
// are always text. `origin` says where it came from, for messages.
struct Raw {
  std::vector<std::string> items;
  bool is_list = false;
  std::string origin;
  const std::string& text() const { return items.front(); }
};
using RawMap = std::map<std::string, Raw>;

// Every problem found, reported together.
class Problems {
 public:
  void Add(std::string field, std::string message) {
    list_.push_back({std::move(field), std::move(message)});
  }
  bool empty() const { return list_.empty(); }
  const FieldErrors& list() const { return list_; }

 private:
  FieldErrors list_;
};

// A field: its name, what kind of value it takes, and how to store it.
struct FieldDef {
  std::string_view key;
  std::function<void(const Raw&, JobSpec&, Problems&)> apply;
};

std::string Where(const std::string& key, const Raw& raw) {
  return raw.origin.empty() ? key : fmt::format("{} (from {})", key, raw.origin);
}

void SetText(std::string JobSpec::*member, std::string_view key, const Raw& raw, JobSpec& spec,
             Problems& problems) {
  if (raw.is_list) {
    problems.Add(Where(std::string(key), raw), "expected text, got a list");
    return;
  }
  spec.*member = raw.text();
}

void SetOptionalText(std::optional<std::string> JobSpec::*member, std::string_view key,
                     const Raw& raw, JobSpec& spec, Problems& problems) {
  if (raw.is_list) {
    problems.Add(Where(std::string(key), raw), "expected text, got a list");
    return;
  }
  if (!raw.text().empty()) spec.*member = raw.text();
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> ParseBool(std::string_view text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return std::nullopt;
}

// One choice among named values; `names` lists them in documentation order.
template <typename E>
FieldDef Choice(std::string_view key, E JobSpec::*member,
                std::vector<std::pair<std::string_view, E>> names) {
  return {key, [key, member, names](const Raw& raw, JobSpec& spec, Problems& problems) {
            for (const auto& [name, value] : names) {
              if (!raw.is_list && raw.text() == name) {
                spec.*member = value;
                return;
              }
            }
            std::string accepted;
            for (const auto& [name, value] : names)
              accepted += (accepted.empty() ? "" : ", ") + std::string(name);
            problems.Add(Where(std::string(key), raw),
                         fmt::format("\"{}\" is not accepted; use one of: {}",
                                     raw.is_list ? "a list" : raw.text(), accepted));
          }};
}

FieldDef Text(std::string_view key, std::string JobSpec::*member) {
  return {key, [key, member](const Raw& raw, JobSpec& spec, Problems& problems) {
            SetText(member, key, raw, spec, problems);
          }};
}

FieldDef OptionalText(std::string_view key, std::optional<std::string> JobSpec::*member) {
  return {key, [key, member](const Raw& raw, JobSpec& spec, Problems& problems) {
            SetOptionalText(member, key, raw, spec, problems);
          }};
}

FieldDef Bool(std::string_view key, bool JobSpec::*member) {
  return {key, [key, member](const Raw& raw, JobSpec& spec, Problems& problems) {
            const auto value = raw.is_list ? std::nullopt : ParseBool(raw.text());
            if (!value) {
              problems.Add(Where(std::string(key), raw), "expected true or false");
              return;
            }
            spec.*member = *value;
          }};
}

FieldDef Int(std::string_view key, int JobSpec::*member, int min, int max) {
  return {key, [key, member, min, max](const Raw& raw, JobSpec& spec, Problems& problems) {
            const auto value = raw.is_list ? std::nullopt : ParseInt(raw.text());
            if (!value || *value < min || *value > max) {
              problems.Add(Where(std::string(key), raw),
                           fmt::format("\"{}\" is not accepted; expected a whole number from "
                                       "{} to {}",
                                       raw.is_list ? "a list" : raw.text(), min, max));
              return;
            }
            spec.*member = static_cast<int>(*value);
          }};
}

// Sizes such as "8MiB", "100MB", "1048576" (core/bytes.h).
Result<uint64_t> Size(std::string_view key, const Raw& raw) {
  if (raw.is_list) return Fail(ErrorCode::kInvalidArgument, std::string(key), "expected a size");
  return ParseByteSize(raw.text(), Where(std::string(key), raw));
}

const std::vector<FieldDef>& Fields() {
  static const std::vector<FieldDef> fields = {
      Text("name", &JobSpec::name),
      Text("credentials.domo_account", &JobSpec::domo_account),
      Text("credentials.aws_account", &JobSpec::aws_account),
      Text("credentials.domo_client_id", &JobSpec::domo_client_id),
      Text("credentials.domo_client_secret", &JobSpec::domo_client_secret),
      Text("credentials.domo_api_url", &JobSpec::domo_api_url),
      Text("credentials.domo_instance_url", &JobSpec::domo_instance_url),
      OptionalText("credentials.aws_access_key_id", &JobSpec::aws_access_key_id),
      OptionalText("credentials.aws_secret_access_key", &JobSpec::aws_secret_access_key),
      OptionalText("credentials.aws_session_token", &JobSpec::aws_session_token),
      OptionalText("credentials.aws_profile", &JobSpec::aws_profile),
      Text("credentials.bucket", &JobSpec::bucket),
      OptionalText("credentials.region", &JobSpec::region),
      OptionalText("credentials.endpoint_url", &JobSpec::endpoint_url),
      OptionalText("credentials.role_arn", &JobSpec::role_arn),
      OptionalText("credentials.external_id", &JobSpec::external_id),
      OptionalText("credentials.role_session_name", &JobSpec::role_session_name),
      {"details.input_dataset",
       [](const Raw& raw, JobSpec& spec, Problems& problems) {
         SetText(&JobSpec::input_dataset_id, "details.input_dataset", raw, spec, problems);
       }},
      Text("details.path", &JobSpec::path),
      {"details.primary_key",
       [](const Raw& raw, JobSpec& spec, Problems&) {
         // A TOML array, or text with comma-separated names.
         spec.primary_key.clear();
         if (raw.is_list) {
           spec.primary_key = raw.items;
           return;
         }
         std::string_view text = raw.text();
         while (!text.empty()) {
           const size_t comma = text.find(',');
           std::string_view name = text.substr(0, comma);
           while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
           while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
           spec.primary_key.emplace_back(name);
           if (comma == std::string_view::npos) break;
           text.remove_prefix(comma + 1);
         }
       }},
      Int("details.specific_day", &JobSpec::specific_day, 0, 3650),
      Choice<MetricsDates>(
          "details.metrics_dates", &JobSpec::metrics_dates,
          {{"as_received", MetricsDates::kAsReceived}, {"date_time", MetricsDates::kDateTime}}),
      Text("details.date_column", &JobSpec::date_column),
      Text("details.time_zone", &JobSpec::time_zone),
      Choice<Engine>("details.engine", &JobSpec::engine,
                     {{"direct", Engine::kDirect}, {"domo-export", Engine::kDomoExport}}),
      Choice<DuplicateKeys>("details.duplicate_keys", &JobSpec::duplicate_keys,
                            {{"keep", DuplicateKeys::kKeep},
                             {"fail", DuplicateKeys::kFail},
                             {"first", DuplicateKeys::kFirst}}),
      Choice<OutputFormat>("output.format", &JobSpec::format,
                           {{"csv", OutputFormat::kCsv},
                            {"jsonl", OutputFormat::kJsonLines},
                            {"parquet", OutputFormat::kParquet}}),
      {"output.delimiter",
       [](const Raw& raw, JobSpec& spec, Problems& problems) {
         const std::string text = raw.is_list ? "" : raw.text();
         const char c = text == "\\t" || text == "tab" ? '\t' : (text.size() == 1 ? text[0] : 0);
         if (c == 0 || c == '"' || c == '\r' || c == '\n') {
           problems.Add(Where("output.delimiter", raw),
                        "expected one character other than a quote or a line break "
                        "(\",\", \";\", \"|\", \"\\t\")");
           return;
         }
         spec.delimiter = c;
       }},
      {"output.quoting",
       [](const Raw& raw, JobSpec& spec, Problems& problems) {
         if (!raw.is_list && (raw.text() == "minimal" || raw.text() == "all")) {
           spec.quote_all = raw.text() == "all";
           return;
         }
         problems.Add(Where("output.quoting", raw), "use one of: minimal, all");
       }},
      Bool("output.header", &JobSpec::header),
      Text("output.null", &JobSpec::null_text),
      Choice<Compression>("output.compression", &JobSpec::compression,
                          {{"none", Compression::kNone},
                           {"gzip", Compression::kGzip},
                           {"zstd", Compression::kZstd},
                           {"snappy", Compression::kSnappy}}),
      Int("output.compression_level", &JobSpec::compression_level, 0, 19),
      Choice<ReaderObjects>(
          "output.reader_objects", &JobSpec::reader_objects,
          {{"one", ReaderObjects::kOne}, {"per-reader", ReaderObjects::kPerReader}}),
      {"output.max_object_size",
       [](const Raw& raw, JobSpec& spec, Problems& problems) {
         if (!raw.is_list && raw.text().empty()) {
           spec.max_object_size.reset();
           return;
         }
         auto size = Size("output.max_object_size", raw);
         if (!size) return problems.Add(size.error().subject, size.error().message);
         if (*size < (5ull << 20)) {
           return problems.Add(Where("output.max_object_size", raw),
                               "must be at least 5MiB (S3's smallest multipart part)");
         }
         spec.max_object_size = *size;
       }},
      {"output.row_group_size",
       [](const Raw& raw, JobSpec& spec, Problems& problems) {
         auto size = Size("output.row_group_size", raw);
         if (!size) return problems.Add(size.error().subject, size.error().message);
         if (*size < (1ull << 20) || *size > (1ull << 30)) {
           return problems.Add(Where("output.row_group_size", raw), "must be from 1MiB to 1GiB");
         }
         spec.row_group_size = *size;
       }},
      Int("output.decimal_precision", &JobSpec::decimal_precision, 1, 38),
      Int("output.decimal_scale", &JobSpec::decimal_scale, 0, 38),
      Choice<bool>("output.decimal", &JobSpec::decimal_as_string,
                   {{"decimal", false}, {"string", true}}),
      Choice<IfExists>("output.if_exists", &JobSpec::if_exists,
                       {{"overwrite", IfExists::kOverwrite},
                        {"fail", IfExists::kFail},
                        {"unique", IfExists::kUnique}}),
      Bool("output.manifest", &JobSpec::manifest),
      Text("writeback.name", &JobSpec::writeback_name),
      Text("writeback.description", &JobSpec::writeback_description),
      Text("writeback.dataset_id", &JobSpec::writeback_dataset_id),
      Choice<UpdateMethod>(
          "writeback.update_method", &JobSpec::update_method,
          {{"APPEND", UpdateMethod::kAppend}, {"REPLACE", UpdateMethod::kReplace}}),
      {"s3.part_size",
       [](const Raw& raw, JobSpec& spec, Problems& problems) {
         auto size = Size("s3.part_size", raw);
         if (!size) return problems.Add(size.error().subject, size.error().message);
         if (*size < (5ull << 20) || *size > (5ull << 30)) {
           return problems.Add(Where("s3.part_size", raw), "must be from 5MiB to 5GiB");
         }
         spec.part_size = *size;
       }},
      Int("s3.concurrency", &JobSpec::concurrency, 1, 64),
      Choice<std::string>("s3.checksum", &JobSpec::checksum,
                          {{"auto", "auto"},
                           {"md5", "md5"},
                           {"crc32", "crc32"},
                           {"crc32c", "crc32c"},
                           {"sha256", "sha256"},
                           {"none", "none"}}),
      Text("s3.storage_class", &JobSpec::storage_class),
      Choice<std::string>("s3.sse", &JobSpec::sse,
                          {{"", ""}, {"AES256", "AES256"}, {"aws:kms", "aws:kms"}}),
      Text("s3.sse_kms_key_id", &JobSpec::sse_kms_key_id),
      {"tuning.page_rows",
       [](const Raw& raw, JobSpec& spec, Problems& problems) {
         const auto value = raw.is_list ? std::nullopt : ParseInt(raw.text());
         if (!value || *value < 1000 || *value > 10'000'000) {
           return problems.Add(Where("tuning.page_rows", raw),
                               "expected a whole number from 1000 to 10000000");
         }
         spec.page_rows = static_cast<uint64_t>(*value);
       }},
      Int("tuning.readers", &JobSpec::readers, 0, 64),
      {"tuning.retry_budget",
       [](const Raw& raw, JobSpec& spec, Problems& problems) {
         const auto value = raw.is_list ? std::nullopt : ParseDuration(raw.text());
         if (!value || *value < std::chrono::seconds(1)) {
           return problems.Add(Where("tuning.retry_budget", raw),
                               "expected a duration of at least 1s, e.g. \"5m\", \"90s\", "
                               "\"1h\"");
         }
         spec.retry_budget = *value;
       }},
  };
  return fields;
}

const FieldDef* FindField(std::string_view key) {
  for (const FieldDef& f : Fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

// Flattens the TOML document into "section.field" values. Unknown keys and nested tables
// deeper than one level are problems (a typo must not be silently ignored).
void ReadToml(const toml::table& root, const std::string& path, RawMap& raw, Problems& problems) {
  const std::string origin = path.empty() ? "the job file" : path;
  auto visit = [&](const std::string& key, const toml::node& node) {
    if (FindField(key) == nullptr) {
      problems.Add(key,
                   fmt::format("unknown field in {}; see docs/job-spec.md for the fields", origin));
      return;
    }
    Raw value{{}, false, origin};
    if (const toml::array* arr = node.as_array()) {
      value.is_list = true;
      for (const toml::node& item : *arr) {
        if (auto s = item.value<std::string>())
          value.items.push_back(*s);
        else
          problems.Add(key, "list items must be text");
      }
    } else if (auto s = node.value<std::string>(); s && node.is_string()) {
      value.items.push_back(*s);
    } else if (auto i = node.value<int64_t>(); i && node.is_integer()) {
      value.items.push_back(std::to_string(*i));
    } else if (auto b = node.value<bool>(); b && node.is_boolean()) {
      value.items.push_back(*b ? "true" : "false");
    } else {
      problems.Add(key, "expected text, a whole number, true/false or a list of text");
      return;
    }
    raw[key] = std::move(value);
  };
  for (const auto& [k, node] : root) {
    const std::string key(k.str());
    if (const toml::table* section = node.as_table()) {
      for (const auto& [k2, child] : *section) visit(key + "." + std::string(k2.str()), child);
    } else {
      visit(key, node);
    }
  }
}

std::string StemOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

// AWS keys given in the job (file, --set, an account) are one source, as the aws cli's flags
// are: a secret or token there never pairs with AWS_ACCESS_KEY_ID from the environment, so half
// a pair is named by the job field that is missing, not by the CLI flag it becomes later.
void CheckAwsKeyPair(const JobSpec& spec, const RawMap& raw, Problems& problems) {
  const auto given = [&](const char* key) {
    const auto it = raw.find(key);
    return it == raw.end() ? std::string(key) : Where(key, it->second);
  };
  if (!spec.aws_access_key_id && (spec.aws_secret_access_key || spec.aws_session_token)) {
    problems.Add("credentials.aws_access_key_id",
                 fmt::format("{} is set without credentials.aws_access_key_id; set both in the "
                             "job (a key id in AWS_ACCESS_KEY_ID is not paired with a secret "
                             "from the job), or neither to use the environment or a profile",
                             spec.aws_secret_access_key ? given("credentials.aws_secret_access_key")
                                                        : given("credentials.aws_session_token")));
  }
  if (spec.aws_access_key_id && !spec.aws_secret_access_key) {
    problems.Add("credentials.aws_secret_access_key",
                 fmt::format("{} is set without credentials.aws_secret_access_key; set both "
                             "in the job (prefer AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in "
                             "the environment for both), or neither",
                             given("credentials.aws_access_key_id")));
  }
}

// Cross-field checks and defaults that depend on several fields.
// The fields in `refused` broke their rule; they are not reported again as missing.
void Finish(JobSpec& spec, const RawMap& raw, const std::set<std::string, std::less<>>& refused,
            Problems& problems) {
  auto required = [&](bool missing, const char* key, const char* message) {
    if (missing && refused.count(key) == 0) problems.Add(key, message);
  };
  required(spec.name.empty(), "name",
           "a job name is required (it names the job in the metrics and history)");
  if (spec.writeback_name.empty()) spec.writeback_name = "s3unload metrics: " + spec.name;
  required(spec.input_dataset_id.empty(), "details.input_dataset",
           "the input DataSet ID is required: the GUID after /datasources/ in the dataset's URL, "
           "or the URL itself");
  // The IDs met their rule; a dataset URL becomes its GUID.
  if (auto id = domo::ParseDatasetId(spec.input_dataset_id, "details.input_dataset")) {
    spec.input_dataset_id = *id;
  }
  if (auto id = domo::ParseDatasetId(spec.writeback_dataset_id, "writeback.dataset_id")) {
    spec.writeback_dataset_id = *id;
  }
  required(spec.bucket.empty(), "credentials.bucket", "the bucket to unload into is required");
  required(spec.domo_client_id.empty(), "credentials.domo_client_id",
           "the Domo client ID is required (set it in the job file or DOMO_CLIENT_ID)");
  required(spec.domo_client_secret.empty(), "credentials.domo_client_secret",
           "the Domo client secret is required (prefer the DOMO_CLIENT_SECRET environment "
           "variable to keeping it in the file)");
  CheckAwsKeyPair(spec, raw, problems);
  if (spec.primary_key.empty() && refused.count("details.primary_key") == 0) {
    problems.Add("details.primary_key",
                 "the primary key is required: one or more column names (the output is "
                 "ordered by it), e.g. [\"id\"] or \"region, id\"");
  }
  for (size_t i = 0; i < spec.primary_key.size(); ++i) {
    if (spec.primary_key[i].empty()) {
      problems.Add("details.primary_key", fmt::format("column {} of the key is empty", i + 1));
    }
  }
  if (spec.sse == "aws:kms" && spec.sse_kms_key_id.empty()) {
    // Allowed: S3 uses the account's default KMS key.
  } else if (!spec.sse_kms_key_id.empty() && spec.sse != "aws:kms") {
    problems.Add("s3.sse_kms_key_id", "a KMS key needs s3.sse = \"aws:kms\"");
  }
  if (spec.engine == Engine::kDomoExport) {
    // Domo's Export-to-S3 writes one gzip CSV with its own layout and key.
    for (const char* key :
         {"output.format", "output.compression", "output.max_object_size", "output.delimiter",
          "output.quoting", "output.null", "output.reader_objects"}) {
      if (raw.count(key) > 0) {
        problems.Add(key,
                     "not available with details.engine = \"domo-export\": Domo writes "
                     "the file (gzip CSV); use the direct engine to choose it");
      }
    }
    spec.format = OutputFormat::kCsv;
    spec.compression = Compression::kGzip;
  }
  if (spec.format == OutputFormat::kParquet) {
    // Parquet's own default (what DuckDB, Spark and Arrow users expect): zstd pages.
    if (raw.count("output.compression") == 0) spec.compression = Compression::kZstd;
    for (const char* key : {"output.delimiter", "output.quoting", "output.null", "output.header"}) {
      if (raw.count(key) > 0) {
        problems.Add(key, "a CSV setting; output.format is \"parquet\", which has no use for it");
      }
    }
  } else if (spec.compression == Compression::kSnappy) {
    problems.Add("output.compression",
                 "snappy compresses Parquet pages only; use gzip, zstd or none for CSV and JSON "
                 "Lines");
  }
  if (spec.decimal_scale > spec.decimal_precision) {
    problems.Add(
        "output.decimal_scale",
        fmt::format("must not exceed output.decimal_precision ({})", spec.decimal_precision));
  }
  if (spec.compression == Compression::kGzip && spec.compression_level > 9) {
    problems.Add("output.compression_level", "gzip levels are 0 (default) to 9");
  }
}

}  // namespace

std::string JobSpec::Extension() const {
  if (format == OutputFormat::kParquet) return ".parquet";
  std::string ext = format == OutputFormat::kCsv ? ".csv" : ".jsonl";
  if (compression == Compression::kGzip) ext += ".gz";
  if (compression == Compression::kZstd) ext += ".zst";
  return ext;
}

std::vector<std::string> JobSpecFields() {
  std::vector<std::string> keys;
  for (const FieldDef& f : Fields()) keys.emplace_back(f.key);
  return keys;
}

namespace {

// Saved accounts: each value the job does not set itself comes from the named account.
void ApplyAccounts(const SpecSources& sources, RawMap& raw, Problems& problems) {
  for (const auto& [field, kind] : std::vector<std::pair<std::string, std::string>>{
           {"credentials.domo_account", "domo"}, {"credentials.aws_account", "aws"}}) {
    auto named = raw.find(field);
    if (named == raw.end() || named->second.items.empty() || named->second.text().empty()) continue;
    if (!sources.resolve_account) {
      problems.Add(Where(field, named->second),
                   "saved accounts live in the store of `s3unload serve`; this command was not "
                   "given one (see docs/job-spec.md)");
      continue;
    }
    auto values = sources.resolve_account(kind, named->second.text());
    if (!values) {
      problems.Add(Where(field, named->second), values.error().message);
      continue;
    }
    for (const SpecValue& v : *values) {
      raw.try_emplace(v.key, Raw{v.items, v.is_list, v.origin});
    }
  }
}

}  // namespace

Checked<JobSpec> CheckJobSpec(const SpecSources& sources) {
  Problems problems;
  RawMap raw;
  if (sources.toml_text) {
    try {
      const toml::table root = toml::parse(*sources.toml_text, sources.toml_path);
      ReadToml(root, sources.toml_path, raw, problems);
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      return tl::unexpected(FieldErrors{{sources.toml_path.empty() ? "job file" : sources.toml_path,
                                         fmt::format("not valid TOML at line {}, column {}: {}",
                                                     where.line, where.column, e.description())}});
    }
  }
  if (!raw.count("name") && !sources.toml_path.empty()) {
    raw["name"] = Raw{{StemOf(sources.toml_path)}, false, "the job file's name"};
  }
  // The environment: only the Domo credentials have variables of their own; AWS resolves
  // later in the aws cli's order (flags and job values first, then AWS_* and profiles).
  if (sources.getenv) {
    for (const auto& [var, key] : std::vector<std::pair<const char*, const char*>>{
             {"DOMO_CLIENT_ID", "credentials.domo_client_id"},
             {"DOMO_CLIENT_SECRET", "credentials.domo_client_secret"},
             {"DOMO_API_URL", "credentials.domo_api_url"}}) {
      if (auto value = sources.getenv(var); value && !value->empty()) {
        raw[key] = Raw{{*value}, false, var};
      }
    }
  }
  for (const SpecValue& v : sources.values) {
    if (FindField(v.key) == nullptr) {
      problems.Add(v.key, "unknown field; see docs/job-spec.md for the fields");
      continue;
    }
    raw[v.key] = Raw{v.items, v.is_list, v.origin};
  }
  for (const std::string& set : sources.set_flags) {
    const size_t eq = set.find('=');
    const std::string key = set.substr(0, eq);
    if (eq == std::string::npos || FindField(key) == nullptr) {
      problems.Add("--set " + key, eq == std::string::npos
                                       ? std::string("expected section.field=value")
                                       : std::string("unknown field; see docs/job-spec.md"));
      continue;
    }
    raw[key] = Raw{{set.substr(eq + 1)}, false, "--set"};
  }
  if (sources.day_flag)
    raw["details.specific_day"] = Raw{{std::to_string(*sources.day_flag)}, false, "--day"};
  ApplyAccounts(sources, raw, problems);

  // Each value given meets its field's rule (field_rules.h) before it is read; a refused
  // field keeps its default and is not also reported as missing.
  JobSpec spec;
  std::set<std::string, std::less<>> refused;
  for (const FieldDef& field : Fields()) {
    auto it = raw.find(std::string(field.key));
    if (it == raw.end()) continue;
    bool ok = true;
    for (const std::string& item : it->second.items) {
      if (auto checked = CheckField(field.key, item); !checked) {
        problems.Add(Where(std::string(field.key), it->second), checked.error().message);
        ok = false;
        break;
      }
    }
    if (!ok) {
      refused.emplace(field.key);
      continue;
    }
    field.apply(it->second, spec, problems);
  }
  Finish(spec, raw, refused, problems);
  if (!problems.empty()) return tl::unexpected(problems.list());
  return spec;
}

Result<JobSpec> BuildJobSpec(const SpecSources& sources) {
  auto checked = CheckJobSpec(sources);
  if (!checked) return Fail(JoinFieldErrors(checked.error(), "the job spec"));
  return std::move(*checked);
}

std::string_view EngineName(Engine e) { return e == Engine::kDirect ? "direct" : "domo-export"; }
std::string_view MetricsDatesName(MetricsDates m) {
  return m == MetricsDates::kAsReceived ? "as_received" : "date_time";
}

}  // namespace s3u::unload
