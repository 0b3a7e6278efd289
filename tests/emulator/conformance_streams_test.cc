// Conformance of the emulator's Stream API with domo-api.md §5: create (201 + Location),
// search by dataSource.id, executions numbered from 1, parts in the three gzip wire forms,
// contiguous part ids, asynchronous commit (ACTIVE, then SUCCESS), abort variants (200 and
// 204), upsert, and the commit interval knob.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <thread>

#include "conformance_util.h"

namespace s3u::emulator {
namespace {

using nlohmann::json;
using testing::RawAnswer;
using D = testing::StandardDomo;

std::string Gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

class StreamsConformanceTest : public testing::EmulatorConformanceTest {
 protected:
  using EmulatorConformanceTest::EmulatorConformanceTest;

  // A stream over a new dataset (name STRING, n LONG); returns {stream id, dataset id}.
  std::pair<int64_t, std::string> CreateStream(const std::string& method = "APPEND",
                                               json extra = json::object()) {
    json body = {
        {"dataSet",
         {{"name", "writeback"},
          {"description", "metrics"},
          {"schema",
           {{"columns",
             {{{"type", "STRING"}, {"name", "name"}}, {{"type", "LONG"}, {"name", "n"}}}}}}}},
        {"updateMethod", method}};
    body.update(extra);
    auto answer = Call("POST", "/v1/streams", body.dump());
    EXPECT_EQ(answer.status, 201) << answer.body;
    const json stream = answer.Json();
    return {stream.value("id", int64_t{0}), stream["dataSet"].value("id", "")};
  }
  std::string Base(int64_t stream) { return "/v1/streams/" + std::to_string(stream); }
  std::string ExecutionPath(int64_t stream, int64_t execution) {
    return Base(stream) + "/executions/" + std::to_string(execution);
  }
  int64_t Execute(int64_t stream, const std::string& body = "") {
    auto answer = Call("POST", Base(stream) + "/executions", body);
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.Json()["currentState"], "ACTIVE");
    return answer.Json().value("id", int64_t{0});
  }
  RawAnswer Part(int64_t stream, int64_t execution, int part, const std::string& body,
                 testing::Headers headers = {{"Content-Type", "text/csv"}}) {
    return Call("PUT", ExecutionPath(stream, execution) + "/part/" + std::to_string(part), body,
                headers);
  }
  // Polls the execution until it leaves ACTIVE (bounded: the commit runs in the background).
  std::string AwaitState(int64_t stream, int64_t execution) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string state;
    while (std::chrono::steady_clock::now() < deadline) {
      state = Call("GET", ExecutionPath(stream, execution)).Json().value("currentState", "");
      if (state != "ACTIVE") return state;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return state;
  }
  std::string ExportOf(const std::string& dataset) {
    return Call("GET", "/v1/datasets/" + dataset + "/data").body;
  }
  RawAnswer Commit(int64_t stream, int64_t execution, const std::string& body = "") {
    return Call("PUT", ExecutionPath(stream, execution) + "/commit", body);
  }
  // Sends `parts` ({part id, CSV}) to a new execution of `stream` (created with
  // `execution_body`), commits it and returns the state it ends in, or what was refused.
  std::string Load(int64_t stream, const std::vector<std::pair<int, std::string>>& parts,
                   const std::string& execution_body = "") {
    const int64_t execution = Execute(stream, execution_body);
    for (const auto& [part, csv] : parts) {
      auto answer = Part(stream, execution, part, csv);
      if (answer.status != 200) return "part " + std::to_string(part) + " refused: " + answer.body;
    }
    auto committed = Commit(stream, execution);
    if (committed.status != 200) return "commit refused: " + committed.body;
    return AwaitState(stream, execution);
  }
};

TEST_F(StreamsConformanceTest, CreateIs201WithLocationAndTheStreamObject) {
  auto answer = Call("POST", "/v1/streams",
                     json{{"dataSet",
                           {{"name", "Leonhard Euler Party"},
                            {"schema", {{"columns", {{{"type", "STRING"}, {"name", "Friend"}}}}}}}},
                          {"updateMethod", "APPEND"}}
                         .dump());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const json stream = answer.Json();
  EXPECT_EQ(answer.Header("Location").value_or(""), "/v1/streams/" + stream["id"].dump());
  EXPECT_TRUE(stream["id"].is_number_integer());
  EXPECT_EQ(stream["updateMethod"], "APPEND");
  EXPECT_EQ(stream["dataSet"]["owner"]["id"], D::kOwnerUserId);
  EXPECT_EQ(stream["dataSet"]["rows"], 0);
  for (const char* field : {"createdAt", "modifiedAt"}) EXPECT_TRUE(stream.contains(field));
}

TEST_F(StreamsConformanceTest, CreateWithoutUpdateMethodIs400) {
  auto answer =
      Call("POST", "/v1/streams",
           json{{"dataSet",
                 {{"name", "x"}, {"schema", {{"columns", {{{"type", "STRING"}, {"name", "a"}}}}}}}}}
               .dump());
  EXPECT_EQ(answer.status, 400);
}

TEST_F(StreamsConformanceTest, CreateWithoutSchemaIs400) {
  EXPECT_EQ(Call("POST", "/v1/streams",
                 json{{"dataSet", {{"name", "x"}}}, {"updateMethod", "APPEND"}}.dump())
                .status,
            400);
}

TEST_F(StreamsConformanceTest, SearchByDataSourceIdFindsTheStream) {
  auto [stream, dataset] = CreateStream();
  auto found = Call("GET", "/v1/streams/search?q=dataSource.id:" + dataset + "&fields=all");
  ASSERT_EQ(found.status, 200);
  ASSERT_EQ(found.Json().size(), 1u);
  EXPECT_EQ(found.Json()[0]["id"], stream);
  auto none = Call("GET", "/v1/streams/search?q=dataSource.id:" + std::string(D::kSalesDatasetId));
  EXPECT_EQ(none.Json(), json::array());
  auto by_owner =
      Call("GET", "/v1/streams/search?q=dataSource.owner.id:" + std::to_string(D::kOwnerUserId));
  EXPECT_EQ(by_owner.Json().size(), 1u);
}

TEST_F(StreamsConformanceTest, SearchWithAnUnknownFieldIs400) {
  EXPECT_EQ(Call("GET", "/v1/streams/search?q=owner:1").status, 400);
}

TEST_F(StreamsConformanceTest, ExecutionsAreNumberedFromOnePerStream) {
  auto [first, ds1] = CreateStream();
  auto [second, ds2] = CreateStream();
  EXPECT_EQ(Execute(first), 1);
  EXPECT_EQ(Execute(first, "null"), 2);                       // JAVA sends the literal null
  EXPECT_EQ(Execute(second, R"({"updateMethod":null})"), 1);  // PYDOMO
  auto list = Call("GET", Base(first) + "/executions?limit=500");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json().size(), 2u);
  EXPECT_EQ(Call("GET", Base(first) + "/executions?limit=501").status, 400);
}

