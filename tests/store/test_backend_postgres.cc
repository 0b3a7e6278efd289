// store_postgres_tests: every store test on a fresh database of the shared test PostgreSQL.
#include "support/postgres_server.h"
#include "test_util.h"

namespace s3u::testing {

store::StoreUrl TestStoreUrl(const std::filesystem::path&) {
  auto url = store::ParseStoreUrl(PostgresServer::Shared().CreateDatabase());
  EXPECT_TRUE(url.has_value()) << url.error().ToString();
  return url ? *url : store::StoreUrl{};
}

}  // namespace s3u::testing
