// The product version, in one place: `--version`, the User-Agent and the manifest's author.
#pragma once

namespace s3u {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace s3u
