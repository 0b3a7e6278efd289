// Conformance of the emulator's query API with what real Domo sends for numbers (domo-api.md
// §3.8: "numbers are JSON numbers"; issue 13): every LONG, DOUBLE and DECIMAL goes out as the
// digits stored, as the export (GET .../data) gives them, never re-spelled through a double.
// Raw HTTP: the answer's bytes are compared as text, since a JSON parser would itself round.
#include <gtest/gtest.h>

#include <string>

#include "conformance_util.h"

namespace s3u::emulator {
namespace {

using nlohmann::json;
using testing::RawAnswer;

const json kSchema = {{"columns",
                       {{{"type", "LONG"}, {"name", "id"}},
                        {{"type", "LONG"}, {"name", "big"}},
                        {{"type", "DECIMAL"}, {"name", "dec"}},
                        {{"type", "DOUBLE"}, {"name", "dbl"}},
                        {{"type", "STRING"}, {"name", "s"}},
                        {{"type", "DATE"}, {"name", "d"}},
                        {{"type", "DATETIME"}, {"name", "t"}}}}};

// Header-less import CSV; unquoted empty is null.
constexpr const char* kCsv =
    "1,9007199254740993,12345678901234567890.123456789,1e300,\"007\",2026-01-05,"
    "2026-01-05T23:59:59\n"
    "2,-9223372036854775808,-99999999999999.9999,-0.0,\"x\",,\n"
    "3,9223372036854775807,123456789012345678901234567890.000000001,5e-324,,2026-12-31,"
    "2026-12-31T00:00:00\n"
    "4,,1234.50,1.7976931348623157e308,\"\",,\n"
    "5,-1,0.0,1E+300,\"1e300\",,\n"
    "6,0,-0.000000000000000000000000000001,2.5E-3,,,\n";

// What the query answer's "rows" must be, byte for byte.
constexpr const char* kRows =
    R"([[1,9007199254740993,12345678901234567890.123456789,1e300,"007","2026-01-05",)"
    R"("2026-01-05T23:59:59"],)"
    R"([2,-9223372036854775808,-99999999999999.9999,-0.0,"x",null,null],)"
    R"([3,9223372036854775807,123456789012345678901234567890.000000001,5e-324,null,)"
    R"("2026-12-31","2026-12-31T00:00:00"],)"
    R"([4,null,1234.50,1.7976931348623157e308,"",null,null],)"
    R"([5,-1,0.0,1E+300,"1e300",null,null],)"
    R"([6,0,-0.000000000000000000000000000001,2.5E-3,null,null,null]])";

class QueryNumbersConformanceTest : public testing::EmulatorConformanceTest {
 protected:
  // A dataset with kSchema holding `csv`; returns its id.
  std::string CreateWith(const std::string& csv) {
    RawAnswer created =
        Call("POST", "/v1/datasets", json{{"name", "numbers"}, {"schema", kSchema}}.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = created.Json().value("id", "");
    RawAnswer imported =
        Call("PUT", "/v1/datasets/" + id + "/data", csv, {{"Content-Type", "text/csv"}});
    EXPECT_EQ(imported.status, 204) << imported.body;
    return id;
  }
  // The text after "rows": in the query answer (the emulator writes "rows" last).
  std::string QueryRows(const std::string& id, const std::string& sql) {
    RawAnswer answer = Call("POST", "/v1/datasets/query/execute/" + id, json{{"sql", sql}}.dump());
    EXPECT_EQ(answer.status, 200) << answer.body;
    const size_t at = answer.body.find("\"rows\":");
    if (at == std::string::npos || answer.body.back() != '}') {
      ADD_FAILURE() << answer.body;
      return "";
    }
    return answer.body.substr(at + 7, answer.body.size() - at - 8);
  }
};

TEST_F(QueryNumbersConformanceTest, NumbersAreTheStoredDigitsAndOtherTypesStrings) {
  const std::string id = CreateWith(kCsv);
  EXPECT_EQ(QueryRows(id, "SELECT * FROM table ORDER BY id"), kRows);
  // The answer is valid JSON, and its metadata names the types.
  RawAnswer answer = Call("POST", "/v1/datasets/query/execute/" + id,
                          json{{"sql", "SELECT * FROM table ORDER BY id"}}.dump());
  const json j = answer.Json();
  EXPECT_EQ(j["numRows"], 6);
  EXPECT_EQ(j["metadata"][2]["type"], "DECIMAL");
}

TEST_F(QueryNumbersConformanceTest, TheExportGivesTheSameDigits) {
  const std::string id = CreateWith(kCsv);
  RawAnswer exported = Call("GET", "/v1/datasets/" + id + "/data", "", {{"Accept", "text/csv"}});
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.body,
            "1,9007199254740993,12345678901234567890.123456789,1e300,007,2026-01-05,"
            "2026-01-05T23:59:59\n"
            "2,-9223372036854775808,-99999999999999.9999,-0.0,x,,\n"
            "3,9223372036854775807,123456789012345678901234567890.000000001,5e-324,,2026-12-31,"
            "2026-12-31T00:00:00\n"
            "4,,1234.50,1.7976931348623157e308,\"\",,\n"
            "5,-1,0.0,1E+300,1e300,,\n"
            "6,0,-0.000000000000000000000000000001,2.5E-3,,,\n");
}

TEST_F(QueryNumbersConformanceTest, FilteredProjectedPagesKeepTheDigits) {
  const std::string id = CreateWith(kCsv);
  EXPECT_EQ(QueryRows(id,
                      "SELECT dec, big FROM table WHERE id >= 2 AND id <= 3 ORDER BY id "
                      "LIMIT 1 OFFSET 1"),
            "[[123456789012345678901234567890.000000001,9223372036854775807]]");
  EXPECT_EQ(QueryRows(id, "SELECT dbl FROM table WHERE big = 9007199254740993"), "[[1e300]]");
}

// Stored text that is a number but not in JSON's grammar cannot go out verbatim as a JSON
// number; it goes as a string of the same text rather than re-spelled (docs/decisions.md).
TEST_F(QueryNumbersConformanceTest, NumbersJsonCannotSpellGoAsTheirTextInAString) {
  const std::string id = CreateWith("1,+5,1.,.5,,,\n2,007,+0.50,-.25e2,,,\n");
  EXPECT_EQ(QueryRows(id, "SELECT id, big, dec, dbl FROM table ORDER BY id"),
            R"([[1,"+5","1.",".5"],[2,"007","+0.50","-.25e2"]])");
}

}  // namespace
}  // namespace s3u::emulator
