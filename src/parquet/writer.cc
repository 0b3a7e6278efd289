#include "parquet/writer.h"

#include <snappy.h>
#include <zstd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "core/gzip.h"
#include "parquet/compact.h"

namespace s3u::parquet {

static_assert(std::endian::native == std::endian::little, "values are stored little-endian");

namespace {

// parquet.thrift enums.
enum PhysicalType : int32_t {
  kInt32 = 1,
  kInt64Type = 2,
  kDoubleType = 5,
  kByteArray = 6,
  kFixed = 7
};
enum Encoding : int32_t { kPlain = 0, kRle = 3, kRleDictionary = 8 };
enum PageType : int32_t { kDataPage = 0, kDictionaryPage = 2 };
enum ConvertedType : int32_t { kUtf8 = 0, kDecimalCt = 5, kDateCt = 6, kTimestampMicrosCt = 10 };
constexpr int32_t kOptional = 1;
constexpr std::string_view kMagic = "PAR1";

int32_t Physical(const ColumnSpec& c) {
  switch (c.kind) {
    case Kind::kString:
      return kByteArray;
    case Kind::kDouble:
      return kDoubleType;
    case Kind::kDate:
      return kInt32;
    case Kind::kDecimal:
      return c.precision <= 9 ? kInt32 : c.precision <= 18 ? kInt64Type : kFixed;
    default:
      return kInt64Type;
  }
}

int32_t CodecId(Codec codec) {
  switch (codec) {
    case Codec::kSnappy:
      return 1;
    case Codec::kGzip:
      return 2;
    case Codec::kZstd:
      return 6;
    default:
      return 0;
  }
}

void AppendLe32(uint32_t v, std::string& out) {
  for (int b = 0; b < 4; ++b) out += static_cast<char>(v >> (8 * b) & 0xFF);
}

// One value's PLAIN bytes.
void AppendPlain(int32_t physical, std::string_view raw, std::string& out) {
  if (physical == kByteArray) {
    AppendLe32(static_cast<uint32_t>(raw.size()), out);
    out += raw;
  } else if (physical == kInt32) {
    out += raw.substr(0, 4);  // the low half of the little-endian int64
  } else {
    out += raw;
  }
}

int64_t AsInt(std::string_view raw) {
  int64_t v;
  std::memcpy(&v, raw.data(), sizeof v);
  return v;
}
double AsDouble(std::string_view raw) {
  double v;
  std::memcpy(&v, raw.data(), sizeof v);
  return v;
}

// True when a < b in the column's sort order (ColumnOrder TYPE_ORDER).
bool Less(const ColumnSpec& spec, int32_t physical, std::string_view a, std::string_view b) {
  switch (physical) {
    case kByteArray:
      return a < b;  // char_traits<char> compares as unsigned char: UTF-8 byte order
    case kDoubleType:
      return AsDouble(a) < AsDouble(b);
    case kFixed: {
      // Big-endian two's complement of equal width: signed first byte, then unsigned.
      const auto s0 = static_cast<signed char>(a[0]), t0 = static_cast<signed char>(b[0]);
      if (s0 != t0) return s0 < t0;
      return a.substr(1) < b.substr(1);
    }
    default:
      (void)spec;
      return AsInt(a) < AsInt(b);
  }
}

// Longer strings are left out of the statistics (a bound, not a truncation: a truncated
// max would need is_max_value_exact, which older readers ignore).
constexpr size_t kMaxStatisticsValue = 1024;

void Header(int32_t type, size_t uncompressed, size_t compressed, std::string& out,
            const std::function<void(CompactWriter&)>& body) {
  CompactWriter w(out);
  w.I32(1, type);
  w.I32(2, static_cast<int32_t>(uncompressed));
  w.I32(3, static_cast<int32_t>(compressed));
  body(w);
  w.End();
}

}  // namespace

RowGroupBuilder::RowGroupBuilder(std::vector<ColumnSpec> columns)
    : specs_(std::move(columns)), columns_(specs_.size()) {}

void RowGroupBuilder::AddNull(size_t column) {
  columns_[column].defined.push_back(0);
  bytes_ += 1;
}

void RowGroupBuilder::Add(size_t column, std::string_view raw) {
  Column& c = columns_[column];
  c.defined.push_back(1);
  c.data += raw;
  c.ends.push_back(c.data.size());
  bytes_ += 1 + sizeof(uint64_t) + raw.size();
}

void RowGroupBuilder::AddInt(size_t column, int64_t v) {
  Add(column, std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
}

void RowGroupBuilder::AddDouble(size_t column, double v) {
  Add(column, std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
}

void RowGroupBuilder::AddString(size_t column, std::string_view v) { Add(column, v); }

void RowGroupBuilder::AddDecimal(size_t column, Int128 unscaled) {
  const ColumnSpec& spec = specs_[column];
  if (spec.precision <= 18) return AddInt(column, static_cast<int64_t>(unscaled));
  std::string bytes;
  AppendBigEndian(unscaled, DecimalByteWidth(spec.precision), bytes);
  Add(column, bytes);
}

void RowGroupBuilder::Clear() {
  for (Column& c : columns_) {
    c.defined.clear();
    c.data.clear();
    c.ends.clear();
  }
  bytes_ = 0;
}

struct FileEncoder::Impl {
  ZSTD_CCtx* zstd = nullptr;
  ~Impl() { ZSTD_freeCCtx(zstd); }
};

Result<std::unique_ptr<FileEncoder>> FileEncoder::Create(std::vector<ColumnSpec> columns,
                                                         WriterOptions options) {
  if (columns.empty()) return Fail(ErrorCode::kInvalidArgument, "schema", "no columns");
  for (const ColumnSpec& c : columns) {
    if (c.kind == Kind::kDecimal && (c.precision < 1 || c.precision > kMaxDecimalPrecision ||
                                     c.scale < 0 || c.scale > c.precision)) {
      return Fail(ErrorCode::kInvalidArgument, c.name,
                  "a DECIMAL needs a precision of 1 to 38 and a scale of 0 to the precision");
    }
  }
  auto encoder = std::unique_ptr<FileEncoder>(new FileEncoder(std::move(columns), options));
  if (options.codec == Codec::kZstd) {
    encoder->impl_->zstd = ZSTD_createCCtx();
    if (!encoder->impl_->zstd) {
      return Fail(ErrorCode::kResourceExhausted, "parquet", "zstd could not allocate its state");
    }
  }
  return encoder;
}

FileEncoder::FileEncoder(std::vector<ColumnSpec> columns, WriterOptions options)
    : columns_(std::move(columns)), options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

FileEncoder::~FileEncoder() = default;

Result<EncodedRowGroup> FileEncoder::Encode(const RowGroupBuilder& rows) {
  EncodedRowGroup group;
  group.rows = rows.rows();
  std::string page, compressed, header;

  // Compresses `page` and appends header + body to the group; returns the page's offset.
  const auto emit = [&](int32_t type, ChunkInfo& chunk,
                        const std::function<void(CompactWriter&)>& body) -> Result<uint64_t> {
    std::string_view stored = page;
    switch (options_.codec) {
      case Codec::kZstd: {
        compressed.resize(ZSTD_compressBound(page.size()));
        const size_t n = ZSTD_compressCCtx(impl_->zstd, compressed.data(), compressed.size(),
                                           page.data(), page.size(), options_.zstd_level);
        if (ZSTD_isError(n)) {
          return Fail(ErrorCode::kInternal, "parquet", ZSTD_getErrorName(n));
        }
        compressed.resize(n);
        stored = compressed;
        break;
      }
      case Codec::kSnappy:
        compressed.clear();
        snappy::Compress(page.data(), page.size(), &compressed);
        stored = compressed;
        break;
      case Codec::kGzip: {
        auto gz = GzipBytes(page, "parquet page");
        if (!gz) return Fail(gz.error());
        compressed = std::move(*gz);
        stored = compressed;
        break;
      }
      case Codec::kNone:
        break;
    }
    header.clear();
    Header(type, page.size(), stored.size(), header, body);
    const uint64_t offset = group.bytes.size();
    group.bytes += header;
    group.bytes += stored;
    chunk.uncompressed += header.size() + page.size();
    chunk.compressed += header.size() + stored.size();
    return offset;
  };

  for (size_t c = 0; c < columns_.size(); ++c) {
    const ColumnSpec& spec = columns_[c];
    const RowGroupBuilder::Column& column = rows.columns_[c];
    const int32_t physical = Physical(spec);
    const auto value = [&](size_t i) {
      const uint64_t begin = i == 0 ? 0 : column.ends[i - 1];
      return std::string_view(column.data).substr(begin, column.ends[i] - begin);
    };
    const size_t count = column.ends.size();
    ChunkInfo chunk;
    chunk.values = column.defined.size();
    chunk.nulls = chunk.values - count;

    // Statistics: NaN is left out (it has no place in the order), and a zero bound is
    // written as -0 for the min and +0 for the max (LogicalTypes.md / parquet.thrift).
    std::string_view lo, hi;
    bool any = false;
    for (size_t i = 0; i < count; ++i) {
      const std::string_view v = value(i);
      if (physical == kDoubleType && std::isnan(AsDouble(v))) continue;
      if (!any || Less(spec, physical, v, lo)) lo = v;
      if (!any || Less(spec, physical, hi, v)) hi = v;
      any = true;
    }
    if (any && lo.size() <= kMaxStatisticsValue && hi.size() <= kMaxStatisticsValue) {
      chunk.has_min_max = true;
      if (physical == kDoubleType) {
        double min = AsDouble(lo), max = AsDouble(hi);
        if (min == 0) min = -0.0;
        if (max == 0) max = +0.0;
        chunk.min.assign(reinterpret_cast<const char*>(&min), sizeof min);
        chunk.max.assign(reinterpret_cast<const char*>(&max), sizeof max);
      } else if (physical == kInt32) {
        chunk.min = lo.substr(0, 4);
        chunk.max = hi.substr(0, 4);
      } else {
        chunk.min = lo;
        chunk.max = hi;
      }
    }

    // The dictionary: every distinct value (by its bytes), while its PLAIN size stays
    // within the bound.
    std::unordered_map<std::string_view, uint32_t> index;
    std::vector<uint32_t> ids;
    std::string dictionary;
    bool use_dictionary = count > 0;
    for (size_t i = 0; i < count && use_dictionary; ++i) {
      auto [it, added] = index.try_emplace(value(i), static_cast<uint32_t>(index.size()));
      if (added) {
        AppendPlain(physical, value(i), dictionary);
        use_dictionary = dictionary.size() <= options_.dictionary_limit;
      }
      ids.push_back(it->second);
    }
    if (use_dictionary && index.size() == count && count > 1) use_dictionary = false;
    const int bit_width = use_dictionary ? std::max(1, BitWidth(index.size() - 1)) : 0;

    if (use_dictionary) {
      page = dictionary;
      auto offset = emit(kDictionaryPage, chunk, [&](CompactWriter& w) {
        w.BeginStruct(7);
        w.I32(1, static_cast<int32_t>(index.size()));
        w.I32(2, kPlain);
        w.End();
      });
      if (!offset) return Fail(offset.error());
      chunk.has_dictionary = true;
      chunk.dictionary_offset = *offset;
      chunk.encodings = {kPlain, kRle, kRleDictionary};
    } else {
      chunk.encodings = {kPlain, kRle};
    }

    // Data pages of about page_size bytes each.
    std::vector<uint32_t> levels;
    std::vector<uint32_t> page_ids;
    std::string values;
    size_t row = 0, next_value = 0;
    bool first_page = true;
    while (row < column.defined.size() || first_page) {
      levels.clear();
      page_ids.clear();
      values.clear();
      size_t estimate = 0;
      while (row < column.defined.size() && estimate < options_.page_size) {
        const bool defined = column.defined[row++] != 0;
        levels.push_back(defined ? 1 : 0);
        estimate += 1;
        if (!defined) continue;
        if (use_dictionary) {
          page_ids.push_back(ids[next_value]);
          estimate += 4;
        } else {
          AppendPlain(physical, value(next_value), values);
          estimate = levels.size() + values.size();
        }
        ++next_value;
      }
      page.clear();
      std::string encoded_levels;
      AppendRleHybrid(levels, 1, encoded_levels);
      AppendLe32(static_cast<uint32_t>(encoded_levels.size()), page);
      page += encoded_levels;
      if (use_dictionary) {
        page += static_cast<char>(bit_width);
        AppendRleHybrid(page_ids, bit_width, page);
      } else {
        page += values;
      }
      const int32_t encoding = use_dictionary ? kRleDictionary : kPlain;
      const int32_t num_values = static_cast<int32_t>(levels.size());
      auto offset = emit(kDataPage, chunk, [&](CompactWriter& w) {
        w.BeginStruct(5);
        w.I32(1, num_values);
        w.I32(2, encoding);
        w.I32(3, kRle);
        w.I32(4, kRle);
        w.End();
      });
      if (!offset) return Fail(offset.error());
      if (first_page) chunk.data_offset = *offset;
      first_page = false;
    }
    group.chunks.push_back(std::move(chunk));
  }
  return group;
}

void FileEncoder::AppendRowGroup(const EncodedRowGroup& group, uint64_t base,
                                 std::string& out) const {
  // RowGroup, as an element of FileMetaData.row_groups.
  CompactWriter w(out);
  w.BeginElementStruct();
  w.ListHeader(1, CompactWriter::kStruct, group.chunks.size());
  uint64_t uncompressed = 0, compressed = 0;
  for (size_t c = 0; c < group.chunks.size(); ++c) {
    const ChunkInfo& chunk = group.chunks[c];
    const uint64_t start =
        base + (chunk.has_dictionary ? chunk.dictionary_offset : chunk.data_offset);
    uncompressed += chunk.uncompressed;
    compressed += chunk.compressed;
    w.BeginElementStruct();  // ColumnChunk
    w.I64(2, static_cast<int64_t>(start));
    w.BeginStruct(3);  // ColumnMetaData
    w.I32(1, Physical(columns_[c]));
    w.ListHeader(2, CompactWriter::kI32, chunk.encodings.size());
    for (int32_t e : chunk.encodings) w.ElementI32(e);
    w.ListHeader(3, CompactWriter::kBinary, 1);
    w.ElementBinary(columns_[c].name);
    w.I32(4, CodecId(options_.codec));
    w.I64(5, static_cast<int64_t>(chunk.values));
    w.I64(6, static_cast<int64_t>(chunk.uncompressed));
    w.I64(7, static_cast<int64_t>(chunk.compressed));
    w.I64(9, static_cast<int64_t>(base + chunk.data_offset));
    if (chunk.has_dictionary) w.I64(11, static_cast<int64_t>(base + chunk.dictionary_offset));
    w.BeginStruct(12);  // Statistics
    w.I64(3, static_cast<int64_t>(chunk.nulls));
    if (chunk.has_min_max) {
      w.Binary(5, chunk.max);
      w.Binary(6, chunk.min);
    }
    w.End();
    w.End();  // ColumnMetaData
    w.End();  // ColumnChunk
  }
  w.I64(2, static_cast<int64_t>(uncompressed));
  w.I64(3, static_cast<int64_t>(group.rows));
  w.I64(5, static_cast<int64_t>(base + (group.chunks.empty() ? 0
                                        : group.chunks[0].has_dictionary
                                            ? group.chunks[0].dictionary_offset
                                            : group.chunks[0].data_offset)));
  w.I64(6, static_cast<int64_t>(compressed));
  w.End();
}

std::string FileEncoder::Footer(const EncodedRowGroup* extra) const {
  std::string meta;
  CompactWriter w(meta);
  w.I32(1, 1);  // version
  w.ListHeader(2, CompactWriter::kStruct, columns_.size() + 1);
  w.BeginElementStruct();  // the root
  w.Binary(4, "schema");
  w.I32(5, static_cast<int32_t>(columns_.size()));
  w.End();
  for (const ColumnSpec& c : columns_) {
    const int32_t physical = Physical(c);
    w.BeginElementStruct();
    w.I32(1, physical);
    if (physical == kFixed) w.I32(2, DecimalByteWidth(c.precision));
    w.I32(3, kOptional);
    w.Binary(4, c.name);
    switch (c.kind) {
      case Kind::kString:
        w.I32(6, kUtf8);
        w.BeginStruct(10);
        w.BeginStruct(1);  // StringType
        w.End();
        w.End();
        break;
      case Kind::kDate:
        w.I32(6, kDateCt);
        w.BeginStruct(10);
        w.BeginStruct(6);  // DateType
        w.End();
        w.End();
        break;
      case Kind::kTimestamp:
        w.I32(6, kTimestampMicrosCt);
        w.BeginStruct(10);
        w.BeginStruct(8);  // TimestampType
        w.Bool(1, true);   // isAdjustedToUTC
        w.BeginStruct(2);  // TimeUnit
        w.BeginStruct(2);  // MICROS
        w.End();
        w.End();
        w.End();
        w.End();
        break;
      case Kind::kDecimal:
        w.I32(6, kDecimalCt);
        w.I32(7, c.scale);
        w.I32(8, c.precision);
        w.BeginStruct(10);
        w.BeginStruct(5);  // DecimalType
        w.I32(1, c.scale);
        w.I32(2, c.precision);
        w.End();
        w.End();
        break;
      default:
        break;
    }
    w.End();
  }
  uint64_t rows = rows_ + (extra ? extra->rows : 0);
  w.I64(3, static_cast<int64_t>(rows));
  w.ListHeader(4, CompactWriter::kStruct, row_groups_.size() + (extra ? 1 : 0));
  for (const Placed& placed : row_groups_) {
    AppendRowGroup(EncodedRowGroup{{}, placed.rows, placed.chunks}, placed.base, meta);
  }
  if (extra) AppendRowGroup(*extra, std::max<uint64_t>(position_, kMagic.size()), meta);
  w.ListHeader(5, CompactWriter::kStruct, options_.metadata.size());
  for (const auto& [key, value] : options_.metadata) {
    w.BeginElementStruct();
    w.Binary(1, key);
    w.Binary(2, value);
    w.End();
  }
  w.Binary(6, options_.created_by);
  w.ListHeader(7, CompactWriter::kStruct, columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    w.BeginElementStruct();  // ColumnOrder
    w.BeginStruct(1);        // TYPE_ORDER
    w.End();
    w.End();
  }
  w.End();
  std::string footer = std::move(meta);
  AppendLe32(static_cast<uint32_t>(footer.size()), footer);
  footer += kMagic;
  return footer;
}

uint64_t FileEncoder::SizeWith(const EncodedRowGroup& group) const {
  return std::max<uint64_t>(position_, kMagic.size()) + group.bytes.size() + Footer(&group).size();
}

void FileEncoder::Append(EncodedRowGroup group, std::string& out) {
  if (position_ == 0) {
    out += kMagic;
    position_ = kMagic.size();
  }
  out += group.bytes;
  row_groups_.push_back(Placed{position_, group.rows, std::move(group.chunks)});
  position_ += group.bytes.size();
  rows_ += group.rows;
}

void FileEncoder::Finish(std::string& out) {
  if (position_ == 0) out += kMagic;
  out += Footer(nullptr);
  position_ = 0;
  rows_ = 0;
  row_groups_.clear();
}

}  // namespace s3u::parquet
