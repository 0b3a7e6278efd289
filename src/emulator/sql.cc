#include "emulator/sql.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

namespace s3u::emulator {

using table::ColumnType;

// ============================== typed values ==============================================
namespace {

// Comparisons happen in one of three domains, chosen by the column type.
enum class Domain { kText, kNumber, kInstant };

Domain DomainOf(ColumnType type) {
  switch (type) {
    case ColumnType::kLong:
    case ColumnType::kDouble:
    case ColumnType::kDecimal:
      return Domain::kNumber;
    case ColumnType::kDate:
    case ColumnType::kDateTime:
      return Domain::kInstant;
    default:
      return Domain::kText;
  }
}

// A number's text as an exact decimal, so LONG, DECIMAL and DOUBLE values and literals of any
// spelling (1, 1.0, 1e0) compare exactly without overflow or rounding. The value is
// ±0.D x 10^exponent, where D (leading and trailing zeros removed) is `head` followed by
// `tail`: two views into the text, so parsing never copies.
struct Decimal {
  bool negative = false;
  std::string_view head, tail;
  int64_t exponent = 0;

  size_t size() const { return head.size() + tail.size(); }
  char Digit(size_t i) const { return i < head.size() ? head[i] : tail[i - head.size()]; }
  int Sign() const { return size() == 0 ? 0 : (negative ? -1 : 1); }
};

size_t CountDigits(std::string_view text, size_t from) {
  size_t n = from;
  while (n < text.size() && text[n] >= '0' && text[n] <= '9') ++n;
  return n - from;
}

// [+-]digits[.digits][(e|E)[+-]digits] with at least one mantissa digit; no NaN/Infinity.
std::optional<Decimal> ParseDecimal(std::string_view text) {
  Decimal d;
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) d.negative = text[i++] == '-';
  std::string_view int_part = text.substr(i, CountDigits(text, i));
  i += int_part.size();
  std::string_view frac_part;
  if (i < text.size() && text[i] == '.') {
    frac_part = text.substr(i + 1, CountDigits(text, i + 1));
    i += 1 + frac_part.size();
  }
  if (int_part.empty() && frac_part.empty()) return std::nullopt;
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && text[i] == '+') ++i;  // from_chars takes '-' but not '+'
    const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), exponent);
    // Bounded so exponent arithmetic below cannot overflow.
    if (ec != std::errc() || exponent > 1'000'000'000 || exponent < -1'000'000'000) {
      return std::nullopt;
    }
    i = static_cast<size_t>(end - text.data());
  }
  if (i != text.size()) return std::nullopt;

  const size_t int_zeros = std::min(int_part.find_first_not_of('0'), int_part.size());
  int_part.remove_prefix(int_zeros);
  if (int_part.empty()) {
    const size_t frac_zeros = std::min(frac_part.find_first_not_of('0'), frac_part.size());
    frac_part.remove_prefix(frac_zeros);
    d.head = frac_part;
    d.exponent = exponent - static_cast<int64_t>(frac_zeros);
  } else {
    d.head = int_part;
    d.tail = frac_part;
    d.exponent = exponent + static_cast<int64_t>(int_part.size());
  }
  auto strip_trailing_zeros = [](std::string_view& s) {
    while (!s.empty() && s.back() == '0') s.remove_suffix(1);
  };
  strip_trailing_zeros(d.tail);
  if (d.tail.empty()) strip_trailing_zeros(d.head);
  return d;
}

int CompareDecimals(const Decimal& a, const Decimal& b) {
  const int sa = a.Sign(), sb = b.Sign();
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int magnitude = 0;
  if (a.exponent != b.exponent) {
    magnitude = a.exponent < b.exponent ? -1 : 1;
  } else {
    // Trailing zeros are stripped, so digit-wise lexicographic order is numeric order.
    const size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n && magnitude == 0; ++i) {
      if (a.Digit(i) != b.Digit(i)) magnitude = a.Digit(i) < b.Digit(i) ? -1 : 1;
    }
    if (magnitude == 0 && a.size() != b.size()) magnitude = a.size() < b.size() ? -1 : 1;
  }
  return sa * magnitude;
}

// A non-null value parsed for comparison in its column's domain.
struct Key {
  std::string_view text;   // kText
  Decimal number;          // kNumber
  table::Seconds instant;  // kInstant: DATE values are their midnight
};

std::optional<Key> ParseKey(Domain domain, std::string_view text) {
  Key key;
  switch (domain) {
    case Domain::kNumber: {
      auto number = ParseDecimal(text);
      if (!number) return std::nullopt;
      key.number = *number;
      return key;
    }
    case Domain::kInstant: {
      auto instant = table::ParseDateTime(text);  // also takes bare dates, as midnight
      if (!instant) return std::nullopt;
      key.instant = *instant;
      return key;
    }
    default:
      key.text = text;
      return key;
  }
}

int Sign(auto a, auto b) { return a < b ? -1 : (b < a ? 1 : 0); }

int CompareKeys(Domain domain, const Key& a, const Key& b) {
  switch (domain) {
    case Domain::kNumber:
      return CompareDecimals(a.number, b.number);
    case Domain::kInstant:
      return Sign(a.instant, b.instant);
    default:
      // string_view compares like memcmp: bytewise, as unsigned bytes.
      return Sign(a.text.compare(b.text), 0);
  }
}

// ============================== LIKE =======================================================

size_t NextCodePoint(std::string_view text, size_t i) {
  ++i;
  while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  return i;
}

// '%' matches any run of characters, '_' exactly one (a UTF-8 code point, not a byte); there
// is no escape character. Greedy matching that backtracks only to the last '%': linear
// for patterns with a single '%', O(n*m) worst case.
bool LikeMatches(std::string_view text, std::string_view pattern) {
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = ++p;
      star_t = t;
    } else if (p < pattern.size() && pattern[p] == '_') {
      t = NextCodePoint(text, t);
      ++p;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++t;
      ++p;
    } else if (star_p != std::string_view::npos) {
      p = star_p;
      t = star_t = NextCodePoint(text, star_t);
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

}  // namespace

int CompareValues(ColumnType type, const Value& a, const Value& b) {
  if (!a || !b) return Sign(a.has_value(), b.has_value());
  const Domain domain = DomainOf(type);
  const auto ka = ParseKey(domain, *a), kb = ParseKey(domain, *b);
  // Text that is not a value of the type (it cannot come from a validated import) still needs
  // a total order: it sorts after nulls and before valid values, bytewise among itself.
  if (!ka || !kb) {
    if (ka.has_value() != kb.has_value()) return ka ? 1 : -1;
    return Sign(a->compare(*b), 0);
  }
  return CompareKeys(domain, *ka, *kb);
}

// ============================== predicates ================================================

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct Predicate::Node {
  enum class Kind { kAnd, kOr, kNot, kCompare, kBetween, kIn, kIsNull, kLike };
  Kind kind = Kind::kAnd;
  std::vector<std::shared_ptr<const Node>> children;  // kAnd / kOr: 2+; kNot: 1
  // Leaves:
  size_t column = 0;
  ColumnType type = ColumnType::kString;  // the column's
  Domain domain = Domain::kText;
  CompareOp op = CompareOp::kEq;  // kCompare
  bool negated = false;           // NOT BETWEEN / NOT IN / IS NOT NULL / NOT LIKE
  // kCompare: 1, kBetween: 2 (low, high), kIn: 1+, kLike: the pattern. `keys` parallels
  // `literals` and views into it, so a Node is never copied or changed after MakeLeaf.
  std::vector<std::string> literals;
  std::vector<Key> keys;
};

