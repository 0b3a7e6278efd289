// ParseQueryPage (domo/paging.h): one pass over a query page that writes every cell into the
// table straight from the answer's text. Hand-written: no packaged JSON parser does this.
// simdjson (Debian's 3.0.1, used here before) builds a tape first, copies every string into
// it and was walked again to fill the table, which was a quarter of one reader's CPU; its
// On-Demand API, which reads in place, is compiled for the build's baseline CPU only.
//
// It reads a subset of JSON exactly and gives up on anything else, which the tree parser
// (ParseQueryResult, nlohmann) then reads, so every result and every error is the tree
// parser's:
// - the document is one object; "columns" (an array of strings) comes before "rows";
//   "metadata" is absent, null or an array; none of the three appears twice (nlohmann keeps
//   the last of repeated keys); there is at least one column;
// - every row is an array of exactly as many cells as there are columns, each a string, a
//   number, true, false or null (a nested value, a short or long row is the tree parser's
//   error);
// - strings are valid UTF-8 without raw control characters, with the escapes JSON defines
//   (\u surrogates in pairs); a number is JSON's grammar, and one with an exponent or of
//   more than 300 characters must be a finite double (nlohmann refuses 1e400 as an
//   overflow);
// - every other member's value is any JSON value nested at most kMaxDepth deep.
// Whitespace is JSON's four characters anywhere between tokens; nothing may follow the
// object (a UTF-8 byte order mark in front, which nlohmann skips, is left to it as well).
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/characters.h"
#include "core/swar.h"
#include "core/text.h"
#include "domo/paging.h"

