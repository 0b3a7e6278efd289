#include "unload/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <system_error>
#include <thread>

#include "core/crash_point.h"
#include "core/time_format.h"
#include "core/version.h"
#include "domo/ownership.h"
#include "domo/paging.h"
#include "unload/manifest.h"
#include "unload/output.h"
#include "unload/path_template.h"
#include "unload/query_permits.h"
#include "unload/query_plan.h"

namespace s3u::unload {
namespace {

// Everything decided before data moves; PlanRun reports it, ExecuteRun acts on it.
struct Prepared {
  RunPlan plan;
  domo::Dataset input;
  std::optional<domo::Dataset> writeback;
  DayFilterColumn date_column;
  std::vector<size_t> key;
  ObjectName name;
  int readers = 1;        // the direct engine's readers: the setting, or automatic, or 1 (no split)
  int writers = 1;        // objects written at once: 1, or one per reader (output.reader_objects)
  bool adaptive = false;  // automatic readers of one object: how many read at once adapts
};

// The name of writer `w`'s objects: the job's name for one writer, "<stem>-rNN" for several.
ObjectName WriterName(ObjectName name, int writers, size_t w) {
  if (writers > 1) name.stem += fmt::format("-r{:02d}", w + 1);
  return name;
}

// The writeback dataset: the configured id, else the user's dataset with exactly the
// configured name (it was created by an earlier run), else none yet.
Result<std::optional<domo::Dataset>> FindWriteback(const JobSpec& spec, domo::DomoClient& domo,
                                                   int64_t user_id) {
  if (!spec.writeback_dataset_id.empty()) {
    auto dataset = domo.GetDataset(spec.writeback_dataset_id);
    if (!dataset) return Fail(dataset.error());
    return std::optional<domo::Dataset>(std::move(*dataset));
  }
  auto listed = domo.ListDatasets(spec.writeback_name);
  if (!listed) return Fail(listed.error());
  std::vector<domo::Dataset> matches;
  for (domo::Dataset& d : *listed) {
    if (d.name == spec.writeback_name && d.owner.id == user_id) matches.push_back(std::move(d));
  }
  if (matches.size() > 1) {
    return Fail(ErrorCode::kFailedPrecondition, "writeback.name",
                fmt::format("{} datasets you own are named \"{}\" ({}, {}, ...); set "
                            "writeback.dataset_id to the one to use",
                            matches.size(), spec.writeback_name, matches[0].id, matches[1].id));
  }
  if (matches.empty()) return std::optional<domo::Dataset>();
  auto full = domo.GetDataset(matches[0].id);  // list answers carry no schema
  if (!full) return Fail(full.error());
  return std::optional<domo::Dataset>(std::move(*full));
}

Result<uint64_t> CountRows(domo::DomoClient& domo, const std::string& dataset_id,
                           const std::string& sql) {
  auto result = domo.Query(dataset_id, sql);
  if (!result) return Fail(result.error());
  uint64_t count = 0;
  if (result->rows.size() == 1 && result->rows[0][0]) {
    const std::string_view text = *result->rows[0][0];
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (ec == std::errc() && end == text.data() + text.size()) return count;
  }
  return Fail(ErrorCode::kInternal, "dataset " + dataset_id,
              "Domo answered the row count query with an unexpected shape");
}

Result<Prepared> Prepare(const JobSpec& spec, RunDeps& deps, const std::string& run_id) {
  Prepared p;
  auto token = deps.domo.CurrentToken();
  if (!token) return Fail(token.error());
  auto input = deps.domo.GetDataset(spec.input_dataset_id);
  if (!input) return Fail(input.error());
  p.input = std::move(*input);
  auto writeback = FindWriteback(spec, deps.domo, token->user_id);
  if (!writeback) return Fail(writeback.error());
  p.writeback = std::move(*writeback);
  // A writeback dataset not created yet will be owned by the token's user, who creates it.
  const int64_t owner = p.writeback ? p.writeback->owner.id : token->user_id;
  auto facts = domo::GatherOwnershipFacts(deps.domo, p.input, owner);
  if (!facts) return Fail(facts.error());
  const domo::OwnershipVerdict verdict = domo::DecideOwnership(*facts);
  if (!verdict.allowed) return Fail(domo::OwnershipError(*facts, verdict));

  auto date_column = ResolveDateColumn(p.input.schema, spec.date_column);
  if (!date_column) return Fail(date_column.error());
  p.date_column = *date_column;
  auto key = ResolveKeyColumns(p.input.schema, spec.primary_key);
  if (!key) return Fail(key.error());
  p.key = *key;
  auto zone = table::FindTimeZone(spec.time_zone, "details.time_zone");
  if (!zone) return Fail(zone.error());
  p.plan.window = table::ResolveDayWindow(deps.clock.Now(), **zone, spec.specific_day);
  auto rows = CountRows(deps.domo, p.input.id, CountSql(p.date_column, p.plan.window));
  if (!rows) return Fail(rows.error());
  p.plan.rows = *rows;

  const PathValues values{p.input.id, p.input.name, table::FormatDate(p.plan.window.local_date),
                          run_id};
  auto name = RenderObjectName(spec.path, values, spec.Extension(), "details.path");
  if (!name) return Fail(name.error());
  p.name = *name;
  p.plan.date_column = p.date_column.column.name;
  p.plan.input_name = p.input.name;
  const SplitKind split = ChooseSplit(p.input.schema, p.key, p.date_column,
                                      spec.duplicate_keys == DuplicateKeys::kKeep);
  const bool one_object = spec.reader_objects == ReaderObjects::kOne;
  p.readers = spec.readers > 0 ? spec.readers
              : one_object     ? AutoReadersMax(p.plan.rows, spec.page_rows)
                               : AutoReaders(p.plan.rows, spec.page_rows);
  if (spec.engine != Engine::kDirect || split == SplitKind::kNone) {
    p.readers = 1;
  } else if (split == SplitKind::kTimeSlices && one_object && p.readers > 1) {
    // Time slices concatenated would not be in key order.
    deps.log.Info(
        "one reader: the key's first column is not a LONG, so the day can be split only by "
        "time, and one object in key order (output.reader_objects = \"one\") needs key "
        "ranges; set output.reader_objects = \"per-reader\" to read time slices in parallel");
    p.readers = 1;
  }
  p.writers = one_object ? 1 : p.readers;
  p.adaptive = spec.readers == 0 && one_object && p.readers > 1;
  p.plan.object_keys = {WriterName(p.name, p.writers, 0).Key(spec.max_object_size.has_value(), 1)};
  p.plan.writeback_dataset_id = p.writeback ? p.writeback->id : "";
  p.plan.ownership = verdict.how;
  return p;
}

std::string Uri(const std::string& bucket, const std::string& key) {
  return "s3://" + bucket + "/" + key;
}

// if_exists: "fail" refuses when the first key exists (and writes create-only); "unique"
// moves to a stem with the run id when it exists; "overwrite" writes over it.
Result<void> ApplyIfExists(const JobSpec& spec, RunDeps& deps, const std::string& run_id,
                           int writers, ObjectName& name) {
  if (spec.if_exists == IfExists::kOverwrite) return {};
  const std::string key = WriterName(name, writers, 0).Key(spec.max_object_size.has_value(), 1);
  auto head = deps.s3.HeadObject({spec.bucket, key});
  if (!head && head.error().code != ErrorCode::kNotFound) return Fail(head.error());
  if (!head) return {};
  if (spec.if_exists == IfExists::kFail) {
    return Fail(ErrorCode::kFailedPrecondition, Uri(spec.bucket, key),
                "the object already exists and output.if_exists is \"fail\"; remove it, or "
                "use \"overwrite\" or \"unique\"");
  }
  name.stem += "-" + run_id;
  return {};
}

// Hands the run's multipart uploads to its history's crash journal.
class RunJournal final : public s3::UploadJournal {
 public:
  RunJournal(RunHistory& history, std::string run_id)
      : history_(history), run_id_(std::move(run_id)) {}
  Result<void> Opened(const s3::S3Location& location, const std::string& upload_id) override {
    return history_.UploadOpened(run_id_, location.bucket, location.key, upload_id);
  }
  void Completed(const std::string& upload_id) override { history_.UploadCompleted(upload_id); }
  void Aborted(const std::string& upload_id) override { history_.UploadAborted(upload_id); }

