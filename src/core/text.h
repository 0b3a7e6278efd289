// Small text helpers shared by every module (ASCII only: protocol tokens, header values, config
// keys; never user data that may hold other scripts).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace s3u {

// `s` without leading and trailing ASCII whitespace (space, \t, \r, \n, \f, \v).
std::string_view Trim(std::string_view s);

// 'A'-'Z' to 'a'-'z'; every other byte unchanged (locale-independent, unlike std::tolower).
constexpr char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string AsciiLower(std::string_view s);

// `url` with the user info of its authority ("user:password@") shown as "***@", so a URL can
// be quoted in a message without the password it may carry.
std::string WithoutUserInfo(std::string_view url);

// The value (0-15) of a hexadecimal digit, either case; -1 for any other byte.
constexpr int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Equal but for ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace s3u
