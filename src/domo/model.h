// Domo's objects as plain values, with pure parsers for the answers that carry them and
// builders for the request bodies (domo-api.md §3, §5-§8). Parsers are lenient where Domo
// is inconsistent (an id may be a number or a numeric string, optional fields may be
// absent) and strict where a wrong value would mislead (a missing id, an unknown column
// type): those fail with kInternal naming the field, since they mean Domo sent something
// this client cannot interpret.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "table/csv.h"
#include "table/types.h"

namespace s3u::domo {

struct Owner {
  int64_t id = 0;  // 0 when Domo sent no owner
  std::string name;
};

struct Dataset {
  std::string id;
  std::string name;
  std::string description;
  int64_t rows = 0;
  int64_t columns = 0;
  table::Schema schema;  // empty in list answers, which carry no schema
  Owner owner;
  std::string created_at;  // ISO-8601 wire text
  std::string updated_at;
  bool pdp_enabled = false;
};

// What a new dataset (or stream) is made of.
struct DatasetSpec {
  std::string name;
  std::string description;
  table::Schema schema;
};

// A partial update: absent fields are left as they are.
struct DatasetUpdate {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<table::Schema> schema;
};

enum class UpdateMethod { kReplace, kAppend };
std::string_view UpdateMethodName(UpdateMethod method);  // "REPLACE", "APPEND"

struct Group {
  int64_t id = 0;
  std::string name;
};

struct User {
  int64_t id = 0;
  std::string name;
  std::string email;
  std::string role;
  std::vector<Group> groups;
};

// One entry of the internal permissions list (§7): a USER or GROUP and its access level
// ("OWNER", "CO_OWNER", "CAN_EDIT", "CAN_SHARE", "CAN_VIEW").
struct Permission {
  std::string type;  // "USER" or "GROUP"
  int64_t id = 0;
  std::string access_level;
  std::string name;
};

// A cell of a query answer: text (JSON numbers in their JSON spelling, DATE/DATETIME as
// sent, booleans as true/false) or nullopt for JSON null. The same type as the encoders'
// table::FieldValue, so a row is handed to them as it is.
using Cell = std::optional<std::string_view>;

// The rows of a query answer, flat: rows x columns cells, each the offset and length of its
// text in one buffer the table owns (8 bytes a cell, where a string_view is 16 and a Cell 24:
// a page of 20,000 rows of 6 columns holds 1 MB of cells instead of 2.9 MB, which counts
// once per page a run holds, several with parallel readers). The text is packed as
// table::PackedRow says: each cell's text is followed by one gap byte, and a null is the gap
// alone, so that the CSV writer copies a plain row in one piece (table::AppendCsvRecord). A
// page is two allocations instead of one per row and one per long value. Copies and moves
// need no re-pointing. A table of no columns holds no rows (a query answer always has
// columns; one without is refused by every caller). The text, gaps included, is at most
// kMaxText bytes (the parsers refuse a larger answer; a cell's text and gap are never longer
// than its JSON).
class QueryRows {
 public:
  static constexpr size_t kMaxText = 0xFFFFFFFE;

  // One row's cells, viewing the table's text (valid while the table lives, unchanged).
  class Row {
   public:
    Row(const QueryRows* rows, size_t first) : rows_(rows), first_(first) {}
    Cell operator[](size_t column) const { return rows_->CellAt(first_ + column); }
    size_t size() const { return rows_->columns_; }
    // The row as the encoders take it: its cells, packed in the table's text.
    table::PackedRow packed() const {
      return {rows_->text_.get(), std::span(rows_->cells_).subspan(first_, rows_->columns_)};
    }

   private:
    const QueryRows* rows_;
    size_t first_;
  };

  QueryRows() = default;
  // Rows of `columns` cells (at least one), with room for `text_bytes` bytes of cell text; the
  // buffer grows if the texts need more (a page's texts never do when sized to its JSON).
  QueryRows(size_t columns, size_t text_bytes);
  QueryRows(const QueryRows& other);
  QueryRows& operator=(const QueryRows& other);
  QueryRows(QueryRows&&) noexcept = default;
  QueryRows& operator=(QueryRows&&) noexcept = default;

  void reserve(size_t rows) { cells_.reserve(rows * columns_); }
  // Empties the table for rows of `columns` cells with room for `text_bytes` bytes of text,
  // keeping the memory it already has (domo::PageMemory reads page after page into it).
  void Reset(size_t columns, size_t text_bytes);
  // Appends the next cell; rows fill one after the other. The text is copied. REQUIRES: the
  // table's text stays within kMaxText bytes.
  void Add(Cell cell) {
    if (cell) {
      AddText(*cell);
    } else {
      AddNull();
    }
  }
  // Add, for a parser that knows which kind of cell it has. Inline: once per cell of every page.
  void AddText(std::string_view text) {
    if (text.size() >= text_capacity_ - text_size_) Grow(text.size() + 1);
    CopyText(text_.get() + text_size_, text.data(), text.size());
    cells_.push_back({static_cast<uint32_t>(text_size_), static_cast<uint32_t>(text.size())});
    text_size_ += text.size();
    text_[text_size_++] = kGap;
  }
  void AddNull() {
    if (text_size_ == text_capacity_) Grow(1);
    cells_.push_back({static_cast<uint32_t>(text_size_), table::kPackedNull});
    text_[text_size_++] = kGap;
  }

