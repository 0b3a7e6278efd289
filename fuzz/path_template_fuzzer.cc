// Fuzzes path templates (unload/path_template.h): details.s3_path comes from job files and
// the service's connector form. A template that validates must render, with values of any
// bytes, to a key that is neither empty nor over S3's 1024 bytes (or a kInvalidArgument).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "unload/path_template.h"

using s3u::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s3u::unload;  // NOLINT: fuzzer entry point
  FuzzedDataProvider fdp(data, size);
  const std::string dataset_name = fdp.ConsumeRandomLengthString(64);
  const std::string path_template = fdp.ConsumeRemainingBytesAsString();
  const auto valid = ValidatePathTemplate(path_template, "details.s3_path");
  if (!valid) {
    Check(valid.error().code == s3u::ErrorCode::kInvalidArgument);
    Check(valid.error().subject == "details.s3_path");
    return 0;
  }
  const PathValues values{"a1b2c3d4-0000-4000-8000-000000000001", dataset_name, "2026-12-04",
                          "20261204T160000Z-abcd"};
  const auto name = RenderObjectName(path_template, values, ".csv.gz", "details.s3_path");
  if (name) {
    const std::string key = name->Key(true, 7);
    Check(!key.empty() && key.size() <= 1024);
    Check(key.back() != '/');
  } else {
    Check(name.error().code == s3u::ErrorCode::kInvalidArgument);
  }
  (void)RenderPath(path_template, values, "details.s3_path");
  for (const char c : KeySafe(dataset_name)) {
    Check((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-');
  }
  return 0;
}
