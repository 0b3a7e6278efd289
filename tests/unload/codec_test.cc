// The compressors against the real decompressors: every stream is piped through the `gzip`
// and `zstd` command-line tools, which know nothing of our code.
#include "unload/codec.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <random>
#include <string>
#include <tuple>

namespace s3u::unload {

// Shared with output_test.cc (same binary): decompresses `data` with `gzip -dc` or
// `zstd -dcq` (no compression: returned as is). `status` is the tool's exit status.
struct Decompressed {
  int status = -1;
  std::string out;
};
Decompressed DecompressWithCli(Compression compression, std::string_view data) {
  if (compression == Compression::kNone) return {0, std::string(data)};
  char path[] = "/tmp/s3u-codec-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return {};
  const bool written = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ::close(fd);
  Decompressed result;
  if (written) {
    const std::string tool = compression == Compression::kGzip ? "gzip -dc " : "zstd -dcq ";
    FILE* pipe = ::popen((tool + path + " 2>/dev/null").c_str(), "r");
    if (pipe != nullptr) {
      char buffer[65536];
      for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
        result.out.append(buffer, n);
      }
      const int status = ::pclose(pipe);
      result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
  }
  ::unlink(path);
  return result;
}

namespace {

std::string RandomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Log-like text: compresses well, but not trivially.
std::string Text(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s;
  while (s.size() < size) {
    s += "2026-01-" + std::to_string(10 + rng() % 20) + ",order-" + std::to_string(rng() % 100000) +
         ",\"Store #" + std::to_string(rng() % 50) + "\"," + std::to_string(rng() % 1000) + ".25\n";
  }
  s.resize(size);
  return s;
}

// The codec, run on a thread of its own when `background`.
std::unique_ptr<Compressor> Make(Compression compression, int level, bool background = false) {
  auto made = MakeCompressor(compression, level);
  if (made && background) made = MakeBackgroundCompressor(std::move(*made));
  EXPECT_TRUE(made) << made.error().ToString();
  return made ? std::move(*made) : nullptr;
}

// Every round trip holds for each codec and level, inline and in the background.
class CodecRoundTripTest : public ::testing::TestWithParam<std::tuple<Compression, int, bool>> {
 protected:
  std::unique_ptr<Compressor> Make() const {
    return unload::Make(compression(), level(), std::get<2>(GetParam()));
  }
  Compression compression() const { return std::get<0>(GetParam()); }
  int level() const { return std::get<1>(GetParam()); }
};

TEST_P(CodecRoundTripTest, ManySmallWritesDecompressToTheInput) {
  auto codec = Make();
  ASSERT_NE(codec, nullptr);
  const std::string input = Text(700000, 1);
  std::string out;
  std::mt19937 rng(2);
  for (size_t pos = 0; pos < input.size();) {
    const size_t n = std::min<size_t>(input.size() - pos, 1 + rng() % 200);
    ASSERT_TRUE(codec->Write(std::string_view(input).substr(pos, n), out));
    pos += n;
  }
  ASSERT_TRUE(codec->Finish(out));
  const Decompressed back = DecompressWithCli(compression(), out);
  EXPECT_EQ(back.status, 0);
  EXPECT_EQ(back.out, input);
  if (compression() != Compression::kNone) {
    EXPECT_LT(out.size(), input.size() / 3);
  }
}

TEST_P(CodecRoundTripTest, EmptyStreamIsValid) {
  auto codec = Make();
  ASSERT_NE(codec, nullptr);
  std::string out;
  ASSERT_TRUE(codec->Write("", out));
  ASSERT_TRUE(codec->Finish(out));
  EXPECT_EQ(out.empty(), compression() == Compression::kNone);
  const Decompressed back = DecompressWithCli(compression(), out);
  EXPECT_EQ(back.status, 0);
  EXPECT_EQ(back.out, "");
}

TEST_P(CodecRoundTripTest, IncompressibleInputStaysWithinFinishBound) {
  auto codec = Make();
  ASSERT_NE(codec, nullptr);
  const std::string input = RandomBytes(3 << 20, 3);
  std::string out;
  ASSERT_TRUE(codec->Write(input, out));
  ASSERT_TRUE(codec->Finish(out));
  EXPECT_LE(out.size(), codec->FinishBound(input.size()));
  EXPECT_EQ(DecompressWithCli(compression(), out).out, input);
}

TEST_P(CodecRoundTripTest, FinishBoundCoversOutputAfterAFlush) {
  auto codec = Make();
  ASSERT_NE(codec, nullptr);
  std::string out;
  ASSERT_TRUE(codec->Write(Text(300000, 4), out));
  ASSERT_TRUE(codec->Flush(out));
  const size_t flushed = out.size();
  const std::string tail = RandomBytes(200000, 5);
  ASSERT_TRUE(codec->Write(tail, out));
  ASSERT_TRUE(codec->Finish(out));
  EXPECT_LE(out.size() - flushed, codec->FinishBound(tail.size()));
}

TEST_P(CodecRoundTripTest, FlushMakesEverythingWrittenDecodable) {
  auto codec = Make();
  ASSERT_NE(codec, nullptr);
  const std::string input = Text(100000, 6);
  std::string out;
  ASSERT_TRUE(codec->Write(input, out));
  ASSERT_TRUE(codec->Flush(out));
  // The stream is unfinished, so the tool complains, but it has decoded every byte by then.
  EXPECT_EQ(DecompressWithCli(compression(), out).out, input);
}

TEST_P(CodecRoundTripTest, NextStreamAfterFinishIsIndependent) {
  auto codec = Make();
  ASSERT_NE(codec, nullptr);
  std::string first;
  std::string second;
  ASSERT_TRUE(codec->Write("first object\n", first));
  ASSERT_TRUE(codec->Finish(first));
  ASSERT_TRUE(codec->Write("second object\n", second));
  ASSERT_TRUE(codec->Finish(second));
  EXPECT_EQ(DecompressWithCli(compression(), first).out, "first object\n");
  const Decompressed back = DecompressWithCli(compression(), second);
  EXPECT_EQ(back.status, 0);
  EXPECT_EQ(back.out, "second object\n");
}

std::string CodecName(const ::testing::TestParamInfo<std::tuple<Compression, int, bool>>& info) {
  const Compression c = std::get<0>(info.param);
  const char* name = c == Compression::kNone ? "None" : c == Compression::kGzip ? "Gzip" : "Zstd";
  return std::string(name) + "Level" + std::to_string(std::get<1>(info.param)) +
         (std::get<2>(info.param) ? "Background" : "");
}

INSTANTIATE_TEST_SUITE_P(Codecs, CodecRoundTripTest,
                         ::testing::Values(std::tuple{Compression::kNone, 0, false},
                                           std::tuple{Compression::kGzip, 0, false},
                                           std::tuple{Compression::kGzip, 1, false},
                                           std::tuple{Compression::kGzip, 4, false},
                                           std::tuple{Compression::kGzip, 6, false},
                                           std::tuple{Compression::kGzip, 9, false},
                                           std::tuple{Compression::kZstd, 0, false},
                                           std::tuple{Compression::kZstd, 1, false},
                                           std::tuple{Compression::kZstd, 19, false}),
                         CodecName);

INSTANTIATE_TEST_SUITE_P(Background, CodecRoundTripTest,
                         ::testing::Values(std::tuple{Compression::kNone, 0, true},
                                           std::tuple{Compression::kGzip, 0, true},
                                           std::tuple{Compression::kGzip, 9, true},
                                           std::tuple{Compression::kZstd, 0, true},
                                           std::tuple{Compression::kZstd, 19, true}),
                         CodecName);

// Upper-cases its input, or fails on the Write numbered `fail_at` (1-based); counts calls.
class ScriptedCompressor final : public Compressor {
 public:
  explicit ScriptedCompressor(int fail_at = 0) : fail_at_(fail_at) {}
  Result<void> Write(std::string_view in, std::string& out) override {
    if (++writes_ == fail_at_) {
      return Fail(ErrorCode::kInternal, "gzip", "write " + std::to_string(writes_) + " failed");
    }
    for (char c : in) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return {};
  }
  Result<void> Flush(std::string& out) override {
    out += "|";
    return {};
  }
  Result<void> Finish(std::string& out) override {
    out += "$";
    return {};
  }
  uint64_t FinishBound(uint64_t unflushed) const override { return unflushed + 1; }