namespace {

using NodePtr = std::shared_ptr<const Predicate::Node>;
using Kind = Predicate::Node::Kind;

enum class Truth { kFalse, kTrue, kUnknown };

Truth FromBool(bool b) { return b ? Truth::kTrue : Truth::kFalse; }

Truth Not(Truth t) {
  if (t == Truth::kUnknown) return t;
  return t == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
}

bool Holds(CompareOp op, int c) {
  switch (op) {
    case CompareOp::kEq:
      return c == 0;
    case CompareOp::kNe:
      return c != 0;
    case CompareOp::kLt:
      return c < 0;
    case CompareOp::kLe:
      return c <= 0;
    case CompareOp::kGt:
      return c > 0;
    default:
      return c >= 0;
  }
}

// `literal op column` is `column Mirror(op) literal`.
CompareOp Mirror(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return CompareOp::kGt;
    case CompareOp::kLe:
      return CompareOp::kGe;
    case CompareOp::kGt:
      return CompareOp::kLt;
    case CompareOp::kGe:
      return CompareOp::kLe;
    default:
      return op;
  }
}

Truth Evaluate(const Predicate::Node& node, const Row& row) {
  switch (node.kind) {
    case Kind::kAnd:
    case Kind::kOr: {
      // Kleene logic: a decisive child (false for AND, true for OR) wins over UNKNOWN.
      const Truth decisive = node.kind == Kind::kAnd ? Truth::kFalse : Truth::kTrue;
      Truth result = Not(decisive);
      for (const auto& child : node.children) {
        const Truth t = Evaluate(*child, row);
        if (t == decisive) return t;
        if (t == Truth::kUnknown) result = t;
      }
      return result;
    }
    case Kind::kNot:
      return Not(Evaluate(*node.children.front(), row));
    default:
      break;
  }
  const Value* value = node.column < row.size() ? &row[node.column] : nullptr;
  if (node.kind == Kind::kIsNull) return FromBool((value == nullptr || !*value) != node.negated);
  if (value == nullptr || !*value) return Truth::kUnknown;
  if (node.kind == Kind::kLike) {
    return FromBool(LikeMatches(**value, node.literals.front()) != node.negated);
  }
  // A value that is not valid for its type compares as UNKNOWN, like a null.
  const auto key = ParseKey(node.domain, **value);
  if (!key) return Truth::kUnknown;
  auto compare = [&](size_t i) { return CompareKeys(node.domain, *key, node.keys[i]); };
  switch (node.kind) {
    case Kind::kCompare:
      return FromBool(Holds(node.op, compare(0)));
    case Kind::kBetween:
      return FromBool((compare(0) >= 0 && compare(1) <= 0) != node.negated);
    default: {  // kIn
      bool found = false;
      for (size_t i = 0; i < node.keys.size() && !found; ++i) found = compare(i) == 0;
      return FromBool(found != node.negated);
    }
  }
}

table::Seconds PlusOneSecond(table::Seconds t) {
  return t == table::Seconds::max() ? t : t + std::chrono::seconds(1);
}

// Bounds of AND (intersection) and OR (hull: conservative when the union has a gap).
InstantRange Intersect(const InstantRange& a, const InstantRange& b) {
  return {std::max(a.from, b.from), std::min(a.to, b.to)};
}
InstantRange Hull(const InstantRange& a, const InstantRange& b) {
  return {std::min(a.from, b.from), std::max(a.to, b.to)};
}
LongRange Intersect(const LongRange& a, const LongRange& b) {
  return {std::max(a.min, b.min), std::min(a.max, b.max)};
}
LongRange Hull(const LongRange& a, const LongRange& b) {
  if (a.Empty()) return b;
  if (b.Empty()) return a;
  return {std::min(a.min, b.min), std::max(a.max, b.max)};
}

// The range a predicate implies for `column`: `leaf(node)` gives it for each comparison,
// BETWEEN or IN on the column, and with `never_null` (the column holds no null) for IS NULL on
// it; junctions combine their children's; anything else (NOT, <>, IS NULL on a column that
// may hold nulls, LIKE, other columns) leaves it unbounded.
template <typename Range, typename Leaf>
Range BoundsOf(const Predicate::Node& node, size_t column, const Leaf& leaf,
               bool never_null = false) {
  switch (node.kind) {
    case Kind::kAnd:
    case Kind::kOr: {
      Range r = BoundsOf<Range>(*node.children.front(), column, leaf, never_null);
      for (size_t i = 1; i < node.children.size(); ++i) {
        const Range c = BoundsOf<Range>(*node.children[i], column, leaf, never_null);
        r = node.kind == Kind::kAnd ? Intersect(r, c) : Hull(r, c);
      }
      return r;
    }
    case Kind::kCompare:
    case Kind::kBetween:
    case Kind::kIn:
      if (node.column == column && !node.negated) return leaf(node);
      return Range{};
    case Kind::kIsNull:
      if (never_null && node.column == column && !node.negated) return leaf(node);
      return Range{};
    default:
      return Range{};
  }
}

InstantRange InstantLeafBounds(const Predicate::Node& node) {
  InstantRange all;
  if (node.domain != Domain::kInstant) return all;
  if (node.kind == Kind::kCompare) {
    // Instants are whole seconds (fractions are truncated on parse), so "> x" is ">= x+1s".
    const table::Seconds x = node.keys.front().instant;
    switch (node.op) {
      case CompareOp::kEq:
        return {x, PlusOneSecond(x)};
      case CompareOp::kLt:
        return {all.from, x};
      case CompareOp::kLe:
        return {all.from, PlusOneSecond(x)};
      case CompareOp::kGt:
        return {PlusOneSecond(x), all.to};
      case CompareOp::kGe:
        return {x, all.to};
      default:
        return all;
    }
  }
  // BETWEEN low AND high, or the hull of the IN list.
  InstantRange r{table::Seconds::max(), table::Seconds::min()};
  for (const Key& key : node.keys) r = Hull(r, {key.instant, PlusOneSecond(key.instant)});
  return r;
}

// ---- LONG bounds from decimal literals (which may be fractional or beyond int64) ----------

const Decimal& MinLong() {
  static const Decimal d = *ParseDecimal("-9223372036854775808");
  return d;
}
const Decimal& MaxLong() {
  static const Decimal d = *ParseDecimal("9223372036854775807");
  return d;
}

// REQUIRES: MinLong() <= x <= MaxLong(). floor(x), and whether x is that integer.
std::pair<int64_t, bool> FloorOf(const Decimal& x) {
  uint64_t magnitude = 0;  // |x| <= 2^63 has at most 19 integer digits: fits
  for (int64_t i = 0; i < x.exponent; ++i) {
    const size_t at = static_cast<size_t>(i);
    magnitude = magnitude * 10 + static_cast<uint64_t>(at < x.size() ? x.Digit(at) - '0' : 0);
  }
  const bool exact = x.exponent >= 0 && x.size() <= static_cast<size_t>(x.exponent);
  if (!x.negative || magnitude == 0) {
    return {static_cast<int64_t>(magnitude) - (x.negative && !exact ? 1 : 0), exact};
  }
  // -magnitude written so that magnitude = 2^63 (INT64_MIN) does not overflow.
  const int64_t negated = -static_cast<int64_t>(magnitude - 1) - 1;
  return {exact ? negated : negated - 1, exact};
}