 private:
  RunHistory& history_;
  const std::string run_id_;
};

// The direct engine: key-ordered query pages → OutputWriter → sealed uploads, by one reader
// or by several, each reading its own range of the day into its own objects.
struct DirectResult {
  std::vector<S3ObjectSink*> sinks;  // every reader's objects, in range order
  std::vector<std::unique_ptr<OutputWriter>> writers;
  std::vector<ObjectStats> objects;  // the sealed objects, in the order of `sinks`
  OutputTotals totals;
  uint64_t duplicates = 0;
  int readers = 1;  // the most queries in flight at once
};

// What the readers share: the stop signal, the query permits and the run's progress.
struct ReaderShared {
  std::atomic<bool> stop{false};     // a reader failed: the others stop at their next page
  QueryPermits* permits = nullptr;   // several readers only
  std::mutex mu;                     // guards the progress below and on_progress calls
  std::vector<OutputTotals> totals;  // per reader, as of its last page
  Progress progress;
  size_t window = 0;  // how far the automatic readers widened
};

// One page of a range, as RangePages hands it to the writer.
struct RangePage {
  std::optional<PageCursor> cursor;  // where it was asked from; none: its range's start
  bool full = false;                 // it held the limit's rows: its range goes on
  std::optional<PageCursor> next;    // where the range's next page was asked from (full pages)
  domo::QueryResult result;
};

// The pages of a writer's ranges (query_plan.h), in order: every page of range 0, then of
// range 1, ... Up to `window` ranges are read at once, each keyset-paged, on a pool of
// threads, and the writer takes their pages in turn:
// - the first page of ranges 0 .. window - 1 is asked for at the start;
// - when the writer takes a full page, the range's next page is asked for at once (at the
//   cursor CursorAfterPage derives from the page), so it is read while this one is written:
//   one page ahead;
// - when it takes a range's last page, the first page of the next range not yet asked for is,
//   if that range is within `window` of the one being written.
// So at most `window` pages wait (one per range being read) besides the one being written,
// and each range has one query in flight at a time. With a fixed window, which queries are
// asked depends only on the pages taken, never on thread timing. The destructor waits for
// every page asked for (ThreadPool finishes its queue), so a writer that stops early
// (failure, cancel) has every query it asked for answered before the run ends.
//
// Automatic readers (`max_window` above `window`): the window starts at `window`; after each
// stretch of pages (as many as the window, four at least, over a quarter of a second at
// least; timed on `clock` from the first page taken) it becomes WidenReaders of the share of that
// stretch the writer spent waiting for a page and of the machine's CPU left idle over it (`cpu`;
// none: idle), up to `max_window`. Far from Domo the writer waits while the CPU idles and the
// window opens to the most; near it, or when the CPU is the limit, it stays small and so does
// memory. Which ranges are read at once then depends on those timings; what is written does not.
//
// One reader is one range with a window of one; the one-object layout is many small ranges
// (about one page each) read a window at a time and written in key order into one object.
class RangePages {
 public:
  using Fetch =
      std::function<Result<domo::QueryResult>(size_t range, const std::optional<PageCursor>&)>;

