#include "cli/domo_options.h"

#include <cstdlib>

namespace s3u::cli {
namespace {

// The flag's value, else the variable's; empty values count as unset, so `DOMO_API_URL=`
// in a script does not override the default with nothing.
std::optional<std::string> Pick(const std::optional<std::string>& flag, const Getenv& getenv,
                                std::string_view variable) {
  if (flag && !flag->empty()) return flag;
  auto value = getenv(variable);
  if (value && !value->empty()) return value;
  return std::nullopt;
}

}  // namespace

void AddDomoFlags(CLI::App& command, DomoFlags& flags) {
  command.add_option("--domo-client-id", flags.client_id,
                     "Domo API client ID (env DOMO_CLIENT_ID)");
  command.add_option("--domo-client-secret", flags.client_secret,
                     "Domo API client secret (prefer env DOMO_CLIENT_SECRET: flags show in `ps`)");
  command.add_option("--domo-api-url", flags.api_url,
                     "Domo platform API (env DOMO_API_URL; default https://api.domo.com)");
  command.add_option("--domo-instance-url", flags.instance_url,
                     "https://<instance>.domo.com for internal routes (env DOMO_INSTANCE_URL; "
                     "default: the API URL)");
}

Result<domo::DomoOptions> ResolveDomoOptions(const DomoFlags& flags, const Getenv& getenv) {
  domo::DomoOptions options;
  if (auto url = Pick(flags.api_url, getenv, "DOMO_API_URL")) options.api_url = *url;
  options.instance_url = Pick(flags.instance_url, getenv, "DOMO_INSTANCE_URL");
  options.client_id = Pick(flags.client_id, getenv, "DOMO_CLIENT_ID").value_or("");
  options.client_secret = Pick(flags.client_secret, getenv, "DOMO_CLIENT_SECRET").value_or("");
  if (auto ok = domo::ValidateDomoOptions(options); !ok) return Fail(ok.error());
  return options;
}

Result<std::unique_ptr<DomoSession>> OpenDomoSession(const DomoFlags& flags,
                                                     const DomoSessionSettings& settings) {
  auto session = std::make_unique<DomoSession>();
  session->log = std::make_unique<Logger>(settings.log_level);
  // Registered before validation, so even an error echoing a flag cannot print the secret.
  if (flags.client_secret) session->log->AddSecret(*flags.client_secret);
  if (const char* secret = std::getenv("DOMO_CLIENT_SECRET")) session->log->AddSecret(secret);
  auto options = ResolveDomoOptions(flags, ProcessEnv);
  if (!options) return Fail(options.error());
  options->retry.budget = settings.retry_budget;
  options->retry.max_attempts = settings.max_attempts;
  session->options = *options;

  http::HttpOptions http_options;
  http_options.connect_timeout = std::chrono::seconds(settings.connect_timeout_seconds);
  http_options.low_speed_time = std::chrono::seconds(settings.stall_timeout_seconds);
  http_options.ca_bundle = settings.ca_bundle;
  session->http = std::make_unique<http::CurlHttpClient>(http_options);
  session->client =
      std::make_unique<domo::DomoClient>(*options, *session->http, session->clock, *session->log);
  return session;
}

}  // namespace s3u::cli
