// The fuzz targets' assertion: an invariant that does not hold stops the run like a crash
// (libFuzzer saves the input), in every build type.
#pragma once

namespace s3u::fuzz {

inline void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace s3u::fuzz
