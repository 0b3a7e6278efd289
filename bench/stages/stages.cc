// The stages of an upload and of an unload, each alone on one thread, next to memcpy of the
// same buffer as the physical reference: CSV tokenising, encoding rows (CSV, JSON Lines),
// gzip (ISA-L) and zstd, the three outputs of an unload whole (CSV + gzip, CSV + zstd,
// Parquet with its pages compressed), the integrity digests as the S3 client computes them,
// SigV4 signing, and parsing a Domo query page. Run by bench/run (section "stages"), which
// puts the rates in bench/RESULTS.md; every benchmark reports bytes/s of its input (per CPU
// second: Google Benchmark divides by CPU time), the output stages bytes/s of source CSV.
#include <benchmark/benchmark.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "domo/model.h"
#include "domo/paging.h"
#include "s3/checksum.h"
#include "s3/request.h"
#include "s3/sigv4.h"
#include "table/csv.h"
#include "unload/codec.h"
#include "unload/output.h"

namespace {

using s3u::Result;

constexpr size_t kPart = 8u << 20;  // one default part: the unit every upload stage sees

// Rows shaped like bench/run's synthetic day: id, datetime, text, choice, decimal, integer.
struct Rows {
  std::vector<std::vector<std::string>> values;
  std::string csv;                          // the same rows as CSV, header first
  s3u::domo::QueryRows table{6, 8u << 20};  // the same rows as a query page holds them
};

const Rows& SampleRows() {
  static const Rows rows = [] {
    Rows r;
    std::mt19937_64 rng(7);
    const char* words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"};
    const char* regions[] = {"West", "East", "North"};
    r.csv = "id,t,customer,region,amount,qty\n";
    for (uint64_t i = 1; r.csv.size() < kPart; ++i) {
      std::string customer;
      while (customer.size() < 5 + rng() % 25) {
        if (!customer.empty()) customer += ' ';
        customer += words[rng() % 7];
      }
      char t[32], amount[32];
      std::snprintf(t, sizeof t, "2026-05-01T%02u:%02u:%02u", unsigned(i / 3600 % 24),
                    unsigned(i / 60 % 60), unsigned(i % 60));
      std::snprintf(amount, sizeof amount, "%llu.%02llu",
                    static_cast<unsigned long long>(rng() % 10000),
                    static_cast<unsigned long long>(rng() % 100));
      std::vector<std::string> row = {std::to_string(i),  t,      customer,
                                      regions[rng() % 3], amount, std::to_string(1 + rng() % 100)};
      s3u::table::CsvWriteOptions options;
      std::vector<s3u::table::FieldValue> fields(row.begin(), row.end());
      s3u::table::AppendCsvRecord(options, fields, r.csv);
      for (const std::string& value : row) r.table.AddText(value);
      r.values.push_back(std::move(row));
    }
    return r;
  }();
  return rows;
}

const std::string& RandomPart() {
  static const std::string part = [] {
    std::string s(kPart, '\0');
    std::mt19937_64 rng(1);
    for (size_t i = 0; i + 8 <= s.size(); i += 8) {
      const uint64_t v = rng();
      std::memcpy(&s[i], &v, 8);
    }
    return s;
  }();
  return part;
}

void Check(const Result<void>& r, benchmark::State& state) {
  if (!r) state.SkipWithError(r.error().message.c_str());
}

void BM_Memcpy(benchmark::State& state) {
  const std::string& src = RandomPart();
  std::string dst(src.size(), '\0');
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * src.size()));
}

void BM_CsvTokenise(benchmark::State& state) {
  const std::string& csv = SampleRows().csv;
  for (auto _ : state) {
    uint64_t fields = 0;
    s3u::table::CsvReader reader(
        {},
        [&](std::span<const s3u::table::Field> f, const s3u::table::RecordInfo&) -> Result<void> {
          fields += f.size();
          return {};
        });
    for (size_t at = 0; at < csv.size(); at += 64 * 1024) {
      Check(reader.Feed(std::string_view(csv).substr(at, 64 * 1024)), state);
    }
    Check(reader.Finish(), state);
    benchmark::DoNotOptimize(fields);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * csv.size()));
}

// Counts what the output writer hands to its object: the encoder alone, no compression.
class NullSink final : public s3u::unload::ObjectSink {
 public:
  Result<void> Write(std::string_view data) override {
    bytes += data.size();
    return {};
  }
  Result<void> Seal() override { return {}; }
  uint64_t bytes = 0;
};

