#include "unload/output.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <utility>

#include "core/characters.h"
#include "core/crash_point.h"
#include "core/version.h"
#include "s3/request.h"

namespace s3u::unload {
namespace {

// Appends `s` as a JSON string. Quote, backslash and U+0000-U+001F are escaped; valid UTF-8
// passes through; a byte that starts no valid sequence becomes U+FFFD (JSON must be UTF-8).
void AppendJsonString(std::string_view s, std::string& out) {
  out += '"';
  size_t run = 0;  // start of the bytes not yet appended
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x80 && b != '"' && b != '\\') {
      ++i;
      continue;
    }
    if (b >= 0x80) {
      if (const size_t n = Utf8Length(s, i); n > 0) {
        i += n;
        continue;
      }
    }
    out.append(s.substr(run, i - run));
    switch (b) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (b < 0x20) {
          out += fmt::format("\\u{:04x}", b);
        } else {
          out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        }
    }
    run = ++i;
  }
  out.append(s.substr(run));
  out += '"';
}

bool IsNumeric(table::ColumnType type) {
  return type == table::ColumnType::kLong || type == table::ColumnType::kDouble ||
         type == table::ColumnType::kDecimal;
}

}  // namespace

OutputOptions OutputOptionsFrom(const JobSpec& spec) {
  OutputOptions options;
  options.format = spec.format;
  options.csv.delimiter = spec.delimiter;
  options.csv.quoting = spec.quote_all ? table::Quoting::kAll : table::Quoting::kMinimal;
  options.csv.null_text = spec.null_text;
  options.header = spec.header;
  options.compression = spec.compression;
  options.compression_level = spec.compression_level;
  options.max_object_size = spec.max_object_size;
  options.row_group_size = spec.row_group_size;
  options.parquet = {spec.decimal_precision, spec.decimal_scale, spec.decimal_as_string};
  options.key_columns = spec.primary_key;
  return options;
}

std::string ContentTypeFor(const OutputOptions& options) {
  if (options.format == OutputFormat::kParquet) return "application/vnd.apache.parquet";
  switch (options.compression) {
    case Compression::kGzip:
      return "application/gzip";
    case Compression::kZstd:
      return "application/zstd";
    default:
      break;
  }
  return options.format == OutputFormat::kCsv ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

Result<std::unique_ptr<OutputWriter>> OutputWriter::Create(OutputOptions options,
                                                           table::Schema schema, OpenObject open) {
  if (schema.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "schema", "the dataset has no columns to write");
  }
  if (options.max_object_size && *options.max_object_size == 0) {
    return Fail(ErrorCode::kInvalidArgument, "output.max_object_size",
                "must be a positive number of bytes");
  }
  if (options.block_size == 0) {
    return Fail(ErrorCode::kInvalidArgument, "block_size", "must be a positive number of bytes");
  }
  const bool parquet = options.format == OutputFormat::kParquet;
  // Parquet compresses its pages itself: the object stream is not compressed again.
  auto compressor = parquet ? MakeCompressor(Compression::kNone, 0)
                            : MakeCompressor(options.compression, options.compression_level);
  if (compressor && !parquet && options.compression != Compression::kNone &&
      options.background_compression) {
    compressor = MakeBackgroundCompressor(std::move(*compressor));
  }
  if (!compressor) return Fail(compressor.error());
  std::unique_ptr<parquet::FileEncoder> encoder;
  if (parquet) {
    if (options.compression_level < 0 || options.compression_level > 19) {
      return Fail(
          ErrorCode::kInvalidArgument, "output.compression_level",
          fmt::format("{} is not a zstd level: use 0 (default) to 19", options.compression_level));
    }
    parquet::WriterOptions writer;
    writer.codec = options.compression == Compression::kZstd     ? parquet::Codec::kZstd
                   : options.compression == Compression::kSnappy ? parquet::Codec::kSnappy
                   : options.compression == Compression::kGzip   ? parquet::Codec::kGzip
                                                                 : parquet::Codec::kNone;
    writer.zstd_level = ZstdLevelFor(options.compression_level);
    writer.created_by = fmt::format("s3unload version {}", kVersion);
    writer.metadata = options.parquet_metadata;
    auto created = parquet::FileEncoder::Create(ParquetColumns(schema, options.parquet), writer);
    if (!created) return Fail(created.error());
    encoder = std::move(*created);
  }
  std::vector<size_t> keys;
  for (const std::string& name : options.key_columns) {
    if (auto index = table::FindColumn(schema, name)) keys.push_back(*index);
  }
  auto columns =
      parquet ? ParquetColumns(schema, options.parquet) : std::vector<parquet::ColumnSpec>{};
  std::unique_ptr<OutputWriter> writer(new OutputWriter(std::move(options), std::move(schema),
                                                        std::move(open), std::move(*compressor)));
  writer->key_indices_ = std::move(keys);
  if (parquet) {
    writer->parquet_ = std::move(encoder);
    writer->row_group_ = std::make_unique<parquet::RowGroupBuilder>(std::move(columns));
  }
  return writer;
}

