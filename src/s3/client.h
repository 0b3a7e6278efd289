// S3Client: the S3 operations s3unload uses, over an injected HttpClient, credentials
// provider, clock and logger. Each call builds its request (s3/request.h), signs it, sends
// it, and classifies the answer once (s3/errors.h). Retries happen here, per request, with
// the pure policy of http/retry.h (within ClientOptions::retry's time budget; each retry is
// logged at info level and counted, retry_counts()); on top of that the client:
//   - follows a wrong-region answer to the bucket's real region (when correct_region is on,
//     the default) or fails with "bucket B is in region X, not Y";
//   - refreshes credentials once on ExpiredToken / InvalidToken (when that fails, its error,
//     which names the provider, is added to the message);
//   - corrects its signing clock once on RequestTimeTooSkewed and logs by how much it was off.
//
// Thread-safety: every method may be called concurrently (upload workers share one client).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "http/http.h"
#include "http/retry.h"
#include "s3/checksum.h"
#include "s3/credentials.h"
#include "s3/request.h"
#include "s3/uri.h"
#include "s3/xml.h"

namespace s3u::s3 {

struct ClientOptions {
  std::string region = "us-east-1";
  std::optional<std::string> endpoint_url;  // custom S3-compatible store; path style
  bool force_path_style = false;            // also for AWS (virtual-hosted by default)
  // With endpoint_url: address buckets as <bucket>.<host> instead of path style. The store
  // needs wildcard DNS for it (radosgw: rgw_dns_name; "*.localhost" is loopback for curl).
  bool virtual_hosted_custom = false;
  // Follow a wrong-region answer to the bucket's region. Off: fail with the region named.
  bool correct_region = true;
  // Correct the signing clock from the server's time on RequestTimeTooSkewed (as AWS SDKs do).
  bool correct_clock_skew = true;
  // Sign the body hash (the default; the server then verifies the body). Off sends
  // UNSIGNED-PAYLOAD: cheaper on CPU, relies on TLS and the per-part checksum instead.
  bool sign_payload = true;
  http::RetryPolicy retry;
};

// Headers for a new object (PutObject and CreateMultipartUpload).
struct ObjectOptions {
  std::string content_type;      // empty: S3's default (binary/octet-stream)
  std::string content_encoding;  // e.g. "gzip"
  std::string storage_class;     // STANDARD, STANDARD_IA, GLACIER_IR, ...
  std::string acl;               // canned ACL, e.g. bucket-owner-full-control
  std::string sse;               // "AES256" or "aws:kms"
  std::string sse_kms_key_id;    // with sse == "aws:kms"
  std::vector<std::pair<std::string, std::string>> metadata;  // x-amz-meta-<name>
  bool create_only = false;  // If-None-Match: * (fail if the key exists)
  // Per request/part integrity check; kAuto (the default) is resolved by the client
  // (ResolveChecksum): the cheapest check the store itself verifies.
  ChecksumAlgorithm checksum = ChecksumAlgorithm::kAuto;
};

struct ObjectHead {
  uint64_t size = 0;
  std::string etag;
  std::string content_type;
  std::string last_modified;
  std::vector<std::pair<std::string, std::string>> metadata;
};

class S3Client {
 public:
  // Validates the options (endpoint URL, region). All references must outlive the client.
  static Result<std::unique_ptr<S3Client>> Create(http::HttpClient& http,
                                                  CredentialsProvider& credentials, Clock& clock,
                                                  Logger& log, ClientOptions options);

  // Returns the bucket's region (from x-amz-bucket-region when the store sends it, otherwise
  // the configured region). Permission: s3:ListBucket.
  Result<std::string> HeadBucket(const std::string& bucket);
  Result<void> CreateBucket(const std::string& bucket);