// One output of an unload, from the rows of a query page (as the direct engine hands them to
// the output writer) to the bytes stored. Without compression the
// rate counts the encoded bytes (the CSV or JSON Lines text). With compression, and always
// for Parquet (its pages are compressed inside the file), the rate counts the source CSV
// bytes of the same rows, so the three outputs bench/run compares end to end (CSV + gzip,
// CSV + zstd, Parquet + zstd) are side by side here in MB/s and CPU s/GiB of the same
// source, and `ratio` is source bytes / stored bytes as for BM_GzipIsal and BM_Zstd.
void Encode(benchmark::State& state, s3u::unload::OutputFormat format,
            s3u::unload::Compression compression = s3u::unload::Compression::kNone) {
  const Rows& rows = SampleRows();
  s3u::table::Schema schema = {
      {"id", s3u::table::ColumnType::kLong},         {"t", s3u::table::ColumnType::kDateTime},
      {"customer", s3u::table::ColumnType::kString}, {"region", s3u::table::ColumnType::kString},
      {"amount", s3u::table::ColumnType::kDecimal},  {"qty", s3u::table::ColumnType::kLong}};
  uint64_t encoded = 0;
  std::vector<s3u::table::PackedRow> packed;  // a page's rows, as the runner hands them over
  for (auto _ : state) {
    s3u::unload::OutputOptions options;
    options.format = format;
    options.compression = compression;
    NullSink* sink = nullptr;
    auto writer = s3u::unload::OutputWriter::Create(
        options, schema, [&](int) -> Result<std::unique_ptr<s3u::unload::ObjectSink>> {
          auto owned = std::make_unique<NullSink>();
          sink = owned.get();
          return owned;
        });
    if (!writer) {
      state.SkipWithError(writer.error().message.c_str());
      return;
    }
    packed.clear();
    for (const s3u::domo::QueryRows::Row row : rows.table) packed.push_back(row.packed());
    Check((*writer)->WriteRows(packed), state);
    Check((*writer)->Close(), state);
    if (format == s3u::unload::OutputFormat::kParquet ||
        compression != s3u::unload::Compression::kNone) {
      encoded += rows.csv.size();
      state.counters["stored_bytes"] = static_cast<double>(sink->bytes);
      state.counters["ratio"] =
          static_cast<double>(rows.csv.size()) / static_cast<double>(sink->bytes);
    } else {
      encoded += sink->bytes;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(encoded));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows.values.size()));
}

void BM_EncodeCsv(benchmark::State& state) { Encode(state, s3u::unload::OutputFormat::kCsv); }
void BM_EncodeCsvGzip(benchmark::State& state) {
  Encode(state, s3u::unload::OutputFormat::kCsv, s3u::unload::Compression::kGzip);
}
void BM_EncodeCsvZstd(benchmark::State& state) {
  Encode(state, s3u::unload::OutputFormat::kCsv, s3u::unload::Compression::kZstd);
}
void BM_EncodeParquetZstd(benchmark::State& state) {
  Encode(state, s3u::unload::OutputFormat::kParquet, s3u::unload::Compression::kZstd);
}
void BM_EncodeParquetSnappy(benchmark::State& state) {
  Encode(state, s3u::unload::OutputFormat::kParquet, s3u::unload::Compression::kSnappy);
}
void BM_EncodeJsonLines(benchmark::State& state) {
  Encode(state, s3u::unload::OutputFormat::kJsonLines);
}

// `level` as a job sets it (0: the codec's default; gzip 1 is ISA-L's fastest level, 0).
void Compress(benchmark::State& state, s3u::unload::Compression compression, int level = 0) {
  const std::string& csv = SampleRows().csv;
  auto codec = s3u::unload::MakeCompressor(compression, level);
  if (!codec) {
    state.SkipWithError(codec.error().message.c_str());
    return;
  }
  std::string out;
  uint64_t stored = 0;
  for (auto _ : state) {
    // In the output writer's 256 KiB blocks, as an unload feeds the codec.
    for (size_t at = 0; at < csv.size(); at += 256 * 1024) {
      out.clear();
      Check((*codec)->Write(std::string_view(csv).substr(at, 256 * 1024), out), state);
      stored += out.size();
    }
    out.clear();
    Check((*codec)->Finish(out), state);
    stored += out.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * csv.size()));
  state.counters["ratio"] =
      static_cast<double>(state.iterations() * csv.size()) / static_cast<double>(stored);
}

