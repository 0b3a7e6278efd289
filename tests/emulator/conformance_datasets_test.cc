// Conformance of the emulator's DataSet API with domo-api.md §3-§4: list (cap 50, paging to
// an empty page, nameLike, sort), get / create / update / delete with their status codes and
// fields, streamed export (includeHeader, fileName, quoting and null knobs), import (REPLACE
// default, fallback, APPEND, the grammar, field-count validation), and the query API.
#include <gtest/gtest.h>

#include <regex>

#include "conformance_util.h"

namespace s3u::emulator {
namespace {

using nlohmann::json;
using testing::RawAnswer;
using D = testing::StandardDomo;

// The documented export sample (§3.6), as header + rows.
constexpr const char* kStarWarsCsv =
    "name,role,quote,side\n"
    "Leia Organa,Rebel Leader,\"Help me, Obi-Wan Kenobi. You're my only hope.\",light\n"
    "Qui-Gon Jinn,,,\n";

json StarWarsSchema() {
  return {{"columns",
           {{{"type", "STRING"}, {"name", "name"}},
            {{"type", "STRING"}, {"name", "role"}},
            {{"type", "STRING"}, {"name", "quote"}},
            {{"type", "STRING"}, {"name", "side"}}}}};
}

class DatasetsConformanceTest : public testing::EmulatorConformanceTest {
 protected:
  using EmulatorConformanceTest::EmulatorConformanceTest;

