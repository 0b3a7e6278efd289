#include "emulator/s3_export_jobs.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <utility>

#include "core/time_format.h"
#include "emulator/auth.h"
#include "emulator/s3_export.h"
#include "s3/uri.h"

namespace s3u::emulator {

Json S3ExportJobs::ExportJson(const ExportRecord& e, bool iso) {
  auto stamp = [iso](TimePoint t) { return iso ? Iso(t) : std::to_string(EpochMillis(t)); };
  Json urls = Json::object();
  for (const auto& [url, rows] : e.url_rows) urls[url] = rows;
  Json j = {{"bucket", e.bucket},       {"compression", "gzip"},
            {"exportFormat", "csv"},    {"exportId", e.export_id},
            {"exportStatus", e.status}, {"started", stamp(e.started)},
            {"urlRowCountMap", urls},   {"tempUrlRowCountMap", Json::object()}};
  if (e.finished) j["finished"] = stamp(*e.finished);
  if (e.status == "error") {
    j["errorCode"] = e.error_code;
    j["message"] = e.message;
  }
  return j;
}

Result<Json> S3ExportJobs::Start(const Caller& caller, const std::string& id, const Json& body,
                                 const std::optional<std::string>& fail_with,
                                 uint64_t bytes_per_second) {
  if (!body.is_object()) return BadRequest("body", "must be a JSON export request");
  std::string bucket, path, region = "us-east-1";
  S3ExportJob job;
  for (auto [key, out] :
       {std::pair{"bucket", &bucket}, std::pair{"path", &path}, std::pair{"region", &region},
        std::pair{"awsAccessKey", &job.credentials.access_key_id},
        std::pair{"awsAccessSecret", &job.credentials.secret_access_key},
        std::pair{"sessionToken", &job.credentials.session_token}}) {
    if (!body.contains(key) || body[key].is_null()) continue;
    if (!body[key].is_string()) return BadRequest(key, "must be a string");
    *out = body[key].get<std::string>();
  }
  if (bucket.empty()) {
    return BadRequest("bucket", "is required: the emulator has no Domo-configured bucket");
  }
  if (auto valid = s3::ValidateBucketName(bucket); !valid) {
    return BadRequest("bucket", valid.error().message);
  }
  if (job.credentials.access_key_id.empty() || job.credentials.secret_access_key.empty()) {
    return BadRequest("awsAccessKey", "awsAccessKey and awsAccessSecret are required");
  }
  // queryRequest is an object in the examples and a "string" in the yaml: accept both.
  Json query_request = body.contains("queryRequest") ? body["queryRequest"] : Json::object();
  if (query_request.is_string()) {
    try {
      query_request = Json::parse(query_request.get<std::string>());
    } catch (const Json::exception&) {
      return BadRequest("queryRequest", "is a string that is not JSON");
    }
  }
  if (query_request.is_null()) query_request = Json::object();
  if (!query_request.is_object()) return BadRequest("queryRequest", "must be an object");
  const Json query = query_request.contains("query") ? query_request["query"] : Json::object();
  job.include_bom = query_request.contains("includeBOM") && query_request["includeBOM"] == true;
  while (!path.empty() && path.back() == '/') path.pop_back();
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (path.empty()) path = id;  // the default path is the dataSourceId (§8)

  std::lock_guard lock(model_.mu);
  auto ds = model_.Readable(caller, id);
  if (!ds) return Fail(ds.error());
  auto plan = ParseExportQuery(query, (*ds)->data->schema);
  if (!plan) {
    Error error = plan.error();
    error.subject = "queryRequest.query " + error.subject;
    return AsBadRequest(std::move(error));
  }
  const bool iso = model_.config.export_format.iso_timestamps;
  auto& list = exports_[id];
  for (const auto& existing : list) {  // one active export per dataset (§8)
    if (existing.status == "none" || existing.status == "exporting") {
      return ExportJson(existing, iso);
    }
  }
  const std::string request_key =
      bucket + "\n" + path + "\n" + region + "\n" + query.dump() + (job.include_bom ? "\nbom" : "");
  if (!fail_with) {  // unchanged data and the same request: the previous export (§8)
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      if (it->status == "success" && it->data_version == (*ds)->data->version &&
          it->request_key == request_key) {
        return ExportJson(*it, iso);
      }
    }
  }
  ExportRecord record;
  record.export_id = NewUuid(model_.rng);
  record.bucket = bucket;
  record.key = path + "/" + record.export_id + "/export/data.csv.gz";
  record.started = model_.clock.Now();
  record.data_version = (*ds)->data->version;
  record.request_key = request_key;
  job.bucket = bucket;
  job.key = record.key;
  job.region = region;
  job.endpoint = model_.config.s3_endpoint;
  job.csv = model_.config.export_format.csv;
  job.bytes_per_second = bytes_per_second;
  list.push_back(record);
  background_.Submit([this, id, export_id = record.export_id, job, data = (*ds)->data,
                      plan = std::move(*plan), fail_with] {
    auto update = [&](const std::function<void(ExportRecord&)>& change) {
      std::lock_guard lock(model_.mu);
      for (auto& e : exports_[id]) {
        if (e.export_id == export_id) change(e);
      }
    };
    update([](ExportRecord& e) { e.status = "exporting"; });
    Result<S3ExportResult> result =
        fail_with ? Result<S3ExportResult>(Fail(ErrorCode::kInternal, "export", *fail_with))
                  : RunS3Export(job, *data, plan, stopping_, model_.log);
    const std::string url = "s3://" + job.bucket + "/" + job.key;
    if (result) {
      model_.log.Info("export " + export_id + " of " + id + ": " + std::to_string(result->rows) +
                      " rows to " + url);
    } else {
      model_.log.Warn("export " + export_id + " of " + id +
                      " failed: " + result.error().ToString());
    }
    update([&](ExportRecord& e) {
      e.finished = model_.clock.Now();
      if (result) {
        e.status = "success";
        e.url_rows[url] = result->rows;
        return;
      }
      e.status = "error";
      std::string code(CodeName(result.error().code));
      std::transform(code.begin(), code.end(), code.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      e.error_code = fail_with ? "EXPORT_FAILED" : "S3_" + code;
      e.message = fail_with ? *fail_with : result.error().ToString();
    });
  });
  return ExportJson(list.back(), iso);
}

Result<Json> S3ExportJobs::List(const Caller& caller, const std::string& id) {
  std::lock_guard lock(model_.mu);
  if (auto ds = model_.Readable(caller, id); !ds) return Fail(ds.error());
  Json out = Json::array();
  for (const auto& e : exports_[id]) {
    out.push_back(ExportJson(e, model_.config.export_format.iso_timestamps));
  }
  return out;
}
}  // namespace s3u::emulator
