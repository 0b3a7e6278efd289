// Streaming compressors for the unload's objects: none, gzip (ISA-L igzip) and zstd. Each
// object is one independent stream (a whole gzip member or zstd frame), readable by `gzip -d`
// and `zstd -d` on its own. Output is appended to a caller's string, so memory is the
// caller's block plus the codec's state: no codec buffers a whole stream.
//
// Levels (JobSpec::compression_level; 0 = the codec's default):
//   gzip  0 -> ISA-L level 1 (its default); 1-2 -> 0, 3-5 -> 1, 6-7 -> 2, 8-9 -> 3. ISA-L has
//         four levels, all far faster than zlib's; gzip's familiar 6 lands on ISA-L 2.
//   zstd  0 -> 3 (zstd's own default); 1-19 as given. Frames carry a content checksum, so
//         `zstd -d` detects corruption.
//
// Splitting needs to know how large an object can still grow, so every compressor can flush
// (all input so far becomes decodable output) and bounds what finishing may still emit.
//
// Thread-safety: a Compressor is used by one thread at a time; MakeCompressor is reentrant.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "unload/job_spec.h"

namespace s3u::unload {

class Compressor {
 public:
  virtual ~Compressor() = default;

  // Compresses `in`, appending the output that is ready to `out`; the codec may hold some
  // back until Flush or Finish. Fails with kInternal when the library reports an error.
  virtual Result<void> Write(std::string_view in, std::string& out) = 0;
  // Write(block), leaving `block` empty. A compressor working on a thread of its own takes
  // the buffer (handing back an empty one of its own) instead of copying the block.
  virtual Result<void> WriteBlock(std::string& block, std::string& out) {
    auto wrote = Write(block, out);
    block.clear();
    return wrote;
  }
  // Appends output for everything written so far (gzip sync flush, zstd end of block). The
  // stream stays open. Used only near an object's size limit: it costs a few bytes.
  virtual Result<void> Flush(std::string& out) = 0;
  // Ends the stream (trailer, checksum) and appends the rest to `out`. The next Write starts
  // a new, independent stream; Finish on a fresh stream gives a valid empty one.
  virtual Result<void> Finish(std::string& out) = 0;
  // Upper bound on all the output still to come (from Write, Flush and Finish) for a stream
  // given `unflushed` input bytes since the last Flush (or since it began), whether already
  // written or not, trailer included.
  virtual uint64_t FinishBound(uint64_t unflushed) const = 0;
};

// REQUIRES: `level` in 0..9 for gzip, 0..19 for zstd (JobSpec validation); other values fail
// with kInvalidArgument (subject "output.compression_level"). kResourceExhausted when the
// codec cannot allocate its state.
Result<std::unique_ptr<Compressor>> MakeCompressor(Compression compression, int level);

// `inner` on a thread of its own, one block behind its caller: Write hands the block to the
// thread and returns at once with the output of the block before it, so the caller encodes
// the next rows while this block is compressed (gzip was a third of an unload's CPU, all on
// the reader's thread). Flush and Finish wait for the thread, then run inline. The bytes and
// their order are exactly the inner compressor's; FinishBound is the inner's (the held-back
// output is still to come). Memory: one more block and its output. An error of the thread's
// Write is returned by the next call. kResourceExhausted when no thread can be started.
Result<std::unique_ptr<Compressor>> MakeBackgroundCompressor(std::unique_ptr<Compressor> inner);

// The library levels a spec level maps to (see the top comment); exposed for tests and docs.
int IsalLevelFor(int spec_level);
int ZstdLevelFor(int spec_level);

}  // namespace s3u::unload