  // kResourceExhausted when the threads cannot be started.
  static Result<std::unique_ptr<RangePages>> Start(size_t ranges, int window, int max_window,
                                                   uint64_t page_rows,
                                                   const std::vector<size_t>& key,
                                                   const Clock& clock, const CpuMeter* cpu,
                                                   Fetch fetch) {
    auto pages = std::unique_ptr<RangePages>(
        new RangePages(ranges, window, max_window, page_rows, key, clock, cpu, std::move(fetch)));
    try {
      pages->pool_ = std::make_unique<ThreadPool>(std::max(window, max_window));
    } catch (const std::system_error& e) {
      return Fail(ErrorCode::kResourceExhausted, "tuning.readers",
                  fmt::format("cannot start {} reader threads: {}; use fewer readers",
                              std::max(window, max_window), e.what()));
    }
    pages->AskRanges();
    return pages;
  }

  // The next page in order; nullopt after the last range's last page. A page that failed
  // (after the Domo client's retries) is returned as its error.
  Result<std::optional<RangePage>> Next() {
    if (current_ == ranges_) return std::optional<RangePage>();
    Result<domo::QueryResult> answer = Fail(ErrorCode::kInternal, "run", "no page");
    RangePage page;
    {
      std::unique_lock lock(mu_);
      const auto from = adaptive_ ? clock_.Monotonic() : std::chrono::steady_clock::time_point();
      answered_.wait(lock, [&] { return answers_.count(current_) > 0; });
      if (adaptive_) waited_ += clock_.Monotonic() - from;
      auto node = answers_.extract(current_);
      page.cursor = std::move(node.mapped().cursor);
      answer = std::move(node.mapped().page);
    }
    if (!answer) return Fail(answer.error());
    const uint64_t limit = page_rows_ + (page.cursor ? page.cursor->skip : 0);
    page.full = answer->rows.size() == limit;
    if (page.full) page.next = CursorAfterPage(answer->rows, key_);
    if (page.next) {
      Ask(current_, page.next);
    } else {
      ++current_;  // a full page with no cursor has a null key in its last row: the run fails
    }
    if (adaptive_) Adapt();
    AskRanges();
    page.result = std::move(*answer);
    return std::optional<RangePage>(std::move(page));
  }

  // How many ranges are read at once (the most so far: it never narrows).
  size_t window() const { return window_; }

 private:
  struct Answer {
    std::optional<PageCursor> cursor;
    Result<domo::QueryResult> page;
  };

  // Called after every page taken (automatic readers): the stretches start at the first page
  // taken, so the wait for the very first answers (Domo's latency whatever the window) does
  // not count.
  void Adapt() {
    const auto now = clock_.Monotonic();
    if (!stretch_start_) {
      stretch_start_ = now;
      stretch_cpu_ = cpu_ ? cpu_->Read() : std::nullopt;
      waited_ = {};
      return;
    }
    // A stretch: as many pages as the window, 4 at least, over a quarter of a second at least
    // (the kernel counts CPU time in 10 ms ticks, so a shorter one reads idle too coarsely).
    const double elapsed = std::chrono::duration<double>(now - *stretch_start_).count();
    if (++stretch_pages_ < std::max<size_t>(4, window_) || elapsed < 0.25) return;
    const std::optional<CpuTimes> cpu = cpu_ ? cpu_->Read() : std::nullopt;
    const double waited = std::chrono::duration<double>(waited_).count() / elapsed;
    const double idle = cpu_ ? IdleShare(stretch_cpu_, cpu).value_or(0) : 1;
    window_ =
        static_cast<size_t>(WidenReaders(static_cast<int>(window_), max_window_, waited, idle));
    stretch_start_ = now;
    stretch_cpu_ = cpu;
    stretch_pages_ = 0;
    waited_ = {};
  }

  RangePages(size_t ranges, int window, int max_window, uint64_t page_rows,
             const std::vector<size_t>& key, const Clock& clock, const CpuMeter* cpu, Fetch fetch)
      : ranges_(ranges),
        max_window_(max_window),
        adaptive_(max_window > window),
        page_rows_(page_rows),
        key_(key),
        clock_(clock),
        cpu_(cpu),
        fetch_(std::move(fetch)),
        window_(static_cast<size_t>(window)) {}

  // Asks for the first page of each range not yet asked for within the window.
  void AskRanges() {
    while (next_range_ < ranges_ && next_range_ < current_ + window_) {
      Ask(next_range_++, std::nullopt);
    }
  }

  void Ask(size_t range, std::optional<PageCursor> cursor) {
    pool_->Submit([this, range, cursor = std::move(cursor)] {
      Result<domo::QueryResult> page = fetch_(range, cursor);
      std::lock_guard lock(mu_);
      answers_.emplace(range, Answer{cursor, std::move(page)});
      answered_.notify_all();
    });
  }

