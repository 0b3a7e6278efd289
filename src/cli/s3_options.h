// The S3 connection options shared by every command that talks to S3 (upload, check-s3),
// and the one function that turns them into a ready S3Client. Precedence of each setting is
// the aws cli's: flag, then environment, then profile (see s3/credentials.h and README).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "http/curl_client.h"
#include "s3/client.h"
#include "s3/credential_chain.h"
#include "s3/credentials.h"

namespace s3u::cli {

struct S3Flags {
  std::optional<std::string> endpoint_url;
  std::optional<std::string> region;
  std::optional<std::string> profile;
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> session_token;
  std::string ca_bundle;
  bool force_path_style = false;
  bool no_region_correction = false;
  bool unsigned_payload = false;
  int max_attempts = 5;
  int connect_timeout_seconds = 10;
  int stall_timeout_seconds = 30;
  std::string log_level = "warn";
};

void AddS3Flags(CLI::App& command, S3Flags& flags);

// Everything a command needs to talk to S3; members reference each other, so it lives on
// the heap and is never moved.
struct S3Session {
  std::unique_ptr<Logger> log;
  SystemClock clock;
  std::unique_ptr<http::CurlHttpClient> http;
  std::unique_ptr<s3::CredentialsProvider> credentials;
  std::unique_ptr<s3::S3Client> client;
  s3::AwsSettings settings;
};

// Resolves settings and credentials, registers the secrets with the logger, and builds the
// client. Errors name the flag or source at fault.
Result<std::unique_ptr<S3Session>> OpenS3Session(const S3Flags& flags);

}  // namespace s3u::cli
