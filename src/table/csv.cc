#include "table/csv.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

#include "core/swar.h"

namespace s3u::table {
namespace {

constexpr std::string_view kBackslashN = "\\N";

std::string Where(uint64_t line, size_t field) {
  return "CSV line " + std::to_string(line) + ", field " + std::to_string(field);
}

// The bytes of `v` that are the delimiter (`delimiters`: swar::Broadcast of it), a quote, CR
// or LF (core/swar.h). Inline (GCC would call it): once per 8 bytes of every value written.
[[gnu::always_inline]] inline uint64_t SpecialBytes(uint64_t v, uint64_t delimiters) {
  return swar::BytesBelow(v ^ delimiters, 1) | swar::BytesEqual(v, '"') |
         swar::BytesEqual(v, '\r') | swar::BytesEqual(v, '\n');
}
bool IsSpecial(char c, char delimiter) {
  return c == delimiter || c == '"' || c == '\r' || c == '\n';
}

// The first delimiter, quote, CR or LF in [p, end), or end. Eight bytes per step (SWAR): Domo
// fields are short, so memchr-style SIMD would not amortise its setup, while a byte loop
// costs a load and branch per byte. The bytes after the last whole step are read with one
// more load ending at `end` that overlaps bytes already found plain (so its first hit is
// the first special byte), or two 4-byte loads for a field of 4 to 7: a byte loop only for
// fields under 4 bytes.
const char* FindSpecial(const char* p, const char* end, char delimiter) {
  if constexpr (std::endian::native == std::endian::little) {
    const uint64_t delimiters = swar::Broadcast(static_cast<unsigned char>(delimiter));
    const auto hits = [delimiters](uint64_t v) { return SpecialBytes(v, delimiters); };
    if (end - p >= 8) {
      for (; end - p >= 8; p += 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        if (const uint64_t h = hits(v); h != 0) return p + swar::FirstMarked(h);
      }
      if (p == end) return end;
      uint64_t v;
      std::memcpy(&v, end - 8, 8);
      const uint64_t h = hits(v);
      return h == 0 ? end : end - 8 + swar::FirstMarked(h);
    }
    if (end - p >= 4) {
      uint32_t first;
      uint32_t last;
      std::memcpy(&first, p, 4);
      std::memcpy(&last, end - 4, 4);
      const uint64_t h = hits(first | uint64_t{last} << 32);
      if (h == 0) return end;
      const size_t byte = swar::FirstMarked(h);
      return byte < 4 ? p + byte : end - 8 + byte;
    }
  }
  while (p < end && !IsSpecial(*p, delimiter)) ++p;
  return p;
}

// Copies the 16 bytes at `from` to `to` and returns true when none is the delimiter, a
// quote, CR or LF (core/swar.h's Bytes16). Which byte it is does not matter here, so no lane
// order is involved.
[[gnu::always_inline]] inline bool CopyPlain16(const char* from, char* to,
                                               unsigned char delimiter) {
  const swar::Bytes16 v = swar::Load16(from);
  std::memcpy(to, &v, 16);
  return !swar::AnyMarked16(
      swar::Marks16((v == delimiter) | (v == '"') | (v == '\r') | (v == '\n')));
}

// Copies `text` to `to` when it holds no delimiter, quote, CR or LF, and returns whether it
// did: the writer's scan and copy in one pass. 16 bytes a step (a whole plain row of a query
// page is one text, csv.h's PackedRow), the last step overlapping; for 8 to 15 bytes
// FindSpecial's 8-byte loads, for 4 to 7 two 4-byte loads. Writes only inside
// [to, to + text.size()), and leaves garbage there when it returns false.
[[gnu::always_inline]] inline bool CopyIfPlain(std::string_view text, char delimiter, char* to) {
  const char* const from = text.data();
  const size_t size = text.size();
  if (size >= 16) {
    const auto d = static_cast<unsigned char>(delimiter);
    size_t i = 0;
    for (; i + 16 <= size; i += 16) {
      if (!CopyPlain16(from + i, to + i, d)) return false;
    }
    return i == size || CopyPlain16(from + size - 16, to + size - 16, d);
  }
  if constexpr (std::endian::native == std::endian::little) {
    const uint64_t delimiters = swar::Broadcast(static_cast<unsigned char>(delimiter));
    if (size >= 8) {
      size_t i = 0;
      for (; i + 8 <= size; i += 8) {
        uint64_t v;
        std::memcpy(&v, from + i, 8);
        if (SpecialBytes(v, delimiters) != 0) return false;
        std::memcpy(to + i, &v, 8);
      }
      if (i < size) {
        uint64_t v;
        std::memcpy(&v, from + size - 8, 8);
        if (SpecialBytes(v, delimiters) != 0) return false;
        std::memcpy(to + size - 8, &v, 8);
      }
      return true;
    }
    if (size >= 4) {
      uint32_t first;
      uint32_t last;
      std::memcpy(&first, from, 4);
      std::memcpy(&last, from + size - 4, 4);
      if (SpecialBytes(first | uint64_t{last} << 32, delimiters) != 0) return false;
      std::memcpy(to, &first, 4);
      std::memcpy(to + size - 4, &last, 4);
      return true;
    }
  }
  for (size_t i = 0; i < size; ++i) {
    if (IsSpecial(from[i], delimiter)) return false;
    to[i] = from[i];
  }
  return true;
}

// A record value by value. `Fields`: a span of FieldValue or a PackedRow (size() and
// operator[] giving FieldValue).
template <typename Fields>
void AppendRecord(const CsvWriteOptions& options, const Fields& fields, std::string& out) {
  // Written through a pointer into room made once per record (every value quoted; a value
  // with quotes to double makes more room for them), then cut to what was written: a record
  // is a handful of short values, where a capacity check and a call per append cost more
  // than the bytes (BM_EncodeCsv). The room is zeroed by resize, so it is kept tight.
  const char delimiter = options.delimiter;
  size_t room = fields.size() + options.line_end.size();
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldValue field = fields[i];
    room += field ? field->size() + 2 : options.null_text.size();
  }
  const size_t start = out.size();
  out.resize(start + room);
  char* p = out.data() + start;
  const auto put = [&p](std::string_view text) {
    if (!text.empty()) std::memcpy(p, text.data(), text.size());
    p += text.size();
  };
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) *p++ = delimiter;
    const FieldValue field = fields[i];
    if (!field) {
      put(options.null_text);
      continue;
    }
    const std::string_view text = *field;
    const bool quote = options.quoting == Quoting::kAll || text.empty() || text == kBackslashN ||
                       text == options.null_text || !CopyIfPlain(text, delimiter, p);
    if (!quote) {
      p += text.size();
      continue;
    }
    if (const auto quotes = static_cast<size_t>(std::count(text.begin(), text.end(), '"'))) {
      const size_t at = static_cast<size_t>(p - out.data());
      out.resize(out.size() + quotes);
      p = out.data() + at;
    }
    *p++ = '"';
    // Copy runs between quotes, doubling each quote.
    size_t begin = 0;
    for (size_t q = text.find('"'); q != std::string_view::npos; q = text.find('"', q + 1)) {
      put(text.substr(begin, q + 1 - begin));
      *p++ = '"';
      begin = q + 1;
    }
    put(text.substr(begin));
    *p++ = '"';
  }
  put(options.line_end);
  out.resize(static_cast<size_t>(p - out.data()));
}

