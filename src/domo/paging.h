// Offset paging as pure logic (domo-api.md §3.1, §3.8, §9). Domo lists take limit/offset and
// end in one of two ways: dataset lists end with an EMPTY page (pydomo loops until one), other
// lists and SQL pages (LIMIT/OFFSET appended to the query) end with a SHORT page. A Pager
// says which page to ask for next and when to stop; the client does the I/O. ParseQueryPage
// reads one query page, the hot path of the direct engine.
//
// Thread-safety: Pager is a plain value (one per listing); PageSql and ParseQueryPage are
// pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "domo/model.h"

namespace s3u::domo {

enum class PageEnd {
  kEmptyPage,  // stop after a page with no items
  kShortPage,  // stop after a page with fewer items than the limit (or none)
};

class Pager {
 public:
  // REQUIRES: limit > 0. `max_items` bounds the whole listing, so a server that ignores
  // `offset` (and answers the same full page forever) cannot loop the client.
  Pager(int64_t limit, PageEnd end, int64_t max_items = int64_t{1} << 40);

  int64_t limit() const { return limit_; }
  int64_t offset() const { return offset_; }
  bool done() const { return done_; }
  // Records that the page at offset() held `items` items, and moves to the next page.
  void Record(size_t items);

 private:
  int64_t limit_;
  PageEnd end_;
  int64_t max_items_;
  int64_t offset_ = 0;
  bool done_ = false;
};

// `sql` with " LIMIT <limit> OFFSET <offset>" appended (after trailing spaces and ';' are
// removed). kInvalidArgument, subject "sql", when the statement is empty, is not a SELECT,
// or already has its own LIMIT or OFFSET outside quotes: paging it would change its meaning.
Result<std::string> PageSql(std::string_view sql, int64_t limit, int64_t offset);

// The answer of /v1/datasets/query/execute (§3.8), exactly as ParseQueryResult (domo/model.h)
// reads it, at several times its speed: one pass over the text writes each cell into the
// table, with no tree of json values and no second copy of the strings (query_page.cc says
// which answers it reads itself). Any other answer (malformed ones included) is handed to
// ParseQueryResult, so the results and the errors are the same.
// `rows`: a table whose memory the page's rows are read into (QueryRows::Reset), such as a
// page already written (PageMemory); the result's rows hold that memory then.
Result<QueryResult> ParseQueryPage(std::string_view body, std::string_view subject,
                                   QueryRows rows = {});

// The memory of query pages already written, for the next pages of the same reading: answer
// bodies and row tables. Reading every page into fresh memory cost a quarter of the direct
// engine's CPU: a page's megabytes are above the allocator's mmap threshold
// (core/allocator.h), so each new buffer was mapped, faulted in 4 KiB at a time, zeroed by
// the kernel and unmapped again (perf, 1 reader: 19 % in page faults, 4 % in munmap).
//
// It keeps at most kKeep bodies and kKeep tables given back; more are freed. Enough for one
// reader (a page written, one asked for ahead) and for the automatic readers' first window
// of 4 on a local Domo, where pages are taken about as fast as they are given back. Not
// more: a reused buffer is memory already touched, held through the whole of a later query,
// where a new one holds only the part received so far, and many readers waiting on Domo give
// back and take their pages in bursts. Measured, 16 readers at the emulator's `cloud`
// latency, one run each: 62 MiB peak without reuse, 91 keeping all, 71 keeping 4 of each, 65
// keeping 2; but with 2 kept the automatic readers' 4 on a local 1 GB day took about 0.6
// CPU s/GiB more than with 4 or all kept (docs/decisions.md).
//
// Thread-safety: Take* and Give* may be called from any thread.
class PageMemory {
 public:
  static constexpr size_t kKeep = 4;

  std::string TakeBody();  // empty, with the capacity of a body given back
  void GiveBody(std::string body);
  QueryRows TakeRows();  // a page's rows given back (to be Reset), or an empty table
  void GiveRows(QueryRows rows);

 private:
  std::mutex mu_;
  std::vector<std::string> bodies_;  // GUARDED_BY(mu_)
  std::vector<QueryRows> rows_;      // GUARDED_BY(mu_)
};

}  // namespace s3u::domo
