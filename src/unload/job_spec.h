// The job spec: every field of the connector's panes (Credentials, Details, Name & Describe,
// update method) plus what s3unload adds (engine, date column, time zone, format,
// compression, splitting, if-exists, manifest, S3 options), as one validated value.
//
// Sources, lowest precedence first: built-in defaults < the TOML file < the environment
// (DOMO_CLIENT_ID, DOMO_CLIENT_SECRET, DOMO_API_URL; AWS settings resolve later, in the aws
// cli's order) < command-line flags (`--set section.field=value`, `--day N`). The format and
// every field are documented in docs/job-spec.md.
//
// Validation collects every problem before failing, each with its field ("details.path"),
// what was wrong and what is accepted; Build returns them joined in one kInvalidArgument
// whose subject is the first field (the CLI prints them one per line). Checks that need Domo
// (the date column exists, the primary key names columns) happen in the run, not here.
//
// Thread-safety: plain values and pure functions (the environment is injected).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "domo/model.h"
#include "http/retry.h"

namespace s3u::unload {

enum class Engine { kDirect, kDomoExport };
enum class MetricsDates { kAsReceived, kDateTime };  // how `started`/`finished` are written
using domo::UpdateMethod;  // REPLACE keeps the last run's row, APPEND keeps history
enum class OutputFormat { kCsv, kJsonLines, kParquet };
// kSnappy: Parquet only (its pages; a snappy stream is no file format of its own).
enum class Compression { kNone, kGzip, kZstd, kSnappy };
enum class IfExists { kOverwrite, kFail, kUnique };
enum class DuplicateKeys { kKeep, kFail, kFirst };
// Several readers' output: one object with the ranges in key order, or one object per reader.
enum class ReaderObjects { kOne, kPerReader };

struct JobSpec {
  std::string name;
  // credentials
  // Saved accounts (the store's, by name); their values sit below the job's own values.
  std::string domo_account, aws_account;
  std::string domo_client_id, domo_client_secret;
  std::string domo_api_url = "https://api.domo.com";
  std::string domo_instance_url;  // for the internal APIs; empty = domo_api_url
  // AWS values given in the job; unset ones resolve like the aws cli (env, then profile).
  std::optional<std::string> aws_access_key_id, aws_secret_access_key, aws_session_token,
      aws_profile, region, endpoint_url;
  // A role to assume (STS AssumeRole) with the credentials above, or with the default chain's
  // when none are given; docs/credentials.md.
  std::optional<std::string> role_arn, external_id, role_session_name;
  std::string bucket;
  // details
  std::string input_dataset_id;  // a GUID (a dataset URL is reduced to its GUID)
  std::string path;              // template, see path_template.h
  std::vector<std::string> primary_key;
  int specific_day = 1;  // 0 today, 1 yesterday (the default: a finished day), N days ago
  MetricsDates metrics_dates = MetricsDates::kAsReceived;
  std::string date_column;  // empty: the dataset's only DATE/DATETIME column
  std::string time_zone = "UTC";
  Engine engine = Engine::kDirect;
  DuplicateKeys duplicate_keys = DuplicateKeys::kKeep;
  // output
  OutputFormat format = OutputFormat::kCsv;
  char delimiter = ',';
  bool quote_all = false;
  bool header = true;
  std::string null_text;
  Compression compression = Compression::kGzip;
  int compression_level = 0;  // 0: the codec's default
  std::optional<uint64_t> max_object_size;
  // With several readers (tuning.readers): "one" writes the day as one object in key order
  // (the ranges read ahead, written in turn); "per-reader" one object per reader, in range
  // order (docs/unload.md, "Parallel readers").
  ReaderObjects reader_objects = ReaderObjects::kOne;
  // Parquet only: buffered bytes per row group; DECIMAL as DECIMAL(precision, scale) or as
  // its exact text (decimal_as_string).
  uint64_t row_group_size = 64ull << 20;
  int decimal_precision = 38, decimal_scale = 9;
  bool decimal_as_string = false;
  IfExists if_exists = IfExists::kOverwrite;
  bool manifest = false;
  // writeback (Name & Describe, update method)
  std::string writeback_name;  // default "s3unload metrics: <name>"
  std::string writeback_description;
  std::string writeback_dataset_id;  // an existing writeback dataset; empty: find or create
  UpdateMethod update_method = UpdateMethod::kAppend;
  // s3
  uint64_t part_size = 8ull << 20;
  int concurrency = 4;
  std::string checksum = "auto";
  std::string storage_class, sse, sse_kms_key_id;
  // engine tuning
  // Rows per query page (direct engine). Memory follows it (a page is held parsed while it is
  // written); 20000 measured as fast as 100000 with less than half the peak RSS.
  uint64_t page_rows = 20000;
  // Parallel readers of the day (direct engine): 0 = automatic (query_plan.h: AutoReadersMax
  // and WidenReaders for one object, AutoReaders for one object per reader), 1 = one reader. More
  // readers: more queries in flight (each pays Domo's latency separately); memory grows with them
  // (docs/unload.md).
  int readers = 0;
  // How long one Domo or S3 request is retried through outages and throttling
  // (http::RetryPolicy::budget); a run gives it to both clients.
  std::chrono::milliseconds retry_budget = http::kDefaultRetryBudget;

  // ".csv.gz", ".jsonl.zst", ".parquet" (Parquet compresses inside the file), ...
  std::string Extension() const;
};

// One field's value from a source other than TOML text (a saved account, a connector of the
// service). `origin` is named in messages ("details.path (from account prod)"); empty names
// the field alone, as the service's API wants.
struct SpecValue {
  std::string key;  // "section.field"
  std::vector<std::string> items;
  bool is_list = false;
  std::string origin;
};

// A saved account's values by its kind ("domo" or "aws") and name; kNotFound naming it when
// there is none. Supplied by whoever has the store open.
using AccountResolver =
    std::function<Result<std::vector<SpecValue>>(std::string_view kind, std::string_view name)>;

// Where a value came from, for messages ("details.path (from --set)").
struct SpecSources {
  std::optional<std::string> toml_text;  // the file's content
  std::string toml_path;                 // for messages and the default job name
  // Environment lookup; empty function = empty environment.
  std::function<std::optional<std::string>(std::string_view)> getenv;
  std::vector<std::string> set_flags;  // "section.field=value", in order
  std::optional<int> day_flag;         // --day N
  // Values above the environment and below the flags (the service's connector fields).
  std::vector<SpecValue> values;
  // Resolves credentials.domo_account / credentials.aws_account; unset: naming an account is
  // an error saying where accounts live.
  AccountResolver resolve_account;
};

// Builds and validates the spec from all sources (see the top comment).
Result<JobSpec> BuildJobSpec(const SpecSources& sources);

// The same, with every problem as its own field error (the service's API returns them).
Checked<JobSpec> CheckJobSpec(const SpecSources& sources);

// The names of every field, "section.field", in documentation order.
std::vector<std::string> JobSpecFields();

std::string_view EngineName(Engine e);              // "direct", "domo-export"
std::string_view MetricsDatesName(MetricsDates m);  // "as_received", "date_time"

}  // namespace s3u::unload
