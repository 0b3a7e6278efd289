#include "core/text.h"

#include <algorithm>

namespace s3u {
namespace {
constexpr bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
}  // namespace

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string WithoutUserInfo(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t authority_end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at == std::string_view::npos || at < start || at >= authority_end) return std::string(url);
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(at));
}

}  // namespace s3u
