// Fuzzes the direct engine's query page parser (domo/paging.h), which must read every answer
// exactly as the tree parser (domo/model.h's ParseQueryResult): the same columns, types and
// cells (numbers as the text sent), or the same error. Checked both ways the engine calls it:
// into a new table, and into the table of a page read before, as PageMemory hands it back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "domo/model.h"
#include "domo/paging.h"
#include "fuzz/check.h"

using s3u::fuzz::Check;

namespace {

void CheckSame(const s3u::Result<s3u::domo::QueryResult>& fast,
               const s3u::Result<s3u::domo::QueryResult>& tree) {
  Check(fast.has_value() == tree.has_value());
  if (!tree) {
    Check(fast.error().code == tree.error().code);
    Check(fast.error().subject == tree.error().subject);
    Check(fast.error().message == tree.error().message);
    return;
  }
  Check(fast->columns == tree->columns);
  Check(fast->types == tree->types);
  Check(fast->rows == tree->rows);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s3u::domo;  // NOLINT: fuzzer entry point
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto tree = ParseQueryResult(body, "query");
  CheckSame(ParseQueryPage(body, "query"), tree);

  auto before = ParseQueryPage(R"({"columns":["a","b"],"rows":[["x",1],[null,"yz"]]})", "query");
  Check(before.has_value());
  CheckSame(ParseQueryPage(body, "query", std::move(before->rows)), tree);
  return 0;
}