// A plain packed row (csv.h) in one scan-and-copy: the bytes from the first value to the end
// of the last, gaps included, are copied by CopyIfPlain (a gap byte is never special unless it
// equals the delimiter, which only sends the row to the slow path), then each gap becomes the
// delimiter. Returns false, `out` unchanged, for a row that is not plain.
bool AppendPlainRow(const CsvWriteOptions& options, const PackedRow& row, std::string& out) {
  const size_t n = row.values.size();
  if (n == 0 || options.quoting == Quoting::kAll) return false;
  const bool null_is_empty = options.null_text.empty();
  const uint64_t first = row.values[0].offset;
  uint64_t next = first;  // where the next value must start
  for (const PackedValue& value : row.values) {
    if (value.offset != next) return false;
    if (value.size == kPackedNull) {
      if (!null_is_empty || n == 1) return false;
      next += 1;
      continue;
    }
    const std::string_view text(row.text + value.offset, value.size);
    if (text.empty() || text == kBackslashN || (!null_is_empty && text == options.null_text)) {
      return false;
    }
    next += uint64_t{value.size} + 1;
  }
  const size_t length = static_cast<size_t>(next - first - 1);  // without the last gap
  const size_t at = out.size();
  out.resize(at + length + options.line_end.size());
  char* const p = out.data() + at;
  if (!CopyIfPlain(std::string_view(row.text + first, length), options.delimiter, p)) {
    out.resize(at);
    return false;
  }
  for (size_t i = 0; i + 1 < n; ++i) {
    const PackedValue value = row.values[i];
    const uint64_t end = value.offset + (value.size == kPackedNull ? 0 : uint64_t{value.size});
    p[end - first] = options.delimiter;
  }
  std::memcpy(p + length, options.line_end.data(), options.line_end.size());
  return true;
}

}  // namespace