  const size_t ranges_;
  const int max_window_;  // the window's ceiling: above its start, the window adapts
  const bool adaptive_;
  const uint64_t page_rows_;
  const std::vector<size_t>& key_;
  const Clock& clock_;
  const CpuMeter* cpu_;
  const Fetch fetch_;
  // The writer's thread only:
  size_t window_;          // never narrows
  size_t current_ = 0;     // the range the writer takes pages from
  size_t next_range_ = 0;  // the first range whose first page was not asked for
  std::optional<std::chrono::steady_clock::time_point> stretch_start_;
  std::optional<CpuTimes> stretch_cpu_;
  size_t stretch_pages_ = 0;
  std::chrono::steady_clock::duration waited_{};  // this stretch's, waiting for pages
  std::mutex mu_;
  std::condition_variable answered_;
  std::map<size_t, Answer> answers_;  // GUARDED_BY(mu_): a range's page, answered, not taken
  std::unique_ptr<ThreadPool> pool_;  // last: destroyed first, answering what was asked
};

// The ranges' pages (RangePages), in order, through `writer`. Reports progress after every
// page, as the sum over every writer.
//
// The page after a full one was asked for (at the cursor CursorAfterPage derives from the
// page) before this one's rows were written; once they are, the cursor the DuplicateCounter
// left must be the same, which a property test shows it always is. Were it not, the run
// fails as an internal error rather than write a page asked for at the wrong place.
Result<void> WriteRanges(const JobSpec& spec, RunDeps& deps, const Prepared& p,
                         std::span<const ReadRange> ranges, int window, int max_window,
                         size_t reader, OutputWriter& writer, DuplicateCounter& counter,
                         ReaderShared& shared) {
  // Before `pages`: the pages it still has in flight when it ends read into this.
  domo::PageMemory memory;
  auto pages = RangePages::Start(
      ranges.size(), window, max_window, spec.page_rows, p.key, deps.clock, deps.cpu,
      [&](size_t r, const std::optional<PageCursor>& cursor) {
        const uint64_t limit = spec.page_rows + (cursor ? cursor->skip : 0);
        std::optional<std::vector<std::string>> after;
        if (cursor) after = cursor->after;
        const std::string sql = PageSql(p.date_column, p.plan.window, p.input.schema, p.key, after,
                                        limit, ranges[r].filter);
        if (shared.permits) shared.permits->Acquire();
        auto page = deps.domo.Query(p.input.id, sql, &memory);
        if (shared.permits) shared.permits->Release(deps.domo.retry_counts().throttles);
        return page;
      });
  if (!pages) return Fail(pages.error());
  std::vector<std::string_view> key_values(p.key.size());  // of the page's table
  std::vector<table::PackedRow> written;                   // the page's rows to write
  for (;;) {
    if (deps.cancel && deps.cancel->load()) {
      return Fail(ErrorCode::kCancelled, "run", "the run was cancelled");
    }
    if (shared.stop.load()) return Fail(ErrorCode::kCancelled, "run", "another reader failed");
    auto taken = (*pages)->Next();
    if (!taken) return Fail(taken.error());
    if (!*taken) break;
    RangePage& page = **taken;
    const domo::QueryResult& result = page.result;
    if (result.columns.size() != p.input.schema.size()) {
      return Fail(ErrorCode::kInternal, "dataset " + p.input.id,
                  fmt::format("Domo's query answered {} columns; the dataset has {}",
                              result.columns.size(), p.input.schema.size()));
    }
    const uint64_t skip = page.cursor ? page.cursor->skip : 0;
    uint64_t index = 0;
    written.clear();
    for (const domo::QueryRows::Row row : result.rows) {
      for (size_t k = 0; k < p.key.size(); ++k) {
        const domo::Cell cell = row[p.key[k]];
        if (!cell) {
          return Fail(ErrorCode::kFailedPrecondition, "details.primary_key",
                      fmt::format("a row of {} has a null in key column \"{}\"; a primary key "
                                  "must identify every row",
                                  table::FormatDate(p.plan.window.local_date),
                                  p.input.schema[p.key[k]].name));
        }
        key_values[k] = *cell;
      }
      if (index++ < skip) {
        // Already written on the previous page: it must still carry the last key.
        if (!std::equal(key_values.begin(), key_values.end(), page.cursor->after.begin(),
                        page.cursor->after.end())) {
          return Fail(ErrorCode::kAborted, "dataset " + p.input.id,
                      "the day's rows changed while they were being read; run again");
        }
        continue;
      }
      const bool duplicate = counter.Next(key_values);
      if (duplicate && spec.duplicate_keys == DuplicateKeys::kFail) {
        std::string shown;
        for (std::string_view v : key_values) {
          shown += fmt::format("{}{}", shown.empty() ? "" : ", ", v);
        }
        return Fail(ErrorCode::kFailedPrecondition, "details.duplicate_keys",
                    fmt::format("key ({}) appears more than once in the day and "
                                "details.duplicate_keys is \"fail\"; use \"keep\" or \"first\"",
                                shown));
      }
      if (duplicate && spec.duplicate_keys == DuplicateKeys::kFirst) continue;
      written.push_back(row.packed());
    }
    if (auto ok = writer.WriteRows(written); !ok) return ok;
    {
      std::lock_guard lock(shared.mu);
      shared.totals[reader] = writer.totals();
      shared.progress.rows += written.size();
      shared.progress.bytes = 0;
      shared.progress.objects = 0;
      for (const OutputTotals& t : shared.totals) {
        shared.progress.bytes += t.stored_bytes;
        shared.progress.objects += static_cast<uint64_t>(t.objects);
      }
      if (deps.on_progress) deps.on_progress(shared.progress);
    }
    CrashPoint("page-written");
    counter.Hold();  // its last key views this page's table, which is given back below
    if (page.full && page.next != PageCursor{*counter.last(), counter.run_length()}) {
      return Fail(ErrorCode::kInternal, "dataset " + p.input.id,
                  "the next page was asked for at a key the written rows did not end on");
    }
    memory.GiveRows(std::move(page.result.rows));  // written: the next page is read into it
  }
  if (max_window > window) {
    {
      std::lock_guard lock(shared.mu);
      shared.window = (*pages)->window();
    }
    deps.log.Info(fmt::format("automatic readers: {} of {} at once at the end", (*pages)->window(),
                              max_window));
  }
  return {};
}

// The value of a one-row, one-column answer as int64, or nullopt for no row or a null.
Result<std::optional<int64_t>> KeyBound(domo::DomoClient& domo, const std::string& dataset_id,
                                        const std::string& sql) {
  auto result = domo.Query(dataset_id, sql);
  if (!result) return Fail(result.error());
  if (result->rows.empty() || !result->rows[0][0]) {
    return std::optional<int64_t>();
  }
  const std::string_view text = *result->rows[0][0];
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Fail(
        ErrorCode::kInternal, "dataset " + dataset_id,
        "Domo answered the key's bound with \"" + std::string(text) + "\", not a whole number");
  }
  return std::optional<int64_t>(value);
}

// The day's ranges (query_plan.h): key ranges between the key's smallest and largest value in
// the day, or time slices; one per reader when each writes its own objects, about one page
// each (OneObjectRanges) when the readers write one object; one range when the day cannot be
// split.
Result<std::vector<ReadRange>> PlanRanges(const JobSpec& spec, RunDeps& deps, const Prepared& p) {
  if (p.readers <= 1) return std::vector<ReadRange>{ReadRange{}};
  const int ranges =
      p.writers == 1 ? OneObjectRanges(p.plan.rows, spec.page_rows, p.readers) : p.readers;
  switch (ChooseSplit(p.input.schema, p.key, p.date_column,
                      spec.duplicate_keys == DuplicateKeys::kKeep)) {
    case SplitKind::kKeyRanges: {
      const table::Column& first = p.input.schema[p.key[0]];
      auto min =
          KeyBound(deps.domo, p.input.id, KeyBoundSql(p.date_column, p.plan.window, first, false));
      if (!min) return Fail(min.error());
      auto max =
          KeyBound(deps.domo, p.input.id, KeyBoundSql(p.date_column, p.plan.window, first, true));
      if (!max) return Fail(max.error());
      if (!*min || !*max) return std::vector<ReadRange>{ReadRange{}};
      return SplitKeyRange(first, **min, **max, ranges);
    }
    case SplitKind::kTimeSlices:  // one object per reader (Prepare)
      return SplitTimeSlices(p.date_column, p.plan.window, ranges);
    default:  // Prepare set readers to 1
      return std::vector<ReadRange>{ReadRange{}};
  }
}

Result<void> MoveRowsDirect(const JobSpec& spec, RunDeps& deps, const Prepared& p,
                            const ObjectName& name, const std::string& run_id,
                            s3::UploadJournal& journal, DirectResult& out) {
  s3::UploadOptions upload;
  upload.journal = &journal;
  upload.part_size = spec.part_size;
  upload.concurrency = spec.concurrency;
  auto checksum = s3::ParseChecksumAlgorithm(spec.checksum);
  if (checksum) upload.object.checksum = *checksum;
  upload.object.storage_class = spec.storage_class;
  upload.object.sse = spec.sse;
  upload.object.sse_kms_key_id = spec.sse_kms_key_id;
  upload.object.create_only = spec.if_exists == IfExists::kFail;
  OutputOptions options = OutputOptionsFrom(spec);
  options.parquet_metadata = {
      {"s3unload.version", kVersion},
      {"s3unload.run_id", run_id},
      {"s3unload.dataset_id", p.input.id},
      {"s3unload.window_start", table::FormatDateTime(p.plan.window.start_utc) + "Z"},
      {"s3unload.window_end", table::FormatDateTime(p.plan.window.end_utc) + "Z"}};
  upload.object.content_type = ContentTypeFor(options);
  const bool numbered = spec.max_object_size.has_value();

  auto ranges = PlanRanges(spec, deps, p);
  if (!ranges) return Fail(ranges.error());
  // Writers: one per range when each reader writes its own objects (a range per reader), else
  // one, taking the ranges in turn from `window` readers.
  const size_t n = p.writers == 1 ? 1 : ranges->size();
  const int window = n == 1 ? static_cast<int>(std::min<size_t>(p.readers, ranges->size())) : 1;
  // Automatic readers start four at a time and open up as far as the timings say (RangePages).
  const int first_window = p.adaptive ? std::min(window, 4) : window;
  const int parallel = n == 1 ? window : static_cast<int>(n);  // queries in flight at most
  // Several writers share the job's upload concurrency (each at least one part in flight), so
  // memory stays near part_size x (concurrency + writers) rather than writers times it.
  upload.concurrency = std::max(1, spec.concurrency / static_cast<int>(n));
  // One writer keeps the job's object names; writer w of several writes "<stem>-rNN...".
  std::vector<ObjectName> names;
  for (size_t w = 0; w < n; ++w) names.push_back(WriterName(name, static_cast<int>(n), w));
  if (n > 1) {
    deps.log.Info(fmt::format("{} readers, one object each: {}", n, [&] {
      std::string all;
      for (const ReadRange& range : *ranges) all += (all.empty() ? "" : "; ") + range.label;
      return all;
    }()));
  } else if (window > 1) {
    deps.log.Info(
        fmt::format("{} readers over {} ranges of the day, written in key order into "
                    "one object: {} ... {}",
                    window, ranges->size(), ranges->front().label, ranges->back().label));
  }
  std::vector<std::vector<S3ObjectSink*>> sinks(n);
  for (size_t r = 0; r < n; ++r) {
    OpenObject open = [&, r](int index) -> Result<std::unique_ptr<ObjectSink>> {
      auto sink = std::make_unique<S3ObjectSink>(
          deps.s3, deps.executor, deps.log,
          s3::S3Location{spec.bucket, names[r].Key(numbered, index)}, upload);
      sinks[r].push_back(sink.get());
      return std::unique_ptr<ObjectSink>(std::move(sink));
    };
    auto writer = OutputWriter::Create(options, p.input.schema, std::move(open));
    if (!writer) return Fail(writer.error());
    out.writers.push_back(std::move(*writer));
  }

  ReaderShared shared;
  shared.totals.resize(n);
  shared.progress.expected_rows = p.plan.rows;
  std::optional<QueryPermits> permits;
  if (parallel > 1) {
    permits.emplace(parallel, deps.domo.retry_counts().throttles);
    shared.permits = &*permits;
  }
  std::vector<DuplicateCounter> counters(n);
  std::optional<Error> failure;  // GUARDED_BY(shared.mu): the first writer's that failed
  auto read = [&](size_t r) {
    const std::span<const ReadRange> share =
        n == 1 ? std::span<const ReadRange>(*ranges) : std::span<const ReadRange>(&(*ranges)[r], 1);
    Result<void> result = WriteRanges(spec, deps, p, share, first_window, window, r,
                                      *out.writers[r], counters[r], shared);
    if (result) result = out.writers[r]->Close();
    if (result) return;
    std::lock_guard lock(shared.mu);
    // Readers stopped by that failure fail too, but only the first failure is the run's.
    if (!shared.stop.exchange(true)) failure = result.error();
  };
  if (n == 1) {
    read(0);
  } else {
    std::vector<std::thread> threads;
    for (size_t r = 0; r < n; ++r) {
      try {
        threads.emplace_back(read, r);
      } catch (const std::system_error& e) {  // no thread to be had: stop the others
        std::lock_guard lock(shared.mu);
        if (!shared.stop.exchange(true)) {
          failure =
              Error{ErrorCode::kResourceExhausted, "tuning.readers",
                    fmt::format("cannot start reader {}: {}; use fewer readers", r + 1, e.what()),
                    0, std::nullopt};
        }
        break;
      }
    }
    for (std::thread& t : threads) t.join();
  }
  if (permits) {
    deps.log.Info(fmt::format("readers done; queries in flight allowed at the end: {} of {}",
                              permits->limit(), parallel));
  }
  // Every reader's objects, in range order, whether or not the run succeeded (a failed run
  // aborts them all).
  for (size_t r = 0; r < n; ++r) {
    out.sinks.insert(out.sinks.end(), sinks[r].begin(), sinks[r].end());
    const std::vector<ObjectStats>& objects = out.writers[r]->objects();
    out.objects.insert(out.objects.end(), objects.begin(), objects.end());
    const OutputTotals t = out.writers[r]->totals();
    out.totals.objects += t.objects;
    out.totals.rows += t.rows;
    out.totals.stored_bytes += t.stored_bytes;
    out.totals.raw_bytes += t.raw_bytes;
    out.duplicates += counters[r].duplicates();
  }
  out.readers = p.adaptive && shared.window > 0 ? static_cast<int>(shared.window) : parallel;
  if (failure) return Fail(*failure);
  return {};
}

// The domo-export engine: Domo's Export-to-S3 writes one gzip CSV under the rendered path;
// s3unload starts it with the day's filter and the key order, polls it to the end, checks
// the object with HeadObject and the reported rows against the day's count.
Result<void> MoveRowsDomoExport(const JobSpec& spec, RunDeps& deps, const Prepared& p,
                                const std::string& run_id, RunOutcome& outcome) {
  if (deps.aws_credentials == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "details.engine",
                "the domo-export engine needs AWS access keys to hand to Domo");
  }
  const PathValues values{p.input.id, p.input.name, table::FormatDate(p.plan.window.local_date),
                          run_id};
  auto folder = RenderPath(spec.path, values, "details.path");
  if (!folder) return Fail(folder.error());
  while (!folder->empty() && folder->back() == '/') folder->pop_back();
  domo::S3ExportRequest request;
  request.bucket = spec.bucket;
  request.path = folder->empty() ? p.input.id : *folder;
  request.region = deps.region;
  request.aws_access_key = deps.aws_credentials->access_key_id;
  request.aws_access_secret = deps.aws_credentials->secret_access_key;
  request.session_token = deps.aws_credentials->session_token;
  request.aws_kms_key = spec.sse_kms_key_id;
  request.query_request = ExportQueryRequest(p.date_column, p.plan.window, p.input.schema, p.key);
  auto started = deps.domo.StartS3Export(p.input.id, request);
  if (!started) return Fail(started.error());
  auto done =
      started->Finished() ? started : deps.domo.WaitForS3Export(p.input.id, started->export_id);
  if (!done) return Fail(done.error());
  outcome.metrics.export_id = done->export_id;
  outcome.metrics.started = ToMillisText(done->started);
  outcome.metrics.finished = ToMillisText(done->finished);
  if (done->status != "success") {
    return Fail(ErrorCode::kUnavailable, "Domo export " + done->export_id,
                fmt::format("Domo's Export-to-S3 ended in \"{}\": {} {}", done->status,
                            done->error_code, done->message));
  }
  const std::string key = request.path + "/" + done->export_id + "/export/data.csv.gz";
  auto head = deps.s3.HeadObject({spec.bucket, key});
  if (!head) {
    return Fail(
        ErrorCode::kDataLoss, Uri(spec.bucket, key),
        "Domo reported the export done, but the object cannot be read: " + head.error().message);
  }
  uint64_t rows = 0;
  for (const auto& [url, count] : done->url_row_counts) rows += static_cast<uint64_t>(count);
  if (rows != p.plan.rows) {
    return Fail(ErrorCode::kDataLoss, Uri(spec.bucket, key),
                fmt::format("Domo exported {} rows, but the day has {}", rows, p.plan.rows));
  }
  outcome.s3_uris = {Uri(spec.bucket, key)};
  outcome.objects = 1;
  outcome.rows = rows;
  outcome.bytes = head->size;
  return {};
}

