#include "cli/s3_options.h"

#include "cli/env.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace s3u::cli {
namespace {

// The one place ~/.aws files are read; missing or unreadable files are "absent".
std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace

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
  command.add_option("--ca-bundle", flags.ca_bundle, "PEM file of CAs to trust for TLS");
  command.add_flag("--force-path-style", flags.force_path_style,
                   "Address buckets as https://host/bucket even on AWS");
  command.add_flag("--no-region-correction", flags.no_region_correction,
                   "Fail instead of following a bucket to its real region");
  command.add_flag("--unsigned-payload", flags.unsigned_payload,
                   "Do not hash bodies into the signature (less CPU; rely on TLS + --checksum)");
  command.add_option("--max-attempts", flags.max_attempts, "Attempts per request, first included")
      ->check(CLI::Range(1, 20));
  command.add_option("--connect-timeout", flags.connect_timeout_seconds, "Seconds to connect")
      ->check(CLI::Range(1, 600));
  command
      .add_option("--stall-timeout", flags.stall_timeout_seconds,
                  "Seconds without progress before a transfer is abandoned and retried")
      ->check(CLI::Range(1, 3600));
  command.add_option("--log-level", flags.log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
}

Result<std::unique_ptr<S3Session>> OpenS3Session(const S3Flags& flags) {
  auto session = std::make_unique<S3Session>();
  LogLevel level = LogLevel::kWarn;
  ParseLogLevel(flags.log_level, &level);
  session->log = std::make_unique<Logger>(level);

  s3::AwsSettingsInput input;
  input.flag_access_key = flags.access_key_id;
  input.flag_secret_key = flags.secret_access_key;
  input.flag_session_token = flags.session_token;
  input.flag_profile = flags.profile;
  input.flag_region = flags.region;
  input.flag_endpoint_url = flags.endpoint_url;
  input.getenv = ProcessEnv;
  input.read_file = ReadWholeFile;
  if (const char* home = std::getenv("HOME")) input.home = home;

  auto settings = s3::ResolveAwsSettings(input, s3::StaticKeys::kOptional);
  if (!settings) return Fail(settings.error());
  session->settings = *settings;
  session->log->AddSecret(settings->credentials.secret_access_key);
  session->log->AddSecret(settings->credentials.session_token);

  http::HttpOptions http_options;
  http_options.connect_timeout = std::chrono::seconds(flags.connect_timeout_seconds);
  http_options.low_speed_time = std::chrono::seconds(flags.stall_timeout_seconds);
  http_options.ca_bundle = flags.ca_bundle;
  if (http_options.ca_bundle.empty()) {
    if (const char* bundle = std::getenv("AWS_CA_BUNDLE")) http_options.ca_bundle = bundle;
  }
  session->http = std::make_unique<http::CurlHttpClient>(http_options);
  auto credentials = s3::MakeDefaultChain(input, *session->http, session->clock, *session->log);
  if (!credentials) return Fail(credentials.error());
  session->credentials = std::move(*credentials);

  s3::ClientOptions options;
  options.region = settings->region;
  options.endpoint_url = settings->endpoint_url;
  options.force_path_style = flags.force_path_style;
  options.correct_region = !flags.no_region_correction;
  options.sign_payload = !flags.unsigned_payload;
  options.retry.max_attempts = flags.max_attempts;
  auto client = s3::S3Client::Create(*session->http, *session->credentials, session->clock,
                                     *session->log, options);
  if (!client) return Fail(client.error());
  session->client = std::move(*client);
  return session;
}

}  // namespace s3u::cli