  size_t size() const { return columns_ == 0 ? 0 : cells_.size() / columns_; }
  bool empty() const { return size() == 0; }
  Row operator[](size_t row) const { return Row(this, row * columns_); }
  Row back() const { return (*this)[size() - 1]; }
  bool operator==(const QueryRows& other) const;

  class Iterator {
   public:
    Iterator(const QueryRows* rows, size_t row) : rows_(rows), row_(row) {}
    Row operator*() const { return (*rows_)[row_]; }
    Iterator& operator++() {
      ++row_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return row_ == other.row_; }

   private:
    const QueryRows* rows_;
    size_t row_;
  };
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, size()}; }

 private:
  static constexpr char kGap = '\0';  // the byte after each cell (any byte would do)

  void Grow(size_t more);  // text room for `more` bytes past the text
  // memcpy, with the short texts most cells are copied without a call: two loads that may
  // overlap, never a byte outside [from, from + size).
  static void CopyText(char* to, const char* from, size_t size) {
    if (size >= 8 && size <= 16) {
      uint64_t head, tail;
      std::memcpy(&head, from, 8);
      std::memcpy(&tail, from + size - 8, 8);
      std::memcpy(to, &head, 8);
      std::memcpy(to + size - 8, &tail, 8);
    } else if (size >= 4 && size < 8) {
      uint32_t head, tail;
      std::memcpy(&head, from, 4);
      std::memcpy(&tail, from + size - 4, 4);
      std::memcpy(to, &head, 4);
      std::memcpy(to + size - 4, &tail, 4);
    } else if (size > 16) {
      std::memcpy(to, from, size);
    } else {
      for (size_t i = 0; i < size; ++i) to[i] = from[i];
    }
  }
  Cell CellAt(size_t index) const { return table::PackedText(text_.get(), cells_[index]); }

  size_t columns_ = 0;
  std::unique_ptr<char[]> text_;
  size_t text_capacity_ = 0;
  size_t text_size_ = 0;
  std::vector<table::PackedValue> cells_;
};

// The answer of /v1/datasets/query/execute (§3.8).
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::string> types;  // metadata[].type, "" when absent
  QueryRows rows;
};

// kFailedPrecondition for a query answer too large for QueryRows (both parsers refuse it).
Error TooLarge(std::string_view subject);

struct Stream {
  int64_t id = 0;
  std::string dataset_id;
  std::string update_method;  // "APPEND", "REPLACE"
};

// A stream execution; state is "ACTIVE", "SUCCESS", "ABORTED" or "INVALID".
struct Execution {
  int64_t id = 0;
  std::string state;
  bool Finished() const { return state == "SUCCESS" || state == "ABORTED" || state == "INVALID"; }
};

// The body of POST /api/query/v1/export/{id} (§8). Secrets: aws_access_secret, session_token.
struct S3ExportRequest {
  std::string bucket;
  std::string path;  // empty: Domo's default (the dataset id)
  std::string region;
  std::string aws_access_key;
  std::string aws_access_secret;
  std::string session_token;     // with temporary credentials
  std::string aws_kms_key;       // optional
  nlohmann::json query_request;  // optional {"query": {...}}; null: the whole dataset
};

// The export object; started/finished are kept as the wire text (epoch millis or ISO-8601).
struct S3Export {
  std::string export_id;
  std::string status;  // "none", "exporting", "success", "error"
  std::string bucket;
  std::string compression;
  std::string export_format;
  std::string error_code;
  std::string message;
  std::string started;
  std::string finished;                                         // empty while exporting
  std::vector<std::pair<std::string, int64_t>> url_row_counts;  // urlRowCountMap
  bool Finished() const { return status == "success" || status == "error"; }
};

// Parsers of 2xx bodies. kInternal, subject `subject`, naming the field, on bodies that are
// not the documented shape.
Result<Dataset> ParseDataset(std::string_view body, std::string_view subject);
Result<std::vector<Dataset>> ParseDatasetList(std::string_view body, std::string_view subject);
Result<User> ParseUser(std::string_view body, std::string_view subject);
Result<std::vector<int64_t>> ParseIdList(std::string_view body, std::string_view subject);
Result<std::vector<Permission>> ParsePermissions(std::string_view body, std::string_view subject);
Result<QueryResult> ParseQueryResult(std::string_view body, std::string_view subject);
Result<Stream> ParseStream(std::string_view body, std::string_view subject);
Result<std::vector<Stream>> ParseStreamList(std::string_view body, std::string_view subject);
Result<Execution> ParseExecution(std::string_view body, std::string_view subject);
Result<S3Export> ParseS3Export(std::string_view body, std::string_view subject);
Result<std::vector<S3Export>> ParseS3ExportList(std::string_view body, std::string_view subject);

// Request bodies.
std::string DatasetSpecJson(const DatasetSpec& spec);
std::string DatasetUpdateJson(const DatasetUpdate& update);
std::string StreamSpecJson(const DatasetSpec& spec, UpdateMethod method);
std::string QueryJson(std::string_view sql);
std::string S3ExportRequestJson(const S3ExportRequest& request);

// A dataset id from user input: a GUID ("08a061e2-12a2-4646-b4bc-20beddb403e3") or a Domo
// URL holding one after /datasources/ ("https://acme.domo.com/datasources/<id>/details/
// overview", with or without scheme, path tail, query or fragment). Returns the GUID in
// lower case; kInvalidArgument naming `field` and both accepted forms otherwise.
Result<std::string> ParseDatasetId(std::string_view text, std::string_view field);

}  // namespace s3u::domo
