#include "cli/check_domo_command.h"

#include "cli/output.h"
#include "cli/s3_options.h"
#include "domo/access_check.h"

namespace s3u::cli {

CLI::App* AddCheckDomoCommand(CLI::App& app, CheckDomoFlags& flags) {
  CLI::App* cmd = app.add_subcommand(
      "check-domo", "Check Domo credentials, an input dataset and the ownership rule");
  cmd->add_option("--dataset", flags.dataset,
                  "Input dataset: its GUID or its URL (https://<instance>.domo.com/datasources/"
                  "<GUID>/details/overview)")
      ->required();
  cmd->add_option("--writeback-owner", flags.writeback_owner,
                  "User id that will own the writeback dataset (default: the token's user)");
  cmd->add_flag("--json", flags.json, "Print one JSON object on standard output");
  AddDomoFlags(*cmd, flags.domo);
  AddRetryBudgetFlag(*cmd, flags.retry_budget);
  cmd->add_option("--max-attempts", flags.max_attempts,
                  "Cap on attempts per request, the first included (default: no cap, only "
                  "--retry-budget)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--connect-timeout", flags.connect_timeout_seconds, "Seconds to connect")
      ->check(CLI::Range(1, 600));
  cmd->add_option("--ca-bundle", flags.ca_bundle, "PEM file of CAs to trust for TLS");
  cmd->add_option("--log-level", flags.log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  return cmd;
}

int RunCheckDomo(const CheckDomoFlags& flags) {
  Output out(flags.json);
  auto dataset_id = domo::ParseDatasetId(flags.dataset, "--dataset");
  if (!dataset_id) return out.Failure(dataset_id.error());
  jobs::Transport transport;
  transport.retry_budget = flags.retry_budget;
  transport.max_attempts = flags.max_attempts;
  transport.connect_timeout = std::chrono::seconds(flags.connect_timeout_seconds);
  transport.ca_bundle = flags.ca_bundle;
  LogLevel log_level = LogLevel::kWarn;
  ParseLogLevel(flags.log_level, &log_level);
  auto session = OpenDomoSession(flags.domo, transport, log_level);
  if (!session) return out.Failure(session.error());
  DomoSession& s = **session;
  out.SetLogger(s.log.get());
  auto report = domo::CheckDomoAccess(*s.domo->client, s.clock, *dataset_id, flags.writeback_owner,
                                      s.domo->options.api_url, s.domo->options.client_id);
  if (!report) return out.Failure(report.error());
  return out.Report(domo::DomoAccessJson(*report), domo::DomoAccessText(*report),
                    report->ok() ? 0 : ExitCodeFor(ErrorCode::kFailedPrecondition));
}

}  // namespace s3u::cli
