// Where the store is: the value of `--store` / S3UNLOAD_STORE, parsed. Pure, unit-tested.
//
//   /var/lib/s3unload/s3unload.db      a plain path: SQLite (the default, as before URLs)
//   sqlite:///var/lib/s3unload/s3u.db  the same, as a URL (the path must be absolute)
//   postgresql://user:pw@host:5432/db?sslmode=require   PostgreSQL (also postgres://), handed to
//                                      libpq as it is (docs/store.md)
//
// A PostgreSQL URL may carry a password: only `redacted` (password and ?password= replaced by
// ***) may appear in a message, a log line or an API response.
//
// Thread-safety: stateless functions over values.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/dialect.h"

namespace s3u::store {

struct StoreUrl {
  Backend backend = Backend::kSqlite;
  std::filesystem::path path;  // kSqlite: the database file
  std::string conninfo;        // kPostgres: the URL for libpq, password included
  std::string redacted;        // what messages name: the path, or the URL without its password
};

// kInvalidArgument (subject "store") for an empty value, a sqlite: URL without an absolute
// path, or a scheme other than sqlite, postgresql and postgres.
Result<StoreUrl> ParseStoreUrl(std::string_view text);

// A plain path as a StoreUrl (today's default location).
StoreUrl SqliteStoreUrl(const std::filesystem::path& path);

// `url` (postgresql://…) with the password of its user info and any password= parameter
// replaced by ***. Anything else is returned unchanged.
std::string RedactPassword(std::string_view url);

}  // namespace s3u::store
