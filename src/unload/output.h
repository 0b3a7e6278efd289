// The unload's output pipeline: rows -> encoding (CSV or JSON Lines) -> compression (none,
// gzip, zstd) -> one or more objects, split at row boundaries by a maximum object size.
// Parquet instead buffers a row group, encodes it (parquet/writer.h, pages compressed inside)
// and splits at row-group boundaries. docs/output.md describes each in full.
//
// Memory: rows are encoded into a block (256 KiB by default) that is compressed and handed
// to the object sink when full, so memory is the block, the compressor's state and its
// output for one block, independent of the number of rows.
//
// Splitting: objects are at most max_object_size bytes as stored (compressed), and each
// stands alone: its own compressed stream, and for CSV with a header its own header line.
// An object is cut before the row that could push it over the limit; the compressor is
// flushed near the limit so the decision uses exact sizes (see docs/output.md for the bound
// and its cost). Only an object whose first row alone (with the header) exceeds the limit
// is larger: it then holds just that row.
//
// Publishing: S3ObjectSink writes an object through a StreamingUploader and seals it (nothing
// visible); Publish commits every sealed object and the manifest last, or removes what it
// committed when a step fails. AbortAll abandons a failed run's objects.
//
// Parquet memory: the row group being buffered (row_group_size, plus one row) and the
// encoded row group on its way to the sink (at most about its uncompressed size).
//
// Thread-safety: an OutputWriter and its sinks are used by one thread; the uploaders run
// their parts on the executor they were given.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/executor.h"
#include "core/log.h"
#include "parquet/writer.h"
#include "s3/client.h"
#include "s3/uploader.h"
#include "table/csv.h"
#include "table/types.h"
#include "unload/codec.h"
#include "unload/job_spec.h"
#include "unload/parquet_rows.h"

namespace s3u::unload {

struct OutputOptions {
  OutputFormat format = OutputFormat::kCsv;
  // CSV only: delimiter, quoting and null text (line end "\n", as Domo writes).
  table::CsvWriteOptions csv;
  bool header = true;  // CSV only: every object starts with the column names
  Compression compression = Compression::kGzip;
  int compression_level = 0;  // 0: the codec's default (codec.h)
  // Unset: one object however large. Set: objects of at most this many stored bytes.
  std::optional<uint64_t> max_object_size;
  // Encoded bytes gathered before compressing. Larger: fewer codec calls, more memory.
  size_t block_size = 256 * 1024;
  // gzip and zstd compress on a thread of their own, one block behind the encoder
  // (MakeBackgroundCompressor): the same bytes, one more block of memory, and the reader's
  // thread free for the next rows. Off: everything on the caller's thread.
  bool background_compression = true;
  // Parquet only. Buffered bytes per row group: larger groups compress better and let
  // engines skip more at once; memory grows with them (see the top comment).
  uint64_t row_group_size = 64ull << 20;
  ParquetMapping parquet;
  std::vector<std::pair<std::string, std::string>> parquet_metadata;  // key-value metadata
  // Columns whose values name a row in a value error (details.primary_key).
  std::vector<std::string> key_columns;
};

// The output settings of a validated job spec.
OutputOptions OutputOptionsFrom(const JobSpec& spec);

// The Content-Type objects are stored with: "text/csv; charset=utf-8",
// "application/x-ndjson", "application/vnd.apache.parquet", or for compressed objects
// "application/gzip" / "application/zstd". No Content-Encoding is set: clients must not unpack a
// .gz object on download.
std::string ContentTypeFor(const OutputOptions& options);

// Where one object's bytes go.
class ObjectSink {
 public:
  virtual ~ObjectSink() = default;
  virtual Result<void> Write(std::string_view data) = 0;
  // The object is complete: no more writes. Publishing (if any) is the caller's business.
  virtual Result<void> Seal() = 0;
};

// Opens object `index` (1-based, in output order).
using OpenObject = std::function<Result<std::unique_ptr<ObjectSink>>(int index)>;

struct ObjectStats {
  int index = 0;              // 1-based
  uint64_t rows = 0;          // data rows (a CSV header is not a row)
  uint64_t stored_bytes = 0;  // as written to the sink (compressed)
  uint64_t raw_bytes = 0;     // encoded bytes before compression, header included
};

struct OutputTotals {
  int objects = 0;
  uint64_t rows = 0;
  uint64_t stored_bytes = 0;
  uint64_t raw_bytes = 0;
};

class OutputWriter {
 public:
  // Fails with kInvalidArgument for an empty schema, a max_object_size of 0, a block_size of
  // 0 or a compression level the codec does not have. Opens no object yet.
  static Result<std::unique_ptr<OutputWriter>> Create(OutputOptions options, table::Schema schema,
                                                      OpenObject open);
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  // Appends one row: one value per schema column, as Domo CSV text (nullopt = null).
  // kInvalidArgument when the count is wrong or the row cannot be encoded (a null in a
  // one-column CSV with an empty null text would be a blank line; for Parquet, a value its
  // column's type cannot hold exactly: the message names the column, row, key and value). Errors of
  // the sink or codec are returned as they are; after any error the writer is stopped and returns
  // it.
  Result<void> WriteRow(std::span<const table::FieldValue> values);
  // WriteRow for each row, in order, as a query page holds them (table::PackedRow), stopping
  // at the first error: CSV copies a plain row in one piece, the other formats take its
  // values. A page's rows at once: a Result per row costs more than some rows (BeginRow).
  Result<void> WriteRows(std::span<const table::PackedRow> rows);
  // Finishes the stream and seals the last object. A run without rows still produces one
  // object (the header, or an empty stream). REQUIRES: called once, after the last row.
  Result<void> Close();

