// `s3unload store migrate`: every row of one store copied into another, empty one, of either
// backend (SQLite to PostgreSQL, and back). Rows are copied as stored: secrets stay sealed, so
// the target needs the key the source used (secret_box.h). The source is read in one snapshot
// and the target written in one transaction, so a failed copy leaves the target empty.
//
// Thread-safety: holds both stores' locks for the whole copy; other calls on them wait.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/store.h"

namespace s3u::store {

// Every table of the store (migrations.h), in an order where the rows a row refers to are copied
// before it. A test checks it names every table of the schema.
inline constexpr std::array<std::string_view, 9> kCopyOrder = {
    "accounts", "connectors", "notifications", "settings", "runs",
    "run_log",  "uploads",    "deliveries",    "leases",
};

struct CopyReport {
  std::vector<std::pair<std::string, int64_t>> rows;  // kCopyOrder's tables, rows copied
};

// Copies every row of `from` into `to`. kFailedPrecondition (subject: the target's location)
// when a table of `to` already has rows; kDataLoss when a table's row count differs after the
// copy; otherwise the errors of the reads and writes. REQUIRES: `from` != `to`.
Result<CopyReport> CopyStore(Store& from, Store& to);

}  // namespace s3u::store
