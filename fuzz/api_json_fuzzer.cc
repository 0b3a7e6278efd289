// Fuzzes the API's JSON bodies (service/forms.h): whatever POST/PUT /api/v1/accounts and
// /api/v1/connectors receive reaches these parsers. Each either gives a value or field
// errors that name a field; a parsed connector form survives ToRecord/FromRecord.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "fuzz/check.h"
#include "service/forms.h"

using s3u::fuzz::Check;

namespace {

void CheckFields(const s3u::FieldErrors& errors) {
  Check(!errors.empty());
  for (const auto& e : errors) Check(!e.message.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s3u::service;  // NOLINT: fuzzer entry point
  const nlohmann::json body = nlohmann::json::parse(data, data + size, nullptr, false);
  if (body.is_discarded()) return 0;
  for (auto kind :
       {std::optional<s3u::store::AccountKind>(), std::optional(s3u::store::AccountKind::kDomo),
        std::optional(s3u::store::AccountKind::kAws)}) {
    const auto account = ParseAccountForm(body, kind);
    if (!account) CheckFields(account.error());
  }
  const auto retry = ParseRetry(body);
  if (!retry) CheckFields(retry.error());
  const auto connector = ParseConnectorForm(body);
  if (!connector) {
    CheckFields(connector.error());
    return 0;
  }
  Check(FromRecord(ToRecord(*connector)).has_value());
  return 0;
}