  // Creates a dataset with `schema` and returns its id.
  std::string Create(const std::string& name, const json& schema) {
    auto answer = Call("POST", "/v1/datasets", json{{"name", name}, {"schema", schema}}.dump());
    EXPECT_EQ(answer.status, 201) << answer.body;
    return answer.Json().value("id", "");
  }
  RawAnswer Import(const std::string& id, const std::string& csv, const std::string& method = "") {
    return Call("PUT",
                "/v1/datasets/" + id + "/data" + (method.empty() ? "" : "?updateMethod=" + method),
                csv, {{"Content-Type", "text/csv"}});
  }
  RawAnswer Export(const std::string& id, const std::string& query = "") {
    return Call("GET", "/v1/datasets/" + id + "/data" + query, "", {{"Accept", "text/csv"}});
  }
  RawAnswer Query(const std::string& id, const std::string& sql) {
    return Call("POST", "/v1/datasets/query/execute/" + id, json{{"sql", sql}}.dump());
  }
};

// ------------------------------------------------------------------------------- list

TEST_F(DatasetsConformanceTest, ListItemsCarryTheDocumentedFields) {
  auto answer = Call("GET", "/v1/datasets?nameLike=sales");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const json list = answer.Json();
  ASSERT_EQ(list.size(), 1u);
  const json& item = list[0];
  EXPECT_EQ(item["id"], D::kSalesDatasetId);
  EXPECT_EQ(item["name"], "sales");
  EXPECT_EQ(item["rows"], D::kSalesRows);
  EXPECT_EQ(item["columns"], 7);
  EXPECT_EQ(item["owner"], json({{"id", D::kOwnerUserId}, {"name", "Ada Owner"}}));
  EXPECT_EQ(item["pdpEnabled"], false);
  for (const char* field : {"createdAt", "updatedAt", "dataCurrentAt"}) {
    EXPECT_TRUE(std::regex_match(item[field].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << field;
  }
}

TEST_F(DatasetsConformanceTest, LimitAbove50IsRefused) {
  auto answer = Call("GET", "/v1/datasets?limit=51");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.Json()["status"], 400);
}

TEST_F(DatasetsConformanceTest, LimitZeroNegativeOffsetAndTextAreRefused) {
  EXPECT_EQ(Call("GET", "/v1/datasets?limit=0").status, 400);
  EXPECT_EQ(Call("GET", "/v1/datasets?offset=-1").status, 400);
  EXPECT_EQ(Call("GET", "/v1/datasets?limit=ten").status, 400);
}

TEST_F(DatasetsConformanceTest, PagingBy50EndsWithAnEmptyPage) {
  for (int i = 0; i < 53; ++i) Create("bulk-" + std::to_string(i), StarWarsSchema());
  size_t total = 0;
  std::vector<size_t> pages;
  for (int offset = 0;; offset += 50) {
    auto page = Call("GET", "/v1/datasets?limit=50&offset=" + std::to_string(offset));
    ASSERT_EQ(page.status, 200);
    pages.push_back(page.Json().size());
    total += page.Json().size();
    if (page.Json().empty()) break;
    ASSERT_LT(offset, 500) << "paging does not end";
  }
  EXPECT_EQ(pages, (std::vector<size_t>{50, 5, 0}));  // 53 created + sales + events
  EXPECT_EQ(total, 55u);
}

TEST_F(DatasetsConformanceTest, DefaultLimitIs50) {
  for (int i = 0; i < 50; ++i) Create("bulk-" + std::to_string(i), StarWarsSchema());
  EXPECT_EQ(Call("GET", "/v1/datasets").Json().size(), 50u);
}

TEST_F(DatasetsConformanceTest, NameLikeIsACaseInsensitiveSubstring) {
  Create("Quarterly SALES report", StarWarsSchema());
  auto list = Call("GET", "/v1/datasets?nameLike=SaLe").Json();
  ASSERT_EQ(list.size(), 2u);
}

TEST_F(DatasetsConformanceTest, SortByNameAndNameDescending) {
  auto ascending = Call("GET", "/v1/datasets?sort=name").Json();
  ASSERT_EQ(ascending.size(), 2u);
  EXPECT_EQ(ascending[0]["name"], "events");
  auto descending = Call("GET", "/v1/datasets?sort=nameDescending").Json();
  EXPECT_EQ(descending[0]["name"], "sales");
}

TEST_F(DatasetsConformanceTest, UnknownSortIsRefused) {
  EXPECT_EQ(Call("GET", "/v1/datasets?sort=bogus").status, 400);
}

// ------------------------------------------------------------------------------- get, create,
// update, delete

TEST_F(DatasetsConformanceTest, GetReturnsSchemaOwnerAndPolicies) {
  auto answer = Call("GET", "/v1/datasets/" + std::string(D::kSalesDatasetId));
  ASSERT_EQ(answer.status, 200);
  const json ds = answer.Json();
  EXPECT_EQ(ds["owner"]["id"], D::kOwnerUserId);
  EXPECT_TRUE(ds["owner"]["id"].is_number_integer());  // a number, as every example shows
  ASSERT_EQ(ds["schema"]["columns"].size(), 7u);
  EXPECT_EQ(ds["schema"]["columns"][1], json({{"type", "DATETIME"}, {"name", "event_time"}}));
  EXPECT_EQ(ds["schema"]["columns"][2], json({{"type", "DATE"}, {"name", "day"}}));
  EXPECT_TRUE(ds["policies"].is_array());
  EXPECT_EQ(ds["policies"][0]["name"], "All Rows");
}

TEST_F(DatasetsConformanceTest, UnknownDatasetIs404) {
  auto answer = Call("GET", "/v1/datasets/00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(answer.Json()["statusReason"], "Not Found");
}

TEST_F(DatasetsConformanceTest, CreateIs201WithOwnerAndNoColumnsYet) {
  auto answer = Call("POST", "/v1/datasets",
                     json{{"name", "Leonhard Euler Party"},
                          {"description", "Mathematician Guest List"},
                          {"rows", 0},
                          {"schema",
                           {{"columns",
                             {{{"type", "STRING"}, {"name", "Friend"}},
                              {{"type", "STRING"}, {"name", "Attending"}}}}}}}
                         .dump());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const json ds = answer.Json();
  EXPECT_EQ(ds["rows"], 0);
  EXPECT_EQ(ds["columns"], 0);  // the documented example shows 0 before data arrives
  EXPECT_EQ(ds["owner"]["id"], D::kOwnerUserId);
  EXPECT_EQ(ds["description"], "Mathematician Guest List");
  EXPECT_TRUE(std::regex_match(ds["id"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                          "[0-9a-f]{12}")));
  EXPECT_EQ(Call("GET", "/v1/datasets/" + ds["id"].get<std::string>()).status, 200);
}

TEST_F(DatasetsConformanceTest, CreateWithoutNameOrSchemaIs400) {
  EXPECT_EQ(Call("POST", "/v1/datasets", json{{"schema", StarWarsSchema()}}.dump()).status, 400);
  EXPECT_EQ(Call("POST", "/v1/datasets", json{{"name", "x"}}.dump()).status, 400);
}

TEST_F(DatasetsConformanceTest, CreateWithAnUnknownColumnTypeIs400) {
  json schema = {{"columns", {{{"type", "INTEGER"}, {"name", "n"}}}}};
  auto answer = Call("POST", "/v1/datasets", json{{"name", "x"}, {"schema", schema}}.dump());
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(answer.Json()["message"].get<std::string>().find("LONG"), std::string::npos);
}

TEST_F(DatasetsConformanceTest, CreateWithInvalidJsonIs400) {
  EXPECT_EQ(Call("POST", "/v1/datasets", "{not json").status, 400);
}

TEST_F(DatasetsConformanceTest, UpdateIs200WithTheFullDataset) {
  const std::string id = Create("before", StarWarsSchema());
  auto answer = Call("PUT", "/v1/datasets/" + id,
                     json{{"name", "after"}, {"description", "d"}, {"pdpEnabled", true}}.dump());
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Json()["name"], "after");
  EXPECT_EQ(answer.Json()["pdpEnabled"], true);
  EXPECT_EQ(answer.Json()["schema"], StarWarsSchema());
}

TEST_F(DatasetsConformanceTest, UpdateWithABadFieldTypeIs400) {
  const std::string id = Create("x", StarWarsSchema());
  EXPECT_EQ(Call("PUT", "/v1/datasets/" + id, json{{"name", 7}}.dump()).status, 400);
}

TEST_F(DatasetsConformanceTest, DeleteIs204ThenGetShowsDeleted) {
  const std::string id = Create("doomed", StarWarsSchema());
  auto deleted = Call("DELETE", "/v1/datasets/" + id);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  auto after = Call("GET", "/v1/datasets/" + id);
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.Json()["deleted"], true);
  EXPECT_EQ(Export(id).status, 404);
  EXPECT_EQ(Call("DELETE", "/v1/datasets/" + id).status, 404);
  EXPECT_EQ(Call("GET", "/v1/datasets?nameLike=doomed").Json().size(), 0u);
}

// ------------------------------------------------------------------------------- export

TEST_F(DatasetsConformanceTest, ExportOfTheFixtureIsItsCsvByteForByte) {
  auto answer = Export(D::kSalesDatasetId);
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.Header("Content-Type").value_or("").substr(0, 8), "text/csv");
  EXPECT_EQ(answer.body, testing::SalesDataCsv());
}

TEST_F(DatasetsConformanceTest, ExportIsChunked) {
  auto answer = Export(D::kSalesDatasetId);
  EXPECT_EQ(answer.Header("Transfer-Encoding").value_or(""), "chunked");
  EXPECT_FALSE(answer.Header("Content-Length"));
}

TEST_F(DatasetsConformanceTest, DocumentedSampleRoundTripsWithHeader) {
  const std::string id = Create("star wars", StarWarsSchema());
  const std::string rows =
      std::string(kStarWarsCsv).substr(std::string(kStarWarsCsv).find('\n') + 1);
  ASSERT_EQ(Import(id, rows).status, 204);
  auto answer = Export(id, "?includeHeader=true");
  EXPECT_EQ(answer.body, kStarWarsCsv);
}

TEST_F(DatasetsConformanceTest, IncludeHeaderIsCaseInsensitive) {
  const std::string header = "id,event_time,day,customer,region,amount,ratio\n";
  for (const char* value : {"True", "TRUE", "true"}) {
    auto answer = Export(D::kSalesDatasetId, std::string("?includeHeader=") + value);
    EXPECT_EQ(answer.body.substr(0, header.size()), header) << value;
  }
  EXPECT_EQ(Export(D::kSalesDatasetId, "?includeHeader=False").body.substr(0, 2), "1,");
}

TEST_F(DatasetsConformanceTest, IncludeHeaderThatIsNotABooleanIs400) {
  EXPECT_EQ(Export(D::kSalesDatasetId, "?includeHeader=yes").status, 400);
}

TEST_F(DatasetsConformanceTest, FileNameSetsContentDisposition) {
  auto answer = Export(D::kSalesDatasetId, "?includeHeader=true&fileName=Q4_Sales_Data.csv");
  EXPECT_EQ(answer.Header("Content-Disposition").value_or(""),
            "attachment; filename=Q4_Sales_Data.csv");
  EXPECT_FALSE(Export(D::kSalesDatasetId).Header("Content-Disposition"));
}

TEST_F(DatasetsConformanceTest, SyntheticExportHasOneLinePerRowAtLeast) {
  auto answer = Export(D::kEventsDatasetId, "?includeHeader=true");
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body.substr(0, answer.body.find('\n')),
            "id,event_time,day,customer,amount,region");
  // Hostile text may embed line breaks, so there are at least rows + header lines.
  EXPECT_GE(std::count(answer.body.begin(), answer.body.end(), '\n'), D::kEventsRows + 1);
}