// The least LONG >= x (> x when `strict`); nullopt when no LONG is.
std::optional<int64_t> LeastLongAbove(const Decimal& x, bool strict) {
  if (CompareDecimals(x, MinLong()) < 0) return std::numeric_limits<int64_t>::min();
  const int vs_max = CompareDecimals(x, MaxLong());
  if (vs_max > 0 || (strict && vs_max == 0)) return std::nullopt;
  const auto [floor, exact] = FloorOf(x);
  return exact && !strict ? floor : floor + 1;  // x < MaxLong() here unless exact && !strict
}

// The greatest LONG <= x (< x when `strict`); nullopt when no LONG is.
std::optional<int64_t> GreatestLongBelow(const Decimal& x, bool strict) {
  if (CompareDecimals(x, MaxLong()) > 0) return std::numeric_limits<int64_t>::max();
  const int vs_min = CompareDecimals(x, MinLong());
  if (vs_min < 0 || (strict && vs_min == 0)) return std::nullopt;
  const auto [floor, exact] = FloorOf(x);
  return exact && strict ? floor - 1 : floor;  // x > MinLong() here when exact && strict
}

constexpr LongRange kNoLong{std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min()};

// [low, high] with the given strictness as LONG bounds; unbounded sides stay unbounded.
LongRange LongsBetween(const Decimal* low, bool low_strict, const Decimal* high, bool high_strict) {
  LongRange r;
  if (low) {
    const auto least = LeastLongAbove(*low, low_strict);
    if (!least) return kNoLong;
    r.min = *least;
  }
  if (high) {
    const auto greatest = GreatestLongBelow(*high, high_strict);
    if (!greatest) return kNoLong;
    r.max = *greatest;
  }
  return r;
}

LongRange LongLeafBounds(const Predicate::Node& node) {
  if (node.type != ColumnType::kLong) return {};
  if (node.kind == Kind::kIsNull) return kNoLong;  // (asked only for a column without nulls)
  const Decimal& x = node.keys.front().number;
  if (node.kind == Kind::kCompare) {
    switch (node.op) {
      case CompareOp::kEq:
        return LongsBetween(&x, false, &x, false);
      case CompareOp::kLt:
        return LongsBetween(nullptr, false, &x, true);
      case CompareOp::kLe:
        return LongsBetween(nullptr, false, &x, false);
      case CompareOp::kGt:
        return LongsBetween(&x, true, nullptr, false);
      case CompareOp::kGe:
        return LongsBetween(&x, false, nullptr, false);
      default:
        return {};
    }
  }
  if (node.kind == Kind::kBetween) return LongsBetween(&x, false, &node.keys[1].number, false);
  LongRange r = kNoLong;  // IN: the hull of its values
  for (const Key& key : node.keys)
    r = Hull(r, LongsBetween(&key.number, false, &key.number, false));
  return r;
}

// ---- exact ranges (Predicate::ExactRanges) ------------------------------------------------

using NeverNull = std::function<bool(size_t)>;

ColumnRanges Always() { return {}; }
ColumnRanges Never() {
  ColumnRanges none;
  none.never = true;
  return none;
}

bool IsEmpty(const InstantRange& r) { return r.from >= r.to; }

// Ranges of the same column are intersected; one that becomes empty makes the whole empty.
void Constrain(ColumnRanges& into, size_t column, const InstantRange& range) {
  if (into.never) return;
  for (auto& [c, r] : into.instants) {
    if (c != column) continue;
    r = Intersect(r, range);
    if (IsEmpty(r)) into = Never();
    return;
  }
  into.instants.emplace_back(column, range);
  if (IsEmpty(range)) into = Never();
}
void Constrain(ColumnRanges& into, size_t column, const LongRange& range) {
  if (into.never) return;
  for (auto& [c, r] : into.longs) {
    if (c != column) continue;
    r = Intersect(r, range);
    if (r.Empty()) into = Never();
    return;
  }
  into.longs.emplace_back(column, range);
  if (range.Empty()) into = Never();
}

bool IsAlways(const ColumnRanges& r) { return !r.never && r.instants.empty() && r.longs.empty(); }

// a OR b, when the union is again ranges: one side constant, or both one range of the same
// column that overlap or touch (a gap between them would make the union two ranges).
std::optional<ColumnRanges> Union(ColumnRanges a, ColumnRanges b) {
  if (a.never || IsAlways(b)) return b;
  if (b.never || IsAlways(a)) return a;
  if (a.instants.size() + a.longs.size() != 1 || b.instants.size() + b.longs.size() != 1) {
    return std::nullopt;
  }
  if (a.instants.size() == 1 && b.instants.size() == 1 &&
      a.instants[0].first == b.instants[0].first) {
    const InstantRange &x = a.instants[0].second, &y = b.instants[0].second;
    if (x.from > y.to || y.from > x.to) return std::nullopt;  // both non-empty here
    a.instants[0].second = Hull(x, y);
    return a;
  }
  if (a.longs.size() == 1 && b.longs.size() == 1 && a.longs[0].first == b.longs[0].first) {
    const LongRange &x = a.longs[0].second, &y = b.longs[0].second;
    // Touching: [1, 5] OR [6, 9] is [1, 9]. Written so that no bound overflows.
    auto reaches = [](const LongRange& low, const LongRange& high) {
      return low.max == std::numeric_limits<int64_t>::max() || low.max + 1 >= high.min;
    };
    if (!(reaches(x, y) && reaches(y, x))) return std::nullopt;
    a.longs[0].second = Hull(x, y);
    return a;
  }
  return std::nullopt;
}

// A leaf on a column without nulls as ranges; nullopt when it is not one range exactly.
std::optional<ColumnRanges> LeafRanges(const Predicate::Node& node) {
  if (node.kind == Kind::kIsNull) return node.negated ? Always() : Never();
  if (node.negated || node.kind == Kind::kLike) return std::nullopt;
  if (node.kind == Kind::kCompare && node.op == CompareOp::kNe) return std::nullopt;
  if (node.kind == Kind::kIn) {
    // One value (however often listed) is "= value"; several are a set with gaps.
    for (const Key& key : node.keys) {
      if (CompareKeys(node.domain, key, node.keys.front()) != 0) return std::nullopt;
    }
  }
  ColumnRanges ranges;
  if (node.domain == Domain::kInstant) {
    if (node.kind == Kind::kBetween) {
      // InstantLeafBounds gives the hull of the two ends, which is not empty when low > high.
      const table::Seconds low = node.keys[0].instant, high = node.keys[1].instant;
      if (low > high) return Never();
      Constrain(ranges, node.column, InstantRange{low, PlusOneSecond(high)});
    } else {
      Constrain(ranges, node.column, InstantLeafBounds(node));
    }
    return ranges;
  }
  if (node.type == ColumnType::kLong) {
    Constrain(ranges, node.column, LongLeafBounds(node));
    return ranges;
  }
  return std::nullopt;  // DOUBLE, DECIMAL, STRING
}