  Result<std::string> PutObject(const S3Location& loc, std::string_view body,
                                const ObjectOptions& options);  // returns the ETag
  Result<std::string> CreateMultipartUpload(const S3Location& loc, const ObjectOptions& options);
  // Returns the part as Complete needs it (ETag, and the checksum when `checksum` is an
  // x-amz-checksum-* algorithm). `checksum` must match the upload's CreateMultipartUpload.
  Result<CompletedPart> UploadPart(const S3Location& loc, const std::string& upload_id,
                                   int part_number, std::string_view body,
                                   ChecksumAlgorithm checksum);
  // A 200 answer whose body is <Error> is an error (retried when the code says so).
  Result<CompleteResult> CompleteMultipartUpload(const S3Location& loc,
                                                 const std::string& upload_id,
                                                 const std::vector<CompletedPart>& parts,
                                                 bool create_only);
  Result<void> AbortMultipartUpload(const S3Location& loc, const std::string& upload_id);
  // Every in-progress upload under `prefix` (follows pagination).
  Result<std::vector<UploadInfo>> ListMultipartUploads(const std::string& bucket,
                                                       const std::string& prefix);
  // Every part of an upload (follows pagination).
  Result<std::vector<PartInfo>> ListParts(const S3Location& loc, const std::string& upload_id);

  Result<ObjectHead> HeadObject(const S3Location& loc);
  // Streams the body into `sink`. Not retried once a byte has reached the sink.
  Result<ObjectHead> GetObject(const S3Location& loc, const http::BodySink& sink);
  Result<void> DeleteObject(const S3Location& loc);
  // Deletes up to 1000 keys per request (batches larger lists); returns per-key failures.
  Result<DeleteResult> DeleteObjects(const std::string& bucket,
                                     const std::vector<std::string>& keys);
  // One page of a listing; `continuation_token` empty for the first page.
  Result<ListObjectsResult> ListObjectsV2(const std::string& bucket, const std::string& prefix,
                                          const std::string& continuation_token,
                                          int max_keys = 1000);

  // How many HTTP exchanges this client has made (for tests and --json summaries).
  uint64_t requests_sent() const { return requests_sent_.load(); }
  // Retries made so far (each one logged at info level), and how many were throttles; a run
  // reads them for its metrics row.
  http::RetryCounts retry_counts() const { return retries_.Get(); }
  // The region requests for `bucket` are signed for (after a correction).
  std::string RegionFor(const std::string& bucket) const;
  // ChecksumAlgorithm::kAuto made concrete for this client's signing and endpoint.
  ChecksumAlgorithm Resolve(ChecksumAlgorithm requested) const;

 private:
  S3Client(http::HttpClient& http, CredentialsProvider& credentials, Clock& clock, Logger& log,
           ClientOptions options);

  // Corrections made at most once per call (they re-send at once, without a retry pause).
  struct Corrections {
    bool region = false;       // followed the bucket to the region S3 named
    bool credentials = false;  // re-read the credentials after an authentication failure
    bool clock = false;        // adopted the server's clock after RequestTimeTooSkewed
  };

  // Build, sign, send, classify and retry one request (http::RunWithRetry). 2xx answers are
  // returned; anything else becomes the Error of s3/errors.h. `sink` (GetObject) receives a
  // 2xx body; once bytes reached it a failure is kAborted (the caller restarts), not retried.
  Result<http::Response> Execute(const S3Request& request, const http::BodySink* sink = nullptr);
  // One attempt: send, and re-send at once after each applicable correction.
  Result<http::Response> SendOnce(const S3Request& request, const std::string& resource,
                                  const http::BodySink* sink, Corrections& corrections);
  void RememberRegion(const std::string& bucket, const std::string& region);

  http::HttpClient& http_;
  CredentialsProvider& credentials_;
  Clock& clock_;
  Logger& log_;
  const ClientOptions options_;
  std::function<double()> random_;
  std::atomic<uint64_t> requests_sent_{0};
  http::RetryCounter retries_;
  std::atomic<int64_t> clock_skew_ms_{0};  // added to clock_.Now() when signing

  mutable std::mutex mu_;
  std::map<std::string, std::string> bucket_regions_;  // GUARDED_BY(mu_)
};

}  // namespace s3u::s3