// The writeback dataset gets the run's row: created on the first run with the configured
// name, description and a schema matching the metrics date option; later runs bring its
// name, description and schema up to date, then import with the update method.
Result<std::string> RecordInDomo(const JobSpec& spec, domo::DomoClient& domo,
                                 std::optional<domo::Dataset> writeback, bool may_create,
                                 const MetricsRow& row) {
  const table::Schema schema = MetricsSchema(spec.metrics_dates);
  std::string id;
  if (!writeback) {
    auto token = domo.CurrentToken();
    if (!token) return Fail(token.error());
    auto found = FindWriteback(spec, domo, token->user_id);
    if (!found) return Fail(found.error());
    writeback = std::move(*found);
  }
  if (!writeback && !may_create) {
    return Fail(ErrorCode::kFailedPrecondition, "writeback.name",
                "no writeback dataset was created: the run stopped before the ownership rule "
                "allowed it (a refused or misconfigured run creates nothing in Domo)");
  }
  if (!writeback) {
    auto created = domo.CreateDataset({spec.writeback_name, spec.writeback_description, schema});
    if (!created) return Fail(created.error());
    id = created->id;
  } else {
    id = writeback->id;
    domo::DatasetUpdate update;
    if (writeback->name != spec.writeback_name) update.name = spec.writeback_name;
    if (writeback->description != spec.writeback_description) {
      update.description = spec.writeback_description;
    }
    if (writeback->schema != schema) update.schema = schema;
    if (update.name || update.description || update.schema) {
      if (auto updated = domo.UpdateDataset(id, update); !updated) return Fail(updated.error());
    }
  }
  if (auto imported = domo.ImportCsv(id, MetricsCsv(row, spec.metrics_dates), spec.update_method);
      !imported) {
    return Fail(imported.error());
  }
  return id;
}

}  // namespace

