// store_tests: every store test on an SQLite file in its temporary directory.
#include "test_util.h"

namespace s3u::testing {

store::StoreUrl TestStoreUrl(const std::filesystem::path& dir) {
  return store::SqliteStoreUrl(dir / "s3unload.db");
}

}  // namespace s3u::testing