class QuoteAllNullBackslashNTest : public DatasetsConformanceTest {
 protected:
  QuoteAllNullBackslashNTest()
      : DatasetsConformanceTest(
            testing::StandardConfigWith("export", {{"quote", "all"}, {"null", "\\N"}})) {}
};

TEST_F(QuoteAllNullBackslashNTest, NullAndEmptyStringStayDistinctThroughImportAndExport) {
  json schema = {{"columns",
                  {{{"type", "STRING"}, {"name", "s"}},
                   {{"type", "LONG"}, {"name", "n"}},
                   {{"type", "STRING"}, {"name", "t"}}}}};
  const std::string id = Create("nulls", schema);
  // Unquoted empty = null, "" = empty string, unquoted \N = null, "\N" = the text \N (§4).
  ASSERT_EQ(Import(id, "a,,\"\"\n,7,\\N\n\"\\N\",-1,x\n").status, 204);
  EXPECT_EQ(Export(id).body, "\"a\",\\N,\"\"\n\\N,\"7\",\\N\n\"\\N\",\"-1\",\"x\"\n");
}

// ------------------------------------------------------------------------------- import

TEST_F(DatasetsConformanceTest, ImportIs204AndReplacesByDefault) {
  const std::string id = Create("imports", StarWarsSchema());
  auto first = Import(id, "a,b,c,d\n");
  EXPECT_EQ(first.status, 204);
  EXPECT_TRUE(first.body.empty());
  ASSERT_EQ(Import(id, "e,f,g,h\n").status, 204);
  EXPECT_EQ(Export(id).body, "e,f,g,h\n");
  auto ds = Call("GET", "/v1/datasets/" + id).Json();
  EXPECT_EQ(ds["rows"], 1);
  EXPECT_EQ(ds["columns"], 4);
}

