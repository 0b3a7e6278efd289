#include "unload/codec.h"

#include <fmt/format.h>
#include <isa-l.h>
#include <zstd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace s3u::unload {
namespace {

// Output is appended in steps of this size; a step that fills up is followed by another.
constexpr size_t kOutStep = 64 * 1024;
// ISA-L counts input in uint32_t; larger writes are fed in pieces.
constexpr size_t kMaxIsalInput = size_t{1} << 30;

class NoCompressor final : public Compressor {
 public:
  Result<void> Write(std::string_view in, std::string& out) override {
    out.append(in);
    return {};
  }
  Result<void> Flush(std::string&) override { return {}; }
  Result<void> Finish(std::string&) override { return {}; }
  uint64_t FinishBound(uint64_t unflushed) const override { return unflushed; }
};

class GzipCompressor final : public Compressor {
 public:
  explicit GzipCompressor(int isal_level)
      : level_(isal_level), level_buf_(LevelBufferSize(isal_level)) {
    Begin();
  }

  Result<void> Write(std::string_view in, std::string& out) override {
    while (!in.empty()) {
      const size_t take = std::min(in.size(), kMaxIsalInput);
      // ISA-L does not write through next_in; the cast only satisfies its C signature.
      stream_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in.data()));
      stream_.avail_in = static_cast<uint32_t>(take);
      // isal_deflate returns when the input is used up or the output is full.
      if (auto ran = Run(out, [&] { return stream_.avail_in > 0; }); !ran) return ran;
      in.remove_prefix(take);
    }
    return {};
  }

  Result<void> Flush(std::string& out) override {
    stream_.avail_in = 0;
    stream_.flush = SYNC_FLUSH;
    // The flush is complete once a call leaves room in the output (ISA-L's documented test).
    auto ran = Run(out, [] { return false; });
    stream_.flush = NO_FLUSH;
    return ran;
  }

  Result<void> Finish(std::string& out) override {
    stream_.avail_in = 0;
    stream_.end_of_stream = 1;
    auto ran = Run(out, [&] { return stream_.internal_state.state != ZSTATE_END; });
    Begin();
    return ran;
  }

  uint64_t FinishBound(uint64_t unflushed) const override {
    // Level 0 codes with fixed tables and never falls back to stored blocks: a literal costs
    // at most 11 bits and a match (3+ bytes) at most 48, so 2 bytes per input byte is safe
    // (random bytes measured 1.23x, high bytes 1.34x). Levels 1-3 build tables per block
    // and store a block that would grow (measured +0.01%); n/16 is generous margin. The
    // constant covers gzip header and trailer, a block header and the sync-flush marker.
    const uint64_t growth = level_ == 0 ? unflushed : unflushed / 16;
    return unflushed + growth + 1024;
  }

 private:
  // A new stream. Full init rather than isal_deflate_reset: after a finished stream at
  // levels 1-3, reset leaves state behind that corrupts the next stream (seen in tests).
  void Begin() {
    isal_deflate_init(&stream_);
    stream_.level = static_cast<uint32_t>(level_);
    stream_.level_buf = level_buf_.empty() ? nullptr : level_buf_.data();
    stream_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    stream_.gzip_flag = IGZIP_GZIP;
  }

  static size_t LevelBufferSize(int level) {
    switch (level) {
      case 1:
        return ISAL_DEF_LVL1_DEFAULT;
      case 2:
        return ISAL_DEF_LVL2_DEFAULT;
      case 3:
        return ISAL_DEF_LVL3_DEFAULT;
      default:
        return 0;  // level 0 needs no buffer
    }
  }

  // Calls isal_deflate with fresh output room until a call leaves room and `more` is false.
  template <typename More>
  Result<void> Run(std::string& out, More more) {
    for (;;) {
      const size_t before = out.size();
      out.resize(before + kOutStep);
      stream_.next_out = reinterpret_cast<uint8_t*>(out.data() + before);
      stream_.avail_out = static_cast<uint32_t>(kOutStep);
      const int rc = isal_deflate(&stream_);
      out.resize(before + kOutStep - stream_.avail_out);
      if (rc != COMP_OK) {
        return Fail(ErrorCode::kInternal, "gzip",
                    fmt::format("ISA-L isal_deflate failed with code {} at level {}", rc, level_));
      }
      if (stream_.avail_out > 0 && !more()) return {};
    }
  }

  const int level_;
  std::vector<uint8_t> level_buf_;
  isal_zstream stream_{};
};

