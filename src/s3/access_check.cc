#include "s3/access_check.h"

#include <fmt/format.h>

#include <random>

#include "s3/client.h"

namespace s3u::s3 {
namespace {

bool IsDenied(const Error& e) { return e.code == ErrorCode::kPermissionDenied; }
std::string DeniedOrFailed(const Error& e) { return IsDenied(e) ? "denied" : "failed"; }

}  // namespace

Result<S3AccessReport> CheckS3Access(S3Client& client, const std::string& bucket,
                                     const std::string& prefix, const std::string& probe_suffix) {
  S3AccessReport report;
  report.target = "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix);
  auto& checks = report.checks;
  auto& left_behind = report.left_behind;
  const std::string probe_key = prefix + ".s3unload-check-" + probe_suffix;
  auto uri = [&](const std::string& key) { return "s3://" + bucket + "/" + key; };

  // 1. The bucket. Missing bucket and bad credentials end the check: nothing else can work.
  if (auto region = client.HeadBucket(bucket)) {
    checks.push_back({"HeadBucket", "ok", fmt::format("bucket exists (region {})", *region)});
  } else if (IsDenied(region.error())) {
    checks.push_back({"HeadBucket", "denied",
                      "s3:ListBucket not granted: could not check that the bucket exists"});
  } else {
    return Fail(region.error());
  }

  // 2. Put + delete probe.
  ObjectOptions object;
  object.content_type = "text/plain";
  const std::string body = "s3unload check-s3 probe; safe to delete\n";
  auto put = client.PutObject({bucket, probe_key}, body, object);
  if (!put) {
    if (!IsDenied(put.error())) return Fail(put.error());
    checks.push_back({"PutObject", "denied", put.error().message});
  } else {
    checks.push_back({"PutObject", "ok", "wrote " + uri(probe_key)});
    if (auto del = client.DeleteObject({bucket, probe_key})) {
      checks.push_back({"DeleteObject", "ok", "deleted the probe object"});
    } else {
      checks.push_back({"DeleteObject", DeniedOrFailed(del.error()), del.error().message});
      left_behind.push_back("object " + uri(probe_key));
    }
  }

  // 3. Multipart: what large uploads need (all covered by s3:PutObject).
  const std::string mp_key = probe_key + "-multipart";
  bool multipart_ok = false;
  if (auto id = client.CreateMultipartUpload({bucket, mp_key}, object)) {
    auto part = client.UploadPart({bucket, mp_key}, *id, 1, body, object.checksum);
    Result<CompleteResult> done =
        part ? client.CompleteMultipartUpload({bucket, mp_key}, *id, {*part}, false)
             : Result<CompleteResult>(Fail(part.error()));
    if (done) {
      multipart_ok = true;
      checks.push_back({"MultipartUpload", "ok", "create, upload part and complete succeeded"});
      if (!client.DeleteObject({bucket, mp_key})) left_behind.push_back("object " + uri(mp_key));
    } else {
      checks.push_back({"MultipartUpload", DeniedOrFailed(done.error()), done.error().message});
      if (!client.AbortMultipartUpload({bucket, mp_key}, *id)) {
        left_behind.push_back("incomplete upload " + *id + " of " + uri(mp_key));
      }
    }
  } else {
    checks.push_back({"MultipartUpload", DeniedOrFailed(id.error()), id.error().message});
  }

  // 4. Abort: how a failed upload is cleaned up. When no upload can be created there is
  // nothing to abort, and step 3 has already said why.
  const std::string abort_key = probe_key + "-abort";
  if (auto id = client.CreateMultipartUpload({bucket, abort_key}, object)) {
    if (auto aborted = client.AbortMultipartUpload({bucket, abort_key}, *id)) {
      checks.push_back({"AbortMultipartUpload", "ok", "failed uploads can be cleaned up"});
    } else {
      checks.push_back({"AbortMultipartUpload", DeniedOrFailed(aborted.error()),
                        "s3:AbortMultipartUpload not granted: a failed upload leaves its parts "
                        "behind; add a lifecycle rule (AbortIncompleteMultipartUpload)"});
      left_behind.push_back("incomplete upload " + *id + " of " + uri(abort_key));
    }
  }

  report.can_upload = put.has_value() && multipart_ok;
  report.region = client.RegionFor(bucket);
  return report;
}

std::string RandomProbeSuffix() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

nlohmann::json S3AccessJson(const S3AccessReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : report.checks) {
    checks.push_back({{"name", c.name}, {"result", c.result}, {"detail", c.detail}});
  }
  return {{"status", report.can_upload ? "ok" : "error"},
          {"target", report.target},
          {"region", report.region},
          {"can_upload", report.can_upload},
          {"left_behind", report.left_behind},
          {"checks", checks}};
}

std::string S3AccessText(const S3AccessReport& report) {
  std::string text = fmt::format("{} (region {})\n", report.target, report.region);
  int not_ok = 0;
  for (const auto& c : report.checks) {
    text += fmt::format("  {:<7} {:<21} {}\n", c.result, c.name, c.detail);
    not_ok += c.result != "ok";
  }
  for (const auto& item : report.left_behind) text += "  left behind: " + item + "\n";
  text += report.can_upload
              ? fmt::format("verdict: uploads will work; {} check(s) not ok", not_ok)
              : std::string("verdict: uploads will FAIL: s3:PutObject is not granted");
  return text;
}

}  // namespace s3u::s3
