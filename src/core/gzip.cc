#include "core/gzip.h"

#include <zlib.h>

namespace s3u {
namespace {
constexpr int kGzipWindowBits = 15 + 16;  // zlib: 15-bit window, gzip wrapper
constexpr size_t kChunk = 64 * 1024;
}  // namespace

bool LooksGzipped(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1F &&
         static_cast<unsigned char>(bytes[1]) == 0x8B;
}

Result<std::string> Gunzip(std::string_view compressed) {
  std::string out;
  z_stream z{};
  if (inflateInit2(&z, kGzipWindowBits) != Z_OK) {
    return Fail(ErrorCode::kInternal, "gzip", "cannot initialise zlib");
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  char buffer[kChunk];
  int rc = Z_OK;
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - z.avail_out);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);  // another gzip member follows
      continue;
    }
    if (rc != Z_OK || (z.avail_in == 0 && z.avail_out != 0)) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return Fail(ErrorCode::kInvalidArgument, "gzip",
                "the body is not a complete gzip stream (corrupt or truncated)");
  }
  return out;
}

Result<std::string> GzipBytes(std::string_view data, const std::string& subject) {
  std::string out;
  GzipWriter writer([&out](std::string_view compressed) -> Result<void> {
    out.append(compressed);
    return {};
  });
  // zlib takes at most 4 GiB a call.
  constexpr size_t kMaxCall = size_t{1} << 30;
  for (size_t at = 0; at < data.size(); at += kMaxCall) {
    if (auto ok = writer.Write(data.substr(at, kMaxCall)); !ok) {
      return Fail(ErrorCode::kInternal, subject, "zlib could not compress: " + ok.error().message);
    }
  }
  if (auto ok = writer.Finish(); !ok) {
    return Fail(ErrorCode::kInternal, subject, "zlib could not compress: " + ok.error().message);
  }
  return out;
}

GzipWriter::GzipWriter(Sink sink) : sink_(std::move(sink)), stream_(new z_stream{}) {
  // deflateInit2 only fails on bad parameters or out of memory; Write then reports it.
  deflateInit2(static_cast<z_stream*>(stream_), Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits,
               8, Z_DEFAULT_STRATEGY);
}

GzipWriter::~GzipWriter() {
  auto* z = static_cast<z_stream*>(stream_);
  deflateEnd(z);
  delete z;
}

Result<void> GzipWriter::Write(std::string_view data) { return Pump(data, Z_NO_FLUSH); }
Result<void> GzipWriter::Finish() { return Pump({}, Z_FINISH); }

Result<void> GzipWriter::Pump(std::string_view data, int flush) {
  auto* z = static_cast<z_stream*>(stream_);
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z->avail_in = static_cast<uInt>(data.size());
  char buffer[kChunk];
  while (true) {
    z->next_out = reinterpret_cast<Bytef*>(buffer);
    z->avail_out = sizeof(buffer);
    const int rc = deflate(z, flush);
    if (rc == Z_STREAM_ERROR) return Fail(ErrorCode::kInternal, "gzip", "zlib deflate failed");
    const size_t produced = sizeof(buffer) - z->avail_out;
    if (produced > 0) {
      if (auto r = sink_(std::string_view(buffer, produced)); !r) return r;
    }
    if (flush == Z_FINISH ? rc == Z_STREAM_END : z->avail_out != 0) return {};
  }
}

}  // namespace s3u
