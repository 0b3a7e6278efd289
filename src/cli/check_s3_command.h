// `s3unload check-s3 s3://bucket/prefix`: finds out what the credentials can do there, with
// real requests: HeadBucket, a put + delete probe, a multipart probe (create, part,
// complete, delete) and an abort probe. A check that is denied is reported as such, not as a
// failure of the command: a policy granting only s3:PutObject passes and is told what could
// not be checked and what the probes left behind. The command fails only when uploads
// themselves would fail (PutObject or multipart denied, bucket missing, bad credentials).
// The checks and their wording live in s3/access_check.h (shared with the service).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/s3_options.h"

namespace s3u::cli {

struct CheckS3Flags {
  std::string target;  // s3://bucket or s3://bucket/prefix
  bool json = false;
  S3Flags s3;
};

CLI::App* AddCheckS3Command(CLI::App& app, CheckS3Flags& flags);
int RunCheckS3(const CheckS3Flags& flags);

}  // namespace s3u::cli
