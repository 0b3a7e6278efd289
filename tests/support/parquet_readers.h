// Parquet read back in the tests by two independent readers (tests/readers/read_parquet.mjs:
// DuckDB's engine and hyparquet), and every value compared with the source rows.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "parquet/encoding.h"
#include "table/types.h"
#include "unload/parquet_rows.h"

namespace s3u::test {

// Source rows own their text (table::FieldValue only views it).
using Value = std::optional<std::string>;
using Rows = std::vector<std::vector<Value>>;

// Runs tests/readers/read_parquet.mjs on `bytes` written to a file.
inline nlohmann::json Read(const std::string& reader, const std::string& bytes) {
  const auto dir = std::filesystem::temp_directory_path() / "s3unload-parquet-test";
  std::filesystem::create_directories(dir);
  const auto file = dir / (reader + "-" + std::to_string(::getpid()) + ".parquet");
  std::ofstream(file, std::ios::binary) << bytes;
  const std::string command = std::string("node ") + S3UNLOAD_READERS_DIR + "/read_parquet.mjs " +
                              reader + " " + file.string() + " 2>&1";
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[65536];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << reader << ": " << out;
  if (status != 0) return nlohmann::json::object({{"rows", nlohmann::json::array()}});
  return nlohmann::json::parse(out);
}

// What a reader must print for a source value (read_parquet.mjs's exact text forms).
inline std::optional<std::string> Expected(table::ColumnType type, const Value& v, int scale = 9) {
  if (!v) return std::nullopt;
  switch (type) {
    case table::ColumnType::kDate:
      return std::to_string(table::ParseDate(*v)->time_since_epoch().count());
    case table::ColumnType::kDateTime:
      return std::to_string(*unload::ParseTimestampMicros(*v));
    case table::ColumnType::kDecimal: {
      auto unscaled = parquet::ParseDecimal(*v, 38, scale);
      const bool negative = *unscaled < 0;
      parquet::UInt128 u = static_cast<parquet::UInt128>(negative ? -*unscaled : *unscaled);
      std::string digits;
      do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
        u /= 10;
      } while (u != 0);
      if (scale > 0) {
        if (digits.size() <= static_cast<size_t>(scale))
          digits.insert(0, scale + 1 - digits.size(), '0');
        digits.insert(digits.size() - scale, ".");
      }
      return (negative ? "-" : "") + digits;
    }
    default:
      return *v;
  }
}

// Compares every value a reader printed with the rows written.
inline void ExpectRows(const std::string& reader, const nlohmann::json& got,
                       const table::Schema& schema, const Rows& rows) {
  ASSERT_EQ(got["rows"].size(), rows.size()) << reader;
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < schema.size(); ++c) {
      const nlohmann::json& value = got["rows"][r][c];
      const auto want = Expected(schema[c].type, rows[r][c]);
      const std::string where = reader + " row " + std::to_string(r) + " " + schema[c].name;
      if (!want) {
        EXPECT_TRUE(value.is_null()) << where << ": " << value;
        continue;
      }
      ASSERT_TRUE(value.is_string()) << where << ": " << value;
      if (schema[c].type == table::ColumnType::kDouble) {
        // The same double, bit for bit (NaN: any NaN).
        const double a = *unload::ParseDouble(*want);
        double b = 0;
        const std::string text = value.get<std::string>();
        if (text == "NaN") {
          EXPECT_TRUE(std::isnan(a)) << where;
          continue;
        }
        b = text == "Infinity"    ? INFINITY
            : text == "-Infinity" ? -INFINITY
                                  : std::strtod(text.c_str(), nullptr);
        EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << where << ": " << text << " vs " << *want;
      } else {
        EXPECT_EQ(value.get<std::string>(), *want) << where;
      }
    }
  }
}

}  // namespace s3u::test