class ZstdCompressor final : public Compressor {
 public:
  explicit ZstdCompressor(ZSTD_CCtx* cctx) : cctx_(cctx) {}
  ~ZstdCompressor() override { ZSTD_freeCCtx(cctx_); }
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  Result<void> Write(std::string_view in, std::string& out) override {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    while (input.pos < input.size) {
      if (auto step = Step(out, input, ZSTD_e_continue); !step) return Fail(step.error());
    }
    return {};
  }
  Result<void> Flush(std::string& out) override { return Drain(out, ZSTD_e_flush); }
  // After ZSTD_e_end completes, the next call starts a new frame with the same parameters.
  Result<void> Finish(std::string& out) override { return Drain(out, ZSTD_e_end); }

  uint64_t FinishBound(uint64_t unflushed) const override {
    // ZSTD_compressBound is zstd's worst case for one pass; 32 bytes more cover the frame
    // header, the last block's header and the 4-byte content checksum.
    return ZSTD_COMPRESSBOUND(unflushed) + 32;
  }

 private:
  // One ZSTD_compressStream2 call with a fresh output step; returns zstd's "bytes left" hint.
  Result<size_t> Step(std::string& out, ZSTD_inBuffer& input, ZSTD_EndDirective directive) {
    const size_t before = out.size();
    out.resize(before + kOutStep);
    ZSTD_outBuffer output{out.data() + before, kOutStep, 0};
    const size_t left = ZSTD_compressStream2(cctx_, &output, &input, directive);
    out.resize(before + output.pos);
    if (ZSTD_isError(left)) {
      return Fail(ErrorCode::kInternal, "zstd",
                  fmt::format("ZSTD_compressStream2 failed: {}", ZSTD_getErrorName(left)));
    }
    return left;
  }

  // Repeats a flush or end directive until zstd reports nothing left.
  Result<void> Drain(std::string& out, ZSTD_EndDirective directive) {
    ZSTD_inBuffer none{nullptr, 0, 0};
    for (;;) {
      auto left = Step(out, none, directive);
      if (!left) return Fail(left.error());
      if (*left == 0) return {};
    }
  }

  ZSTD_CCtx* const cctx_;
};

