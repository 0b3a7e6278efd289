// The characters s3unload lets into any text a user gives it (names, keys, paths, IDs,
// secrets, URLs), and how such text is shown in a message. One owner for both, so the object
// key check (s3/uri.h), the field rules (unload/field_rules.h) and every error that quotes a
// user's value agree.
//
// Refused everywhere: invalid UTF-8 (overlong forms, surrogates and code points above
// U+10FFFF included), the C0 controls U+0000-U+001F (NUL, tab, CR, LF), DEL U+007F, the C1
// controls U+0080-U+009F, the bidirectional embeddings, overrides and isolates U+202A-U+202E and
// U+2066-U+2069, and the line and paragraph separators U+2028 and U+2029: text holding them
// breaks log lines, listings and terminals, or shows other text than it holds.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace s3u {

// The first refused character of `text`, described for a message: "contains U+000D (carriage
// return) at character 2", or "is not valid UTF-8: byte 0xFF at character 3 (byte offset 2)
// does not begin a valid sequence". Positions count characters, as an editor shows them (an
// invalid byte counts as one). nullopt when every character is accepted.
struct RefusedCharacter {
  std::string description;
  bool invalid_utf8 = false;
};
std::optional<RefusedCharacter> FindRefusedCharacter(std::string_view text);

// The length (1-4) of the valid UTF-8 sequence that begins at text[i], or 0 when none does
// (an overlong form, a surrogate, a code point above U+10FFFF, a stray or truncated byte).
// REQUIRES: i < text.size().
size_t Utf8Length(std::string_view text, size_t i);

// The number of characters (code points; an invalid byte counts as one).
size_t CharacterCount(std::string_view text);

// `text` for a message: refused characters and invalid bytes shown as <U+000D> and <0xFF>, so
// a message never carries a line break, a terminal escape or a bidi override.
std::string Printable(std::string_view text);

}  // namespace s3u
