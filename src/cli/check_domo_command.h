// `s3unload check-domo --dataset <id or URL>`: validates Domo credentials and an input
// dataset before any unload, with real requests: a token (its user, customer, scopes and
// expiry; never the token itself), the dataset (name, rows, schema, owner), and the ownership
// rule for the writeback owner (default: the token's user; see domo/ownership.h).
// The checks and their wording live in domo/access_check.h (shared with the service).
//
// Exit codes (s3u::ExitCodeFor): 0 when the rule allows the unload; 5 when it refuses (the
// report, with the reason, is still printed on stdout); 2 for bad flags, 3 for rejected
// credentials or a missing scope, 4 for a dataset that does not exist, 6 when Domo is
// unreachable.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "cli/domo_options.h"

namespace s3u::cli {

struct CheckDomoFlags {
  std::string dataset;                     // GUID or Domo dataset URL
  std::optional<int64_t> writeback_owner;  // user id; default: the token's user
  bool json = false;
  DomoFlags domo;
  std::chrono::milliseconds retry_budget = http::kDefaultRetryBudget;
  int max_attempts = 0;  // 0: no cap
  int connect_timeout_seconds = 10;
  std::string ca_bundle;
  std::string log_level = "warn";
};

CLI::App* AddCheckDomoCommand(CLI::App& app, CheckDomoFlags& flags);
int RunCheckDomo(const CheckDomoFlags& flags);

}  // namespace s3u::cli
