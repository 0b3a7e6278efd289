#include "table/types.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace s3u::table {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

constexpr ColumnType kAllTypes[] = {ColumnType::kString, ColumnType::kDecimal,
                                    ColumnType::kLong,   ColumnType::kDouble,
                                    ColumnType::kDate,   ColumnType::kDateTime};

// --- Column type names -----------------------------------------------------------------------

TEST(ColumnTypeTest, NameRoundTripsThroughParse) {
  for (ColumnType type : kAllTypes) {
    const auto parsed = ParseColumnType(ColumnTypeName(type), "t");
    ASSERT_TRUE(parsed) << ColumnTypeName(type);
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(ColumnTypeName(ColumnType::kDateTime), "DATETIME");
}

TEST(ColumnTypeTest, RejectsOtherSpellingsNamingSubjectAndAcceptedValues) {
  for (std::string_view bad : {"string", "Long", "INT", "", " STRING", "DATE_TIME", "DATETIME "}) {
    const auto parsed = ParseColumnType(bad, "schema.columns[2].type");
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().subject, "schema.columns[2].type");
    EXPECT_NE(parsed.error().message.find("STRING, DECIMAL, LONG, DOUBLE, DATE, DATETIME"),
              std::string::npos);
  }
}

TEST(FindColumnTest, FindsExactNameOnly) {
  const Schema schema = {{"id", ColumnType::kLong}, {"Name", ColumnType::kString}};
  EXPECT_EQ(FindColumn(schema, "Name"), 1u);
  EXPECT_EQ(FindColumn(schema, "id"), 0u);
  EXPECT_EQ(FindColumn(schema, "name"), std::nullopt);
  EXPECT_EQ(FindColumn(schema, ""), std::nullopt);
  EXPECT_EQ(FindColumn({}, "id"), std::nullopt);
}

// --- Dates -----------------------------------------------------------------------------------

TEST(ParseDateTest, AcceptsValidDatesIncludingLeapDay) {
  EXPECT_EQ(ParseDate("1970-01-01"), sys_days(1970y / 1 / 1));
  EXPECT_EQ(ParseDate("2024-02-29"), sys_days(2024y / 2 / 29));
  EXPECT_EQ(ParseDate("2000-02-29"), sys_days(2000y / 2 / 29));
  EXPECT_EQ(ParseDate("9999-12-31"), sys_days(9999y / 12 / 31));
}

TEST(ParseDateTest, RejectsInvalidCalendarDates) {
  for (std::string_view bad : {"2023-02-29", "1900-02-29", "2026-02-30", "2024-04-31", "2024-13-01",
                               "2024-00-10", "2024-01-00", "2024-01-32"}) {
    EXPECT_EQ(ParseDate(bad), std::nullopt) << bad;
  }
}

TEST(ParseDateTest, RejectsOtherShapes) {
  for (std::string_view bad :
       {"", "2024-1-01", "2024-01-1", "24-01-01", "2024/01/01", "2024-01-01 ", " 2024-01-01",
        "2024-01-01T00:00:00", "12/30/2016", "+024-01-01", "2024-0a-01", "20240101"}) {
    EXPECT_EQ(ParseDate(bad), std::nullopt) << bad;
  }
}

TEST(ParseDateTimeTest, AcceptsDomoSpellings) {
  const Seconds expected = sys_days(2019y / 3 / 19) + 18h + 49min + 2s;
  for (std::string_view text :
       {"2019-03-19T18:49:02", "2019-03-19T18:49:02Z", "2019-03-19 18:49:02",
        "2019-03-19T18:49:02.999", "2019-03-19T18:49:02.5Z", "2019-03-19 18:49:02.123456789"}) {
    EXPECT_EQ(ParseDateTime(text), expected) << text;
  }
}

TEST(ParseDateTimeTest, BareDateIsMidnight) {
  EXPECT_EQ(ParseDateTime("2024-02-29"), Seconds(sys_days(2024y / 2 / 29)));
}

TEST(ParseDateTimeTest, AcceptsClockLimits) {
  EXPECT_EQ(ParseDateTime("2023-12-31T23:59:59"), Seconds(sys_days(2024y / 1 / 1)) - 1s);
  EXPECT_EQ(ParseDateTime("2023-12-31T00:00:00"), Seconds(sys_days(2023y / 12 / 31)));
}

TEST(ParseDateTimeTest, RejectsMalformedOrOutOfRange) {
  for (std::string_view bad :
       {"2023-02-29T00:00:00", "2024-01-01T24:00:00", "2024-01-01T23:60:00", "2024-01-01T23:59:60",
        "2024-01-01T1:00:00", "2024-01-01T10:00", "2024-01-01t10:00:00", "2024-01-01T10:00:00z",
        "2024-01-01T10:00:00.", "2024-01-01T10:00:00.Z", "2024-01-01T10:00:00+00:00",
        "2024-01-01T10:00:00ZZ", "2024-01-01T10:00:00 ", "2024-01-01T", "2024-01-01 ",
        "2024-01-01X10:00:00", "2024-01-01T10-00-00", ""}) {
    EXPECT_EQ(ParseDateTime(bad), std::nullopt) << bad;
  }
}