std::optional<ColumnRanges> RangesOf(const Predicate::Node& node, const NeverNull& never_null) {
  switch (node.kind) {
    case Kind::kAnd: {
      ColumnRanges all = Always();
      for (const auto& child : node.children) {
        // Every child is analysed, even after one is constantly false: a column that may be
        // null (or a LIKE) anywhere makes the whole inexact.
        auto ranges = RangesOf(*child, never_null);
        if (!ranges) return std::nullopt;
        if (ranges->never) all = Never();
        for (const auto& [c, r] : ranges->instants) Constrain(all, c, r);
        for (const auto& [c, r] : ranges->longs) Constrain(all, c, r);
      }
      return all;
    }
    case Kind::kOr: {
      std::optional<ColumnRanges> any = Never();
      for (const auto& child : node.children) {
        auto ranges = RangesOf(*child, never_null);
        if (!ranges) return std::nullopt;
        any = Union(std::move(*any), std::move(*ranges));
        if (!any) return std::nullopt;
      }
      return any;
    }
    case Kind::kNot: {
      // Only a constant negates to ranges: NOT (id IS NULL) on a column without nulls.
      auto ranges = RangesOf(*node.children.front(), never_null);
      if (!ranges) return std::nullopt;
      if (ranges->never) return Always();
      if (IsAlways(*ranges)) return Never();
      return std::nullopt;
    }
    default:
      if (!never_null(node.column)) return std::nullopt;
      return LeafRanges(node);
  }
}

// ---- building nodes (shared by the SQL parser and the export-query compiler) --------------

// The kind of a literal as written: 'text' or a number.
enum class LiteralKind { kText, kNumber };

// Why `literal` cannot be compared with `column`, or nullopt when it can: numbers go with
// LONG / DOUBLE / DECIMAL, text with STRING, and date text with DATE / DATETIME.
std::optional<std::string> LiteralProblem(const table::Column& column, LiteralKind kind,
                                          std::string_view literal) {
  const std::string what = "column \"" + column.name + "\" is " +
                           std::string(table::ColumnTypeName(column.type)) + " and takes ";
  const std::string shown =
      kind == LiteralKind::kText ? "'" + std::string(literal) + "'" : std::string(literal);
  switch (DomainOf(column.type)) {
    case Domain::kNumber:
      if (kind == LiteralKind::kNumber && ParseDecimal(literal)) return std::nullopt;
      return what + "a number, not " + shown;
    case Domain::kInstant:
      if (kind == LiteralKind::kText && table::ParseDateTime(literal)) return std::nullopt;
      return what + "'yyyy-MM-dd' or 'yyyy-MM-ddTHH:mm:ss' text, not " + shown;
    default:
      if (kind == LiteralKind::kText) return std::nullopt;
      return what + "'text', not " + shown;
  }
}

// REQUIRES: each literal passed LiteralProblem (kLike: any pattern).
NodePtr MakeLeaf(Kind kind, size_t column, ColumnType type, std::vector<std::string> literals,
                 bool negated = false, CompareOp op = CompareOp::kEq) {
  auto node = std::make_shared<Predicate::Node>();
  node->kind = kind;
  node->column = column;
  node->type = type;
  node->domain = DomainOf(type);
  node->negated = negated;
  node->op = op;
  node->literals = std::move(literals);
  if (kind != Kind::kLike) {
    for (const std::string& literal : node->literals) {
      node->keys.push_back(ParseKey(node->domain, literal).value_or(Key{}));
    }
  }
  return node;
}

NodePtr MakeNot(NodePtr child) {
  auto node = std::make_shared<Predicate::Node>();
  node->kind = Kind::kNot;
  node->children.push_back(std::move(child));
  return node;
}

// REQUIRES: children non-empty. One child is returned as is.
NodePtr MakeJunction(Kind kind, std::vector<NodePtr> children) {
  if (children.size() == 1) return std::move(children.front());
  auto node = std::make_shared<Predicate::Node>();
  node->kind = kind;
  node->children = std::move(children);
  return node;
}

std::string ColumnList(const table::Schema& schema) {
  std::string list;
  for (const auto& column : schema) {
    if (!list.empty()) list += ", ";
    list += column.name;
  }
  return list.empty() ? "(none)" : list;
}

std::string UnknownColumn(std::string_view name, const table::Schema& schema) {
  return "unknown column \"" + std::string(name) +
         "\"; the dataset's columns are: " + ColumnList(schema);
}

SelectPlan AllColumns(const table::Schema& schema) {
  SelectPlan plan;
  for (size_t i = 0; i < schema.size(); ++i) plan.projection.push_back(i);
  plan.output_schema = schema;
  return plan;
}

// Deep enough for any real filter, shallow enough that recursion cannot exhaust the stack.
constexpr int kMaxDepth = 200;

// ============================== SQL ========================================================

