#include "domo/paging.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "domo/json_numbers.h"

namespace s3u::domo {
namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// The upper-cased bare words of `sql`: text in '...', "..." and `...` is skipped, so a column
// named "limit" or a string 'no limit' is not mistaken for the keyword.
std::vector<std::string> Keywords(std::string_view sql) {
  std::vector<std::string> words;
  for (size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      // SQL escapes a quote by doubling it, which this skip handles as two quoted runs.
      const size_t close = sql.find(c, i + 1);
      i = close == std::string_view::npos ? sql.size() : close + 1;
    } else if (IsWordChar(c)) {
      size_t j = i;
      std::string word;
      while (j < sql.size() && IsWordChar(sql[j])) {
        word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[j]))));
        ++j;
      }
      words.push_back(std::move(word));
      i = j;
    } else {
      ++i;
    }
  }
  return words;
}

}  // namespace

Pager::Pager(int64_t limit, PageEnd end, int64_t max_items)
    : limit_(std::max<int64_t>(limit, 1)), end_(end), max_items_(max_items) {}

void Pager::Record(size_t items) {
  const auto count = static_cast<int64_t>(items);
  offset_ += count;
  if (count == 0 || (end_ == PageEnd::kShortPage && count < limit_) || offset_ >= max_items_) {
    done_ = true;
  }
}

Result<std::string> PageSql(std::string_view sql, int64_t limit, int64_t offset) {
  while (!sql.empty() &&
         (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) {
    sql.remove_suffix(1);
  }
  const std::vector<std::string> words = Keywords(sql);
  if (words.empty() || words.front() != "SELECT") {
    return Fail(
        ErrorCode::kInvalidArgument, "sql",
        "only a SELECT statement can be paged; got '" + std::string(sql.substr(0, 80)) + "'");
  }
  if (std::any_of(words.begin(), words.end(),
                  [](const std::string& w) { return w == "LIMIT" || w == "OFFSET"; })) {
    return Fail(ErrorCode::kInvalidArgument, "sql",
                "the statement has its own LIMIT/OFFSET; remove it to page the query (pages "
                "append LIMIT and OFFSET themselves)");
  }
  if (limit <= 0 || offset < 0) {
    return Fail(ErrorCode::kInvalidArgument, "sql",
                "page limit must be positive and offset non-negative");
  }
  return std::string(sql) + " LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset);
}

namespace {

namespace dom = simdjson::dom;

// The number tokens of the document a parser has just parsed, in document order, read from
// simdjson's structural index instead of by scanning the text again (NumberTokens), which
// was a fifth of a page's parse: stage 1 indexes the start of every scalar outside strings,
// so the entries that start with '-' or a digit are the numbers (NumberTokenAt reads each). The
// index is public in simdjson's parser though documented as private (pinned: Debian's 3.0.1,
// checked below); NumberTokens stays the tree parser's way and this one's reference in the tests.
static_assert(simdjson::SIMDJSON_VERSION_MAJOR == 3,
              "StructuralNumbers reads simdjson 3's parser internals");
class StructuralNumbers {
 public:
  // REQUIRES: `parser` parsed `body` without an error; both outlive this cursor.
  StructuralNumbers(const dom::parser& parser, std::string_view body)
      : body_(body),
        index_(parser.implementation->structural_indexes.get()),
        count_(parser.implementation->n_structural_indexes) {}

  std::string_view Next() {
    while (next_ < count_) {
      const size_t start = index_[next_++];
      if (start >= body_.size()) break;
      const char c = body_[start];
      if (c == '-' || (c >= '0' && c <= '9')) return NumberTokenAt(body_, start);
    }
    next_ = count_;
    return {};
  }
  void Skip(size_t count) {
    for (size_t i = 0; i < count; ++i) Next();
  }

 private:
  std::string_view body_;
  const uint32_t* index_;
  size_t count_;
  size_t next_ = 0;
};

// How many numbers `v` holds, itself included.
size_t CountNumbers(dom::element v) {
  switch (v.type()) {
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return 1;
    case dom::element_type::ARRAY: {
      size_t n = 0;
      for (dom::element e : dom::array(v)) n += CountNumbers(e);
      return n;
    }
    case dom::element_type::OBJECT: {
      size_t n = 0;
      for (dom::key_value_pair field : dom::object(v)) n += CountNumbers(field.value);
      return n;
    }
    default:
      return 0;
  }
}

// Adds one cell as ParseQueryResult reads it: text, a number as the token Domo sent (the next
// one of `numbers`), a boolean as true/false, nullopt for null. False for a nested value.
bool AddCell(dom::element v, StructuralNumbers& numbers, QueryRows& rows) {
  switch (v.type()) {
    case dom::element_type::NULL_VALUE:
      rows.Add(std::nullopt);
      return true;
    case dom::element_type::STRING:
      rows.Add(std::string_view(v));
      return true;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      rows.Add(numbers.Next());
      return true;
    case dom::element_type::BOOL:
      rows.Add(bool(v) ? "true" : "false");
      return true;
    default:
      return false;
  }
}

// simdjson parsers kept between pages. A parser keeps buffers several times the largest page
// it parsed, so one per thread would cost that for every reader thread of a run (16 readers:
// 16 parsers), while parsing is CPU work that only as many threads as cores can do at once.
// The pool holds at most that many parsers (two at least); a page that finds none free waits
// for one.
class ParserPool {
 public:
  class Lease {
   public:
    Lease(ParserPool& pool, std::unique_ptr<dom::parser> parser)
        : pool_(pool), parser_(std::move(parser)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.Give(std::move(parser_)); }
    dom::parser& operator*() { return *parser_; }

   private:
    ParserPool& pool_;
    std::unique_ptr<dom::parser> parser_;
  };

  static ParserPool& Instance() {
    static ParserPool pool(std::max(2u, std::thread::hardware_concurrency()));
    return pool;
  }

  Lease Take() {
    std::unique_lock lock(mu_);
    freed_.wait(lock, [&] { return !free_.empty() || created_ < max_; });
    if (free_.empty()) {
      ++created_;
      return Lease(*this, std::make_unique<dom::parser>());
    }
    std::unique_ptr<dom::parser> parser = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(parser));
  }

 private:
  explicit ParserPool(unsigned max) : max_(max) {}
  void Give(std::unique_ptr<dom::parser> parser) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(parser));
    }
    freed_.notify_one();
  }

  const unsigned max_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<dom::parser>> free_;  // GUARDED_BY(mu_)
  unsigned created_ = 0;                            // GUARDED_BY(mu_)
};

}  // namespace

