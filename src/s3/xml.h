// S3 XML bodies: parsers for the answers s3unload reads and builders for the requests it
// sends. Pure functions over strings; pugixml stays an implementation detail.
//
// Namespaces do not matter: elements are matched by local name, so AWS's
// xmlns="http://s3.amazonaws.com/doc/2006-03-01/", a prefixed form, or none all parse alike.
// Every parser turns a body whose root is <Error> into the Error MapS3Error gives it at HTTP
// 200 (S3 may answer 200 and fail later, e.g. CompleteMultipartUpload), and anything else it
// cannot read (garbage, HTML, a wrong root element, a missing required field) into kInternal.
//
// Keys in listings: s3unload does not send encoding-type=url, but if a response says
// <EncodingType>url</EncodingType> (some proxies add it) the parsers decode the affected
// fields (Key, Prefix, markers, tokens) themselves, as botocore does.
//
// Thread-safety: all functions are pure and reentrant.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace s3u::s3 {

struct S3Call;  // errors.h

// The fields of an S3 <Error> document. Known children get their own field; every other
// child element with text (RequestTime, ServerTime, MaxAllowedSkewMilliseconds, HostId,
// AWSAccessKeyId, StringToSign, ...) lands in `fields` by local name. StringToSign and
// SignatureProvided are kept for debugging only: never put them in a user-facing message.
struct S3ErrorBody {
  std::string code;
  std::string message;
  std::string resource;
  std::string request_id;
  std::string region;         // <Region>, e.g. in AuthorizationHeaderMalformed
  std::string endpoint;       // <Endpoint>, in PermanentRedirect / TemporaryRedirect
  std::string bucket_region;  // <BucketRegion>
  std::map<std::string, std::string> fields;
};

// Parses an <Error> document. nullopt when `body` is anything else (empty, HTML, another
// root element, malformed XML, or an <Error> without a <Code>).
std::optional<S3ErrorBody> ParseErrorXml(std::string_view body);

// InitiateMultipartUploadResult -> UploadId (required, non-empty).
Result<std::string> ParseInitiateMultipartUpload(std::string_view body);

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // as returned by UploadPart, quotes included
  // With --checksum crc32/crc32c/sha256, AWS wants each part's checksum repeated in the
  // Complete body: element name ("ChecksumCRC32C") and base64 value; empty otherwise.
  std::string checksum_element;
  std::string checksum_value;
};

// Builds the CompleteMultipartUpload body. Checksum elements are emitted only for parts that
// carry one (upload with an x-amz-checksum-* algorithm); OpenStack Swift's S3 layer rejects
// them as MalformedXML, so use --checksum md5 (the default) or none there.
// REQUIRES: parts sorted by part_number.
std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts);

struct CompleteResult {
  std::string location;
  std::string bucket;
  std::string key;
  std::string etag;  // may be empty: radosgw answers <ETag/>
};

// Parses CompleteMultipartUploadResult. A 200 whose body is an <Error> becomes that error
// (InternalError -> kUnavailable, ...), with `call` supplying subject and context.
Result<CompleteResult> ParseCompleteMultipartUpload(std::string_view body);
Result<CompleteResult> ParseCompleteMultipartUpload(std::string_view body, const S3Call& call);

// One in-progress multipart upload, from ListMultipartUploads (GET ?uploads).
struct UploadInfo {
  std::string key;
  std::string upload_id;
  std::string initiated;  // ISO 8601 as sent by the server
};
struct ListMultipartUploadsResult {
  std::vector<UploadInfo> uploads;
  bool is_truncated = false;
  std::string next_key_marker;        // pass as key-marker when is_truncated
  std::string next_upload_id_marker;  // pass as upload-id-marker when is_truncated
};
// Parses ListMultipartUploadsResult. kInternal for an <Upload> without <UploadId>, a bad
// <IsTruncated> or bad url encoding.
Result<ListMultipartUploadsResult> ParseListMultipartUploads(std::string_view body);

// One uploaded part, from ListParts (GET ?uploadId=...).
struct PartInfo {
  int part_number = 0;
  std::string etag;
  uint64_t size = 0;
};
struct ListPartsResult {
  std::vector<PartInfo> parts;
  bool is_truncated = false;
  // Pass back verbatim as part-number-marker when is_truncated (kept as text, as sent).
  std::string next_part_number_marker;
};
// Parses ListPartsResult. kInternal for a <Part> without a positive <PartNumber> or with a
// <Size> that is not an unsigned 64-bit number.
Result<ListPartsResult> ParseListParts(std::string_view body);

// One object, from ListObjectsV2 (GET ?list-type=2).
struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;
  std::string last_modified;  // ISO 8601 as sent by the server
};
struct ListObjectsResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;  // with a delimiter: the "directories"
  bool is_truncated = false;
  std::string next_continuation_token;  // pass as continuation-token when is_truncated
  int key_count = 0;                    // as reported; -1 when the server omitted <KeyCount>
};
// Parses ListBucketResult. kInternal for a bad <Size>, <KeyCount> or url encoding.
Result<ListObjectsResult> ParseListObjectsV2(std::string_view body);

// Builds the DeleteObjects (POST ?delete) body; keys are XML-escaped, and control
// characters become character references so that "\r\n" in a key survives the server's
// parser. With `quiet`, the answer lists only failures. REQUIRES: 1..1000 keys (S3's limit).
std::string DeleteObjectsXml(const std::vector<std::string>& keys, bool quiet);

// A key the server refused to delete; the request itself succeeded.
struct DeleteError {
  std::string key;
  std::string code;  // S3 error code, e.g. "AccessDenied"
  std::string message;
};
struct DeleteResult {
  std::vector<std::string> deleted;  // empty in quiet mode
  std::vector<DeleteError> errors;
};
// Parses the DeleteObjects answer (root <DeleteResult>). Per-key failures are data in
// `errors`, not an Error; only a root <Error> or an unreadable body fails.
Result<DeleteResult> ParseDeleteResult(std::string_view body);

}  // namespace s3u::s3