OutputWriter::OutputWriter(OutputOptions options, table::Schema schema, OpenObject open,
                           std::unique_ptr<Compressor> compressor)
    : options_(std::move(options)),
      schema_(std::move(schema)),
      open_(std::move(open)),
      compressor_(std::move(compressor)) {
  if (options_.format == OutputFormat::kCsv && options_.header) {
    std::vector<table::FieldValue> names;
    for (const table::Column& column : schema_) names.emplace_back(column.name);
    table::AppendCsvRecord(options_.csv, names, header_);
  }
  for (size_t i = 0; i < schema_.size(); ++i) {
    std::string key(i == 0 ? "{" : ",");
    AppendJsonString(schema_[i].name, key);
    key += ':';
    json_keys_.push_back(std::move(key));
  }
  block_.reserve(options_.block_size + 4096);
}

void OutputWriter::EncodeJsonRow(std::span<const table::FieldValue> values,
                                 std::string& out) const {
  for (size_t i = 0; i < values.size(); ++i) {
    out += json_keys_[i];
    if (!values[i]) {
      out += "null";
    } else if (IsNumeric(schema_[i].type) && table::IsJsonNumber(*values[i])) {
      out += *values[i];  // verbatim: keeps a DECIMAL's every digit
    } else {
      // Text, dates, and numbers JSON cannot spell ("+5", "1.", "007"), kept exact.
      AppendJsonString(*values[i], out);
    }
  }
  out += "}\n";
}

Result<void> OutputWriter::Stop(Result<void> result) {
  if (!result) error_ = result.error();
  return result;
}

std::optional<Error> OutputWriter::BeginRow(size_t values, bool lone_null) {
  if (error_) return error_;
  if (closed_) {
    return Error{ErrorCode::kFailedPrecondition, "output", "a row was written after Close", 0, {}};
  }
  const auto row_subject = [&] { return fmt::format("row {}", totals().rows + 1); };
  if (values != schema_.size()) {
    return StopWith(
        Error{ErrorCode::kInvalidArgument,
              row_subject(),
              fmt::format("has {} values; the schema has {} columns", values, schema_.size()),
              0,
              {}});
  }
  if (options_.format == OutputFormat::kCsv && values == 1 && lone_null &&
      options_.csv.null_text.empty()) {
    return StopWith(Error{ErrorCode::kInvalidArgument,
                          row_subject(),
                          fmt::format("column \"{}\" is null and output.null is empty: in a "
                                      "one-column CSV that is a blank line, which no CSV reader "
                                      "accepts; set output.null (for example \"\\N\")",
                                      schema_[0].name),
                          0,
                          {}});
  }
  if (!parquet_ && !open_object_) {
    if (auto started = StartObject(); !started) return StopWith(started.error());
  }
  return std::nullopt;
}

Result<void> OutputWriter::WriteRow(std::span<const table::FieldValue> values) {
  if (auto refused = BeginRow(values.size(), values.size() == 1 && !values[0])) {
    return Fail(std::move(*refused));
  }
  if (parquet_) return Stop(WriteParquetRow(values));
  const size_t before = block_.size();
  if (options_.format == OutputFormat::kCsv) {
    table::AppendCsvRecord(options_.csv, values, block_);
  } else {
    EncodeJsonRow(values, block_);
  }
  if (auto stopped = EndRow(before)) return Fail(std::move(*stopped));
  return {};
}