TEST_F(StreamsConformanceTest, PartsInEveryWireFormCommitAndSucceed) {
  auto [stream, dataset] = CreateStream();
  const int64_t execution = Execute(stream);
  // PYDOMO / RDOMO: text/csv + Content-Encoding: gzip.
  EXPECT_EQ(Part(stream, execution, 1, Gzip("a,1\n"),
                 {{"Content-Type", "text/csv"}, {"Content-Encoding", "gzip"}})
                .status,
            200);
  // NODE: application/gzip.
  EXPECT_EQ(
      Part(stream, execution, 2, Gzip("b,2\n"), {{"Content-Type", "application/gzip"}}).status,
      200);
  // The guide's curl: gzip bytes under text/csv with nothing said.
  EXPECT_EQ(Part(stream, execution, 3, Gzip("c,3\n")).status, 200);
  // Plain CSV.
  auto plain = Part(stream, execution, 4, "d,4\n");
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.Json()["currentState"], "ACTIVE");
  auto committed = Commit(stream, execution, "{}");
  ASSERT_EQ(committed.status, 200) << committed.body;
  EXPECT_EQ(committed.Json()["currentState"], "ACTIVE");  // indexing is asynchronous
  EXPECT_EQ(AwaitState(stream, execution), "SUCCESS");
  EXPECT_EQ(ExportOf(dataset), "a,1\nb,2\nc,3\nd,4\n");
}

TEST_F(StreamsConformanceTest, ZeroBasedPartIdsAreAccepted) {
  auto [stream, dataset] = CreateStream();
  ASSERT_EQ(Load(stream, {{0, "a,1\n"}, {1, "b,2\n"}}), "SUCCESS");  // PYDOMO counts from 0
  EXPECT_EQ(ExportOf(dataset), "a,1\nb,2\n");
}

