#include "cli/check_s3_command.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <random>

#include "cli/output.h"

namespace s3u::cli {
namespace {

struct Check {
  std::string name;
  std::string result;  // ok, denied, failed
  std::string detail;
};

std::string RandomSuffix() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

bool IsDenied(const Error& e) { return e.code == ErrorCode::kPermissionDenied; }

}  // namespace

CLI::App* AddCheckS3Command(CLI::App& app, CheckS3Flags& flags) {
  CLI::App* cmd =
      app.add_subcommand("check-s3", "Report what the credentials can do at a bucket/prefix");
  cmd->add_option("target", flags.target, "s3://bucket or s3://bucket/prefix/")->required();
  cmd->add_flag("--json", flags.json, "Print one JSON object on standard output");
  AddS3Flags(*cmd, flags.s3);
  return cmd;
}

int RunCheckS3(const CheckS3Flags& flags) {
  Output out(flags.json);
  auto location = s3::ParseS3Url(flags.target, "target");
  if (!location) return out.Failure(location.error());
  if (auto ok = s3::ValidateBucketName(location->bucket); !ok) return out.Failure(ok.error());
  auto session = OpenS3Session(flags.s3);
  if (!session) return out.Failure(session.error());
  S3Session& s = **session;
  out.SetLogger(s.log.get());
  s3::S3Client& client = *s.client;

  std::vector<Check> checks;
  std::vector<std::string> left_behind;
  const std::string bucket = location->bucket;
  const std::string probe_key = location->key + ".s3unload-check-" + RandomSuffix();
  auto uri = [&](const std::string& key) { return "s3://" + bucket + "/" + key; };

  // 1. The bucket. Missing bucket and bad credentials end the check: nothing else can work.
  if (auto region = client.HeadBucket(bucket)) {
    checks.push_back({"HeadBucket", "ok", fmt::format("bucket exists (region {})", *region)});
  } else if (IsDenied(region.error())) {
    checks.push_back({"HeadBucket", "denied",
                      "s3:ListBucket not granted: could not check that the bucket exists"});
  } else {
    return out.Failure(region.error());
  }

  // 2. Put + delete probe.
  s3::ObjectOptions object;
  object.content_type = "text/plain";
  const std::string body = "s3unload check-s3 probe; safe to delete\n";
  auto put = client.PutObject({bucket, probe_key}, body, object);
  if (!put) {
    if (!IsDenied(put.error())) return out.Failure(put.error());
    checks.push_back({"PutObject", "denied", put.error().message});
  } else {
    checks.push_back({"PutObject", "ok", "wrote " + uri(probe_key)});
    if (auto del = client.DeleteObject({bucket, probe_key})) {
      checks.push_back({"DeleteObject", "ok", "deleted the probe object"});
    } else {
      checks.push_back(
          {"DeleteObject", IsDenied(del.error()) ? "denied" : "failed", del.error().message});
      left_behind.push_back("object " + uri(probe_key));
    }
  }

  // 3. Multipart: what large uploads need (all covered by s3:PutObject).
  const std::string mp_key = probe_key + "-multipart";
  bool multipart_ok = false;
  if (auto id = client.CreateMultipartUpload({bucket, mp_key}, object)) {
    auto part = client.UploadPart({bucket, mp_key}, *id, 1, body, object.checksum);
    Result<s3::CompleteResult> done =
        part ? client.CompleteMultipartUpload({bucket, mp_key}, *id, {*part}, false)
             : Result<s3::CompleteResult>(Fail(part.error()));
    if (done) {
      multipart_ok = true;
      checks.push_back({"MultipartUpload", "ok", "create, upload part and complete succeeded"});
      if (!client.DeleteObject({bucket, mp_key})) left_behind.push_back("object " + uri(mp_key));
    } else {
      checks.push_back(
          {"MultipartUpload", IsDenied(done.error()) ? "denied" : "failed", done.error().message});
      if (!client.AbortMultipartUpload({bucket, mp_key}, *id)) {
        left_behind.push_back("incomplete upload " + *id + " of " + uri(mp_key));
      }
    }
  } else {
    checks.push_back(
        {"MultipartUpload", IsDenied(id.error()) ? "denied" : "failed", id.error().message});
  }

  // 4. Abort: how a failed upload is cleaned up.
  const std::string abort_key = probe_key + "-abort";
  if (auto id = client.CreateMultipartUpload({bucket, abort_key}, object)) {
    if (auto aborted = client.AbortMultipartUpload({bucket, abort_key}, *id)) {
      checks.push_back({"AbortMultipartUpload", "ok", "failed uploads can be cleaned up"});
    } else {
      checks.push_back({"AbortMultipartUpload", IsDenied(aborted.error()) ? "denied" : "failed",
                        "s3:AbortMultipartUpload not granted: a failed upload leaves its parts "
                        "behind; add a lifecycle rule (AbortIncompleteMultipartUpload)"});
      left_behind.push_back("incomplete upload " + *id + " of " + uri(abort_key));
    }
  }

  const bool can_upload = put.has_value() && multipart_ok;
  int not_checked = 0;
  for (const auto& c : checks) not_checked += c.result != "ok";

  nlohmann::json j = {{"status", can_upload ? "ok" : "error"},
                      {"target", flags.target},
                      {"region", client.RegionFor(bucket)},
                      {"can_upload", can_upload},
                      {"left_behind", left_behind},
                      {"checks", nlohmann::json::array()}};
  std::string text = fmt::format("{} (region {})\n", flags.target, client.RegionFor(bucket));
  for (const auto& c : checks) {
    j["checks"].push_back({{"name", c.name}, {"result", c.result}, {"detail", c.detail}});
    text += fmt::format("  {:<7} {:<21} {}\n", c.result, c.name, c.detail);
  }
  for (const auto& item : left_behind) text += "  left behind: " + item + "\n";
  text += can_upload ? fmt::format("verdict: uploads will work; {} check(s) not ok", not_checked)
                     : std::string("verdict: uploads will FAIL: s3:PutObject is not granted");
  return out.Report(j, text, can_upload ? 0 : ExitCodeFor(ErrorCode::kPermissionDenied));
}

}  // namespace s3u::cli