namespace s3u::domo {
namespace {

constexpr int kMaxDepth = 64;

// The bytes of an 8-byte word that a string's scan stops at (core/swar.h): '"', '\\', a
// control character (below 0x20) or the first byte of a multi-byte UTF-8 sequence (0x80 and
// up).
uint64_t StopBytes(uint64_t word) {
  return swar::BytesEqual(word, '"') | swar::BytesEqual(word, '\\') | swar::BytesBelow(word, 0x20) |
         (word & swar::kHighs);
}

// StopBytes for 16 bytes at once (core/swar.h's Bytes16).
swar::Bytes16 StopBytes16(swar::Bytes16 v) {
  return swar::Marks16((v == '"') | (v == '\\') | (v < 0x20) | (v >= 0x80));
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A cursor over the page. Every reading function returns false where the page leaves the
// subset above, and the page is then the tree parser's.
class PageReader {
 public:
  explicit PageReader(std::string_view body)
      : begin_(body.data()), p_(body.data()), end_(body.data() + body.size()) {}

  bool Document(QueryResult& result, QueryRows& rows) {
    SkipSpace();
    if (!Take('{')) return false;
    bool columns = false, metadata = false, read_rows = false;
    std::vector<std::optional<std::string>> types;  // metadata's, one per element
    const bool read = Members([&](std::string_view key) {
      if (key == "columns") {
        if (columns) return false;
        columns = true;
        return Columns(result.columns);
      }
      if (key == "rows") {
        if (read_rows || !columns || result.columns.empty()) return false;
        read_rows = true;
        rows.Reset(result.columns.size(), static_cast<size_t>(end_ - begin_));
        return Rows(result.columns.size(), rows);
      }
      if (key == "metadata") {
        if (metadata) return false;
        metadata = true;
        return Metadata(types);
      }
      return SkipValue(0);
    });
    if (!read) return false;
    SkipSpace();
    if (p_ != end_ || !read_rows) return false;
    result.types.assign(result.columns.size(), "");
    for (size_t i = 0; i < types.size() && i < result.types.size(); ++i) {
      if (types[i]) result.types[i] = std::move(*types[i]);
    }
    return true;
  }

 private:
  bool Take(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool Word(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }
  std::string_view Text() const { return {begin_, static_cast<size_t>(end_ - begin_)}; }

  // The members of an object after its '{', up to its '}': `member(key)` reads the value at
  // p_ (a key in scratch_ is valid only until the next string is read).
  template <typename Member>
  bool Members(Member&& member) {
    SkipSpace();
    if (Take('}')) return true;
    for (;;) {
      std::string_view key;
      SkipSpace();
      if (!String(key)) return false;
      SkipSpace();
      if (!Take(':')) return false;
      SkipSpace();
      if (!member(key)) return false;
      SkipSpace();
      if (Take('}')) return true;
      if (!Take(',')) return false;
    }
  }
  // The elements of an array after its '[', up to its ']': `element()` reads each at p_.
  template <typename Element>
  bool Elements(Element&& element) {
    SkipSpace();
    if (Take(']')) return true;
    for (;;) {
      SkipSpace();
      if (!element()) return false;
      SkipSpace();
      if (Take(']')) return true;
      if (!Take(',')) return false;
    }
  }

  // A string at p_ (its opening quote): its text, decoded, in `out`: a view of the page when
  // it holds no escape, of scratch_ otherwise (valid until the next string).
  bool String(std::string_view& out) {
    if (!Take('"')) return false;
    const char* const start = p_;
    for (;;) {
      // Sixteen bytes at a time while they are there, then eight, then byte by byte.
      if constexpr (std::endian::native == std::endian::little) {
        size_t at = 16;  // where the last step stopped: 16, none
        while (at == 16 && end_ - p_ >= 16) {
          at = swar::FirstMarked16(StopBytes16(swar::Load16(p_)));
          p_ += at;
        }
        while (at == 16 && end_ - p_ >= 8) {
          uint64_t word;
          std::memcpy(&word, p_, 8);
          if (const uint64_t stops = StopBytes(word); stops != 0) {
            p_ += swar::FirstMarked(stops);
            break;
          }
          p_ += 8;
        }
      }
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\') {
        scratch_.assign(start, p_);
        if (!Escaped()) return false;
        out = scratch_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        const size_t n = Utf8Length(Text(), static_cast<size_t>(p_ - begin_));
        if (n == 0) return false;
        p_ += n;
        continue;
      }
      ++p_;  // a plain byte the byte-by-byte tail reached
    }
  }

  // The rest of a string from its first backslash at p_, decoded onto scratch_.
  bool Escaped() {
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        const size_t n = Utf8Length(Text(), static_cast<size_t>(p_ - begin_));
        if (n == 0) return false;
        scratch_.append(p_, n);
        p_ += n;
        continue;
      }
      ++p_;
      if (c != '\\') {
        scratch_ += static_cast<char>(c);
        continue;
      }
      if (p_ == end_) return false;
      const char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          scratch_ += e;
          break;
        case 'b':
          scratch_ += '\b';
          break;
        case 'f':
          scratch_ += '\f';
          break;
        case 'n':
          scratch_ += '\n';
          break;
        case 'r':
          scratch_ += '\r';
          break;
        case 't':
          scratch_ += '\t';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (!Word("\\u") || !Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp, scratch_);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  bool Hex4(uint32_t& value) {
    if (end_ - p_ < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = HexDigitValue(*p_++);
      if (d < 0) return false;
      value = value * 16 + static_cast<uint32_t>(d);
    }
    return true;
  }

  // A number token at p_, in JSON's grammar, that nlohmann also takes (a finite double).
  bool Number(std::string_view& token) {
    const char* const start = p_;
    const auto digits = [&] {
      const char* const from = p_;
      while (p_ != end_ && static_cast<unsigned char>(*p_ - '0') <= 9) ++p_;
      return p_ != from;
    };
    Take('-');
    if (!Take('0') && !digits()) return false;  // a leading zero stands alone
    if (Take('.') && !digits()) return false;
    const bool exponent = p_ != end_ && (*p_ == 'e' || *p_ == 'E');
    if (exponent) {
      ++p_;
      if (!Take('+')) Take('-');
      if (!digits()) return false;
    }
    token = std::string_view(start, static_cast<size_t>(p_ - start));
    if (exponent || token.size() > 300) {
      // Domo writes large doubles with an exponent (Java's 1.0E10): from_chars settles those
      // without a copy; only one beyond a double's range either way (overflow, which
      // nlohmann refuses, or underflow to zero, which it takes) is handed to strtod as
      // nlohmann does.
      double value;
      const auto [end, error] = std::from_chars(start, p_, value);
      if (error != std::errc() || end != p_) {
        const std::string copy(token);  // strtod reads up to a NUL
        if (!std::isfinite(std::strtod(copy.c_str(), nullptr))) return false;
      }
    }
    return true;
  }

  bool Columns(std::vector<std::string>& columns) {
    return Take('[') && Elements([&] {
             std::string_view name;
             if (!String(name)) return false;
             columns.emplace_back(name);
             return true;
           });
  }

  // "metadata": each element's "type" when it is an object whose "type" is a string.
  bool Metadata(std::vector<std::optional<std::string>>& types) {
    if (Word("null")) return true;
    return Take('[') && Elements([&] {
             std::optional<std::string>& type = types.emplace_back();
             if (!Take('{')) return SkipValue(1);
             bool seen = false;
             return Members([&](std::string_view key) {
               if (key != "type") return SkipValue(2);
               if (seen) return false;  // the tree parser keeps the last one
               seen = true;
               if (p_ == end_ || *p_ != '"') return SkipValue(2);
               std::string_view value;
               if (!String(value)) return false;
               type = std::string(value);
               return true;
             });
           });
  }

  // Any JSON value at p_, `depth` containers deep, read and dropped.
  bool SkipValue(int depth) {
    if (p_ == end_) return false;
    std::string_view ignored;
    switch (*p_) {
      case '"':
        return String(ignored);
      case 't':
        return Word("true");
      case 'f':
        return Word("false");
      case 'n':
        return Word("null");
      case '[':
        if (depth >= kMaxDepth) return false;
        ++p_;
        return Elements([&] { return SkipValue(depth + 1); });
      case '{':
        if (depth >= kMaxDepth) return false;
        ++p_;
        return Members([&](std::string_view) { return SkipValue(depth + 1); });
      default:
        return Number(ignored);
    }
  }

  // "rows": an array of rows of `width` cells each, added to `rows` as ParseQueryResult adds
  // them.
  bool Rows(size_t width, QueryRows& rows) {
    return Take('[') && Elements([&] {
             if (!Take('[')) return false;
             for (size_t c = 0; c < width; ++c) {
               SkipSpace();
               if (!Cell(rows)) return false;
               SkipSpace();
               if (!Take(c + 1 < width ? ',' : ']')) return false;
             }
             return true;
           });
  }

  bool Cell(QueryRows& rows) {
    if (p_ == end_) return false;
    std::string_view text;
    switch (*p_) {
      case '"':
        if (!String(text)) return false;
        break;
      case 'n':
        if (!Word("null")) return false;
        rows.AddNull();
        return true;
      case 't':
        if (!Word("true")) return false;
        text = "true";
        break;
      case 'f':
        if (!Word("false")) return false;
        text = "false";
        break;
      default:
        if (!Number(text)) return false;
    }
    rows.AddText(text);
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string scratch_;  // a string with escapes, decoded
};

}  // namespace

Result<QueryResult> ParseQueryPage(std::string_view body, std::string_view subject,
                                   QueryRows rows) {
  // Cell texts are never longer than their JSON (escapes only shrink), so the body's size is
  // room for all of them; a larger answer is the tree parser's error (TooLarge).
  if (body.size() <= QueryRows::kMaxText) {
    QueryResult result;
    PageReader reader(body);
    if (reader.Document(result, rows)) {
      result.rows = std::move(rows);
      return result;
    }
  }
  return ParseQueryResult(body, subject);
}

}  // namespace s3u::domo
