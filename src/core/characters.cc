#include "core/characters.h"

#include <fmt/format.h>

#include <cstdint>

namespace s3u {
namespace {

// Decodes the UTF-8 sequence at s[i]: sets `cp` and `len` and returns true, or returns false
// for an invalid sequence (overlong forms, surrogates, code points above U+10FFFF, a truncated
// or stray byte).
bool DecodeUtf8(std::string_view s, size_t i, uint32_t& cp, size_t& len) {
  const auto c = static_cast<uint8_t>(s[i]);
  uint32_t min = 0;
  if (c < 0x80) {
    cp = c, len = 1;
    return true;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (i + len > s.size()) return false;
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<uint8_t>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (cc & 0x3F);
  }
  return cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

// The refused code points that have a name worth showing; the other C0 and C1 controls are
// "a control character".
struct NamedCodePoint {
  uint32_t cp;
  const char* name;
};
constexpr NamedCodePoint kRefusedNames[] = {
    {0x00, "NUL"},
    {0x09, "tab"},
    {0x0A, "line feed"},
    {0x0D, "carriage return"},
    {0x1B, "escape"},
    {0x7F, "delete"},
    {0x85, "next line"},
    {0x2028, "line separator"},
    {0x2029, "paragraph separator"},
    {0x202A, "left-to-right embedding"},
    {0x202B, "right-to-left embedding"},
    {0x202C, "pop directional formatting"},
    {0x202D, "left-to-right override"},
    {0x202E, "right-to-left override"},
    {0x2066, "left-to-right isolate"},
    {0x2067, "right-to-left isolate"},
    {0x2068, "first strong isolate"},
    {0x2069, "pop directional isolate"},
};

// The name of a refused code point, or nullptr when it is accepted.
const char* RefusedName(uint32_t cp) {
  for (const NamedCodePoint& n : kRefusedNames) {
    if (n.cp == cp) return n.name;
  }
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return "a control character";
  return nullptr;
}

std::string CodePoint(uint32_t cp) { return fmt::format("U+{:04X}", cp); }

}  // namespace

std::optional<RefusedCharacter> FindRefusedCharacter(std::string_view text) {
  size_t position = 1;
  for (size_t i = 0; i < text.size(); ++position) {
    uint32_t cp = 0;
    size_t len = 0;
    if (!DecodeUtf8(text, i, cp, len)) {
      return RefusedCharacter{
          fmt::format("is not valid UTF-8: byte 0x{:02X} at character {} (byte offset {}) does "
                      "not begin a valid sequence",
                      static_cast<uint8_t>(text[i]), position, i),
          true};
    }
    if (const char* name = RefusedName(cp)) {
      return RefusedCharacter{
          fmt::format("contains {} ({}) at character {}", CodePoint(cp), name, position), false};
    }
    i += len;
  }
  return std::nullopt;
}

size_t CharacterCount(std::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++count) {
    uint32_t cp = 0;
    size_t len = 0;
    i += DecodeUtf8(text, i, cp, len) ? len : 1;
  }
  return count;
}

size_t Utf8Length(std::string_view text, size_t i) {
  uint32_t cp = 0;
  size_t len = 0;
  return DecodeUtf8(text, i, cp, len) ? len : 0;
}

std::string Printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t len = 0;
    if (!DecodeUtf8(s, i, cp, len)) {
      out += fmt::format("<0x{:02X}>", static_cast<uint8_t>(s[i]));
      ++i;
      continue;
    }
    if (RefusedName(cp) != nullptr) {
      out += "<" + CodePoint(cp) + ">";
    } else {
      out += s.substr(i, len);
    }
    i += len;
  }
  return out;
}

}  // namespace s3u