struct Token {
  enum class Type { kEnd, kWord, kQuotedName, kString, kNumber, kSymbol };
  Type type = Type::kEnd;
  std::string text;     // unescaped for quoted names and strings
  size_t position = 0;  // 1-based byte offset into the query
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

bool IsWordStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsWordChar(char c) { return IsWordStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Keywords that cannot be bare column names (quote them: "order"). COUNT is not among them:
// it is the function only when '(' follows.
constexpr std::string_view kReserved[] = {"SELECT", "FROM", "WHERE", "AND",  "OR",     "NOT",
                                          "ORDER",  "BY",   "ASC",   "DESC", "LIMIT",  "OFFSET",
                                          "IN",     "IS",   "NULL",  "LIKE", "BETWEEN"};

bool IsReserved(const Token& token) {
  if (token.type != Token::Type::kWord) return false;
  return std::any_of(std::begin(kReserved), std::end(kReserved),
                     [&](std::string_view word) { return EqualsIgnoreCase(token.text, word); });
}

// Recursive descent over a token list. Tokenizing first makes every error position a token's
// position and gives the parser the lookahead COUNT( needs.
class SqlParser {
 public:
  SqlParser(std::string_view sql, const table::Schema& schema) : sql_(sql), schema_(schema) {}

  Result<SelectPlan> Parse() {
    if (auto ok = Tokenize(); !ok) return Fail(ok.error());
    if (!AcceptKeyword("SELECT")) {
      return ErrorAt(Peek(),
                     "expected SELECT, found " + Describe(Peek()) + " (only SELECT is supported)");
    }
    SelectPlan plan;
    if (auto ok = ParseSelectList(plan); !ok) return Fail(ok.error());
    if (!AcceptKeyword("FROM")) return ErrorAt(Peek(), Expected("FROM after the select list"));
    const Token& table = Next();
    if ((table.type != Token::Type::kWord && table.type != Token::Type::kQuotedName) ||
        !EqualsIgnoreCase(table.text, "table")) {
      return ErrorAt(table,
                     "expected the table name `table` (the dataset is addressed as "
                     "FROM table), found " +
                         Describe(table));
    }
    // The clauses in SQL's fixed order; whatever is left is reported where it stands.
    if (AcceptKeyword("WHERE")) {
      auto where = ParseOr(0);
      if (!where) return Fail(where.error());
      plan.where = Predicate(*where);
    }
    if (AcceptKeyword("ORDER")) {
      if (!AcceptKeyword("BY")) return ErrorAt(Peek(), Expected("BY after ORDER"));
      if (plan.count_only) return ErrorAt(Peek(), "ORDER BY cannot be used with COUNT(*)");
      do {
        auto column = ParseColumn("after ORDER BY");
        if (!column) return Fail(column.error());
        OrderKey key{*column, false, schema_[*column].type};
        if (AcceptKeyword("DESC")) {
          key.descending = true;
        } else {
          AcceptKeyword("ASC");
        }
        plan.order_by.push_back(key);
      } while (AcceptSymbol(","));
    }
    if (AcceptKeyword("LIMIT")) {
      auto limit = ParseCount("LIMIT");
      if (!limit) return Fail(limit.error());
      plan.limit = *limit;
    }
    if (AcceptKeyword("OFFSET")) {
      auto offset = ParseCount("OFFSET");
      if (!offset) return Fail(offset.error());
      plan.offset = *offset;
    }
    AcceptSymbol(";");
    if (Peek().type != Token::Type::kEnd) {
      return ErrorAt(Peek(), Expected("WHERE, ORDER BY, LIMIT, OFFSET or the end of the query"));
    }
    return plan;
  }

 private:
  // ---- tokens ----

  Result<void> Tokenize() {
    size_t i = 0;
    while (i < sql_.size()) {
      const char c = sql_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
        continue;
      }
      Token token;
      token.position = i + 1;
      if (IsWordStart(c)) {
        // Bytes >= 0x80 are word characters, so non-ASCII column names work unquoted.
        size_t end = i;
        while (end < sql_.size() && IsWordChar(sql_[end])) ++end;
        token.type = Token::Type::kWord;
        token.text = sql_.substr(i, end - i);
        i = end;
      } else if (IsDigit(c) || (c == '.' && i + 1 < sql_.size() && IsDigit(sql_[i + 1]))) {
        // Unsigned: a sign is its own token, joined to the number by ParseLiteral.
        size_t end = i + CountDigits(sql_, i);
        if (end < sql_.size() && sql_[end] == '.') end += 1 + CountDigits(sql_, end + 1);
        if (end < sql_.size() && (sql_[end] == 'e' || sql_[end] == 'E')) {
          size_t exp = end + 1;
          if (exp < sql_.size() && (sql_[exp] == '+' || sql_[exp] == '-')) ++exp;
          if (CountDigits(sql_, exp) > 0) end = exp + CountDigits(sql_, exp);
        }
        token.type = Token::Type::kNumber;
        token.text = sql_.substr(i, end - i);
        i = end;
      } else if (c == '\'' || c == '"' || c == '`') {
        // A doubled quote inside is the quote itself ('it''s', "a""b").
        token.type = c == '\'' ? Token::Type::kString : Token::Type::kQuotedName;
        size_t j = i + 1;
        for (;;) {
          if (j >= sql_.size()) {
            return ErrorAt(token, std::string("unterminated ") +
                                      (c == '\'' ? "string literal" : "quoted name") +
                                      "; close it with " + c);
          }
          if (sql_[j] == c) {
            if (j + 1 < sql_.size() && sql_[j + 1] == c) {
              token.text += c;
              j += 2;
              continue;
            }
            break;
          }
          token.text += sql_[j++];
        }
        i = j + 1;
      } else {
        static constexpr std::string_view kTwoChar[] = {"<=", ">=", "<>", "!="};
        static constexpr std::string_view kOneChar = "(),*=<>;-+";
        const std::string_view two = sql_.substr(i, 2);
        token.type = Token::Type::kSymbol;
        if (std::find(std::begin(kTwoChar), std::end(kTwoChar), two) != std::end(kTwoChar)) {
          token.text = two;
        } else if (kOneChar.find(c) != std::string_view::npos) {
          token.text = std::string(1, c);
        } else {
          return ErrorAt(token, "unexpected character '" + std::string(1, c) + "'");
        }
        i += token.text.size();
      }
      tokens_.push_back(std::move(token));
    }
    Token end;
    end.position = sql_.size() + 1;
    tokens_.push_back(end);
    return {};
  }

  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() {
    const Token& token = Peek();
    if (next_ + 1 < tokens_.size()) ++next_;
    return token;
  }
  static bool IsKeyword(const Token& token, std::string_view keyword) {
    return token.type == Token::Type::kWord && EqualsIgnoreCase(token.text, keyword);
  }
  bool AcceptKeyword(std::string_view keyword) {
    if (!IsKeyword(Peek(), keyword)) return false;
    Next();
    return true;
  }
  bool AcceptSymbol(std::string_view symbol) {
    if (Peek().type != Token::Type::kSymbol || Peek().text != symbol) return false;
    Next();
    return true;
  }

  static std::string Describe(const Token& token) {
    switch (token.type) {
      case Token::Type::kEnd:
        return "the end of the query";
      case Token::Type::kString:
        return "'" + token.text + "'";
      case Token::Type::kQuotedName:
        return "\"" + token.text + "\"";
      default:
        return "'" + token.text + "'";
    }
  }
  std::string Expected(std::string_view what) const {
    return "expected " + std::string(what) + ", found " + Describe(Peek());
  }
  static tl::unexpected<Error> ErrorAt(const Token& token, const std::string& message) {
    return Fail(ErrorCode::kInvalidArgument, "sql",
                "at character " + std::to_string(token.position) + ": " + message);
  }

  // ---- clauses ----

  Result<void> ParseSelectList(SelectPlan& plan) {
    if (AcceptSymbol("*")) {
      plan = AllColumns(schema_);
      return {};
    }
    if (Peek().type == Token::Type::kWord && Peek(1).type == Token::Type::kSymbol &&
        Peek(1).text == "(") {
      const Token& function = Peek();
      auto is_symbol = [](const Token& token, std::string_view symbol) {
        return token.type == Token::Type::kSymbol && token.text == symbol;
      };
      if (!IsKeyword(function, "COUNT") || !is_symbol(Peek(2), "*") || !is_symbol(Peek(3), ")")) {
        return ErrorAt(function, "the only function supported is COUNT(*)");
      }
      next_ += 4;
      if (is_symbol(Peek(), ",")) {
        return ErrorAt(Peek(), "COUNT(*) cannot be combined with columns (there is no GROUP BY)");
      }
      plan.count_only = true;
      plan.output_schema = {{"COUNT(*)", ColumnType::kLong}};
      return {};
    }
    do {
      auto column = ParseColumn("in the select list");
      if (!column) return Fail(column.error());
      plan.projection.push_back(*column);
      plan.output_schema.push_back(schema_[*column]);
    } while (AcceptSymbol(","));
    return {};
  }

  // A column reference: bare (matched exactly, else case-insensitively when that is
  // unambiguous, as SQL folds unquoted names) or quoted (matched exactly).
  Result<size_t> ParseColumn(std::string_view context) {
    const Token& token = Peek();
    if ((token.type != Token::Type::kWord && token.type != Token::Type::kQuotedName) ||
        IsReserved(token)) {
      return ErrorAt(
          token, "expected a column name " + std::string(context) + ", found " + Describe(token));
    }
    Next();
    if (auto exact = table::FindColumn(schema_, token.text)) return *exact;
    if (token.type == Token::Type::kWord) {
      std::optional<size_t> match;
      size_t matches = 0;
      for (size_t i = 0; i < schema_.size(); ++i) {
        if (EqualsIgnoreCase(schema_[i].name, token.text)) {
          match = i;
          ++matches;
        }
      }
      if (matches == 1) return *match;
    }
    return ErrorAt(token, UnknownColumn(token.text, schema_));
  }

  Result<uint64_t> ParseCount(std::string_view clause) {
    const Token& token = Next();
    uint64_t n = 0;
    const auto [end, ec] =
        std::from_chars(token.text.data(), token.text.data() + token.text.size(), n);
    if (token.type != Token::Type::kNumber || ec != std::errc() ||
        end != token.text.data() + token.text.size()) {
      return ErrorAt(token, std::string(clause) + " takes a whole number from 0 to " +
                                std::to_string(std::numeric_limits<uint64_t>::max()) + ", found " +
                                Describe(token));
    }
    return n;
  }

  // ---- expressions: OR binds loosest, then AND, then NOT ----

  Result<NodePtr> ParseOr(int depth) {
    return ParseJunction(depth, "OR", Kind::kOr, &SqlParser::ParseAnd);
  }
  Result<NodePtr> ParseAnd(int depth) {
    return ParseJunction(depth, "AND", Kind::kAnd, &SqlParser::ParseNot);
  }
  Result<NodePtr> ParseJunction(int depth, std::string_view keyword, Kind kind,
                                Result<NodePtr> (SqlParser::*operand)(int)) {
    std::vector<NodePtr> children;
    do {
      auto child = (this->*operand)(depth);
      if (!child) return child;
      children.push_back(std::move(*child));
    } while (AcceptKeyword(keyword));
    return MakeJunction(kind, std::move(children));
  }
  Result<NodePtr> ParseNot(int depth) {
    if (depth > kMaxDepth) {
      return ErrorAt(Peek(),
                     "the condition nests deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    if (AcceptKeyword("NOT")) {
      auto child = ParseNot(depth + 1);
      if (!child) return child;
      return MakeNot(std::move(*child));
    }
    if (AcceptSymbol("(")) {
      auto inner = ParseOr(depth + 1);
      if (!inner) return inner;
      if (!AcceptSymbol(")")) return ErrorAt(Peek(), Expected("')' to close '('"));
      return inner;
    }
    return ParseCondition();
  }

  // col op lit | col [NOT] BETWEEN lit AND lit | col [NOT] IN (lit, ...) | col IS [NOT] NULL
  // | col [NOT] LIKE 'pattern'
  Result<NodePtr> ParseCondition() {
    auto column = ParseColumn("in the condition");
    if (!column) return Fail(column.error());
    const size_t index = *column;
    const ColumnType type = schema_[index].type;
    if (AcceptKeyword("IS")) {
      const bool negated = AcceptKeyword("NOT");
      if (!AcceptKeyword("NULL")) return ErrorAt(Peek(), Expected("NULL after IS"));
      return MakeLeaf(Kind::kIsNull, index, type, {}, negated);
    }
    const bool negated = AcceptKeyword("NOT");
    if (AcceptKeyword("BETWEEN")) {
      auto low = ParseLiteral(index, "after BETWEEN");
      if (!low) return Fail(low.error());
      if (!AcceptKeyword("AND")) return ErrorAt(Peek(), Expected("AND in BETWEEN ... AND ..."));
      auto high = ParseLiteral(index, "after BETWEEN ... AND");
      if (!high) return Fail(high.error());
      return MakeLeaf(Kind::kBetween, index, type, {*low, *high}, negated);
    }
    if (AcceptKeyword("IN")) {
      if (!AcceptSymbol("(")) return ErrorAt(Peek(), Expected("'(' after IN"));
      std::vector<std::string> values;
      do {
        auto value = ParseLiteral(index, "in the IN list");
        if (!value) return Fail(value.error());
        values.push_back(std::move(*value));
      } while (AcceptSymbol(","));
      if (!AcceptSymbol(")")) return ErrorAt(Peek(), Expected("',' or ')' in the IN list"));
      return MakeLeaf(Kind::kIn, index, type, std::move(values), negated);
    }
    if (AcceptKeyword("LIKE")) {
      const Token& pattern = Next();
      if (pattern.type != Token::Type::kString) {
        return ErrorAt(pattern,
                       "LIKE takes a 'quoted' pattern (% and _), found " + Describe(pattern));
      }
      return MakeLeaf(Kind::kLike, index, type, {pattern.text}, negated);
    }
    if (negated) return ErrorAt(Peek(), Expected("BETWEEN, IN or LIKE after NOT"));
    static constexpr std::pair<std::string_view, CompareOp> kOps[] = {
        {"=", CompareOp::kEq}, {"<>", CompareOp::kNe}, {"!=", CompareOp::kNe},
        {"<", CompareOp::kLt}, {"<=", CompareOp::kLe}, {">", CompareOp::kGt},
        {">=", CompareOp::kGe}};
    const Token& op_token = Peek();
    const auto* op = std::find_if(std::begin(kOps), std::end(kOps), [&](const auto& entry) {
      return op_token.type == Token::Type::kSymbol && op_token.text == entry.first;
    });
    if (op == std::end(kOps)) {
      return ErrorAt(op_token,
                     "expected a comparison (= <> != < <= > >=), BETWEEN, IN, LIKE or "
                     "IS after column \"" +
                         schema_[index].name + "\", found " + Describe(op_token));
    }
    Next();
    auto literal = ParseLiteral(index, "after " + std::string(op->first));
    if (!literal) return Fail(literal.error());
    return MakeLeaf(Kind::kCompare, index, type, {std::move(*literal)}, false, op->second);
  }

  // A 'text' or [+-]number literal that `column` can be compared with.
  Result<std::string> ParseLiteral(size_t column, const std::string& context) {
    const Token& first = Peek();
    std::string text;
    LiteralKind kind = LiteralKind::kNumber;
    if (first.type == Token::Type::kString) {
      kind = LiteralKind::kText;
      text = first.text;
      Next();
    } else if (first.type == Token::Type::kNumber) {
      text = first.text;
      Next();
    } else if (first.type == Token::Type::kSymbol && (first.text == "-" || first.text == "+") &&
               Peek(1).type == Token::Type::kNumber) {
      text = first.text + Peek(1).text;
      next_ += 2;
    } else if (IsKeyword(first, "NULL")) {
      return ErrorAt(first, "a comparison with NULL is never true; use IS NULL or IS NOT NULL");
    } else {
      return ErrorAt(first, "expected a literal ('text' or a number) " + context + ", found " +
                                Describe(first));
    }
    if (auto problem = LiteralProblem(schema_[column], kind, text)) {
      return ErrorAt(first, *problem);
    }
    return text;
  }

  std::string_view sql_;
  const table::Schema& schema_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
};

// ============================== export queryRequest ======================================

using nlohmann::json;

// The JSON tree goes through the same node builders as SQL, so both APIs filter alike. Errors
// name the JSON path of the offending part as their subject instead of a character position.
class ExportQueryCompiler {
 public:
  explicit ExportQueryCompiler(const table::Schema& schema) : schema_(schema) {}

  Result<SelectPlan> Compile(const json& query) {
    const std::string root = "queryRequest.query";
    if (query.is_null()) return AllColumns(schema_);
    if (!query.is_object()) return Invalid(root, "must be an object");
    static constexpr std::string_view kKeys[] = {"columns", "groupByColumns", "orderByColumns",
                                                 "where"};
    for (const auto& [key, value] : query.items()) {
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        return Invalid(root + "." + key,
                       "is not supported; accepted: columns, groupByColumns (empty), "
                       "orderByColumns, where");
      }
    }
    SelectPlan plan = AllColumns(schema_);
    if (const json* columns = Find(query, "columns"); columns && !columns->empty()) {
      const std::string path = root + ".columns";
      if (!columns->is_array()) return Invalid(path, "must be an array of column expressions");
      plan.projection.clear();
      plan.output_schema.clear();
      for (size_t i = 0; i < columns->size(); ++i) {
        auto column = ColumnOperand((*columns)[i], Index(path, i));
        if (!column) return Fail(column.error());
        plan.projection.push_back(*column);
        plan.output_schema.push_back(schema_[*column]);
      }
    }
    if (const json* group = Find(query, "groupByColumns"); group && !group->empty()) {
      return Invalid(root + ".groupByColumns",
                     "grouping is not supported; send an empty array or leave it out");
    }
    if (const json* order = Find(query, "orderByColumns"); order && !order->empty()) {
      const std::string path = root + ".orderByColumns";
      if (!order->is_array()) return Invalid(path, "must be an array");
      for (size_t i = 0; i < order->size(); ++i) {
        auto key = OrderByEntry((*order)[i], Index(path, i));
        if (!key) return Fail(key.error());
        plan.order_by.push_back(*key);
      }
    }
    if (const json* where = Find(query, "where"); where && !where->empty()) {
      auto root_node = Condition(*where, root + ".where", 0);
      if (!root_node) return Fail(root_node.error());
      plan.where = Predicate(*root_node);
    }
    return plan;
  }

 private:
  static tl::unexpected<Error> Invalid(const std::string& path, const std::string& message) {
    return Fail(ErrorCode::kInvalidArgument, path, message);
  }
  static std::string Index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }
  // The member `key` of `object`, or nullptr when absent or null.
  static const json* Find(const json& object, const char* key) {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }
  static std::string ExprType(const json& node) {
    const json* type = node.is_object() ? Find(node, "exprType") : nullptr;
    return type && type->is_string() ? type->get<std::string>() : std::string();
  }

