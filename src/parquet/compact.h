// Thrift's compact protocol, the encoding of Parquet's page headers and footer, written by
// hand: no Parquet or Thrift library is packaged in Debian 12. Only what Parquet's structs
// need: structs, i32/i64 (zigzag varints), binary, bool, lists of structs, i32 and binary.
// Spec: thrift/doc/specs/thrift-compact-protocol.md.
//
// Thread-safety: a CompactWriter is used by one thread; it appends to a caller's string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace s3u::parquet {

// Appends `v` as an unsigned LEB128 varint.
void AppendVarint(uint64_t v, std::string& out);
// Zigzag: 0,-1,1,-2 -> 0,1,2,3.
uint64_t ZigZag(int64_t v);

class CompactWriter {
 public:
  // Compact type ids (field headers and list element types).
  enum Type : uint8_t {
    kTrue = 1,
    kFalse = 2,
    kI32 = 5,
    kI64 = 6,
    kBinary = 8,
    kList = 9,
    kStruct = 12
  };

  explicit CompactWriter(std::string& out) : out_(out) {}

  // Fields of the current struct, in increasing id order.
  void I32(int16_t id, int32_t v);
  void I64(int16_t id, int64_t v);
  void Binary(int16_t id, std::string_view v);
  void Bool(int16_t id, bool v);
  // Opens a struct field (or a list element when id is 0 after ListHeader); End closes it.
  void BeginStruct(int16_t id);
  void End();  // the stop byte of the current struct; restores the outer field id
  void ListHeader(int16_t id, Type element, size_t size);
  // List elements.
  void ElementI32(int32_t v) { AppendVarint(ZigZag(v), out_); }
  void ElementBinary(std::string_view v);
  void BeginElementStruct();  // a struct element of a list; End closes it

 private:
  void FieldHeader(int16_t id, uint8_t type);

  std::string& out_;
  int16_t last_ = 0;
  std::vector<int16_t> stack_;
};

}  // namespace s3u::parquet