Result<void> OutputWriter::WriteRows(std::span<const table::PackedRow> rows) {
  if (options_.format != OutputFormat::kCsv || parquet_) {
    for (const table::PackedRow& row : rows) {
      row.CopyTo(values_);
      if (auto written = WriteRow(values_); !written) return written;
    }
    return {};
  }
  for (const table::PackedRow& row : rows) {
    if (auto refused = BeginRow(row.size(), row.size() == 1 && !row[0])) {
      return Fail(std::move(*refused));
    }
    const size_t before = block_.size();
    table::AppendCsvRecord(options_.csv, row, block_);
    if (auto stopped = EndRow(before)) return Fail(std::move(*stopped));
  }
  return {};
}

Error OutputWriter::StopWith(Error error) {
  error_ = error;
  return error;
}

std::optional<Error> OutputWriter::EndRow(size_t before) {
  const uint64_t size = block_.size() - before;
  if (current_.rows > 0 && MightExceed(block_.size())) {
    // Near the limit: flush so the stored size is exact, then decide with this row alone.
    row_.assign(block_, before, size);
    block_.resize(before);
    if (auto flushed = Drain(End::kFlush); !flushed) return StopWith(flushed.error());
    const uint64_t max = *options_.max_object_size;
    // Stop early rather than flush ever smaller pieces: a flush costs a few bytes each.
    const uint64_t min_room = std::min<uint64_t>(64 * 1024, max / 16);
    const uint64_t stored = current_.stored_bytes;
    if (MightExceed(size) || stored >= max || max - stored < min_room) {
      if (auto finished = FinishObject(); !finished) return StopWith(finished.error());
      if (auto started = StartObject(); !started) return StopWith(started.error());
    }
    block_ += row_;
  }
  ++current_.rows;
  current_.raw_bytes += size;
  if (block_.size() >= options_.block_size) {
    if (auto drained = Drain(End::kNone); !drained) return StopWith(drained.error());
  }
  return std::nullopt;
}

Result<void> OutputWriter::WriteParquetRow(std::span<const table::FieldValue> values) {
  if (auto added = AddParquetRow(schema_, options_.parquet, values, *row_group_); !added) {
    Error error = added.error();
    error.message += fmt::format(" (row {}", totals().rows + 1);
    if (!key_indices_.empty()) {
      std::vector<std::string_view> key;
      for (size_t k : key_indices_) key.push_back(values[k] ? *values[k] : "null");
      error.message += fmt::format(", key ({})", fmt::join(key, ", "));
    }
    error.message += ")";
    return Fail(std::move(error));
  }
  if (row_group_->buffered_bytes() >= options_.row_group_size) return FlushRowGroup();
  return {};
}

Result<void> OutputWriter::FlushRowGroup() {
  auto group = parquet_->Encode(*row_group_);
  if (!group) return Fail(group.error());
  row_group_->Clear();
  if (open_object_ && current_.rows > 0 && options_.max_object_size &&
      parquet_->SizeWith(*group) > *options_.max_object_size) {
    if (auto finished = FinishObject(); !finished) return finished;
  }
  if (!open_object_) {
    if (auto started = StartObject(); !started) return started;
  }
  current_.rows += group->rows;
  for (const parquet::ChunkInfo& chunk : group->chunks) current_.raw_bytes += chunk.uncompressed;
  parquet_->Append(std::move(*group), compressed_);
  return Drain(End::kNone);
}

bool OutputWriter::MightExceed(uint64_t pending) const {
  return options_.max_object_size &&
         current_.stored_bytes + compressor_->FinishBound(unflushed_ + pending) >
             *options_.max_object_size;
}

Result<void> OutputWriter::StartObject() {
  const int index = static_cast<int>(objects_.size()) + 1;
  auto sink = open_(index);
  if (!sink) return Fail(sink.error());
  sinks_.push_back(std::move(*sink));
  current_ = ObjectStats{index, 0, 0, header_.size()};
  open_object_ = true;
  block_ += header_;
  return {};
}

Result<void> OutputWriter::Drain(End end) {
  if (!block_.empty()) {
    unflushed_ += block_.size();
    if (auto wrote = compressor_->WriteBlock(block_, compressed_); !wrote) return wrote;
  }
  if (end != End::kNone) {
    auto ended =
        end == End::kFlush ? compressor_->Flush(compressed_) : compressor_->Finish(compressed_);
    if (!ended) return ended;
    unflushed_ = 0;
  }
  if (!compressed_.empty()) {
    if (auto wrote = sinks_.back()->Write(compressed_); !wrote) return wrote;
    current_.stored_bytes += compressed_.size();
    compressed_.clear();
  }
  return {};
}