void PackedRow::CopyTo(std::vector<FieldValue>& out) const {
  out.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = (*this)[i];
}

void AppendCsvRecord(const CsvWriteOptions& options, std::span<const FieldValue> fields,
                     std::string& out) {
  AppendRecord(options, fields, out);
}

void AppendCsvRecord(const CsvWriteOptions& options, const PackedRow& row, std::string& out) {
  if (!AppendPlainRow(options, row, out)) AppendRecord(options, row, out);
}

CsvReader::CsvReader(CsvDialect dialect, RowHandler on_row)
    : dialect_(dialect), on_row_(std::move(on_row)) {}

Error CsvReader::SyntaxError(uint64_t line, std::string message) const {
  // The field being read is the one after those already ended; after a CR the row's last
  // field has been ended already, so it is the last one.
  const size_t field =
      state_ == State::kAfterCr ? std::max<size_t>(ends_.size(), 1) : ends_.size() + 1;
  return Error{ErrorCode::kInvalidArgument, Where(line, field), std::move(message), 0, {}};
}

tl::unexpected<Error> CsvReader::Stop(Error error) {
  error_ = error;
  return tl::unexpected<Error>(std::move(error));
}

void CsvReader::EndField() {
  ends_.push_back({buffer_.size(), field_quoted_});
  field_quoted_ = false;
  state_ = State::kFieldStart;
}

bool CsvReader::AtBlankLine() const { return ends_.empty() && buffer_.empty() && !field_quoted_; }

Result<void> CsvReader::EndRecord() {
  if (state_ == State::kAfterCr) {
    // The CR ended the row's last field unless the line was blank.
    if (ends_.empty()) return Stop(SyntaxError(line_, "blank line; every line must hold a record"));
  } else {
    if (AtBlankLine()) return Stop(SyntaxError(line_, "blank line; every line must hold a record"));
    EndField();
  }
  state_ = State::kFieldStart;

  fields_.resize(ends_.size());
  size_t start = 0;
  for (size_t i = 0; i < ends_.size(); ++i) {
    Field& field = fields_[i];
    field.text = std::string_view(buffer_).substr(start, ends_[i].end - start);
    field.quoted = ends_[i].quoted;
    field.null = !field.quoted && (field.text.empty() ||
                                   (dialect_.backslash_n_is_null && field.text == kBackslashN));
    start = ends_[i].end;
  }
  ++records_;
  const RecordInfo info{records_, record_line_};
  ++line_;
  record_line_ = line_;
  auto handled = on_row_(fields_, info);
  // Clearing keeps the capacity: steady state allocates nothing per record.
  buffer_.clear();
  ends_.clear();
  if (!handled) return Stop(std::move(handled.error()));
  return {};
}

