// What Domo credentials can do, found with real requests: the token's facts (user, customer,
// role, scopes, expiry; never the token itself) and, for a dataset, its name, size, schema and
// owner and the ownership rule's verdict for the writeback owner (domo/ownership.h). Shared by
// `s3unload check-domo` and the service's "Test credentials" button, so both say the same
// thing in the same words.
//
// A refusal by the ownership rule is a finding (the report says why), not an Error. Errors
// are what ends the check: rejected credentials or a missing scope, a dataset that does not
// exist, Domo unreachable.
//
// Thread-safety: CheckDomoAccess is as thread-safe as the client; the rest is pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/error.h"
#include "domo/model.h"
#include "domo/ownership.h"
#include "domo/token.h"

namespace s3u::domo {

class DomoClient;

struct DatasetAccess {
  Dataset dataset;
  int64_t writeback_owner_id = 0;
  std::string writeback_owner_name;    // empty when the users endpoint is not readable
  bool writeback_owner_given = false;  // false: it is the token's user
  OwnershipVerdict verdict;
};

struct DomoAccessReport {
  std::string api_url;
  std::string client_id;  // an identifier, not a secret
  TokenInfo token;
  std::chrono::milliseconds expires_in{0};  // the token's remaining life at the check
  std::optional<DatasetAccess> dataset;     // when a dataset was named
  // The credentials work and, when a dataset was named, the rule allows unloading it.
  bool ok() const { return !dataset || dataset->verdict.allowed; }
};

// `dataset_id` is a GUID (domo::ParseDatasetId turns a URL into one); `writeback_owner`
// defaults to the token's user. `api_url` and `client_id` are only reported.
Result<DomoAccessReport> CheckDomoAccess(DomoClient& client, const Clock& clock,
                                         std::optional<std::string> dataset_id,
                                         std::optional<int64_t> writeback_owner,
                                         std::string api_url, std::string client_id);

// The `check-domo --json` object: status ("ok", or "refused" by the ownership rule), api_url,
// token, and with a dataset also dataset, writeback_owner and ownership.
nlohmann::json DomoAccessJson(const DomoAccessReport& report);
// The `check-domo` text: the token, the dataset with its schema, the writeback owner, then
// the verdict.
std::string DomoAccessText(const DomoAccessReport& report);

}  // namespace s3u::domo
