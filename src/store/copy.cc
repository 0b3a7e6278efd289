#include "store/copy.h"

#include <mutex>

namespace s3u::store {

// A friend of Store: the copy works on both stores' connections under their locks.
class StoreCopier {
 public:
  static Result<CopyReport> Copy(Store& from, Store& to);
};

namespace {

// The number of rows of `table`.
Result<int64_t> CountRows(Connection& db, std::string_view table) {
  auto count = Statement::Prepare(db, "SELECT count(*) FROM " + std::string(table),
                                  "counting the rows of " + std::string(table));
  if (!count) return Fail(std::move(count.error()));
  auto row = count->Step();
  if (!row) return Fail(std::move(row.error()));
  return count->Int(0);
}

// The order rows are read in: an account a role account borrows its keys from comes first.
std::string OrderFor(std::string_view table) {
  if (table == "accounts") return " ORDER BY base_account_id IS NOT NULL, id";
  return "";
}

// Copies the rows of `table` from `source` into `target`; the number copied.
Result<int64_t> CopyTable(Connection& source, Connection& target, std::string_view table) {
  const std::string doing = "copying table " + std::string(table);
  auto read =
      Statement::Prepare(source, "SELECT * FROM " + std::string(table) + OrderFor(table), doing);
  if (!read) return Fail(std::move(read.error()));
  std::optional<Statement> insert;
  int64_t copied = 0;
  for (;;) {
    auto row = read->Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) break;
    StatementBackend& columns = read->backend();
    const int count = columns.ColumnCount();
    if (!insert) {
      std::string names;
      std::string values;
      for (int i = 0; i < count; ++i) {
        names += (i > 0 ? ", " : "") + columns.ColumnName(i);
        values += (i > 0 ? ", ?" : "?") + std::to_string(i + 1);
      }
      auto prepared = Statement::Prepare(
          target, "INSERT INTO " + std::string(table) + " (" + names + ") VALUES (" + values + ")",
          doing);
      if (!prepared) return Fail(std::move(prepared.error()));
      insert.emplace(std::move(*prepared));
    }
    for (int i = 0; i < count; ++i) {
      switch (columns.Kind(i)) {
        case ColumnKind::kNull:
          insert->BindOptionalText(i + 1, std::nullopt);
          break;
        case ColumnKind::kInt:
          insert->BindInt(i + 1, columns.Int(i));
          break;
        case ColumnKind::kBlob:
          insert->BindOptionalBlob(i + 1, columns.Blob(i));
          break;
        default:
          insert->BindText(i + 1, columns.Text(i));
      }
    }
    if (auto ok = insert->Run(); !ok) return Fail(std::move(ok.error()));
    insert->Reset();
    ++copied;
  }
  return copied;
}

}  // namespace

Result<CopyReport> StoreCopier::Copy(Store& from, Store& to) {
  std::scoped_lock locks(from.mu_, to.mu_);
  Connection& source = *from.db_;
  Connection& target = *to.db_;
  CopyReport report;
  auto copied = source.Transaction(TransactionMode::kRead, "reading the source store", [&] {
    return target.Transaction(
        TransactionMode::kWrite, "writing the target store", [&]() -> Result<void> {
          for (const std::string_view table : kCopyOrder) {
            auto present = CountRows(target, table);
            if (!present) return Fail(std::move(present.error()));
            if (*present > 0) {
              return Fail(ErrorCode::kFailedPrecondition, target.location(),
                          "the target store is not empty (table " + std::string(table) + " has " +
                              std::to_string(*present) +
                              " rows); migrate into a new, empty store only");
            }
          }
          for (const std::string_view table : kCopyOrder) {
            auto rows = CopyTable(source, target, table);
            if (!rows) return Fail(std::move(rows.error()));
            report.rows.emplace_back(table, *rows);
          }
          if (target.backend() == Backend::kPostgres) {
            // Rows were inserted with their ids: the identity goes on after the last one.
            if (auto ok = target.Exec("SELECT setval(pg_get_serial_sequence('deliveries', 'id'), "
                                      "(SELECT coalesce(max(id), 0) + 1 FROM deliveries), false)",
                                      "continuing the ids of deliveries");
                !ok) {
              return ok;
            }
          }
          for (const auto& [table, rows] : report.rows) {
            auto source_rows = CountRows(source, table);
            if (!source_rows) return Fail(std::move(source_rows.error()));
            auto target_rows = CountRows(target, table);
            if (!target_rows) return Fail(std::move(target_rows.error()));
            if (*source_rows != rows || *target_rows != rows) {
              return Fail(ErrorCode::kDataLoss, target.location(),
                          "table " + table + ": " + std::to_string(*source_rows) +
                              " rows in the source, " + std::to_string(*target_rows) +
                              " in the target; nothing was kept");
            }
          }
          return {};
        });
  });
  if (!copied) return Fail(std::move(copied.error()));
  return report;
}

Result<CopyReport> CopyStore(Store& from, Store& to) { return StoreCopier::Copy(from, to); }

}  // namespace s3u::store