  // {"column": name, "exprType": "COLUMN"} (exprType may be left out).
  Result<size_t> ColumnOperand(const json& node, const std::string& path) {
    const json* name = node.is_object() ? Find(node, "column") : nullptr;
    if (!name || !name->is_string() || (node.contains("exprType") && ExprType(node) != "COLUMN")) {
      return Invalid(path,
                     "expected a column expression {\"column\": name, \"exprType\": "
                     "\"COLUMN\"}");
    }
    const auto index = table::FindColumn(schema_, name->get<std::string>());
    if (!index) return Invalid(path + ".column", UnknownColumn(name->get<std::string>(), schema_));
    return *index;
  }

  // {"column": name} or {"expr": column expression, "direction": "ASCENDING" | "DESCENDING"}.
  Result<OrderKey> OrderByEntry(const json& entry, const std::string& path) {
    const json* expr = entry.is_object() ? Find(entry, "expr") : nullptr;
    auto column = expr ? ColumnOperand(*expr, path + ".expr") : ColumnOperand(entry, path);
    if (!column) return Fail(column.error());
    OrderKey key{*column, false, schema_[*column].type};
    if (const json* direction = Find(entry, "direction")) {
      if (*direction == "DESCENDING") {
        key.descending = true;
      } else if (*direction != "ASCENDING") {
        return Invalid(path + ".direction", "accepted: ASCENDING, DESCENDING");
      }
    }
    return key;
  }