TEST_F(StreamsConformanceTest, PartsAreAppliedInPartOrderWhateverTheUploadOrder) {
  auto [stream, dataset] = CreateStream();
  ASSERT_EQ(Load(stream, {{2, "b,2\n"}, {1, "a,1\n"}}), "SUCCESS");
  EXPECT_EQ(ExportOf(dataset), "a,1\nb,2\n");
}

TEST_F(StreamsConformanceTest, FarNonConsecutivePartIdIsRejected) {
  auto [stream, dataset] = CreateStream();
  const int64_t execution = Execute(stream);
  ASSERT_EQ(Part(stream, execution, 1, "a,1\n").status, 200);
  auto answer = Part(stream, execution, 1000, "b,2\n");
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(answer.body.find("Too many non-consecutive part ids"), std::string::npos);
}

TEST_F(StreamsConformanceTest, CommitWithAGapIsRejectedAndTheExecutionStaysActive) {
  auto [stream, dataset] = CreateStream();
  const int64_t execution = Execute(stream);
  ASSERT_EQ(Part(stream, execution, 1, "a,1\n").status, 200);
  ASSERT_EQ(Part(stream, execution, 3, "c,3\n").status, 200);
  EXPECT_EQ(Commit(stream, execution).status, 400);
  ASSERT_EQ(Part(stream, execution, 2, "b,2\n").status, 200);  // fill the gap
  ASSERT_EQ(Commit(stream, execution).status, 200);
  EXPECT_EQ(AwaitState(stream, execution), "SUCCESS");
}

TEST_F(StreamsConformanceTest, ResentPartReplacesTheEarlierOne) {
  auto [stream, dataset] = CreateStream();
  ASSERT_EQ(Load(stream, {{1, "a,1\n"}, {1, "z,26\n"}}), "SUCCESS");
  EXPECT_EQ(ExportOf(dataset), "z,26\n");
}

TEST_F(StreamsConformanceTest, PartWithWrongFieldCountIs400) {
  auto [stream, dataset] = CreateStream();
  const int64_t execution = Execute(stream);
  EXPECT_EQ(Part(stream, execution, 1, "a,1,extra\n").status, 400);
  EXPECT_EQ(Part(stream, execution, 1, "a,notanumber\n").status, 400);
}

TEST_F(StreamsConformanceTest, CorruptGzipPartIs400) {
  auto [stream, dataset] = CreateStream();
  const int64_t execution = Execute(stream);
  std::string truncated = Gzip("a,1\nb,2\n");
  truncated.resize(truncated.size() / 2);
  EXPECT_EQ(Part(stream, execution, 1, truncated, {{"Content-Type", "application/gzip"}}).status,
            400);
}

TEST_F(StreamsConformanceTest, AppendStreamAddsAndReplaceStreamReplaces) {
  auto [append, append_ds] = CreateStream("APPEND");
  auto [replace, replace_ds] = CreateStream("REPLACE");
  for (const auto& [stream, rows] : std::vector<std::pair<int64_t, std::string>>{
           {append, "a,1\n"}, {append, "b,2\n"}, {replace, "a,1\n"}, {replace, "b,2\n"}}) {
    ASSERT_EQ(Load(stream, {{1, rows}}), "SUCCESS");
  }
  EXPECT_EQ(ExportOf(append_ds), "a,1\nb,2\n");
  EXPECT_EQ(ExportOf(replace_ds), "b,2\n");
}

TEST_F(StreamsConformanceTest, ExecutionUpdateMethodOverridesTheStreams) {
  auto [stream, dataset] = CreateStream("APPEND");
  ASSERT_EQ(Load(stream, {{1, "a,1\n"}}), "SUCCESS");
  ASSERT_EQ(Load(stream, {{1, "b,2\n"}}, R"({"updateMethod":"REPLACE"})"), "SUCCESS");
  EXPECT_EQ(ExportOf(dataset), "b,2\n");
}

TEST_F(StreamsConformanceTest, UpsertReplacesRowsWithTheSameKey) {
  auto [stream, dataset] = CreateStream("UPSERT", {{"keyColumnNames", {"name"}}});
  ASSERT_EQ(Load(stream, {{1, "a,1\nb,2\n"}}), "SUCCESS");
  ASSERT_EQ(Load(stream, {{1, "b,20\nc,3\n"}}), "SUCCESS");
  EXPECT_EQ(ExportOf(dataset), "a,1\nb,20\nc,3\n");
}

