// Fuzzes the job file (unload/job_spec.h): TOML text of any bytes through BuildJobSpec and
// CheckJobSpec, with an empty environment and no accounts. Either a spec or errors: a
// failure names a subject, and CheckJobSpec fails exactly when BuildJobSpec does.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check.h"
#include "unload/job_spec.h"

using s3u::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace s3u::unload;  // NOLINT: fuzzer entry point
  SpecSources sources;
  sources.toml_text = std::string(reinterpret_cast<const char*>(data), size);
  sources.toml_path = "fuzz.toml";
  const auto built = BuildJobSpec(sources);
  const auto checked = CheckJobSpec(sources);
  Check(built.has_value() == checked.has_value());
  if (built) {
    Check(!built->Extension().empty());
  } else {
    Check(!checked.error().empty());
  }
  return 0;
}
