// Fuzzes everything that reads an S3 answer: the <Error> parser, the response parsers and
// MapS3Error. The whole input is the body; a FuzzedDataProvider over the same bytes picks the
// HTTP status and header values. Besides "no crash, no sanitizer report", it checks the
// invariants callers rely on (see the traps below).
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/time_format.h"
#include "fuzz/check.h"
#include "s3/errors.h"
#include "s3/xml.h"

using s3u::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s3u::s3;  // NOLINT: fuzzer entry point
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  const auto error_body = ParseErrorXml(body);
  if (error_body) Check(!error_body->code.empty());
  (void)ParseInitiateMultipartUpload(body);
  (void)ParseListMultipartUploads(body);
  (void)ParseListParts(body);
  (void)ParseListObjectsV2(body);
  (void)ParseDeleteResult(body);

  const S3Call call{"UploadPart", "s3://b/k part 7", "b", "us-east-1", "AKIDFUZZ"};
  const auto complete = ParseCompleteMultipartUpload(body, call);
  if (!complete) Check(complete.error().subject == call.resource);

  FuzzedDataProvider fdp(data, size);
  const int status = fdp.ConsumeIntegralInRange<int>(100, 599);
  const std::chrono::system_clock::time_point now(
      std::chrono::seconds(fdp.ConsumeIntegralInRange<int64_t>(0, int64_t{1} << 32)));
  s3u::http::Headers headers;
  if (fdp.ConsumeBool()) headers.emplace_back("Date", fdp.ConsumeRandomLengthString(40));
  if (fdp.ConsumeBool()) headers.emplace_back("Retry-After", fdp.ConsumeRandomLengthString(40));
  if (fdp.ConsumeBool()) {
    headers.emplace_back("x-amz-bucket-region", fdp.ConsumeRandomLengthString(20));
  }

  const s3u::Error e = MapS3Error(call, status, headers, body, now);
  Check(e.subject == call.resource);
  Check(e.http_status == status);
  Check(!e.message.empty());
  if (e.retry_after) Check(e.retry_after->count() >= 0);
  // Server text is sanitised: no line breaks or escape sequences reach a log line.
  Check(e.message.find('\n') == std::string::npos);
  Check(e.message.find('\x1b') == std::string::npos);

  (void)ClockSkew(headers, error_body ? &*error_body : nullptr, now);
  (void)s3u::FormatDuration(std::chrono::milliseconds(fdp.ConsumeIntegral<int64_t>()));

  // Builders: any key round-trips through DeleteObjectsXml's escaping (NUL cannot exist in
  // XML text, so keys with NUL are skipped).
  const std::string key = fdp.ConsumeRandomLengthString(64);
  if (key.find('\0') == std::string::npos) {
    const std::string xml = DeleteObjectsXml({key}, false);
    const std::string open = "<Object><Key>";
    const size_t b = xml.find(open) + open.size();
    const std::string escaped = xml.substr(b, xml.rfind("</Key>") - b);
    const auto parsed = ParseDeleteResult("<DeleteResult><Deleted><Key>" + escaped +
                                          "</Key></Deleted></DeleteResult>");
    Check(parsed.has_value() && parsed->deleted.size() == 1 && parsed->deleted[0] == key);
  }
  return 0;
}
