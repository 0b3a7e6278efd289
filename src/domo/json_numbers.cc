#include "domo/json_numbers.h"

#include <cstring>

namespace s3u::domo {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsNumberChar(char c) {
  return IsDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

}  // namespace

std::string_view NumberTokens::Next() {
  const char* const begin = json_.data();
  const char* const end = begin + json_.size();
  const char* p = begin + pos_;
  while (p < end) {
    const char c = *p;
    if (c == '"') {
      // Skip the string: its closing quote is the first one after an even run of backslashes.
      ++p;
      while (true) {
        const void* quote = std::memchr(p, '"', static_cast<size_t>(end - p));
        if (quote == nullptr) {
          p = end;
          break;
        }
        const char* q = static_cast<const char*>(quote);
        size_t backslashes = 0;
        while (q - backslashes > p && *(q - backslashes - 1) == '\\') ++backslashes;
        p = q + 1;
        if (backslashes % 2 == 0) break;
      }
    } else if (c == '-' || IsDigit(c)) {
      const char* start = p;
      while (p < end && IsNumberChar(*p)) ++p;
      pos_ = static_cast<size_t>(p - begin);
      return {start, static_cast<size_t>(p - start)};
    } else {
      ++p;
    }
  }
  pos_ = json_.size();
  return {};
}

void NumberTokens::Skip(size_t count) {
  for (size_t i = 0; i < count; ++i) Next();
}

}  // namespace s3u::domo