void BM_GzipIsal(benchmark::State& state) { Compress(state, s3u::unload::Compression::kGzip); }
void BM_GzipIsalLevel1(benchmark::State& state) {
  Compress(state, s3u::unload::Compression::kGzip, 1);
}
void BM_Zstd(benchmark::State& state) { Compress(state, s3u::unload::Compression::kZstd); }

template <auto Digest>
void BM_Digest(benchmark::State& state) {
  const std::string& part = RandomPart();
  for (auto _ : state) benchmark::DoNotOptimize(Digest(part));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * part.size()));
}

// One UploadPart request signed as the client does it: with `payload` the body's SHA-256 is
// part of it (the default), without it only the canonical request and HMAC chain.
void Sign(benchmark::State& state, bool payload) {
  const std::string& part = RandomPart();
  s3u::s3::S3Request request{"UploadPart",
                             "PUT",
                             "bench",
                             "some/key/with spaces.csv.gz",
                             {{"partNumber", "17"}, {"uploadId", "2~abcdefghijklmnopqrstuvwxyz"}},
                             {{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}},
                             part};
  s3u::s3::SigningContext ctx{{"http", "127.0.0.1:9000", "", true},
                              "us-east-1",
                              {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", {}},
                              std::chrono::system_clock::now(),
                              payload};
  for (auto _ : state) benchmark::DoNotOptimize(s3u::s3::BuildSignedRequest(request, ctx));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (payload) state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * part.size()));
}

void BM_SignV4UploadPart(benchmark::State& state) { Sign(state, true); }
void BM_SignV4UnsignedPayload(benchmark::State& state) { Sign(state, false); }

// A Domo query page of 20,000 rows (the direct engine's default page) as the emulator
// writes it, parsed into cells by the client's parser (ParseQueryPage) as a reading does it
// (into the previous page's rows: PageMemory),
// or by the tree parser it replaced (ParseQueryResult).
void QueryPage(benchmark::State& state, bool tree) {
  static const std::string page = [] {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t i = 0; i < 20000; ++i) {
      const auto& r = SampleRows().values[i];
      rows.push_back({std::stoll(r[0]), r[1], r[2], r[3], std::stod(r[4]), std::stoll(r[5])});
    }
    nlohmann::json answer = {{"datasource", "0b0c0d0e-0000-4000-8000-000000000001"},
                             {"columns", {"id", "t", "customer", "region", "amount", "qty"}},
                             {"metadata", nlohmann::json::array()},
                             {"rows", std::move(rows)},
                             {"numRows", 20000},
                             {"numColumns", 6},
                             {"fromcache", false}};
    return answer.dump();
  }();
  s3u::domo::QueryRows previous;
  for (auto _ : state) {
    auto parsed = tree ? s3u::domo::ParseQueryResult(page, "bench")
                       : s3u::domo::ParseQueryPage(page, "bench", std::move(previous));
    if (!parsed) state.SkipWithError(parsed.error().message.c_str());
    benchmark::DoNotOptimize(parsed);
    if (parsed) previous = std::move(parsed->rows);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * page.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 20000));
}

void BM_DomoQueryPage(benchmark::State& state) { QueryPage(state, false); }
void BM_DomoQueryPageTreeParser(benchmark::State& state) { QueryPage(state, true); }

BENCHMARK(BM_Memcpy);
BENCHMARK(BM_CsvTokenise);
BENCHMARK(BM_EncodeCsv);
BENCHMARK(BM_EncodeJsonLines);
BENCHMARK(BM_EncodeCsvGzip);
BENCHMARK(BM_EncodeCsvZstd);
BENCHMARK(BM_EncodeParquetZstd);
BENCHMARK(BM_EncodeParquetSnappy);
BENCHMARK(BM_GzipIsal);
BENCHMARK(BM_GzipIsalLevel1);
BENCHMARK(BM_Zstd);
BENCHMARK(BM_Digest<s3u::s3::Md5Base64>)->Name("BM_Md5ContentMd5");
BENCHMARK(BM_Digest<s3u::s3::Sha256Hex>)->Name("BM_Sha256PayloadHash");
BENCHMARK(BM_Digest<s3u::s3::Crc32Base64>)->Name("BM_Crc32");
BENCHMARK(BM_Digest<s3u::s3::Crc32cBase64>)->Name("BM_Crc32cIsal");
BENCHMARK(BM_SignV4UploadPart);
BENCHMARK(BM_SignV4UnsignedPayload);
BENCHMARK(BM_DomoQueryPage);
BENCHMARK(BM_DomoQueryPageTreeParser);

}  // namespace

BENCHMARK_MAIN();