nlohmann::json RunPlanJson(const RunPlan& plan) {
  return {{"day", table::FormatDate(plan.window.local_date)},
          {"time_zone", plan.window.zone},
          {"window_start_utc", table::FormatDateTime(plan.window.start_utc) + "Z"},
          {"window_end_utc", table::FormatDateTime(plan.window.end_utc) + "Z"},
          {"date_column", plan.date_column},
          {"input_name", plan.input_name},
          {"rows", plan.rows},
          {"object_keys", plan.object_keys},
          {"writeback_dataset_id", plan.writeback_dataset_id},
          {"ownership", plan.ownership}};
}

Result<RunPlan> PlanRun(const JobSpec& spec, RunDeps& deps) {
  auto prepared = Prepare(spec, deps, "dry-run");
  if (!prepared) return Fail(prepared.error());
  return prepared->plan;
}

BegunRun BeginRun(const JobSpec& spec, RunIdentity id, RunHistory& history, const Clock& clock) {
  const auto now = clock.Now();
  RunStart start;
  start.id = std::move(id);
  start.input_dataset_id = spec.input_dataset_id;
  // The spec was validated, so its zone exists.
  start.day = table::FormatDate(
      table::ResolveDayWindow(now, **table::FindTimeZone(spec.time_zone, "details.time_zone"),
                              spec.specific_day)
          .local_date);
  start.time_zone = spec.time_zone;
  start.engine = std::string(EngineName(spec.engine));
  start.started_ms = EpochMillis(now);
  history.Began(start);
  return BegunRun(std::move(start), history);
}

