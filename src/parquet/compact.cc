#include "parquet/compact.h"

namespace s3u::parquet {

void AppendVarint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

void CompactWriter::FieldHeader(int16_t id, uint8_t type) {
  const int delta = id - last_;
  if (delta > 0 && delta <= 15) {
    out_ += static_cast<char>((delta << 4) | type);
  } else {
    out_ += static_cast<char>(type);
    AppendVarint(ZigZag(id), out_);
  }
  last_ = id;
}

void CompactWriter::I32(int16_t id, int32_t v) {
  FieldHeader(id, kI32);
  AppendVarint(ZigZag(v), out_);
}

void CompactWriter::I64(int16_t id, int64_t v) {
  FieldHeader(id, kI64);
  AppendVarint(ZigZag(v), out_);
}

void CompactWriter::Binary(int16_t id, std::string_view v) {
  FieldHeader(id, kBinary);
  ElementBinary(v);
}

void CompactWriter::Bool(int16_t id, bool v) { FieldHeader(id, v ? kTrue : kFalse); }

void CompactWriter::BeginStruct(int16_t id) {
  FieldHeader(id, kStruct);
  BeginElementStruct();
}

void CompactWriter::BeginElementStruct() {
  stack_.push_back(last_);
  last_ = 0;
}

void CompactWriter::End() {
  out_ += '\0';
  if (!stack_.empty()) {
    last_ = stack_.back();
    stack_.pop_back();
  }
}

void CompactWriter::ListHeader(int16_t id, Type element, size_t size) {
  FieldHeader(id, kList);
  if (size < 15) {
    out_ += static_cast<char>((size << 4) | element);
  } else {
    out_ += static_cast<char>(0xF0 | element);
    AppendVarint(size, out_);
  }
}

void CompactWriter::ElementBinary(std::string_view v) {
  AppendVarint(v.size(), out_);
  out_ += v;
}

}  // namespace s3u::parquet
