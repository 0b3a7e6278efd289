#include "domo/json_numbers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3u::domo {
namespace {

std::vector<std::string> All(std::string_view json) {
  NumberTokens tokens(json);
  std::vector<std::string> out;
  for (std::string_view t = tokens.Next(); !t.empty(); t = tokens.Next()) out.emplace_back(t);
  return out;
}

TEST(NumberTokensTest, ReturnsEachNumberAsWrittenInDocumentOrder) {
  EXPECT_EQ(All(R"({"a":[1, -0.0, 1E+300,5e-324],"b":{"c":-12345678901234567890.5}})"),
            (std::vector<std::string>{"1", "-0.0", "1E+300", "5e-324", "-12345678901234567890.5"}));
}

TEST(NumberTokensTest, SkipsDigitsInStringsAndKeysAndLiterals) {
  EXPECT_EQ(All(R"({"12":"34","x-5":[true,false,null,"6e7"],"k":8})"),
            (std::vector<std::string>{"8"}));
}

TEST(NumberTokensTest, AnEscapedQuoteDoesNotEndAString) {
  EXPECT_EQ(All(R"(["a\"1",2,"\\",3,"\\\"4",5,"\u0031",6])"),
            (std::vector<std::string>{"2", "3", "5", "6"}));
}

TEST(NumberTokensTest, SkipMovesPastCountNumbersAndTheEndIsEmpty) {
  NumberTokens tokens("[1,2,3]");
  tokens.Skip(2);
  EXPECT_EQ(tokens.Next(), "3");
  EXPECT_EQ(tokens.Next(), "");
  EXPECT_EQ(tokens.Next(), "");
  EXPECT_EQ(All(R"(["unterminated 1)"), std::vector<std::string>{});
  EXPECT_EQ(All(""), std::vector<std::string>{});
}

}  // namespace
}  // namespace s3u::domo