Result<void> CsvReader::Feed(std::string_view chunk) {
  if (error_) return tl::unexpected<Error>(*error_);
  bytes_ += chunk.size();
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  while (p < end) {
    switch (state_) {
      case State::kFieldStart:
        if (*p == '"') {
          field_quoted_ = true;
          quote_line_ = line_;
          state_ = State::kQuoted;
          ++p;
        } else {
          // Every other byte, including the ones that end a field, is handled by the
          // unquoted case; an empty unquoted field is simply a run of length zero.
          state_ = State::kUnquoted;
        }
        break;
      case State::kUnquoted:
        // The fast path: runs of ordinary bytes are appended whole, and consecutive unquoted
        // fields (across records too) are read here without going back through the switch.
        while (true) {
          const char* run = p;
          p = FindSpecial(p, end, dialect_.delimiter);
          buffer_.append(run, static_cast<size_t>(p - run));
          if (p == end) break;
          const char c = *p++;
          if (c == dialect_.delimiter) {
            EndField();
          } else if (c == '\n') {
            if (auto r = EndRecord(); !r) return r;
          } else if (c == '\r') {
            if (!AtBlankLine()) EndField();
            state_ = State::kAfterCr;
            break;
          } else {
            return Stop(SyntaxError(line_,
                                    "quote inside an unquoted field; a value containing quotes "
                                    "must be quoted whole, with each quote doubled (\"a\"\"b\")"));
          }
          // A field has ended (state kFieldStart): a quote, or the chunk's end, goes back.
          if (p == end || *p == '"') break;
          state_ = State::kUnquoted;
        }
        break;
      case State::kQuoted: {
        const auto* quote =
            static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
        const char* run_end = quote != nullptr ? quote : end;
        line_ += std::count(p, run_end, '\n');
        buffer_.append(p, static_cast<size_t>(run_end - p));
        p = run_end;
        if (quote != nullptr) {
          state_ = State::kQuoteInQuoted;
          ++p;
        }
        break;
      }
      case State::kQuoteInQuoted: {
        const char c = *p;
        if (c == '"') {
          buffer_.push_back('"');
          state_ = State::kQuoted;
          ++p;
        } else if (c == dialect_.delimiter || c == '\n' || c == '\r') {
          state_ = State::kUnquoted;  // a field end: the unquoted case handles all three
        } else {
          return Stop(SyntaxError(line_,
                                  "text after the closing quote of a quoted field; a closing "
                                  "quote must be followed by the delimiter or a line end, and a "
                                  "quote inside a quoted value is written twice (\"\")"));
        }
        break;
      }
      case State::kAfterCr:
      default:
        if (*p != '\n') {
          return Stop(SyntaxError(line_,
                                  "carriage return not followed by a line feed; rows end with "
                                  "CRLF or LF, and a CR inside a value must be quoted"));
        }
        ++p;
        if (auto r = EndRecord(); !r) return r;
        break;
    }
  }
  return {};
}

Result<void> CsvReader::Finish() {
  if (error_) return tl::unexpected<Error>(*error_);
  switch (state_) {
    case State::kQuoted:
      return Stop(Error{ErrorCode::kInvalidArgument,
                        Where(quote_line_, ends_.size() + 1),
                        "unterminated quoted field starting on line " +
                            std::to_string(quote_line_) +
                            "; a quoted field must end with a quote before the end of the data",
                        0,
                        {}});
    case State::kAfterCr:
      return Stop(SyntaxError(line_,
                              "carriage return at the end of the data not followed by a line "
                              "feed; rows end with CRLF or LF"));
    default:  // kFieldStart, kUnquoted, kQuoteInQuoted: a record may be open
      if (state_ == State::kFieldStart && ends_.empty()) return {};  // ended at a line end
      return EndRecord();
  }
}

}  // namespace s3u::table
