#include "cli/s3_options.h"

#include "core/time_format.h"

namespace s3u::cli {

void AddS3Flags(CLI::App& command, S3Flags& flags) {
  command.add_option("--endpoint-url", flags.endpoint_url,
                     "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (path-style addressing)");
  command.add_option("--region", flags.region,
                     "Region of the bucket (default: profile or us-east-1)");
  command.add_option("--profile", flags.profile, "Profile in ~/.aws/credentials and ~/.aws/config");
  command.add_option("--access-key-id", flags.access_key_id,
                     "AWS access key id (prefer AWS_ACCESS_KEY_ID: flags show in `ps`)");
  command.add_option("--secret-access-key", flags.secret_access_key,
                     "AWS secret access key (prefer AWS_SECRET_ACCESS_KEY)");
  command.add_option("--session-token", flags.session_token, "AWS session token");
  CLI::Option* role = command.add_option(
      "--role-arn", flags.role_arn,
      "IAM role to assume with the credentials found (arn:aws:iam::ACCOUNT:role/NAME)");
  command
      .add_option("--external-id", flags.external_id,
                  "External ID the role's trust policy requires (with --role-arn)")
      ->needs(role);
  command
      .add_option("--role-session-name", flags.role_session_name,
                  "Session name of the assumed role (default s3unload)")
      ->needs(role);
  command.add_option("--ca-bundle", flags.ca_bundle, "PEM file of CAs to trust for TLS");
  command.add_flag("--force-path-style", flags.force_path_style,
                   "Address buckets as https://host/bucket even on AWS");
  command.add_flag("--no-region-correction", flags.no_region_correction,
                   "Fail instead of following a bucket to its real region");
  command.add_flag("--unsigned-payload", flags.unsigned_payload,
                   "Do not hash bodies into the signature (less CPU; rely on TLS + --checksum)");
  AddRetryBudgetFlag(command, flags.retry_budget);
  command
      .add_option("--max-attempts", flags.max_attempts,
                  "Cap on attempts per request, the first included (default: no cap, only "
                  "--retry-budget)")
      ->check(CLI::Range(1, 1000));
  command.add_option("--connect-timeout", flags.connect_timeout_seconds, "Seconds to connect")
      ->check(CLI::Range(1, 600));
  command
      .add_option("--stall-timeout", flags.stall_timeout_seconds,
                  "Seconds without progress before a transfer is abandoned and retried")
      ->check(CLI::Range(1, 3600));
  command.add_option("--log-level", flags.log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
}

void AddRetryBudgetFlag(CLI::App& command, std::chrono::milliseconds& budget) {
  command
      .add_option_function<std::string>(
          "--retry-budget",
          [&budget](const std::string& text) {
            const auto parsed = ParseDuration(text);
            if (!parsed || *parsed < std::chrono::seconds(1)) {
              throw CLI::ValidationError("--retry-budget",
                                         "'" + text +
                                             "' is not a duration of at least 1s; write e.g. "
                                             "\"5m\", \"90s\" or \"1h\"");
            }
            budget = *parsed;
          },
          "How long one request is retried through outages and throttling (default 5m)")
      ->type_name("DURATION");
}

jobs::Transport TransportFor(const S3Flags& flags) {
  jobs::Transport transport;
  transport.retry_budget = flags.retry_budget;
  transport.max_attempts = flags.max_attempts.value_or(0);
  transport.connect_timeout = std::chrono::seconds(flags.connect_timeout_seconds);
  transport.stall_timeout = std::chrono::seconds(flags.stall_timeout_seconds);
  transport.ca_bundle = flags.ca_bundle;
  return transport;
}

Result<std::unique_ptr<S3Session>> OpenS3Session(const S3Flags& flags) {
  auto session = std::make_unique<S3Session>();
  LogLevel level = LogLevel::kWarn;
  ParseLogLevel(flags.log_level, &level);
  session->log = std::make_unique<Logger>(level);
  jobs::S3Source source;
  source.access_key_id = flags.access_key_id;
  source.secret_access_key = flags.secret_access_key;
  source.session_token = flags.session_token;
  source.role_arn = flags.role_arn;
  source.external_id = flags.external_id;
  source.role_session_name = flags.role_session_name;
  source.profile = flags.profile;
  source.region = flags.region;
  source.endpoint_url = flags.endpoint_url;
  source.force_path_style = flags.force_path_style;
  source.correct_region = !flags.no_region_correction;
  source.sign_payload = !flags.unsigned_payload;
  auto s3 = jobs::OpenS3(source, jobs::Environment::Process(), TransportFor(flags), session->clock,
                         *session->log);
  if (!s3) return Fail(s3.error());
  session->s3 = std::move(*s3);
  return session;
}

}  // namespace s3u::cli
