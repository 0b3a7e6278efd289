// Object keys from the job's path template. Pure.
//
// Placeholders: {dataset_id} {dataset_name} {date} (yyyy-mm-dd of the unloaded day) {yyyy}
// {mm} {dd} {run_id}; "{{" and "}}" are literal braces. {dataset_name} is made key-safe:
// every byte outside [A-Za-z0-9._-] becomes "_" (a name with "/" must not invent folders).
// A path ending in "/" (or empty) is a folder and gets the default file name
// "{dataset_id}_{date}" plus the format's extension (".csv", ".jsonl") and the compression's
// (".gz", ".zst"). A path naming a file gets the extensions it lacks ("sales.csv" with gzip
// becomes "sales.csv.gz"; "sales" becomes "sales.csv.gz").
// When the output may be split (a maximum object size is set), every object is numbered:
// "<stem>-0001<ext>", "<stem>-0002<ext>", ... so the key set is predictable either way.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace s3u::unload {

struct PathValues {
  std::string dataset_id;
  std::string dataset_name;
  std::string date;  // yyyy-mm-dd
  std::string run_id;
};

// Checks a template without values: characters an S3 key may not hold
// (s3::ValidateKeyCharacters: controls, bidi overrides, invalid UTF-8), unknown placeholders,
// unbalanced braces and a leading "/" fail with kInvalidArgument naming `subject` (and, for
// placeholders, listing the accepted ones). Everything else is the key as written: "..", ".",
// "//", "%2F", "?", "#", "+" and spaces are kept, never normalised.
Result<void> ValidatePathTemplate(std::string_view path_template, std::string_view subject);

struct ObjectName {
  std::string stem;       // key without the extension(s)
  std::string extension;  // e.g. ".csv.gz"

  // The key of object `index` (1-based) when numbered, else stem + extension.
  std::string Key(bool numbered, int index) const;
};

// REQUIRES: ValidatePathTemplate passed. `extension` is the full one (".csv.gz").
// Fails (kInvalidArgument) only if the rendered key is not a valid S3 key (over 1024 bytes).
Result<ObjectName> RenderObjectName(std::string_view path_template, const PathValues& values,
                                    std::string_view extension, std::string_view subject);

// The template with its placeholders filled in, nothing added (the domo-export engine's
// folder, where Domo names the file itself). REQUIRES: ValidatePathTemplate passed.
Result<std::string> RenderPath(std::string_view path_template, const PathValues& values,
                               std::string_view subject);

// "[A-Za-z0-9._-]" kept, every other byte "_".
std::string KeySafe(std::string_view text);

}  // namespace s3u::unload
