// The Domo connection options shared by every command that talks to Domo (check-domo now,
// the unload later), and the one function that turns them into a ready DomoClient.
// Precedence of each setting: flag, then environment, then default:
//   --domo-client-id      DOMO_CLIENT_ID
//   --domo-client-secret  DOMO_CLIENT_SECRET   (prefer the variable: flags show in `ps`)
//   --domo-api-url        DOMO_API_URL         default https://api.domo.com
//   --domo-instance-url   DOMO_INSTANCE_URL    default: none (internal routes use the API URL)
//
// Thread-safety: plain values and functions; a DomoSession's client is thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/env.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "domo/client.h"
#include "http/curl_client.h"
#include "http/retry.h"

namespace s3u::cli {

struct DomoFlags {
  std::optional<std::string> client_id;
  std::optional<std::string> client_secret;
  std::optional<std::string> api_url;
  std::optional<std::string> instance_url;
};

void AddDomoFlags(CLI::App& command, DomoFlags& flags);

// Applies the precedence above and validates the result (domo::ValidateDomoOptions):
// kInvalidArgument naming the flag (and its variable) when something is missing or wrong.
Result<domo::DomoOptions> ResolveDomoOptions(const DomoFlags& flags, const Getenv& getenv);

// Transport settings of the command (the same flags as check-s3's).
struct DomoSessionSettings {
  std::chrono::milliseconds retry_budget = http::kDefaultRetryBudget;
  int max_attempts = 0;  // a cap on attempts per request; 0: the budget alone decides
  int connect_timeout_seconds = 10;
  int stall_timeout_seconds = 30;
  std::string ca_bundle;
  LogLevel log_level = LogLevel::kWarn;
};

// Everything a command needs to talk to Domo; members reference each other, so it lives on
// the heap and is never moved.
struct DomoSession {
  std::unique_ptr<Logger> log;
  SystemClock clock;
  std::unique_ptr<http::CurlHttpClient> http;
  std::unique_ptr<domo::DomoClient> client;
  domo::DomoOptions options;
};

// Resolves the options from the flags and the process environment, registers the client
// secret with the logger, and builds the client. Errors name the flag at fault.
Result<std::unique_ptr<DomoSession>> OpenDomoSession(const DomoFlags& flags,
                                                     const DomoSessionSettings& settings);

}  // namespace s3u::cli