RunOutcome ExecuteRun(const JobSpec& spec, BegunRun run, RunDeps& deps) {
  const std::string& run_id = run.start().id.run_id;
  RunOutcome outcome;
  outcome.run_id = run_id;
  const int64_t started = run.start().started_ms;
  MetricsRow& m = outcome.metrics;
  m.run_id = run_id;
  m.job_name = spec.name;
  m.input_dataset_id = spec.input_dataset_id;
  m.time_zone = spec.time_zone;
  m.engine = std::string(EngineName(spec.engine));
  m.started = std::to_string(started);

  auto fail = [&](Error error) {
    error.message = deps.log.Redact(error.message);
    outcome.error = std::move(error);
  };

  auto prepared = Prepare(spec, deps, run_id);
  RunJournal journal(*run.history_, run_id);
  DirectResult direct;
  if (!prepared) {
    fail(prepared.error());
  } else {
    outcome.plan = prepared->plan;
    m.day = table::FormatDate(prepared->plan.window.local_date);
    m.window_start = table::FormatDateTime(prepared->plan.window.start_utc);
    m.window_end = table::FormatDateTime(prepared->plan.window.end_utc);
    // The first allowed run creates the writeback dataset now rather than at the end, so a
    // run killed mid-way can still have its FAILED row recorded there (jobs/recovery.h).
    if (!prepared->writeback) {
      auto created = deps.domo.CreateDataset(
          {spec.writeback_name, spec.writeback_description, MetricsSchema(spec.metrics_dates)});
      if (created) {
        prepared->writeback = std::move(*created);
      } else {
        deps.log.Warn("the writeback dataset could not be created yet (tried again at the end): " +
                      created.error().ToString());
      }
    }
    ObjectName name = prepared->name;
    if (auto ok = ApplyIfExists(spec, deps, run_id, prepared->writers, name); !ok) {
      fail(ok.error());
    } else if (spec.engine == Engine::kDomoExport) {
      if (auto moved = MoveRowsDomoExport(spec, deps, *prepared, run_id, outcome); !moved) {
        fail(moved.error());
        outcome.s3_uris.clear();
      } else {
        outcome.succeeded = true;
      }
    } else if (auto moved = MoveRowsDirect(spec, deps, *prepared, name, run_id, journal, direct);
               !moved) {
      fail(moved.error());
    } else {
      std::optional<ManifestObject> manifest;
      if (spec.manifest) {
        std::vector<ManifestEntry> entries;
        for (size_t i = 0; i < direct.sinks.size(); ++i) {
          const ObjectStats& stats = direct.objects[i];
          entries.push_back(
              {Uri(spec.bucket, direct.sinks[i]->location().key), stats.stored_bytes, stats.rows});
        }
        s3::ObjectOptions options;
        options.content_type = "application/json";
        options.create_only = spec.if_exists == IfExists::kFail;
        manifest = ManifestObject{{spec.bucket, ManifestKey(name.stem)},
                                  BuildManifest(entries, prepared->input.schema),
                                  options};
      }
      auto published = Publish(deps.s3, direct.sinks, manifest);
      if (!published) {
        fail(published.error());
      } else {
        run.history_->Published(run_id);
        outcome.succeeded = true;
        for (S3ObjectSink* sink : direct.sinks) {
          outcome.s3_uris.push_back(Uri(spec.bucket, sink->location().key));
        }
        const OutputTotals& totals = direct.totals;
        outcome.objects = static_cast<uint64_t>(totals.objects);
        outcome.rows = totals.rows;
        outcome.bytes = totals.stored_bytes;
        outcome.raw_bytes = totals.raw_bytes;
        outcome.duplicate_keys = direct.duplicates;
        outcome.readers = direct.readers;
      }
    }
  }
  if (!outcome.succeeded) AbortAll(direct.sinks);

  if (spec.engine == Engine::kDomoExport && m.finished.empty()) {
    m.finished = std::to_string(EpochMillis(deps.clock.Now()));
  }
  m.s3_uris = outcome.s3_uris;
  m.objects = static_cast<int64_t>(outcome.objects);
  m.rows = static_cast<int64_t>(outcome.rows);
  m.bytes = static_cast<int64_t>(outcome.bytes);
  m.duplicate_keys = static_cast<int64_t>(outcome.duplicate_keys);
  // Every request retried through a transient failure, Domo's and S3's (this run's clients).
  m.retries =
      static_cast<int64_t>(deps.domo.retry_counts().retries + deps.s3.retry_counts().retries);
  outcome.status = outcome.succeeded ? RunStatus::kSucceeded : StatusOfFailure(*outcome.error);
  m.status = std::string(RunStatusName(outcome.status));
  m.error = outcome.error ? outcome.error->ToString() : "";
  if (m.finished.empty() || spec.engine == Engine::kDirect) {
    m.finished = std::to_string(EpochMillis(deps.clock.Now()));
  }

  // Metrics: the writeback dataset, then the history. A failure to record in Domo
  // does not turn a successful unload into a failed one; it is reported beside it.
  std::optional<domo::Dataset> writeback;
  if (prepared) writeback = prepared->writeback;
  // Only a run that passed the ownership rule may create the writeback dataset; an earlier
  // failure is still recorded in an existing one.
  CrashPoint("before-metrics");
  if (auto recorded = RecordInDomo(spec, deps.domo, std::move(writeback), prepared.has_value(), m);
      recorded) {
    outcome.metrics_recorded = true;
    outcome.writeback_dataset_id = *recorded;
  } else {
    outcome.metrics_error = deps.log.Redact(recorded.error().ToString());
  }
  RunEnd end;
  end.status = outcome.status;
  end.finished_ms = outcome.finished_ms = EpochMillis(deps.clock.Now());
  end.s3_uris = outcome.s3_uris;
  end.objects = m.objects;
  end.rows = m.rows;
  end.bytes = m.bytes;
  end.duplicate_keys = m.duplicate_keys;
  end.error = outcome.error;
  end.metrics_json = MetricsJson(m, spec.metrics_dates).dump();
  CrashPoint("before-history");
  run.history_->Finished(run_id, end);
  return outcome;
}

