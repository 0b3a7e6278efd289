// What to ask Domo for one day of rows, as pure functions: which column dates a row, the
// primary key's columns, the SQL of the day filter and of each page, and the Export-to-S3
// query. Also the duplicate-key counter that the ordered stream of rows passes through.
//
// Paging is by primary key (keyset), not OFFSET: each page asks for rows whose key is at or
// after the last key seen, ordered by the key, so a page costs the same at the end of a day
// as at its start and rows cannot be skipped or repeated between pages. Rows sharing the
// last key of a page are asked for again and skipped by count (PageCursor), which
// keeps duplicates exact even when a key repeats across a page boundary.
//
// Thread-safety: pure functions and plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "domo/model.h"
#include "table/day_window.h"
#include "table/types.h"

namespace s3u::unload {

struct DayFilterColumn {
  size_t index = 0;
  table::Column column;
};

// The date column: `requested` when set (must exist and be DATE or DATETIME); otherwise the
// only DATE/DATETIME column. kInvalidArgument (subject details.date_column) lists the
// candidates when there are none, several, or the requested one is missing or not a date.
Result<DayFilterColumn> ResolveDateColumn(const table::Schema& schema,
                                          const std::string& requested);

// Indexes of the primary key's columns; kInvalidArgument (details.primary_key) names the
// missing ones and lists the dataset's columns.
Result<std::vector<size_t>> ResolveKeyColumns(const table::Schema& schema,
                                              const std::vector<std::string>& key);

// `name` quoted for Domo's SQL (backticks, doubled inside).
std::string QuoteIdentifier(std::string_view name);
// 'text' with single quotes doubled.
std::string QuoteLiteral(std::string_view text);

// "`d` >= 'start' AND `d` < 'end'" for DATETIME (UTC, Domo's spelling); "`d` = 'yyyy-mm-dd'"
// for DATE.
std::string DayFilterSql(const DayFilterColumn& column, const table::DayWindow& window);

// SELECT COUNT(*) of the day.
std::string CountSql(const DayFilterColumn& column, const table::DayWindow& window);

// One reader's share of the day (parallel readers): a condition ANDed to the day filter.
// The ranges of one plan are disjoint and together hold every row of the day, in order: the
// rows of range i all come before those of range i + 1 in key order (key ranges), or in time
// (time slices).
struct ReadRange {
  std::string filter;  // SQL condition; empty = the whole day
  std::string label;   // for logs and messages: "`id` < 1000", "`id` >= 1000", ...
};

// How the day is split: by ranges of the key's first column (it must be LONG), by equal time
// slices of the window (a DATETIME date column), or not at all.
enum class SplitKind { kNone, kKeyRanges, kTimeSlices };

// Which split the day allows: key ranges when the key's first column is LONG; else time
// slices when the date column is DATETIME and duplicate keys are kept (a key repeated in two
// slices could not be seen as a duplicate); else none. `keep_duplicates` is
// duplicate_keys = "keep".
SplitKind ChooseSplit(const table::Schema& schema, const std::vector<size_t>& key,
                      const DayFilterColumn& date_column, bool keep_duplicates);

// At most `n` key ranges over the LONG column `name` whose values in the day span [min, max]:
// half-open intervals of equal width, the first open below (and holding the nulls, which
// sort first) and the last open above, so no row of the day falls outside them whatever
// min and max were. Fewer ranges when the span has fewer values than `n`; one range (no
// filter) when n <= 1 or min > max. A key value is in exactly one range, so rows repeating
// a key never straddle a boundary.
std::vector<ReadRange> SplitKeyRange(const table::Column& column, int64_t min, int64_t max, int n);

// `n` equal slices (whole seconds) of the DATETIME window on `column`, in time order; one
// range (no filter) when n <= 1 or the column is a DATE.
std::vector<ReadRange> SplitTimeSlices(const DayFilterColumn& column,
                                       const table::DayWindow& window, int n);

// The automatic number of readers (tuning.readers = 0): one per 25 pages of the day, at least
// 1, at most 8, so a day under 50 pages (a million rows at the default page size) stays one
// reader writing one object, and a day of 200 pages or more gets 8.
int AutoReaders(uint64_t rows, uint64_t page_rows);

// How many key ranges the readers of one object (output.reader_objects = "one") split the day
// into: nine tenths of a page each (so a range is one query, and one a little over its share
// is two: with evenly spread keys a range's rows vary by far less than a tenth), at least
// `readers`, at most 100,000. Equal-width ranges hold equal
// rows only when the keys are spread evenly; uneven keys cost parallelism, never a row.
int OneObjectRanges(uint64_t rows, uint64_t page_rows, int readers);

// The automatic readers of one object (tuning.readers = 0, output.reader_objects = "one"): at
// most one per 4 pages of the day, from 1 to 16 (a day under 8 pages is one reader). How many
// of them read at once follows WidenReaders as the run goes.
int AutoReadersMax(uint64_t rows, uint64_t page_rows);

// How many ranges the automatic readers read at once next, from how many now (`current`),
// the share of the last stretch of pages (a few pages per reader) that the writer spent
// waiting for the next page (`waited`), and the share of the machine's CPU time left idle over
// it (`idle`), each 0 to 1. When the writer waited a quarter of its time or more (reading holds
// it up) and a quarter or more of the CPU was idle (there is room for more readers: the wait
// is Domo's latency), as many as would have kept the writer busy, current / (1 - waited), at
// least twice and at most four times as many, up to `max`. Otherwise unchanged: the readers keep
// up, or the limit is the CPU (measured on 2 cores against a local emulator: 2 readers left
// 13 % idle and moved 99 MB/s of CSV, 8 readers 5 % and 102 MB/s for 11 MiB more), where
// more readers would only add memory. The window never narrows within a run.
int WidenReaders(int current, int max, double waited, double idle);

// The smallest / largest non-null value of `column` in the day (ORDER BY ... LIMIT 1); the
// first range's filter holds the nulls (see SplitKeyRange).
std::string KeyBoundSql(const DayFilterColumn& date_column, const table::DayWindow& window,
                        const table::Column& column, bool largest);

// One page: the day's rows whose key is >= `after` (lexicographic over the key's columns,
// typed comparisons), ordered by the key, at most `limit`. No `after`: from the start.
// Key values are compared as literals of their column type (numbers unquoted). A non-empty
// `range` (ReadRange::filter) narrows the day to one reader's share.
std::string PageSql(const DayFilterColumn& column, const table::DayWindow& window,
                    const table::Schema& schema, const std::vector<size_t>& key,
                    const std::optional<std::vector<std::string>>& after, uint64_t limit,
                    std::string_view range = {});

// The Export-to-S3 `queryRequest`: every column, the day filter as a `where` tree, ordered
// by the key.
nlohmann::json ExportQueryRequest(const DayFilterColumn& column, const table::DayWindow& window,
                                  const table::Schema& schema, const std::vector<size_t>& key);

// Where the page after a full page starts: the page's last key, and how many rows of the page
// carry it. Each page begins with the rows of the previous page's last key, asked for again,
// so that count is every row of the key read so far: the rows the next page must skip. These
// are the values a DuplicateCounter holds once the page's rows have passed through it, known
// before they are written, so the next page can be asked for while this one is written.
// nullopt for an empty page or a null key cell in the last row.
struct PageCursor {
  std::vector<std::string> after;
  uint64_t skip = 0;
  bool operator==(const PageCursor&) const = default;
};
std::optional<PageCursor> CursorAfterPage(const domo::QueryRows& rows,
                                          const std::vector<size_t>& key);

// Counts rows whose key equals the previous row's (the stream is ordered by key) and
// decides whether a row is kept under the duplicate policy. The last key is held as views of
// the caller's memory (a page's table) and copied only by Hold, once per page, so a row
// costs one comparison and no copy.
class DuplicateCounter {
 public:
  // Returns true when `key` equals the previous key (a duplicate). REQUIRES: the text `key`
  // views stays unchanged until the next Next or Hold.
  bool Next(std::span<const std::string_view> key);
  // Copies the last key into the counter's own memory: call before the memory the last Next
  // viewed is changed or freed.
  void Hold();
  uint64_t duplicates() const { return duplicates_; }
  // A copy of the last key; nullopt before the first.
  std::optional<std::vector<std::string>> last() const;
  // How many rows so far carried the last key (1 for a unique key).
  uint64_t run_length() const { return run_length_; }

 private:
  std::optional<std::vector<std::string_view>> last_;  // of the caller's memory, or of held_
  bool last_held_ = false;                             // last_ views held_
  std::vector<std::string> held_;
  uint64_t duplicates_ = 0;
  uint64_t run_length_ = 0;
};

}  // namespace s3u::unload
