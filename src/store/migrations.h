// The store's schema as a list of numbered migrations, one list for both backends. Each one is
// SQL (SQLite's words; PostgreSQL runs it through TranslateDdl, dialect.h) applied in its own
// write transaction together with its number (SQLite: `PRAGMA user_version`; PostgreSQL: the
// table s3unload_schema), so a database is always
// exactly at one version and a failed migration leaves it at the previous one. Migrations are
// only ever appended: a released one is never edited. 1: runs; 2: accounts; 3: connectors
// (with their pending retries) and settings; 4: the upload journal; 5: AWS role accounts;
// 6: notifications; 7: run logs.
// docs/store.md describes each.
//
// Thread-safety: Migrations() is immutable data; ApplyMigrations uses the Connection it is given
// (one thread at a time). Several processes may migrate the same store at once: each transaction
// re-reads the version under the write lock, so every migration runs exactly once.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/error.h"
#include "store/connection.h"

namespace s3u::store {

struct Migration {
  int version;            // 1, 2, 3, ... in order, without gaps
  std::string_view name;  // for messages: "runs"
  std::string_view sql;   // one or more statements
  // The SQL replaces a table that others refer to (SQLite cannot change a CHECK in place): it
  // runs with foreign keys off, as SQLite's procedure for schema changes asks, and every
  // reference is checked (PRAGMA foreign_key_check) before the commit.
  bool rebuilds_tables = false;
  // When set, PostgreSQL runs this (also through TranslateDdl) instead of `sql`: where SQLite
  // must rebuild a table, PostgreSQL alters it in place.
  std::string_view postgres_sql = {};
};

// PRAGMA application_id of every s3unload store ("s3ul"), set with migration 1. It tells an
// s3unload store from another program's SQLite file.
inline constexpr int32_t kApplicationId = 0x7333756C;

// The migrations of this build, in order.
std::span<const Migration> Migrations();

// The SQL `backend` runs for `migration`.
std::string MigrationSql(Backend backend, const Migration& migration);

// Brings `db` to the last version in `migrations`. Errors (subject: the database path):
//   kFailedPrecondition  the file belongs to another application, or its version is newer than
//                        this build knows (s3unload was downgraded);
//   any error of the failing migration, whose transaction is rolled back.
// REQUIRES: `migrations` numbered 1..N in order.
Result<void> ApplyMigrations(Connection& db, std::span<const Migration> migrations);

}  // namespace s3u::store