  // {"exprType": STRING_VALUE | NUMERIC_VALUE | DATE_VALUE | DATETIME_VALUE, "value": ...}
  // checked against `column`; returns the value's text.
  Result<std::string> ValueOperand(const json& node, const std::string& path, size_t column) {
    const std::string type = ExprType(node);
    const json* value = node.is_object() ? Find(node, "value") : nullptr;
    const table::Column& target = schema_[column];
    std::string text;
    LiteralKind kind = LiteralKind::kText;
    if (type == "NUMERIC_VALUE") {
      kind = LiteralKind::kNumber;
      if (value && value->is_number()) {
        text = value->dump();  // shortest round-trip spelling, e.g. 1.5 or 1e+100
      } else if (value && value->is_string()) {
        text = value->get<std::string>();
      } else {
        return Invalid(path + ".value", "NUMERIC_VALUE takes a number (or its text)");
      }
    } else if (type == "STRING_VALUE" || type == "DATE_VALUE" || type == "DATETIME_VALUE") {
      if (!value || !value->is_string()) return Invalid(path + ".value", type + " takes a string");
      text = value->get<std::string>();
      const bool is_date = type == "DATE_VALUE";
      if (type != "STRING_VALUE" && (DomainOf(target.type) != Domain::kInstant ||
                                     !(is_date ? table::ParseDate(text).has_value()
                                               : table::ParseDateTime(text).has_value()))) {
        return Invalid(
            path, type + " takes " + (is_date ? "'yyyy-MM-dd'" : "'yyyy-MM-ddTHH:mm:ss'") +
                      " text compared with a DATE or DATETIME column; column \"" + target.name +
                      "\" is " + std::string(table::ColumnTypeName(target.type)) + ", value '" +
                      text + "'");
      }
    } else {
      return Invalid(path + ".exprType",
                     "expected a value: STRING_VALUE, NUMERIC_VALUE, DATE_VALUE or DATETIME_VALUE");
    }
    if (auto problem = LiteralProblem(target, kind, text)) return Invalid(path, *problem);
    return text;
  }