  // The sealed objects, in order.
  const std::vector<ObjectStats>& objects() const { return objects_; }
  // Sums over every object so far, the one being written included (stored bytes count what
  // reached its sink; the codec may hold some back until the object is finished; Parquet
  // rows of the row group being buffered are counted).
  OutputTotals totals() const;

 private:
  OutputWriter(OutputOptions options, table::Schema schema, OpenObject open,
               std::unique_ptr<Compressor> compressor);

  void EncodeJsonRow(std::span<const table::FieldValue> values, std::string& out) const;
  // The two halves of writing a CSV or JSON Lines row, around its encoding: the checks (and
  // the object opened for the first row), then the accounting of the block's `before`.. end
  // that the row took. Each gives the error that stopped the writer, if any. Not a
  // Result<void>: GCC zeroes the whole 104-byte union of a tl::expected<void, Error> to make
  // a successful one (`rep stos`: half of WriteRow's time in perf), so rows make one a page.
  std::optional<Error> BeginRow(size_t values, bool lone_null);
  std::optional<Error> EndRow(size_t before);
  Error StopWith(Error error);  // stops the writer with `error` (WriteRow returns it then on)
  Result<void> StartObject();
  // Compresses the block (and flushes or finishes the stream when asked) into the sink.
  enum class End { kNone, kFlush, kFinish };
  Result<void> Drain(End end);
  Result<void> FinishObject();
  // True when finishing now with `more` further encoded bytes could exceed the limit.
  bool MightExceed(uint64_t more) const;
  Result<void> Stop(Result<void> result);
  Result<void> WriteParquetRow(std::span<const table::FieldValue> values);
  // Encodes the buffered row group into the current object, or a new one when it would pass
  // max_object_size.
  Result<void> FlushRowGroup();

  const OutputOptions options_;
  const table::Schema schema_;
  const OpenObject open_;
  const std::unique_ptr<Compressor> compressor_;
  std::string header_;                  // the CSV header line, or empty
  std::vector<std::string> json_keys_;  // '{"name":' and ',"name":' per column

  std::string block_;                               // encoded, not yet compressed
  std::string compressed_;                          // codec output on its way to the sink
  std::string row_;                                 // a row moved to the next object
  std::vector<table::FieldValue> values_;           // a packed row's values, for JSON, Parquet
  std::vector<std::unique_ptr<ObjectSink>> sinks_;  // kept alive: sealed uploads live here
  ObjectStats current_;
  bool open_object_ = false;
  uint64_t unflushed_ = 0;  // bytes given to the codec since its last flush
  std::vector<ObjectStats> objects_;
  std::optional<Error> error_;
  bool closed_ = false;
  // Parquet only.
  std::unique_ptr<parquet::FileEncoder> parquet_;
  std::unique_ptr<parquet::RowGroupBuilder> row_group_;
  std::vector<size_t> key_indices_;
};

// An object in S3, written through a StreamingUploader. Seal() seals the upload (nothing is
// visible); the object appears only when Publish commits it. Destroying an uncommitted sink
// aborts its upload.
class S3ObjectSink final : public ObjectSink {
 public:
  // References outlive the sink (see StreamingUploader).
  S3ObjectSink(s3::S3Client& client, Executor& executor, Logger& log, s3::S3Location location,
               s3::UploadOptions options);
  Result<void> Write(std::string_view data) override { return uploader_.Write(data); }
  Result<void> Seal() override { return uploader_.Seal(); }

  s3::StreamingUploader& uploader() { return uploader_; }
  const s3::S3Location& location() const { return location_; }

 private:
  const s3::S3Location location_;
  s3::StreamingUploader uploader_;
};

// The manifest (manifest.h) Publish puts after every object was committed.
struct ManifestObject {
  s3::S3Location location;
  std::string body;
  s3::ObjectOptions options;  // create_only for if_exists = fail
};

// Commits every sealed object in order, then puts the manifest. If a step fails, deletes the
// objects already committed (DeleteObjects) and aborts the others, and returns the step's
// error, its message extended with what was cleaned up and what could not be (those keys
// then need removing by hand). REQUIRES: every object sealed; `client` is theirs.
Result<std::vector<s3::UploadResult>> Publish(s3::S3Client& client,
                                              std::span<S3ObjectSink* const> objects,
                                              const std::optional<ManifestObject>& manifest);

// Aborts every object's upload (a failed run): no object appears, no part stays billed.
// Never throws; refused aborts are logged by the uploader with the upload id left behind.
void AbortAll(std::span<S3ObjectSink* const> objects) noexcept;

}  // namespace s3u::unload
