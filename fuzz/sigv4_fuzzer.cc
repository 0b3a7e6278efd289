// Fuzzes SigV4 canonicalisation (s3/sigv4.h) with keys, query parameters and header values
// of any bytes. Checks what signing relies on: UriEncode output is only unreserved bytes and
// %XX, the canonical request has its six lines, and signing twice gives the same signature.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "s3/sigv4.h"

using s3u::fuzz::Check;

namespace {

bool Unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s3u::s3;  // NOLINT: fuzzer entry point
  FuzzedDataProvider fdp(data, size);
  const std::string key = fdp.ConsumeRandomLengthString(256);
  const std::string encoded = UriEncode(key, true);
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%') {
      Check(i + 2 < encoded.size() && std::isxdigit(static_cast<unsigned char>(encoded[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(encoded[i + 2])));
      i += 2;
    } else {
      Check(Unreserved(encoded[i]));
    }
  }
  CanonicalInput in;
  in.method = fdp.PickValueInArray({"GET", "PUT", "POST", "DELETE", "HEAD"});
  in.encoded_path = "/bucket/" + UriEncodePath(key);
  const int queries = fdp.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < queries; ++i) {
    in.query.emplace_back(fdp.ConsumeRandomLengthString(32), fdp.ConsumeRandomLengthString(32));
  }
  in.headers.emplace_back("Host", "127.0.0.1:7480");
  const int headers = fdp.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < headers; ++i) {
    std::string name = fdp.ConsumeRandomLengthString(16);
    // Header names are tokens; the callers never build others.
    name.erase(
        std::remove_if(name.begin(), name.end(), [](char c) { return !Unreserved(c) || c == '~'; }),
        name.end());
    if (name.empty()) continue;
    std::string value = fdp.ConsumeRandomLengthString(64);
    std::replace(value.begin(), value.end(), '\n', ' ');
    in.headers.emplace_back(name, value);
  }
  in.payload_hash = std::string(kUnsignedPayload);
  const std::string canonical = CanonicalRequest(in);
  Check(std::count(canonical.begin(), canonical.end(), '\n') >= 5);
  Check(canonical.rfind(in.method + "\n" + in.encoded_path + "\n", 0) == 0);
  Check(CanonicalQueryString(in.query) == CanonicalQueryString(in.query));
  const Credentials creds{"AKIDFUZZ", "secret/fuzz", "", std::nullopt};
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1796400000));
  CanonicalInput first = in;
  CanonicalInput second = in;
  Check(SignV4(first, creds, "us-east-1", "s3", now) ==
        SignV4(second, creds, "us-east-1", "s3", now));
  return 0;
}
