// The run's manifest: the JSON of Redshift's UNLOAD ... MANIFEST VERBOSE, so `COPY ... MANIFEST`
// and tools that read Redshift manifests take s3unload's output as it is. It is written last
// (Publish in output.h), after every object was committed: its presence marks a complete run.
//
// Shape, keys in Redshift's order:
//   {"entries": [{"url": "s3://b/k", "meta": {"content_length": N, "record_count": R}}, ...],
//    "schema": {"elements": [{"name": "col", "type": {"base": "bigint"}}, ...]},
//    "meta": {"content_length": total N, "record_count": total R},
//    "author": {"name": "s3unload", "version": "0.1.0"}}
// content_length is the object's stored (compressed) size; record_count counts data rows, not
// a CSV header. Types carry only "base": Domo types have no length, precision or scale, and
// AWS's own example of the dimension fields is not valid JSON, so none is invented.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table/types.h"

namespace s3u::unload {

struct ManifestEntry {
  std::string url;  // "s3://bucket/key"
  uint64_t content_length = 0;
  uint64_t record_count = 0;
};

// The Redshift base type written for a Domo column type: LONG "bigint" (64-bit), DOUBLE
// "double precision", DECIMAL "numeric", STRING "character varying", DATE "date", DATETIME
// "timestamp without time zone" (Domo's DATETIME values are UTC without a zone).
std::string_view RedshiftBaseType(table::ColumnType type);

// The manifest JSON (2-space indented, ending in a newline). Text that is not valid UTF-8 is
// written with U+FFFD in its place; keys from path_template.h are always valid.
std::string BuildManifest(const std::vector<ManifestEntry>& entries, const table::Schema& schema);

// The manifest's key next to the objects: `stem` (ObjectName::stem) + ".manifest", the
// counterpart of Redshift's "<prefix>manifest".
std::string ManifestKey(std::string_view stem);

}  // namespace s3u::unload
