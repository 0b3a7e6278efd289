#include "unload/manifest.h"

#include "core/version.h"

#include <nlohmann/json.hpp>

namespace s3u::unload {
namespace {

// The version `s3unload --version` prints (src/cli/main.cc); keep the two together.

}  // namespace

std::string_view RedshiftBaseType(table::ColumnType type) {
  switch (type) {
    case table::ColumnType::kLong:
      return "bigint";
    case table::ColumnType::kDouble:
      return "double precision";
    case table::ColumnType::kDecimal:
      return "numeric";
    case table::ColumnType::kDate:
      return "date";
    case table::ColumnType::kDateTime:
      return "timestamp without time zone";
    case table::ColumnType::kString:
    default:
      break;
  }
  return "character varying";
}

std::string BuildManifest(const std::vector<ManifestEntry>& entries, const table::Schema& schema) {
  // ordered_json keeps Redshift's key order, which readers of manifests sometimes expect.
  using Json = nlohmann::ordered_json;
  Json list = Json::array();
  uint64_t total_length = 0;
  uint64_t total_records = 0;
  for (const ManifestEntry& e : entries) {
    list.push_back(
        {{"url", e.url},
         {"meta", {{"content_length", e.content_length}, {"record_count", e.record_count}}}});
    total_length += e.content_length;
    total_records += e.record_count;
  }
  Json elements = Json::array();
  for (const table::Column& column : schema) {
    elements.push_back(
        {{"name", column.name}, {"type", {{"base", std::string(RedshiftBaseType(column.type))}}}});
  }
  const Json manifest = {
      {"entries", std::move(list)},
      {"schema", {{"elements", std::move(elements)}}},
      {"meta", {{"content_length", total_length}, {"record_count", total_records}}},
      {"author", {{"name", "s3unload"}, {"version", kVersion}}},
  };
  // error_handler_t::replace: invalid UTF-8 becomes U+FFFD instead of a thrown type_error.
  return manifest.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string ManifestKey(std::string_view stem) { return std::string(stem) + ".manifest"; }

}  // namespace s3u::unload
