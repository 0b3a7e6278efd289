// What a client's credentials can do at an S3 bucket/prefix, found with real requests:
// HeadBucket, a put + delete probe, a multipart probe (create, part, complete, delete) and an
// abort probe. Shared by `s3unload check-s3` and the service's "Test credentials" button, so
// both say the same thing in the same words.
//
// A denied check is a finding, not a failure: a policy granting only s3:PutObject yields a
// report that says what could not be checked and what the probes left behind. Only what ends
// the check is an Error: a missing bucket, bad credentials, an unreachable store, or a
// PutObject that fails for a reason other than a denial.
//
// Thread-safety: CheckS3Access is as thread-safe as the client; the rest is pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"

namespace s3u::s3 {

class S3Client;

struct AccessCheck {
  std::string name;    // HeadBucket, PutObject, DeleteObject, MultipartUpload, ...
  std::string result;  // ok, denied, failed
  std::string detail;
};

struct S3AccessReport {
  // "s3://bucket/prefix" ("s3://bucket" without a prefix); a caller may replace it with the
  // spelling its user gave (the CLI prints the argument as typed).
  std::string target;
  std::string region;               // the region requests were signed for, after any correction
  bool can_upload = false;          // PutObject and multipart uploads both work
  std::vector<AccessCheck> checks;  // in the order they ran
  std::vector<std::string> left_behind;  // probe objects and uploads that could not be removed
};

// Runs the probes under `prefix` in `bucket`; probe keys are
// "<prefix>.s3unload-check-<probe_suffix>[-multipart|-abort]".
Result<S3AccessReport> CheckS3Access(S3Client& client, const std::string& bucket,
                                     const std::string& prefix, const std::string& probe_suffix);

// 16 random hex digits: probes of concurrent checks do not collide.
std::string RandomProbeSuffix();

// The `check-s3 --json` object: status ("ok" when uploads will work, else "error"), target,
// region, can_upload, left_behind, checks.
nlohmann::json S3AccessJson(const S3AccessReport& report);
// The `check-s3` text: one line per check and per thing left behind, then the verdict.
std::string S3AccessText(const S3AccessReport& report);

}  // namespace s3u::s3