TEST_F(DatasetsConformanceTest, AppendAddsRows) {
  const std::string id = Create("imports", StarWarsSchema());
  ASSERT_EQ(Import(id, "a,b,c,d\n", "REPLACE").status, 204);
  ASSERT_EQ(Import(id, "e,f,g,h\r\n", "APPEND").status, 204);
  EXPECT_EQ(Export(id).body, "a,b,c,d\ne,f,g,h\n");
}

TEST_F(DatasetsConformanceTest, InvalidOrLowercaseMethodFallsBackToReplace) {
  const std::string id = Create("imports", StarWarsSchema());
  ASSERT_EQ(Import(id, "a,b,c,d\n").status, 204);
  ASSERT_EQ(Import(id, "e,f,g,h\n", "append").status, 204);  // must be uppercase
  EXPECT_EQ(Export(id).body, "e,f,g,h\n");
  ASSERT_EQ(Import(id, "i,j,k,l\n", "MERGE").status, 204);
  EXPECT_EQ(Export(id).body, "i,j,k,l\n");
}

TEST_F(DatasetsConformanceTest, FieldCountMismatchIs400WithTheDocumentedMessage) {
  const std::string id = Create("imports", StarWarsSchema());
  ASSERT_EQ(Import(id, "a,b,c,d\n").status, 204);
  auto answer = Import(id, "a,b,c,d\ne,f,g\n");
  EXPECT_EQ(answer.status, 400);
  const json body = answer.Json();
  EXPECT_EQ(body["message"], "Data import failed for dataset " + id + ".");
  EXPECT_EQ(body["statusReason"], "Bad Request");
  EXPECT_EQ(Export(id).body, "a,b,c,d\n");  // nothing changed
}

