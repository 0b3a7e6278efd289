// `s3unload upload <file|-> s3://bucket/key`: streams a file or standard input to one S3
// object (single PutObject when small, parallel multipart when large), with a progress line on
// a terminal and a one-line JSON summary with --json. Ctrl-C aborts cleanly (exit 130).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/s3_options.h"

namespace s3u::cli {

struct UploadFlags {
  std::string source;       // path or "-"
  std::string destination;  // s3://bucket/key
  std::string part_size = "8MiB";
  int concurrency = 4;
  std::string expected_size;
  std::string checksum = "auto";
  std::string content_type;
  std::string content_encoding;
  std::string storage_class;
  std::string acl;
  std::string sse;
  std::string sse_kms_key_id;
  std::vector<std::string> metadata;  // name=value
  bool create_only = false;
  bool json = false;
  bool no_progress = false;
  S3Flags s3;
};

// Registers the subcommand; `run` is set to the function main() calls when it was chosen.
CLI::App* AddUploadCommand(CLI::App& app, UploadFlags& flags);
// Returns the process exit code (README, "Exit codes").
int RunUpload(const UploadFlags& flags);

}  // namespace s3u::cli
