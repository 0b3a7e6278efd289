// A Parquet file writer of our own: no Parquet library is packaged in Debian 12 (Apache
// Arrow is not), and the format is public and stable (apache/parquet-format: parquet.thrift,
// Encodings.md, LogicalTypes.md). It writes what every reader takes: flat schemas of
// OPTIONAL columns, data pages v1, definition levels in the RLE / bit-packed hybrid,
// RLE_DICTIONARY with a PLAIN dictionary page (PLAIN for a column chunk whose dictionary
// would pass a bound, or would not be smaller), column-chunk statistics (min_value,
// max_value, null_count, in each logical type's order) and key-value metadata; pages
// compressed with zstd, snappy, gzip or not at all.
//
// Shape: a RowGroupBuilder buffers one row group's values; FileEncoder::Encode turns them
// into the row group's bytes, Append puts those into the file, Finish writes the footer.
// Encoding before appending lets the caller see the exact size a file would have with one
// more row group (SizeWith), so files can be split at row-group boundaries.
//
// Pure: no I/O. Bytes are appended to the caller's strings.
// Thread-safety: each object is used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "parquet/encoding.h"

namespace s3u::parquet {

enum class Codec { kNone, kSnappy, kGzip, kZstd };

// Logical types, each with the physical type it is stored as.
enum class Kind {
  kString,     // BYTE_ARRAY, STRING (UTF8)
  kInt64,      // INT64
  kDouble,     // DOUBLE
  kDate,       // INT32 DATE, days since 1970-01-01
  kTimestamp,  // INT64 TIMESTAMP(isAdjustedToUTC = true, MICROS)
  kDecimal,    // DECIMAL(precision, scale): INT32 up to 9 digits, INT64 up to 18, else
               // FIXED_LEN_BYTE_ARRAY of DecimalByteWidth(precision) bytes
};

struct ColumnSpec {
  std::string name;
  Kind kind = Kind::kString;
  int precision = 0, scale = 0;  // kDecimal only: 1..38, 0..precision
};

struct WriterOptions {
  Codec codec = Codec::kZstd;
  int zstd_level = 3;
  // Uncompressed bytes per data page: readers decode a page at a time.
  size_t page_size = 1 << 20;
  // A column chunk's dictionary larger than this (as PLAIN bytes) is not written: the chunk
  // is PLAIN. Bounds a reader's memory per column as well as ours.
  size_t dictionary_limit = 1 << 20;
  std::string created_by;                                     // e.g. "s3unload version 0.1.0"
  std::vector<std::pair<std::string, std::string>> metadata;  // key-value metadata
};

// One row group's values, column by column. Values are added row by row, one per column.
class RowGroupBuilder {
 public:
  explicit RowGroupBuilder(std::vector<ColumnSpec> columns);

  void AddNull(size_t column);
  // kInt64, kTimestamp; kDate (days, REQUIRES: fits INT32); kDecimal up to 18 digits
  // (unscaled value).
  void AddInt(size_t column, int64_t v);
  void AddDouble(size_t column, double v);
  void AddString(size_t column, std::string_view v);
  void AddDecimal(size_t column, Int128 unscaled);  // any precision

  uint64_t rows() const { return columns_.empty() ? 0 : columns_[0].defined.size(); }
  // Memory the buffered values take (values, their offsets and levels).
  uint64_t buffered_bytes() const { return bytes_; }
  void Clear();

  const std::vector<ColumnSpec>& specs() const { return specs_; }

 private:
  friend class FileEncoder;
  struct Column {
    std::vector<uint8_t> defined;  // per row: 1 value, 0 null
    std::string data;              // the values' raw bytes, back to back
    std::vector<uint64_t> ends;    // end of each value in `data`
  };
  void Add(size_t column, std::string_view raw);

  std::vector<ColumnSpec> specs_;
  std::vector<Column> columns_;
  uint64_t bytes_ = 0;
};

// What the footer records of one column chunk; offsets relative to its row group's bytes.
struct ChunkInfo {
  std::vector<int32_t> encodings;
  uint64_t values = 0;  // rows, nulls included
  uint64_t uncompressed = 0, compressed = 0;
  uint64_t dictionary_offset = 0, data_offset = 0;
  bool has_dictionary = false;
  std::string min, max;  // PLAIN bytes (no length prefix); empty `has_min_max` = none
  bool has_min_max = false;
  uint64_t nulls = 0;
};

// A row group encoded, not yet placed in a file.
struct EncodedRowGroup {
  std::string bytes;
  uint64_t rows = 0;
  std::vector<ChunkInfo> chunks;
};

class FileEncoder {
 public:
  // kInvalidArgument for no columns or a decimal precision/scale out of range.
  static Result<std::unique_ptr<FileEncoder>> Create(std::vector<ColumnSpec> columns,
                                                     WriterOptions options);
  ~FileEncoder();
  FileEncoder(const FileEncoder&) = delete;
  FileEncoder& operator=(const FileEncoder&) = delete;

  // Encodes and compresses the builder's rows (the builder is left as it was).
  // kInternal when a codec fails.
  Result<EncodedRowGroup> Encode(const RowGroupBuilder& rows);
  // The size of the current file if `group` were appended and the file then finished.
  uint64_t SizeWith(const EncodedRowGroup& group) const;
  // Appends `group` (and the leading magic for a file's first bytes) to `out`.
  void Append(EncodedRowGroup group, std::string& out);
  // Appends the footer; the next Append starts a new file. A file with no row group is a
  // valid file with the schema and no rows.
  void Finish(std::string& out);

  uint64_t file_bytes() const { return position_; }  // of the current file, so far
  uint64_t file_rows() const { return rows_; }

 private:
  struct Impl;  // codec contexts
  FileEncoder(std::vector<ColumnSpec> columns, WriterOptions options);
  // The footer (FileMetaData, its length and the magic), with `extra` as if appended.
  std::string Footer(const EncodedRowGroup* extra) const;
  void AppendRowGroup(const EncodedRowGroup& group, uint64_t base, std::string& out) const;

  const std::vector<ColumnSpec> columns_;
  const WriterOptions options_;
  std::unique_ptr<Impl> impl_;
  uint64_t position_ = 0;
  uint64_t rows_ = 0;
  struct Placed {
    uint64_t base, rows;
    std::vector<ChunkInfo> chunks;
  };
  std::vector<Placed> row_groups_;  // of the current file
};

}  // namespace s3u::parquet
