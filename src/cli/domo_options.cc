#include "cli/domo_options.h"

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
                                                     const jobs::Transport& transport,
                                                     LogLevel log_level) {
  auto session = std::make_unique<DomoSession>();
  session->log = std::make_unique<Logger>(log_level);
  // Registered before validation, so even an error echoing a flag cannot print the secret.
  if (flags.client_secret) session->log->AddSecret(*flags.client_secret);
  if (auto secret = ProcessEnv("DOMO_CLIENT_SECRET")) session->log->AddSecret(*secret);
  auto options = ResolveDomoOptions(flags, ProcessEnv);
  if (!options) return Fail(options.error());
  auto domo = jobs::OpenDomo(*options, transport, session->clock, *session->log);
  if (!domo) return Fail(domo.error());
  session->domo = std::move(*domo);
  return session;
}

}  // namespace s3u::cli