 private:
  const int fail_at_;
  int writes_ = 0;
};

std::unique_ptr<Compressor> Background(int fail_at = 0) {
  auto made = MakeBackgroundCompressor(std::make_unique<ScriptedCompressor>(fail_at));
  EXPECT_TRUE(made);
  return made ? std::move(*made) : nullptr;
}

TEST(BackgroundCompressorTest, WriteReturnsThePreviousBlocksOutputAndFinishTheRest) {
  auto codec = Background();
  ASSERT_NE(codec, nullptr);
  std::string out;
  ASSERT_TRUE(codec->Write("ab", out));
  EXPECT_EQ(out, "");  // still being compressed
  ASSERT_TRUE(codec->Write("cd", out));
  EXPECT_EQ(out, "AB");
  ASSERT_TRUE(codec->Flush(out));
  EXPECT_EQ(out, "ABCD|");  // a flush covers every block written
  ASSERT_TRUE(codec->Write("e", out));
  ASSERT_TRUE(codec->Finish(out));
  EXPECT_EQ(out, "ABCD|E$");
  EXPECT_EQ(codec->FinishBound(10), 11u);
}

// WriteBlock hands the block's buffer to the thread: the caller's block comes back empty, and
// the thread compresses the block as it was, while the caller fills the buffer it got back.
TEST(BackgroundCompressorTest, WriteBlockTakesTheBufferAndCompressesItAsItWas) {
  auto codec = Background();
  ASSERT_NE(codec, nullptr);
  std::string out;
  std::string block = "ab";
  ASSERT_TRUE(codec->WriteBlock(block, out));
  EXPECT_EQ(block, "");
  block = "cd";  // written while "ab" may still be compressed
  ASSERT_TRUE(codec->WriteBlock(block, out));
  EXPECT_EQ(block, "");
  ASSERT_TRUE(codec->Finish(out));
  EXPECT_EQ(out, "ABCD$");
}

TEST(CompressorTest, WriteBlockIsWriteThenAnEmptyBlock) {
  ScriptedCompressor codec;
  std::string out;
  std::string block = "xy";
  ASSERT_TRUE(codec.WriteBlock(block, out));
  EXPECT_EQ(block, "");
  EXPECT_EQ(out, "XY");
}

TEST(BackgroundCompressorTest, TheThreadsErrorIsReturnedByTheNextCallAndEveryOneAfter) {
  auto codec = Background(/*fail_at=*/2);
  ASSERT_NE(codec, nullptr);
  std::string out;
  ASSERT_TRUE(codec->Write("a", out));
  ASSERT_TRUE(codec->Write("b", out));  // handed over; it fails on the thread
  auto next = codec->Write("c", out);
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code, ErrorCode::kInternal);
  EXPECT_EQ(next.error().message, "write 2 failed");
  EXPECT_EQ(out, "A");
  EXPECT_FALSE(codec->Flush(out));
  EXPECT_FALSE(codec->Finish(out));
  EXPECT_EQ(out, "A");  // nothing after the failure
}

TEST(BackgroundCompressorTest, DestroyingItWithABlockInFlightIsSafe) {
  auto codec = Background();
  ASSERT_NE(codec, nullptr);
  std::string out;
  ASSERT_TRUE(codec->Write(std::string(1 << 20, 'x'), out));
  codec.reset();  // joins the thread after the block; nothing leaks or races (TSan, ASan)
  EXPECT_EQ(out, "");
}

TEST(CodecLevelTest, GzipLevelsMapOntoIsalLevels) {
  EXPECT_EQ(IsalLevelFor(0), 1);
  EXPECT_EQ(IsalLevelFor(1), 0);
  EXPECT_EQ(IsalLevelFor(2), 0);
  EXPECT_EQ(IsalLevelFor(3), 1);
  EXPECT_EQ(IsalLevelFor(5), 1);
  EXPECT_EQ(IsalLevelFor(6), 2);
  EXPECT_EQ(IsalLevelFor(7), 2);
  EXPECT_EQ(IsalLevelFor(8), 3);
  EXPECT_EQ(IsalLevelFor(9), 3);
}

TEST(CodecLevelTest, ZstdDefaultIsThreeOtherLevelsAsGiven) {
  EXPECT_EQ(ZstdLevelFor(0), 3);
  EXPECT_EQ(ZstdLevelFor(1), 1);
  EXPECT_EQ(ZstdLevelFor(19), 19);
}

// The level must reach the library: a higher one gives a smaller stream on the same text.
TEST(CodecLevelTest, HigherLevelCompressesSmaller) {
  const std::string input = Text(1 << 20, 7);
  const auto size = [&](Compression c, int level) {
    auto codec = Make(c, level);
    std::string out;
    EXPECT_TRUE(codec->Write(input, out));
    EXPECT_TRUE(codec->Finish(out));
    return out.size();
  };
  EXPECT_LT(size(Compression::kGzip, 9), size(Compression::kGzip, 1));
  EXPECT_LT(size(Compression::kZstd, 19), size(Compression::kZstd, 1));
}

TEST(CodecLevelTest, LevelOutsideTheCodecsRangeIsRefused) {
  for (auto [compression, level] :
       {std::pair{Compression::kGzip, 10}, std::pair{Compression::kGzip, -1},
        std::pair{Compression::kZstd, 20}}) {
    auto made = MakeCompressor(compression, level);
    ASSERT_FALSE(made) << level;
    EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(made.error().subject, "output.compression_level");
    EXPECT_NE(made.error().message.find(std::to_string(level)), std::string::npos);
  }
}

}  // namespace
}  // namespace s3u::unload