std::string PageMemory::TakeBody() {
  std::lock_guard lock(mu_);
  if (bodies_.empty()) return {};
  std::string body = std::move(bodies_.back());
  bodies_.pop_back();
  body.clear();
  return body;
}

void PageMemory::GiveBody(std::string body) {
  std::lock_guard lock(mu_);
  if (bodies_.size() < kKeep) bodies_.push_back(std::move(body));
}

QueryRows PageMemory::TakeRows() {
  std::lock_guard lock(mu_);
  if (rows_.empty()) return {};
  QueryRows rows = std::move(rows_.back());
  rows_.pop_back();
  return rows;
}

void PageMemory::GiveRows(QueryRows rows) {
  std::lock_guard lock(mu_);
  if (rows_.size() < kKeep) rows_.push_back(std::move(rows));
}

Result<QueryResult> ParseQueryPage(std::string_view body, std::string_view subject, QueryRows rows,
                                   size_t readable) {
  // simdjson's DOM parser (its fastest kernel is picked at run time; On-Demand, which could
  // hand out a number's raw token, would be fixed to the build's baseline CPU). A parser
  // keeps its buffers between pages (ParserPool). Whatever it
  // cannot take (not JSON, integers beyond 64 bits, a wrong shape) goes to the tree parser,
  // so errors and edge cases are exactly ParseQueryResult's.
  ParserPool::Lease lease = ParserPool::Instance().Take();
  dom::parser& parser = *lease;
  const auto slow = [&] { return ParseQueryResult(body, subject); };
  // The parser sizes its buffers to the largest answer so far, exactly, so each slightly
  // larger page of a reading would replace them (and fault them in anew): room for a page a
  // quarter larger. simdjson's document is public though documented as private; its
  // capacity is what parse() would otherwise grow to this page's exact size.
  if (parser.capacity() < body.size() || parser.doc.capacity() < body.size()) {
    const size_t room = body.size() + body.size() / 4;
    if (parser.allocate(room) || parser.doc.allocate(room)) return slow();
  }
  // simdjson may read up to SIMDJSON_PADDING bytes past the end: a body with that much room
  // behind it is parsed where it is (as simdjson's own overload for std::string does), any
  // other is copied into the parser's buffer first.
  static_assert(kQueryPagePadding >= simdjson::SIMDJSON_PADDING);
  const bool copy = readable < body.size() + kQueryPagePadding;
  dom::object top;
  if (parser.parse(body.data(), body.size(), copy).get(top)) return slow();
  // The DOM keeps numbers as int64/double only, so their text comes from the body: the
  // members before "rows" (document order) hold `skipped` numbers, and every number after
  // them, up to the end of "rows", is a cell, in the order the rows are read below.
  StructuralNumbers numbers(parser, body);
  size_t skipped = 0;
  dom::element rows_value;
  bool found_rows = false;
  for (dom::key_value_pair field : top) {
    if (field.key == "rows") {
      if (found_rows) return slow();  // a repeated key: the tree parser keeps the last one
      rows_value = field.value;
      found_rows = true;
    } else if (!found_rows) {
      skipped += CountNumbers(field.value);
    }
  }
  dom::array columns, rows_array;
  if (!found_rows || top["columns"].get(columns) || rows_value.get(rows_array)) return slow();
  numbers.Skip(skipped);
  QueryResult result;
  for (dom::element c : columns) {
    std::string_view name;
    if (c.get(name)) return slow();
    result.columns.emplace_back(name);
  }
  result.types.assign(result.columns.size(), "");
  dom::array metadata;
  if (!top["metadata"].get(metadata)) {
    size_t i = 0;
    for (dom::element m : metadata) {
      if (i == result.types.size()) break;
      std::string_view type;
      if (!m["type"].get(type)) result.types[i] = std::string(type);
      ++i;
    }
  }
  // Cell texts are never longer than their JSON (escapes only shrink), so the body's size
  // is room for all of them.
  if (body.size() > QueryRows::kMaxText) return Fail(TooLarge(subject));
  result.rows = std::move(rows);
  result.rows.Reset(result.columns.size(), body.size());
  result.rows.reserve(rows_array.size());
  for (dom::element item : rows_array) {
    dom::array row;
    if (item.get(row) || row.size() != result.columns.size()) return slow();
    for (dom::element v : row) {
      if (!AddCell(v, numbers, result.rows)) return slow();
    }
  }
  return result;
}

}  // namespace s3u::domo