  Result<NodePtr> Condition(const json& node, const std::string& path, int depth) {
    if (depth > kMaxDepth) {
      return Invalid(path,
                     "the condition nests deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    if (!node.is_object()) return Invalid(path, "must be an object with an exprType");
    const std::string type = ExprType(node);
    if (type == "AND" || type == "OR") {
      std::vector<NodePtr> children;
      const json* exprs = Find(node, "exprs");
      if (exprs && !(exprs->is_array() && !exprs->empty())) {
        return Invalid(path + ".exprs", "must be a non-empty array of conditions");
      }
      const std::vector<std::pair<const json*, std::string>> operands =
          exprs ? Elements(*exprs, path + ".exprs")
                : std::vector<std::pair<const json*, std::string>>{
                      {Find(node, "leftExpr"), path + ".leftExpr"},
                      {Find(node, "rightExpr"), path + ".rightExpr"}};
      for (const auto& [operand, operand_path] : operands) {
        if (!operand) return Invalid(operand_path, type + " needs exprs or leftExpr and rightExpr");
        auto child = Condition(*operand, operand_path, depth + 1);
        if (!child) return child;
        children.push_back(std::move(*child));
      }
      return MakeJunction(type == "AND" ? Kind::kAnd : Kind::kOr, std::move(children));
    }
    if (type == "NOT") {
      const json* expr = Find(node, "expr");
      if (!expr) return Invalid(path + ".expr", "NOT needs the condition it negates in expr");
      auto child = Condition(*expr, path + ".expr", depth + 1);
      if (!child) return child;
      return MakeNot(std::move(*child));
    }
    if (type == "IN") return InCondition(node, path);
    static constexpr std::pair<std::string_view, CompareOp> kOps[] = {
        {"EQUALS", CompareOp::kEq},       {"NOT_EQUALS", CompareOp::kNe},
        {"LESS_THAN", CompareOp::kLt},    {"LESS_THAN_EQUAL", CompareOp::kLe},
        {"GREATER_THAN", CompareOp::kGt}, {"GREATER_THAN_EQUAL", CompareOp::kGe}};
    const auto* op = std::find_if(std::begin(kOps), std::end(kOps),
                                  [&](const auto& entry) { return entry.first == type; });
    if (op == std::end(kOps)) {
      return Invalid(path + ".exprType",
                     "unknown condition \"" + type +
                         "\"; accepted: EQUALS, NOT_EQUALS, GREATER_THAN, GREATER_THAN_EQUAL, "
                         "LESS_THAN, LESS_THAN_EQUAL, AND, OR, NOT, IN");
    }
    const json* left = Find(node, "leftExpr");
    const json* right = Find(node, "rightExpr");
    if (!left || !right) return Invalid(path, type + " needs leftExpr and rightExpr");
    // One side is the column, the other the value; a value on the left mirrors the operator.
    const bool column_left = ExprType(*left) == "COLUMN";
    if (column_left == (ExprType(*right) == "COLUMN")) {
      return Invalid(path, type +
                               " compares one COLUMN with one value (STRING_VALUE, "
                               "NUMERIC_VALUE, DATE_VALUE or DATETIME_VALUE)");
    }
    const std::string column_path = path + (column_left ? ".leftExpr" : ".rightExpr");
    const std::string value_path = path + (column_left ? ".rightExpr" : ".leftExpr");
    auto column = ColumnOperand(column_left ? *left : *right, column_path);
    if (!column) return Fail(column.error());
    auto value = ValueOperand(column_left ? *right : *left, value_path, *column);
    if (!value) return Fail(value.error());
    return MakeLeaf(Kind::kCompare, *column, schema_[*column].type, {std::move(*value)}, false,
                    column_left ? op->second : Mirror(op->second));
  }

  // {"exprType": "IN", "leftExpr": column, "rightExpr": [value, ...]}
  Result<NodePtr> InCondition(const json& node, const std::string& path) {
    const json* left = Find(node, "leftExpr");
    const json* right = Find(node, "rightExpr");
    if (!left) return Invalid(path + ".leftExpr", "IN needs the column in leftExpr");
    auto column = ColumnOperand(*left, path + ".leftExpr");
    if (!column) return Fail(column.error());
    if (!right || !right->is_array() || right->empty()) {
      return Invalid(path + ".rightExpr", "IN takes a non-empty array of values in rightExpr");
    }
    std::vector<std::string> values;
    for (const auto& [element, element_path] : Elements(*right, path + ".rightExpr")) {
      auto value = ValueOperand(*element, element_path, *column);
      if (!value) return Fail(value.error());
      values.push_back(std::move(*value));
    }
    return MakeLeaf(Kind::kIn, *column, schema_[*column].type, std::move(values));
  }

  static std::vector<std::pair<const json*, std::string>> Elements(const json& array,
                                                                   const std::string& path) {
    std::vector<std::pair<const json*, std::string>> elements;
    for (size_t i = 0; i < array.size(); ++i) elements.emplace_back(&array[i], Index(path, i));
    return elements;
  }

  const table::Schema& schema_;
};

bool IsIdentity(const std::vector<size_t>& projection, const Row& row) {
  if (projection.size() != row.size()) return false;
  for (size_t i = 0; i < projection.size(); ++i) {
    if (projection[i] != i) return false;
  }
  return true;
}

}  // namespace

Predicate::Predicate(std::shared_ptr<const Node> root) : root_(std::move(root)) {}

bool Predicate::Matches(const Row& row) const { return Evaluate(*root_, row) == Truth::kTrue; }

InstantRange Predicate::InstantBounds(size_t column) const {
  return BoundsOf<InstantRange>(*root_, column, InstantLeafBounds);
}

LongRange Predicate::LongBounds(size_t column, bool never_null) const {
  return BoundsOf<LongRange>(*root_, column, LongLeafBounds, never_null);
}

std::optional<ColumnRanges> Predicate::ExactRanges(
    const std::function<bool(size_t)>& never_null) const {
  return RangesOf(*root_, never_null);
}

Result<SelectPlan> ParseSelect(std::string_view sql, const table::Schema& schema) {
  return SqlParser(sql, schema).Parse();
}

Result<SelectPlan> ParseExportQuery(const nlohmann::json& query, const table::Schema& schema) {
  return ExportQueryCompiler(schema).Compile(query);
}

void Execute(const SelectPlan& plan, const RowScan& scan,
             const std::function<bool(const Row&)>& out) {
  auto matches = [&](const Row& row) { return !plan.where || plan.where->Matches(row); };
  if (plan.count_only) {
    uint64_t count = 0;
    scan([&](const Row& row) {
      count += matches(row) ? 1 : 0;
      return true;
    });
    // The one result row is subject to OFFSET / LIMIT like any other.
    if (plan.offset == 0 && plan.limit.value_or(1) > 0) out(Row{std::to_string(count)});
    return;
  }
  const uint64_t limit = plan.limit.value_or(std::numeric_limits<uint64_t>::max());
  if (limit == 0) return;
  Row projected;  // reused, so assigning a value reuses its string's capacity
  auto emit = [&](const Row& row) {
    if (IsIdentity(plan.projection, row)) return out(row);
    projected.resize(plan.projection.size());
    for (size_t i = 0; i < plan.projection.size(); ++i) {
      const size_t from = plan.projection[i];
      if (from < row.size()) {
        projected[i] = row[from];
      } else {
        projected[i].reset();
      }
    }
    return out(projected);
  };
  uint64_t skipped = 0, emitted = 0;
  if (plan.order_by.empty()) {
    // Stopping the scan at the limit keeps "LIMIT 10" instant on a 10 GB synthetic dataset.
    scan([&](const Row& row) {
      if (!matches(row)) return true;
      if (skipped < plan.offset) {
        ++skipped;
        return true;
      }
      return emit(row) && ++emitted < limit;
    });
    return;
  }
  // Rows with their scan position, which breaks ties so the order is a stable sort's.
  using Held = std::pair<uint64_t, Row>;
  const auto precedes = [&](uint64_t a_at, const Row& a, uint64_t b_at, const Row& b) {
    for (const OrderKey& key : plan.order_by) {
      const int c = CompareValues(key.type, a[key.column], b[key.column]);
      if (c != 0) return key.descending ? c > 0 : c < 0;
    }
    return a_at < b_at;
  };
  const auto before = [&](const Held& a, const Held& b) {
    return precedes(a.first, a.second, b.first, b.second);
  };
  // With a LIMIT only the first OFFSET + LIMIT rows in order are kept (a heap whose top is
  // the last of them), so "ORDER BY k DESC LIMIT 1" over a 10 GB day holds one row, not the day.
  const uint64_t keep = plan.offset > std::numeric_limits<uint64_t>::max() - limit
                            ? std::numeric_limits<uint64_t>::max()
                            : plan.offset + limit;
  std::vector<Held> held;
  uint64_t position = 0;
  scan([&](const Row& row) {
    if (!matches(row)) return true;
    const uint64_t at = position++;
    if (held.size() < keep) {
      held.emplace_back(at, row);
      if (plan.limit) std::push_heap(held.begin(), held.end(), before);
    } else if (precedes(at, row, held.front().first, held.front().second)) {
      std::pop_heap(held.begin(), held.end(), before);
      held.back() = Held{at, row};
      std::push_heap(held.begin(), held.end(), before);
    }
    return true;
  });
  if (plan.limit) {
    std::sort_heap(held.begin(), held.end(), before);
  } else {
    std::sort(held.begin(), held.end(), before);
  }
  for (uint64_t i = plan.offset; i < held.size() && emitted < limit; ++i, ++emitted) {
    if (!emit(held[i].second)) return;
  }
}

}  // namespace s3u::emulator