TEST_F(DatasetsConformanceTest, MalformedCsvIs400) {
  const std::string id = Create("imports", StarWarsSchema());
  for (const char* bad :
       {"a\",b,c,d\n", "\"a\"a\",b,c,d\n", "a,b,c,d\n\na,b,c,d\n", "\"unterminated,b,c,d\n"}) {
    EXPECT_EQ(Import(id, bad).status, 400) << bad;
  }
}

TEST_F(DatasetsConformanceTest, ValueNotFittingTheColumnTypeIs400) {
  json schema = {
      {"columns", {{{"type", "LONG"}, {"name", "n"}}, {{"type", "DATE"}, {"name", "d"}}}}};
  const std::string id = Create("typed", schema);
  EXPECT_EQ(Import(id, "1,2026-10-01\n").status, 204);
  EXPECT_EQ(Import(id, "one,2026-10-01\n").status, 400);
  EXPECT_EQ(Import(id, "1,2026-02-30\n").status, 400);
  EXPECT_EQ(Import(id, "\"\",2026-10-01\n").status, 400);  // "" is no LONG
}

TEST_F(DatasetsConformanceTest, DatetimeSpellingsAreStoredCanonically) {
  json schema = {{"columns", {{{"type", "DATETIME"}, {"name", "t"}}}}};
  const std::string id = Create("times", schema);
  ASSERT_EQ(Import(id, "2026-10-01 10:00:00\n2026-10-01T11:00:00Z\n").status, 204);
  EXPECT_EQ(Export(id).body, "2026-10-01T10:00:00\n2026-10-01T11:00:00\n");
}

TEST_F(DatasetsConformanceTest, ImportIntoUnknownDatasetIs404) {
  EXPECT_EQ(Import("00000000-0000-0000-0000-000000000000", "a\n").status, 404);
}

TEST_F(DatasetsConformanceTest, ImportIntoASyntheticDatasetIs400) {
  EXPECT_EQ(Import(D::kEventsDatasetId, "1\n").status, 400);
}

// ------------------------------------------------------------------------------- query