Result<std::optional<MetricsRow>> RecordInterruptedRun(const JobSpec& spec, domo::DomoClient& domo,
                                                       const InterruptedRun& run) {
  MetricsRow m;
  m.run_id = run.run_id;
  m.job_name = spec.name;
  m.input_dataset_id = spec.input_dataset_id;
  m.time_zone = spec.time_zone;
  m.engine = std::string(EngineName(spec.engine));
  m.day = run.day;
  auto zone = table::FindTimeZone(spec.time_zone, "details.time_zone");
  if (auto date = table::ParseDate(run.day); date && zone) {
    const table::DayWindow window = table::WindowForDate(*date, **zone);
    m.window_start = table::FormatDateTime(window.start_utc);
    m.window_end = table::FormatDateTime(window.end_utc);
  }
  m.status = std::string(RunStatusName(RunStatus::kFailed));
  m.error = run.message;
  m.started = std::to_string(run.started_ms);
  m.finished = std::to_string(run.found_ms);
  auto token = domo.CurrentToken();
  if (!token) return Fail(token.error());
  auto writeback = FindWriteback(spec, domo, token->user_id);
  if (!writeback) return Fail(writeback.error());
  if (*writeback) {
    // Killed after its row was written (and before the history heard of it): the row stands.
    auto rows = CountRows(domo, (*writeback)->id,
                          "SELECT COUNT(*) FROM table WHERE " + QuoteIdentifier("run_id") + " = " +
                              QuoteLiteral(run.run_id));
    if (!rows) return Fail(rows.error());
    if (*rows > 0) return std::optional<MetricsRow>();
  }
  auto recorded = RecordInDomo(spec, domo, std::move(*writeback), run.passed_ownership, m);
  if (!recorded) return Fail(recorded.error());
  return std::optional<MetricsRow>(m);
}

}  // namespace s3u::unload