Result<void> OutputWriter::FinishObject() {
  if (parquet_) parquet_->Finish(compressed_);
  if (auto drained = Drain(End::kFinish); !drained) return drained;
  if (auto sealed = sinks_.back()->Seal(); !sealed) return sealed;
  objects_.push_back(current_);
  current_ = ObjectStats{};
  open_object_ = false;
  return {};
}

Result<void> OutputWriter::Close() {
  if (error_) return Fail(*error_);
  if (closed_) return Fail(ErrorCode::kFailedPrecondition, "output", "Close was called twice");
  closed_ = true;
  if (parquet_ && row_group_->rows() > 0) {
    if (auto flushed = FlushRowGroup(); !flushed) return Stop(flushed);
  }
  if (!open_object_) {
    if (auto started = StartObject(); !started) return Stop(started);
  }
  return Stop(FinishObject());
}

OutputTotals OutputWriter::totals() const {
  OutputTotals totals;
  const auto add = [&](const ObjectStats& o) {
    ++totals.objects;
    totals.rows += o.rows;
    totals.stored_bytes += o.stored_bytes;
    totals.raw_bytes += o.raw_bytes;
  };
  for (const ObjectStats& o : objects_) add(o);
  if (open_object_) add(current_);  // so progress moves while the first object is written
  if (row_group_) totals.rows += row_group_->rows();
  return totals;
}

S3ObjectSink::S3ObjectSink(s3::S3Client& client, Executor& executor, Logger& log,
                           s3::S3Location location, s3::UploadOptions options)
    : location_(location),
      uploader_(client, executor, log, std::move(location), std::move(options)) {}

namespace {

// After a failed publishing step: aborts the objects not committed, deletes the committed
// ones, and extends `cause` with what was done and what is left.
Error Unwind(s3::S3Client& client, std::span<S3ObjectSink* const> uncommitted,
             const std::vector<s3::S3Location>& committed, Error cause) {
  AbortAll(uncommitted);
  std::map<std::string, std::vector<std::string>> keys_by_bucket;
  for (const s3::S3Location& loc : committed) keys_by_bucket[loc.bucket].push_back(loc.key);
  std::vector<std::string> left;  // "s3://b/k (why)"
  for (const auto& [bucket, keys] : keys_by_bucket) {
    auto deleted = client.DeleteObjects(bucket, keys);
    if (!deleted) {
      for (const std::string& key : keys) {
        left.push_back(
            fmt::format("{} ({})", s3::ResourceName(bucket, key), deleted.error().message));
      }
      continue;
    }
    for (const s3::DeleteError& e : deleted->errors) {
      left.push_back(
          fmt::format("{} ({}: {})", s3::ResourceName(bucket, e.key), e.code, e.message));
    }
  }
  cause.message += fmt::format(
      "; publishing stopped: {} committed object(s) deleted, {} "
      "upload(s) aborted, nothing published",
      committed.size() - left.size(), uncommitted.size());
  if (!left.empty()) {
    cause.message += fmt::format(
        ", except {} object(s) that could not be deleted and must be removed by hand: {}",
        left.size(), fmt::join(left, ", "));
  }
  return cause;
}

}  // namespace

Result<std::vector<s3::UploadResult>> Publish(s3::S3Client& client,
                                              std::span<S3ObjectSink* const> objects,
                                              const std::optional<ManifestObject>& manifest) {
  std::vector<s3::UploadResult> results;
  std::vector<s3::S3Location> committed;
  for (size_t i = 0; i < objects.size(); ++i) {
    // A failed Commit has aborted its own upload already.
    auto done = objects[i]->uploader().Commit();
    if (!done) return Fail(Unwind(client, objects.subspan(i + 1), committed, done.error()));
    results.push_back(*done);
    committed.push_back(objects[i]->location());
  }
  if (manifest) {
    CrashPoint("before-manifest");
    auto put = client.PutObject(manifest->location, manifest->body, manifest->options);
    if (!put) return Fail(Unwind(client, {}, committed, put.error()));
  }
  return results;
}

void AbortAll(std::span<S3ObjectSink* const> objects) noexcept {
  for (S3ObjectSink* object : objects) object->uploader().Abort();
}

}  // namespace s3u::unload