class BackgroundCompressor final : public Compressor {
 public:
  explicit BackgroundCompressor(std::unique_ptr<Compressor> inner)
      : inner_(std::move(inner)), thread_([this] { Loop(); }) {}
  ~BackgroundCompressor() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();  // a pending block is compressed first; its output is dropped
  }
  BackgroundCompressor(const BackgroundCompressor&) = delete;
  BackgroundCompressor& operator=(const BackgroundCompressor&) = delete;

  Result<void> Write(std::string_view in, std::string& out) override {
    if (auto done = Wait(out); !done) return done;
    input_.assign(in);
    Start();
    return {};
  }
  Result<void> WriteBlock(std::string& block, std::string& out) override {
    if (auto done = Wait(out); !done) return done;
    input_.swap(block);  // the caller fills the buffer of the block before next
    block.clear();
    Start();
    return {};
  }
  Result<void> Flush(std::string& out) override {
    if (auto done = Wait(out); !done) return done;
    return inner_->Flush(out);
  }
  Result<void> Finish(std::string& out) override {
    if (auto done = Wait(out); !done) return done;
    return inner_->Finish(out);
  }
  uint64_t FinishBound(uint64_t unflushed) const override {
    return inner_->FinishBound(unflushed);  // reads only settings fixed at construction
  }

 private:
  // Hands input_ to the thread. REQUIRES: the thread is idle (after Wait).
  void Start() {
    {
      std::lock_guard lock(mu_);
      pending_ = true;
    }
    cv_.notify_all();
  }

  // Waits until the thread is idle, then moves its output to `out`; its error, once there
  // was one, is returned from then on.
  Result<void> Wait(std::string& out) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !pending_; });
    if (out.empty()) {
      out.swap(output_);
    } else {
      out += output_;
    }
    output_.clear();
    if (error_) return Fail(*error_);
    return {};
  }

  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return pending_ || stop_; });
      if (!pending_) return;
      const bool failed = error_.has_value();  // after an error the stream is dead
      lock.unlock();
      auto wrote = failed ? Result<void>{} : inner_->Write(input_, output_);
      lock.lock();
      if (!wrote) error_ = wrote.error();
      pending_ = false;
      cv_.notify_all();
    }
  }

  const std::unique_ptr<Compressor> inner_;
  // The block and its output: the thread's while pending_, the caller's otherwise.
  std::string input_;
  std::string output_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;        // GUARDED_BY(mu_)
  bool stop_ = false;           // GUARDED_BY(mu_)
  std::optional<Error> error_;  // GUARDED_BY(mu_)
  std::thread thread_;          // last: starts once every member above exists
};

}  // namespace

Result<std::unique_ptr<Compressor>> MakeBackgroundCompressor(std::unique_ptr<Compressor> inner) {
  try {
    return std::make_unique<BackgroundCompressor>(std::move(inner));
  } catch (const std::system_error& e) {
    return Fail(ErrorCode::kResourceExhausted, "compression",
                fmt::format("could not start the compression thread: {}", e.what()));
  }
}

int IsalLevelFor(int spec_level) {
  if (spec_level == 0) return 1;
  if (spec_level <= 2) return 0;
  if (spec_level <= 5) return 1;
  if (spec_level <= 7) return 2;
  return 3;
}

int ZstdLevelFor(int spec_level) { return spec_level == 0 ? 3 : spec_level; }

Result<std::unique_ptr<Compressor>> MakeCompressor(Compression compression, int level) {
  switch (compression) {
    case Compression::kNone:
      return std::make_unique<NoCompressor>();
    case Compression::kGzip:
      if (level < 0 || level > 9) {
        return Fail(ErrorCode::kInvalidArgument, "output.compression_level",
                    fmt::format("{} is not a gzip level: use 0 (default) to 9", level));
      }
      return std::make_unique<GzipCompressor>(IsalLevelFor(level));
    case Compression::kZstd: {
      if (level < 0 || level > 19) {
        return Fail(ErrorCode::kInvalidArgument, "output.compression_level",
                    fmt::format("{} is not a zstd level: use 0 (default) to 19", level));
      }
      ZSTD_CCtx* cctx = ZSTD_createCCtx();
      if (cctx == nullptr) {
        return Fail(ErrorCode::kResourceExhausted, "zstd", "could not allocate a zstd context");
      }
      auto compressor = std::make_unique<ZstdCompressor>(cctx);  // owns cctx from here
      for (auto [parameter, value] : {std::pair{ZSTD_c_compressionLevel, ZstdLevelFor(level)},
                                      std::pair{ZSTD_c_checksumFlag, 1}}) {
        const size_t rc = ZSTD_CCtx_setParameter(cctx, parameter, value);
        if (ZSTD_isError(rc)) {
          return Fail(ErrorCode::kInternal, "zstd",
                      fmt::format("ZSTD_CCtx_setParameter failed: {}", ZSTD_getErrorName(rc)));
        }
      }
      return compressor;
    }
    case Compression::kSnappy:
      break;
  }
  return Fail(ErrorCode::kInvalidArgument, "output.compression",
              "snappy compresses Parquet pages only, not a CSV or JSON Lines stream");
}

}  // namespace s3u::unload
