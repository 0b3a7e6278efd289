// Byte sizes as people write them ("8MiB", "64M", "5GB", "1048576") and as we print them.
// Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace s3u {

// Accepts a non-negative integer with an optional unit: B, K/KiB, M/MiB, G/GiB, T/TiB
// (powers of 1024) or KB, MB, GB, TB (powers of 1000); case-insensitive, no spaces inside the
// number. `subject` names the option in the error ("--part-size").
Result<uint64_t> ParseByteSize(std::string_view text, std::string_view subject);

// "0 B", "1023 B", "1.5 KiB", "8.0 MiB", "1.00 GiB".
std::string FormatBytes(uint64_t bytes);

}  // namespace s3u