TEST_F(DatasetsConformanceTest, QueryResponseHasTheDocumentedShape) {
  auto answer = Query(D::kSalesDatasetId,
                      "SELECT id, event_time, day, amount, ratio FROM table ORDER BY id LIMIT 2");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const json body = answer.Json();
  EXPECT_EQ(body["datasource"], D::kSalesDatasetId);
  EXPECT_EQ(body["columns"], json({"id", "event_time", "day", "amount", "ratio"}));
  ASSERT_EQ(body["metadata"].size(), 5u);
  EXPECT_EQ(body["metadata"][0], json({{"type", "LONG"},
                                       {"dataSourceId", D::kSalesDatasetId},
                                       {"maxLength", -1},
                                       {"minLength", -1},
                                       {"periodIndex", 0}}));
  EXPECT_EQ(body["numRows"], 2);
  EXPECT_EQ(body["numColumns"], 5);
  EXPECT_TRUE(body.contains("fromcache"));
  const json& row = body["rows"][0];
  EXPECT_EQ(row[0], 1);  // LONG as a JSON number
  EXPECT_EQ(row[1], "2026-10-01T00:35:32");
  EXPECT_EQ(row[2], "2026-10-01");
  EXPECT_TRUE(row[3].is_number());
  EXPECT_TRUE(row[4].is_number());
}

TEST_F(DatasetsConformanceTest, QueryFiltersOneDayWithLimitAndOffset) {
  auto answer =
      Query(D::kSalesDatasetId,
            "SELECT id FROM table WHERE day = '2026-10-03' ORDER BY id LIMIT 10 OFFSET 5");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const json rows = answer.Json()["rows"];
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows[0][0], 206);
}

TEST_F(DatasetsConformanceTest, QueryNullIsJsonNull) {
  auto answer = Query(D::kSalesDatasetId, "SELECT amount FROM table WHERE amount IS NULL LIMIT 1");
  ASSERT_EQ(answer.status, 200) << answer.body;
  ASSERT_EQ(answer.Json()["rows"].size(), 1u);
  EXPECT_TRUE(answer.Json()["rows"][0][0].is_null());
}

TEST_F(DatasetsConformanceTest, QueryOnAnotherTableIs400) {
  EXPECT_EQ(Query(D::kSalesDatasetId, "SELECT * FROM sales").status, 400);
}

TEST_F(DatasetsConformanceTest, QueryWithAnUnknownColumnIs400NamingIt) {
  auto answer = Query(D::kSalesDatasetId, "SELECT nope FROM table");
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(answer.body.find("nope"), std::string::npos);
}

TEST_F(DatasetsConformanceTest, QueryWithoutSqlIs400) {
  EXPECT_EQ(Call("POST", "/v1/datasets/query/execute/" + std::string(D::kSalesDatasetId),
                 json{{"query", "x"}}.dump())
                .status,
            400);
}

TEST_F(DatasetsConformanceTest, QueryOverSyntheticRowsCounts) {
  auto answer = Query(D::kEventsDatasetId, "SELECT COUNT(*) FROM table");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Json()["rows"][0][0], D::kEventsRows);
}

TEST_F(DatasetsConformanceTest, OneDayFilterOnSyntheticRowsCountsLikeAFullScan) {
  // The first filter narrows the scan to one day of the timeline; NOT does not narrow, so the
  // second reads every row. Both must count the same rows.
  auto narrowed = Query(D::kEventsDatasetId,
                        "SELECT COUNT(*) FROM table WHERE event_time >= '2026-10-02T00:00:00' "
                        "AND event_time < '2026-10-03T00:00:00'");
  auto full = Query(D::kEventsDatasetId,
                    "SELECT COUNT(*) FROM table WHERE NOT (event_time < '2026-10-02T00:00:00' "
                    "OR event_time >= '2026-10-03T00:00:00')");
  ASSERT_EQ(narrowed.status, 200) << narrowed.body;
  ASSERT_EQ(full.status, 200) << full.body;
  const int64_t count = narrowed.Json()["rows"][0][0];
  EXPECT_EQ(count, full.Json()["rows"][0][0].get<int64_t>());
  EXPECT_GT(count, D::kEventsRows / 40);  // about a thirtieth of the rows
  EXPECT_LT(count, D::kEventsRows / 20);
}

}  // namespace
}  // namespace s3u::emulator
