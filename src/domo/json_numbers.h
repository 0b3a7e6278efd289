// The text of a JSON document's number tokens, exactly as they were sent. JSON parsers turn
// a number into an int64 or a double, which drops digits (a DECIMAL of 30 digits, a LONG
// beyond 2^53 read as a double) and spelling (-0.0, 1E5); query pages must hand on the text
// (issue 13). A parser walks the document and, for each number it meets in document order,
// takes the next token from a NumberTokens over the same text.
//
// Thread-safety: a NumberTokens is a cursor used by one thread; it does not own the text.
#pragma once

#include <cstddef>
#include <string_view>

namespace s3u::domo {

class NumberTokens {
 public:
  // REQUIRES: `json` outlives this cursor.
  explicit NumberTokens(std::string_view json) : json_(json) {}

  // The next number token after the previous one: a run of [-+.0-9eE] starting with '-' or
  // a digit outside a string; empty when there is none left. For a document that parses,
  // the n-th call returns the n-th number of the document; on other text, the tokens before
  // the first syntax error are still the right ones.
  std::string_view Next();
  // Next(), `count` times.
  void Skip(size_t count);

 private:
  std::string_view json_;
  size_t pos_ = 0;
};

}  // namespace s3u::domo
