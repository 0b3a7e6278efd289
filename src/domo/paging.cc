#include "domo/paging.h"

#include <simdjson.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <type_traits>
#include <vector>

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

// A number as nlohmann's dump() spells it: integers in decimal, doubles through its
// own shortest round-trip formatter (detail::to_chars, what dump() calls, without building a
// serializer and asking the locale for every cell).
template <typename Number>
std::string Spell(Number n) {
  char buffer[64];
  char* end;
  if constexpr (std::is_floating_point_v<Number>) {
    end = nlohmann::detail::to_chars(buffer, buffer + sizeof buffer, n);
  } else {
    end = std::to_chars(buffer, buffer + sizeof buffer, n).ptr;
  }
  return std::string(buffer, end);
}

// One cell as ParseQueryResult spells it: text, a number or boolean in nlohmann's spelling
// (so both parsers agree byte for byte), nullopt for null. False for a nested value.
bool ReadCell(dom::element v, Cell& cell) {
  switch (v.type()) {
    case dom::element_type::NULL_VALUE:
      cell.reset();
      return true;
    case dom::element_type::STRING:
      cell.emplace(std::string_view(v));
      return true;
    case dom::element_type::INT64:
      cell = Spell(int64_t(v));
      return true;
    case dom::element_type::UINT64:
      cell = Spell(uint64_t(v));
      return true;
    case dom::element_type::DOUBLE:
      cell = Spell(double(v));  // JSON has no NaN or infinity: always finite
      return true;
    case dom::element_type::BOOL:
      cell = bool(v) ? "true" : "false";
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<QueryResult> ParseQueryPage(std::string_view body, std::string_view subject) {
  // simdjson's DOM parser (its fastest kernel is picked at run time; On-Demand would be
  // fixed to the build's baseline CPU). A parser keeps its buffers between pages; one per
  // thread keeps this function pure. Whatever it cannot take (not JSON, integers beyond 64
  // bits, a wrong shape) goes to the tree parser, so errors and edge cases are exactly
  // ParseQueryResult's.
  thread_local dom::parser parser;
  const auto slow = [&] { return ParseQueryResult(body, subject); };
  dom::object top;
  if (parser.parse(body.data(), body.size()).get(top)) return slow();
  dom::array columns, rows;
  if (top["columns"].get(columns) || top["rows"].get(rows)) return slow();
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
  result.rows.reserve(rows.size());
  for (dom::element item : rows) {
    dom::array row;
    if (item.get(row) || row.size() != result.columns.size()) return slow();
    std::vector<Cell>& cells = result.rows.emplace_back(row.size());
    size_t c = 0;
    for (dom::element v : row) {
      if (!ReadCell(v, cells[c++])) return slow();
    }
  }
  return result;
}

}  // namespace s3u::domo
