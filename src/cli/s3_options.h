// The S3 connection options shared by every command that talks to S3 (upload, check-s3),
// and the one function that turns them into a ready S3Client. Precedence of each setting is
// the aws cli's: flag, then environment, then profile (see s3/credentials.h and README).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "http/retry.h"
#include "jobs/clients.h"

namespace s3u::cli {

struct S3Flags {
  std::optional<std::string> endpoint_url;
  std::optional<std::string> region;
  std::optional<std::string> profile;
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> session_token;
  // A role to assume with the credentials resolved from the rest (jobs::S3Source::role_arn).
  std::optional<std::string> role_arn, external_id, role_session_name;
  std::string ca_bundle;
  bool force_path_style = false;
  bool no_region_correction = false;
  bool unsigned_payload = false;
  // How long one request is retried through transient failures; --retry-budget.
  std::chrono::milliseconds retry_budget = http::kDefaultRetryBudget;
  std::optional<int> max_attempts;  // a cap on attempts per request; unset: the budget decides
  int connect_timeout_seconds = 10;
  int stall_timeout_seconds = 30;
  std::string log_level = "warn";
};

void AddS3Flags(CLI::App& command, S3Flags& flags);

// Adds --retry-budget DURATION ("5m", "90s", "300"; core/time_format.h), storing it in
// `budget`; a value that is not a duration, or is under 1 s, is a usage error.
void AddRetryBudgetFlag(CLI::App& command, std::chrono::milliseconds& budget);

// Everything a command needs to talk to S3: the clients (built by jobs/clients.h from the
// flags, the process environment and ~/.aws), the clock and the logger they use. Members
// reference each other, so it lives on the heap and is never moved.
struct S3Session {
  std::unique_ptr<Logger> log;
  SystemClock clock;
  std::unique_ptr<jobs::S3Clients> s3;
};

// The flags' transport settings.
jobs::Transport TransportFor(const S3Flags& flags);

// Resolves settings and credentials, registers the secrets with the logger, and builds the
// client. Errors name the flag or source at fault.
Result<std::unique_ptr<S3Session>> OpenS3Session(const S3Flags& flags);

}  // namespace s3u::cli