TEST(FormatDateTest, WritesCanonicalSpellings) {
  EXPECT_EQ(FormatDate(sys_days(2024y / 2 / 9)), "2024-02-09");
  EXPECT_EQ(FormatDate(sys_days(1970y / 1 / 1)), "1970-01-01");
  EXPECT_EQ(FormatDateTime(sys_days(2019y / 3 / 19) + 8h + 4min + 2s), "2019-03-19T08:04:02");
  EXPECT_EQ(FormatDateTime(Seconds(sys_days(1969y / 12 / 31))), "1969-12-31T00:00:00");
}

RC_GTEST_PROP(DateTimeProp, FormatThenParseIsIdentity, ()) {
  // Years 0000..9999 are what the four-digit format can spell.
  const int64_t first = Seconds(sys_days(0y / 1 / 1)).time_since_epoch().count();
  const int64_t last = Seconds(sys_days(9999y / 12 / 31) + 86399s).time_since_epoch().count();
  const Seconds instant{std::chrono::seconds(*rc::gen::inRange(first, last + 1))};
  RC_ASSERT(ParseDateTime(FormatDateTime(instant)) == instant);
  const Days day = std::chrono::floor<std::chrono::days>(instant);
  RC_ASSERT(ParseDate(FormatDate(day)) == day);
}

// --- Values ----------------------------------------------------------------------------------

TEST(IsValidValueTest, LongAcceptsSigned64BitRange) {
  for (std::string_view ok : {"0", "-12", "10000000", "+7", "007", "9223372036854775807",
                              "-9223372036854775807", "-9223372036854775808"}) {
    EXPECT_TRUE(IsValidValue(ColumnType::kLong, ok)) << ok;
  }
}

TEST(IsValidValueTest, LongRejectsOverflowAndNonIntegers) {
  for (std::string_view bad :
       {"9223372036854775808", "-9223372036854775809", "99999999999999999999", "", "-", "+", "+-1",
        "1.0", "1e3", " 1", "1 ", "0x10", "1,000", "--1", "12a"}) {
    EXPECT_FALSE(IsValidValue(ColumnType::kLong, bad)) << bad;
  }
}

TEST(IsValidValueTest, DoubleAcceptsDecimalAndScientificForms) {
  for (std::string_view ok : {"0.0035", "1e-5", "-0.5", "1", "-1", "+2.5", "1.", ".5", "1E10",
                              "6.02e+23", "-1.5E-3", "123.4500"}) {
    EXPECT_TRUE(IsValidValue(ColumnType::kDouble, ok)) << ok;
  }
}

TEST(IsValidValueTest, DoubleRejectsOtherText) {
  for (std::string_view bad : {"", ".", "-", "e5", "1e", "1e+", "1.5.2", "NaN", "inf", "Infinity",
                               "0x1p3", " 1.5", "1.5 ", "1,5", "1e5.5", "--1"}) {
    EXPECT_FALSE(IsValidValue(ColumnType::kDouble, bad)) << bad;
  }
}

TEST(IsValidValueTest, DecimalAcceptsFixedPointOnly) {
  for (std::string_view ok : {"123.4500", "-0.5", "0", "+10", "99999999999999999999999.1"}) {
    EXPECT_TRUE(IsValidValue(ColumnType::kDecimal, ok)) << ok;
  }
  for (std::string_view bad : {"1e-5", "1E5", "", ".", "abc", "1.2.3", " 1", "NaN"}) {
    EXPECT_FALSE(IsValidValue(ColumnType::kDecimal, bad)) << bad;
  }
}

TEST(IsValidValueTest, DateAndDateTimeFollowTheParsers) {
  EXPECT_TRUE(IsValidValue(ColumnType::kDate, "2024-02-29"));
  EXPECT_FALSE(IsValidValue(ColumnType::kDate, "2023-02-29"));
  EXPECT_FALSE(IsValidValue(ColumnType::kDate, "2024-02-28T00:00:00"));
  EXPECT_TRUE(IsValidValue(ColumnType::kDateTime, "2024-02-28 10:00:00"));
  EXPECT_TRUE(IsValidValue(ColumnType::kDateTime, "2024-02-28T10:00:00.25Z"));
  EXPECT_FALSE(IsValidValue(ColumnType::kDateTime, "2024-02-28T25:00:00"));
}

TEST(IsValidValueTest, StringAcceptsAnything) {
  for (std::string_view any : {"", "\\N", "a,b", "\"", "\n", "2023-02-29"}) {
    EXPECT_TRUE(IsValidValue(ColumnType::kString, any));
  }
}

TEST(IsJsonNumberTest, AcceptsJsonsGrammarOnly) {
  for (const char* ok : {"0", "-0", "-0.0", "10.50", "1e300", "1E+300", "5e-324", "2.5E-3",
                         "123456789012345678901234567890.000000001", "1e999"}) {
    EXPECT_TRUE(IsJsonNumber(ok)) << ok;
  }
  for (const char* bad : {"", "-", "+5", "007", "01", "1.", ".5", "-.5", "1e", "1e+", "1.e3", " 1",
                          "1 ", "NaN", "Infinity", "0x10", "1,5", "--1"}) {
    EXPECT_FALSE(IsJsonNumber(bad)) << bad;
  }
}

}  // namespace
}  // namespace s3u::table