TEST_F(StreamsConformanceTest, AbortOneExecutionIs200AndDiscardsItsParts) {
  auto [stream, dataset] = CreateStream();
  const int64_t execution = Execute(stream);
  ASSERT_EQ(Part(stream, execution, 1, "a,1\n").status, 200);
  auto aborted = Call("PUT", ExecutionPath(stream, execution) + "/abort");
  EXPECT_EQ(aborted.status, 200);
  EXPECT_EQ(aborted.Json()["currentState"], "ABORTED");
  EXPECT_EQ(Commit(stream, execution).status, 400);
  EXPECT_EQ(Part(stream, execution, 2, "b,2\n").status, 400);
  EXPECT_EQ(ExportOf(dataset), "");
}

TEST_F(StreamsConformanceTest, AbortCurrentIs204) {
  auto [stream, dataset] = CreateStream();
  const int64_t execution = Execute(stream);
  auto aborted = Call("PUT", Base(stream) + "/executions/abort");
  EXPECT_EQ(aborted.status, 204);
  EXPECT_TRUE(aborted.body.empty());
  EXPECT_EQ(Call("GET", ExecutionPath(stream, execution)).Json()["currentState"], "ABORTED");
  EXPECT_EQ(Call("PUT", Base(stream) + "/executions/abort").status, 204);  // nothing to abort
}

TEST_F(StreamsConformanceTest, CommittingASucceededExecutionAgainIs400) {
  auto [stream, dataset] = CreateStream();
  const int64_t execution = Execute(stream);
  ASSERT_EQ(Commit(stream, execution).status, 200);
  ASSERT_EQ(AwaitState(stream, execution), "SUCCESS");
  EXPECT_EQ(Commit(stream, execution).status, 400);
}

TEST_F(StreamsConformanceTest, UnknownStreamAndExecutionAre404) {
  auto [stream, dataset] = CreateStream();
  EXPECT_EQ(Call("GET", "/v1/streams/999999").status, 404);
  EXPECT_EQ(Call("GET", Base(stream) + "/executions/7").status, 404);
  EXPECT_EQ(Part(stream, 7, 1, "a,1\n").status, 404);
}

TEST_F(StreamsConformanceTest, PatchChangesTheUpdateMethod) {
  auto [stream, dataset] = CreateStream("APPEND");
  auto patched = Call("PATCH", Base(stream), R"({"updateMethod":"REPLACE"})");
  ASSERT_EQ(patched.status, 200);
  EXPECT_EQ(patched.Json()["updateMethod"], "REPLACE");
  EXPECT_EQ(Call("PATCH", Base(stream), R"({"updateMethod":"MERGE"})").status, 400);
}

TEST_F(StreamsConformanceTest, DeleteIs204AndTheDatasetSurvives) {
  auto [stream, dataset] = CreateStream();
  EXPECT_EQ(Call("DELETE", Base(stream)).status, 204);
  EXPECT_EQ(Call("GET", Base(stream)).status, 404);
  EXPECT_EQ(Call("GET", "/v1/datasets/" + dataset).status, 200);
}

TEST_F(StreamsConformanceTest, ListIsCappedAt500) {
  CreateStream();
  EXPECT_EQ(Call("GET", "/v1/streams?limit=500").Json().size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/streams?limit=501").status, 400);
  EXPECT_EQ(Call("GET", "/v1/streams?offset=1").Json(), json::array());
}

class CommitIntervalTest : public StreamsConformanceTest {
 protected:
  CommitIntervalTest()
      : StreamsConformanceTest(testing::StandardConfigWith("min_commit_interval_seconds", 900)) {}
};

TEST_F(CommitIntervalTest, SecondCommitWithinTheIntervalIs429WithRetryAfter) {
  auto [stream, dataset] = CreateStream();
  const int64_t first = Execute(stream);
  ASSERT_EQ(Commit(stream, first).status, 200);
  const int64_t second = Execute(stream);
  auto refused = Commit(stream, second);
  EXPECT_EQ(refused.status, 429);
  const int retry_after = std::stoi(refused.Header("Retry-After").value_or("0"));
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 900);
  emulator_.Admin("POST", "/__admin/clock", {{"advance_seconds", 901}});
  token_ = emulator_.Token(D::kOwnerClientId, D::kOwnerClientSecret);
  EXPECT_EQ(Commit(stream, second).status, 200);
}

}  // namespace
}  // namespace s3u::emulator
