#include "s3/client.h"

#include <fmt/format.h>

#include <random>

#include "core/time_format.h"
#include "s3/errors.h"

namespace s3u::s3 {
namespace {

bool IsSuccess(int status) { return status >= 200 && status < 300; }

std::string ResourceFor(const S3Request& request) {
  std::string resource = ResourceName(request.bucket, request.key);
  for (const auto& [name, value] : request.query) {
    if (name == "partNumber") resource += " part " + value;
  }
  return resource;
}

// The bucket's real region, when the answer names one (x-amz-bucket-region, or <Region> in
// the error body of a 301 / AuthorizationHeaderMalformed).
std::optional<std::string> AnsweredRegion(const http::Response& response) {
  if (auto header = response.Header("x-amz-bucket-region"); header && !header->empty()) {
    return std::string(*header);
  }
  if (auto body = ParseErrorXml(response.body); body && !body->region.empty()) {
    return body->region;
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseU64(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

ObjectHead HeadFrom(const http::Response& response) {
  ObjectHead head;
  if (auto v = response.Header("Content-Length")) head.size = ParseU64(*v).value_or(0);
  if (auto v = response.Header("ETag")) head.etag = std::string(*v);
  if (auto v = response.Header("Content-Type")) head.content_type = std::string(*v);
  if (auto v = response.Header("Last-Modified")) head.last_modified = std::string(*v);
  constexpr std::string_view kMeta = "x-amz-meta-";
  for (const auto& [name, value] : response.headers) {
    if (name.size() > kMeta.size() &&
        std::equal(kMeta.begin(), kMeta.end(), name.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      head.metadata.emplace_back(name.substr(kMeta.size()), value);
    }
  }
  return head;
}

void AddObjectHeaders(const ObjectOptions& options, http::Headers& headers) {
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) headers.emplace_back(name, value);
  };
  add("Content-Type", options.content_type);
  add("Content-Encoding", options.content_encoding);
  add("x-amz-storage-class", options.storage_class);
  add("x-amz-acl", options.acl);
  add("x-amz-server-side-encryption", options.sse);
  add("x-amz-server-side-encryption-aws-kms-key-id", options.sse_kms_key_id);
  for (const auto& [name, value] : options.metadata)
    headers.emplace_back("x-amz-meta-" + name, value);
}

void AddChecksum(ChecksumAlgorithm algorithm, std::string_view body, http::Headers& headers) {
  auto header = ChecksumHeader(algorithm, body);
  if (!header.first.empty()) headers.push_back(std::move(header));
}

}  // namespace

Result<std::unique_ptr<S3Client>> S3Client::Create(http::HttpClient& http,
                                                   CredentialsProvider& credentials, Clock& clock,
                                                   Logger& log, ClientOptions options) {
  if (auto ok = ValidateRegion(options.region); !ok) return Fail(ok.error());
  // Validates the endpoint URL once, up front, so a typo fails before any data is read.
  if (auto ep =
          ResolveEndpoint(options.region, options.endpoint_url, options.force_path_style, false);
      !ep) {
    return Fail(ep.error());
  }
  return std::unique_ptr<S3Client>(new S3Client(http, credentials, clock, log, std::move(options)));
}

S3Client::S3Client(http::HttpClient& http, CredentialsProvider& credentials, Clock& clock,
                   Logger& log, ClientOptions options)
    : http_(http),
      credentials_(credentials),
      clock_(clock),
      log_(log),
      options_(std::move(options)),
      random_(http::MakeRandom(std::random_device{}())) {}

ChecksumAlgorithm S3Client::Resolve(ChecksumAlgorithm requested) const {
  return ResolveChecksum(requested, options_.sign_payload, !options_.endpoint_url.has_value());
}

std::string S3Client::RegionFor(const std::string& bucket) const {
  std::lock_guard lock(mu_);
  auto it = bucket_regions_.find(bucket);
  return it == bucket_regions_.end() ? options_.region : it->second;
}

void S3Client::RememberRegion(const std::string& bucket, const std::string& region) {
  std::lock_guard lock(mu_);
  bucket_regions_[bucket] = region;
}

Result<http::Response> S3Client::Execute(const S3Request& request, const http::BodySink* sink) {
  const std::string resource = ResourceFor(request);
  Corrections corrections;
  return http::RunWithRetry<http::Response>(
      options_.retry, clock_, random_, "S3",
      [&](int) { return SendOnce(request, resource, sink, corrections); },
      [&](const Error& error, std::chrono::milliseconds delay, int next) {
        retries_.Record(error);
        log_.Info(fmt::format("S3 {} {}: attempt {} failed: {}; retrying in {}", request.operation,
                              resource, next - 1, error.message, FormatDuration(delay)));
      });
}

Result<http::Response> S3Client::SendOnce(const S3Request& request, const std::string& resource,
                                          const http::BodySink* sink, Corrections& corrections) {
  // Loops only to re-send at once after a correction; each correction happens once per call
  // and does not count as a retry.
  for (;;) {
    auto credentials = credentials_.Get();
    if (!credentials) return Fail(credentials.error());
    const std::string region = RegionFor(request.bucket);
    auto endpoint = ResolveEndpoint(region, options_.endpoint_url, options_.force_path_style,
                                    request.bucket.find('.') != std::string::npos,
                                    options_.virtual_hosted_custom);
    if (!endpoint) return Fail(endpoint.error());
    const auto now = clock_.Now();
    SigningContext ctx{*endpoint, region, *credentials,
                       now + std::chrono::milliseconds(clock_skew_ms_.load()),
                       options_.sign_payload};
    http::Request http_request = BuildSignedRequest(request, ctx);
    uint64_t delivered = 0;
    if (sink != nullptr) {
      http_request.sink = [&](std::string_view chunk) {
        delivered += chunk.size();
        return (*sink)(chunk);
      };
    }
    ++requests_sent_;
    auto response = http_.Send(http_request);
    if (!response) {
      if (delivered == 0) return Fail(response.error());
      // Bytes already reached the sink: this call cannot be repeated, only restarted whole.
      Error error = response.error();
      error.code = ErrorCode::kAborted;
      error.message += fmt::format(" (after {} bytes had been received)", delivered);
      return Fail(std::move(error));
    }
    // CompleteMultipartUpload can fail after its 200 header was sent: the error is in the body.
    if (IsSuccess(response->status) &&
        (request.operation != "CompleteMultipartUpload" || !ParseErrorXml(response->body))) {
      return std::move(*response);
    }
    S3Call call{request.operation, resource, request.bucket, region, credentials->access_key_id};
    Error error = MapS3Error(call, response->status, response->headers, response->body, now);
    if (auto actual = AnsweredRegion(*response);
        actual && *actual != region && options_.correct_region && !corrections.region) {
      corrections.region = true;
      log_.Warn(fmt::format("bucket {} is in region {}, not {}; using {}", request.bucket, *actual,
                            region, *actual));
      RememberRegion(request.bucket, *actual);
      continue;
    }
    if (error.code == ErrorCode::kUnauthenticated && !corrections.credentials) {
      corrections.credentials = true;
      auto refreshed = credentials_.Refresh();
      if (refreshed) continue;
      // Say which provider could not refresh: S3's answer alone would not.
      error.message += "; refreshing the credentials failed: " + refreshed.error().message;
    }
    if (options_.correct_clock_skew && !corrections.clock) {
      auto parsed = ParseErrorXml(response->body);
      if (parsed && parsed->code == "RequestTimeTooSkewed") {
        if (auto skew = ClockSkew(response->headers, &*parsed, now)) {
          corrections.clock = true;
          clock_skew_ms_ = skew->count();
          log_.Warn(fmt::format("{}; signing with the server's time from now on", error.message));
          continue;
        }
      }
    }
    return Fail(std::move(error));
  }
}

Result<std::string> S3Client::HeadBucket(const std::string& bucket) {
  if (auto ok = ValidateBucketName(bucket); !ok) return Fail(ok.error());
  auto response = Execute({"HeadBucket", "HEAD", bucket, "", {}, {}, {}});
  if (!response) return Fail(response.error());
  if (auto region = response->Header("x-amz-bucket-region"); region && !region->empty()) {
    return std::string(*region);
  }
  return RegionFor(bucket);
}

Result<void> S3Client::CreateBucket(const std::string& bucket) {
  if (auto ok = ValidateBucketName(bucket); !ok) return Fail(ok.error());
  std::string body;
  const std::string region = RegionFor(bucket);
  if (region != "us-east-1" && !options_.endpoint_url) {
    body = "<CreateBucketConfiguration><LocationConstraint>" + region +
           "</LocationConstraint></CreateBucketConfiguration>";
  }
  auto response = Execute({"CreateBucket", "PUT", bucket, "", {}, {}, body});
  if (!response) return Fail(response.error());
  return {};
}

Result<std::string> S3Client::PutObject(const S3Location& loc, std::string_view body,
                                        const ObjectOptions& options) {
  S3Request request{"PutObject", "PUT", loc.bucket, loc.key, {}, {}, body};
  AddObjectHeaders(options, request.headers);
  AddChecksum(Resolve(options.checksum), body, request.headers);
  if (options.create_only) request.headers.emplace_back("If-None-Match", "*");
  auto response = Execute(request);
  if (!response) return Fail(response.error());
  return std::string(response->Header("ETag").value_or(""));
}

Result<std::string> S3Client::CreateMultipartUpload(const S3Location& loc,
                                                    const ObjectOptions& options) {
  S3Request request{"CreateMultipartUpload", "POST", loc.bucket, loc.key,
                    {{"uploads", ""}},       {},     {}};
  AddObjectHeaders(options, request.headers);
  if (auto name = AmzChecksumAlgorithm(Resolve(options.checksum)); !name.empty()) {
    request.headers.emplace_back("x-amz-checksum-algorithm", std::string(name));
  }
  auto response = Execute(request);
  if (!response) return Fail(response.error());
  return ParseInitiateMultipartUpload(response->body);
}

Result<CompletedPart> S3Client::UploadPart(const S3Location& loc, const std::string& upload_id,
                                           int part_number, std::string_view body,
                                           ChecksumAlgorithm checksum) {
  S3Request request{"UploadPart",
                    "PUT",
                    loc.bucket,
                    loc.key,
                    {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
                    {},
                    body};
  CompletedPart part;
  part.part_number = part_number;
  checksum = Resolve(checksum);
  auto header = ChecksumHeader(checksum, body);
  if (!header.first.empty()) {
    if (auto amz = AmzChecksumAlgorithm(checksum); !amz.empty()) {
      part.checksum_element = "Checksum" + std::string(amz);
      part.checksum_value = header.second;
    }
    request.headers.push_back(std::move(header));
  }
  auto response = Execute(request);
  if (!response) return Fail(response.error());
  auto etag = response->Header("ETag");
  if (!etag || etag->empty()) {
    return Fail(ErrorCode::kInternal, ResourceFor(request),
                "the store answered UploadPart without an ETag; the part cannot be completed");
  }
  part.etag = std::string(*etag);
  return part;
}

Result<CompleteResult> S3Client::CompleteMultipartUpload(const S3Location& loc,
                                                         const std::string& upload_id,
                                                         const std::vector<CompletedPart>& parts,
                                                         bool create_only) {
  const std::string body = CompleteMultipartUploadXml(parts);
  S3Request request{"CompleteMultipartUpload",
                    "POST",
                    loc.bucket,
                    loc.key,
                    {{"uploadId", upload_id}},
                    {{"Content-Type", "application/xml"}},
                    body};
  if (create_only) request.headers.emplace_back("If-None-Match", "*");
  auto response = Execute(request);
  if (!response) return Fail(response.error());
  return ParseCompleteMultipartUpload(response->body);
}

Result<void> S3Client::AbortMultipartUpload(const S3Location& loc, const std::string& upload_id) {
  auto response = Execute(
      {"AbortMultipartUpload", "DELETE", loc.bucket, loc.key, {{"uploadId", upload_id}}, {}, {}});
  if (!response) return Fail(response.error());
  return {};
}

Result<std::vector<UploadInfo>> S3Client::ListMultipartUploads(const std::string& bucket,
                                                               const std::string& prefix) {
  std::vector<UploadInfo> all;
  std::string key_marker, upload_id_marker;
  for (;;) {
    S3Request request{"ListMultipartUploads", "GET", bucket, "", {{"uploads", ""}}, {}, {}};
    if (!prefix.empty()) request.query.emplace_back("prefix", prefix);
    if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
    if (!upload_id_marker.empty()) request.query.emplace_back("upload-id-marker", upload_id_marker);
    auto response = Execute(request);
    if (!response) return Fail(response.error());
    auto page = ParseListMultipartUploads(response->body);
    if (!page) return Fail(page.error());
    all.insert(all.end(), page->uploads.begin(), page->uploads.end());
    if (!page->is_truncated || page->next_key_marker.empty()) return all;
    key_marker = page->next_key_marker;
    upload_id_marker = page->next_upload_id_marker;
  }
}

Result<std::vector<PartInfo>> S3Client::ListParts(const S3Location& loc,
                                                  const std::string& upload_id) {
  std::vector<PartInfo> all;
  std::string marker;
  for (;;) {
    S3Request request{"ListParts", "GET", loc.bucket, loc.key, {{"uploadId", upload_id}}, {}, {}};
    if (!marker.empty()) request.query.emplace_back("part-number-marker", marker);
    auto response = Execute(request);
    if (!response) return Fail(response.error());
    auto page = ParseListParts(response->body);
    if (!page) return Fail(page.error());
    all.insert(all.end(), page->parts.begin(), page->parts.end());
    if (!page->is_truncated || page->next_part_number_marker.empty()) return all;
    marker = page->next_part_number_marker;
  }
}

Result<ObjectHead> S3Client::HeadObject(const S3Location& loc) {
  auto response = Execute({"HeadObject", "HEAD", loc.bucket, loc.key, {}, {}, {}});
  if (!response) return Fail(response.error());
  return HeadFrom(*response);
}

Result<ObjectHead> S3Client::GetObject(const S3Location& loc, const http::BodySink& sink) {
  auto response = Execute({"GetObject", "GET", loc.bucket, loc.key, {}, {}, {}}, &sink);
  if (!response) return Fail(response.error());
  return HeadFrom(*response);
}

Result<void> S3Client::DeleteObject(const S3Location& loc) {
  auto response = Execute({"DeleteObject", "DELETE", loc.bucket, loc.key, {}, {}, {}});
  if (!response) return Fail(response.error());
  return {};
}

Result<DeleteResult> S3Client::DeleteObjects(const std::string& bucket,
                                             const std::vector<std::string>& keys) {
  DeleteResult total;
  constexpr size_t kBatch = 1000;  // S3's limit per request
  for (size_t start = 0; start < keys.size(); start += kBatch) {
    std::vector<std::string> batch(keys.begin() + start,
                                   keys.begin() + std::min(keys.size(), start + kBatch));
    const std::string body = DeleteObjectsXml(batch, /*quiet=*/true);
    // Content-MD5 is required by the API (swift enforces it) whatever --checksum says.
    S3Request request{"DeleteObjects",
                      "POST",
                      bucket,
                      "",
                      {{"delete", ""}},
                      {{"Content-Type", "application/xml"}, {"Content-MD5", Md5Base64(body)}},
                      body};
    auto response = Execute(request);
    if (!response) return Fail(response.error());
    auto page = ParseDeleteResult(response->body);
    if (!page) return Fail(page.error());
    total.deleted.insert(total.deleted.end(), page->deleted.begin(), page->deleted.end());
    total.errors.insert(total.errors.end(), page->errors.begin(), page->errors.end());
  }
  return total;
}

Result<ListObjectsResult> S3Client::ListObjectsV2(const std::string& bucket,
                                                  const std::string& prefix,
                                                  const std::string& continuation_token,
                                                  int max_keys) {
  S3Request request{"ListObjectsV2", "GET", bucket, "", {{"list-type", "2"}}, {}, {}};
  if (!prefix.empty()) request.query.emplace_back("prefix", prefix);
  if (!continuation_token.empty())
    request.query.emplace_back("continuation-token", continuation_token);
  request.query.emplace_back("max-keys", std::to_string(max_keys));
  auto response = Execute(request);
  if (!response) return Fail(response.error());
  return ParseListObjectsV2(response->body);
}

}  // namespace s3u::s3
