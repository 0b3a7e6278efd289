#include "domo/paging.h"

#include <algorithm>
#include <cctype>
#include <mutex>
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

}  // namespace s3u::domo
