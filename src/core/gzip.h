// gzip (RFC 1952) through zlib, the one place s3unload makes or reads gzip with zlib: Domo stream
// parts (domo/client), the emulator's Export-to-S3 files and its decoding of gzip bodies sent
// without a Content-Encoding header. (The unload's output uses ISA-L: unload/codec.h.)
//
// Thread-safety: one GzipWriter per thread; the free functions are reentrant.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace s3u {

// True when `bytes` starts with the gzip magic number 1F 8B.
bool LooksGzipped(std::string_view bytes);

// Decompresses a whole gzip stream (concatenated members allowed). kInvalidArgument when the
// data is not valid gzip.
Result<std::string> Gunzip(std::string_view compressed);

// One gzip member holding all of `data`. `subject` names it in errors.
Result<std::string> GzipBytes(std::string_view data, const std::string& subject);

// Compresses a stream into gzip, handing compressed bytes to `sink` as they are produced.
class GzipWriter {
 public:
  using Sink = std::function<Result<void>(std::string_view compressed)>;
  explicit GzipWriter(Sink sink);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  Result<void> Write(std::string_view data);  // returns the sink's error
  Result<void> Finish();                      // flushes the trailer

 private:
  Result<void> Pump(std::string_view data, int flush);
  Sink sink_;
  void* stream_;  // z_stream*, kept out of the header
};

}  // namespace s3u
