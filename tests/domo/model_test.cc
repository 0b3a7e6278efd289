#include "domo/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace s3u::domo {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr const char* kId = "08a061e2-12a2-4646-b4bc-20beddb403e3";

// --- ParseDatasetId --------------------------------------------------------------------------

TEST(ParseDatasetIdTest, AcceptsABareGuidInAnyCase) {
  EXPECT_EQ(ParseDatasetId(kId, "--dataset"), kId);
  EXPECT_EQ(ParseDatasetId("08A061E2-12A2-4646-B4BC-20BEDDB403E3", "--dataset"), kId);
  EXPECT_EQ(ParseDatasetId(std::string(" ") + kId + "\n", "--dataset"), kId);
}

TEST(ParseDatasetIdTest, AcceptsDomoUrlVariants) {
  for (const std::string& url : {
           std::string("https://acme.domo.com/datasources/") + kId + "/details/overview",
           std::string("https://acme.domo.com/datasources/") + kId + "/details/data/table",
           std::string("https://acme.domo.com/datasources/") + kId,
           std::string("https://acme.domo.com/datasources/") + kId + "/",
           std::string("https://acme.domo.com/datasources/") + kId + "?tab=schema",
           std::string("https://acme.domo.com/datasources/") + kId + "#x",
           std::string("acme.domo.com/datasources/") + kId + "/details/overview",
       }) {
    EXPECT_EQ(ParseDatasetId(url, "--dataset"), kId) << url;
  }
}

TEST(ParseDatasetIdTest, RejectsWhatIsNotAnIdNamingTheFieldAndBothForms) {
  for (const std::string& bad : {
           std::string(""),
           std::string("sales"),
           std::string("08a061e2-12a2-4646-b4bc-20beddb403e"),    // one digit short
           std::string("08a061e2-12a2-4646-b4bc-20beddb403e3x"),  // one too many
           std::string("08a061e2x12a2-4646-b4bc-20beddb403e3"),   // no dash
           std::string("g8a061e2-12a2-4646-b4bc-20beddb403e3"),   // not hex
           std::string("https://acme.domo.com/page/123"),
           std::string("https://acme.domo.com/datasources/not-a-guid/details/overview"),
       }) {
    auto r = ParseDatasetId(bad, "--dataset");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().subject, "--dataset");
    EXPECT_THAT(r.error().message, AllOf(HasSubstr("GUID"), HasSubstr("/datasources/")));
  }
}

// --- Parsers ---------------------------------------------------------------------------------

TEST(ParseDatasetTest, ReadsTheDocumentedObject) {
  auto d = ParseDataset(
      R"({"id":"08a061e2-12a2-4646-b4bc-20beddb403e3","name":"sales","description":"",)"
      R"("rows":1000,"columns":2,"schema":{"columns":[{"type":"LONG","name":"id"},)"
      R"({"type":"DATETIME","name":"event_time"}]},"owner":{"id":964382593,"name":"Ada Owner"},)"
      R"("createdAt":"2015-12-10T07:06:14Z","updatedAt":"2016-02-29T20:56:20.567Z",)"
      R"("pdpEnabled":false,"policies":[]})",
      "dataset x");
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(d->id, kId);
  EXPECT_EQ(d->name, "sales");
  EXPECT_EQ(d->rows, 1000);
  EXPECT_EQ(d->columns, 2);
  EXPECT_EQ(d->schema, (table::Schema{{"id", table::ColumnType::kLong},
                                      {"event_time", table::ColumnType::kDateTime}}));
  EXPECT_EQ(d->owner.id, 964382593);
  EXPECT_EQ(d->owner.name, "Ada Owner");
  EXPECT_EQ(d->updated_at, "2016-02-29T20:56:20.567Z");
}

TEST(ParseDatasetTest, OwnerIdMayBeANumericString) {
  auto d = ParseDataset(R"({"id":"x","owner":{"id":"964382593","name":"Ada"}})", "dataset x");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->owner.id, 964382593);
}

TEST(ParseDatasetTest, UnknownColumnTypeIsNamedWithItsPath) {
  auto d = ParseDataset(R"({"id":"x","schema":{"columns":[{"type":"LONG","name":"a"},)"
                        R"({"type":"INTEGER","name":"b"}]}})",
                        "dataset x");
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kInternal);
  EXPECT_EQ(d.error().subject, "dataset x");
  EXPECT_THAT(d.error().message, AllOf(HasSubstr("schema.columns[1].type"), HasSubstr("INTEGER")));
}

TEST(ParseDatasetTest, MissingOrMistypedFieldsAreNamed) {
  auto no_id = ParseDataset(R"({"name":"x"})", "s");
  ASSERT_FALSE(no_id.has_value());
  EXPECT_THAT(no_id.error().message, HasSubstr("'id' is missing"));
  auto rows = ParseDataset(R"({"id":"x","rows":"many"})", "s");
  ASSERT_FALSE(rows.has_value());
  EXPECT_THAT(rows.error().message, HasSubstr("'rows' is not an integer"));
  auto owner = ParseDataset(R"({"id":"x","owner":{"name":"no id"}})", "s");
  ASSERT_FALSE(owner.has_value());
  EXPECT_THAT(owner.error().message, HasSubstr("'owner.id' is missing"));
  EXPECT_FALSE(ParseDataset("[]", "s").has_value());
  EXPECT_FALSE(ParseDataset("<html>", "s").has_value());
}

TEST(ParseDatasetListTest, ReadsItemsAndRejectsNonObjects) {
  auto list = ParseDatasetList(R"([{"id":"a","name":"A"},{"id":"b","name":"B"}])", "datasets");
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].name, "B");
  EXPECT_TRUE(ParseDatasetList("[]", "datasets")->empty());
  EXPECT_FALSE(ParseDatasetList(R"([{"id":"a"},3])", "datasets").has_value());
  EXPECT_FALSE(ParseDatasetList(R"({"id":"a"})", "datasets").has_value());
}

TEST(ParseUserTest, ReadsGroups) {
  auto u =
      ParseUser(R"({"id":809129372,"name":"Grace Coowner","email":"g@example.com",)"
                R"("role":"Participant","groups":[{"id":1324037627,"name":"Data Engineers"}]})",
                "user 809129372");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->name, "Grace Coowner");
  ASSERT_EQ(u->groups.size(), 1u);
  EXPECT_EQ(u->groups[0].id, 1324037627);
  EXPECT_EQ(u->groups[0].name, "Data Engineers");
}

TEST(ParseUserTest, BadGroupEntryIsNamed) {
  auto u = ParseUser(R"({"id":1,"groups":[{"name":"no id"}]})", "user 1");
  ASSERT_FALSE(u.has_value());
  EXPECT_THAT(u.error().message, HasSubstr("groups[0].id"));
}

TEST(ParseIdListTest, ReadsGroupMemberIds) {
  EXPECT_EQ(ParseIdList("[87659738,809129372]", "g"), (std::vector<int64_t>{87659738, 809129372}));
  EXPECT_FALSE(ParseIdList(R"(["87659738"])", "g").has_value());
}

TEST(ParsePermissionsTest, ReadsTheInternalListWithStringIds) {
  auto p = ParsePermissions(
      R"({"list":[{"type":"USER","id":"966365811","accessLevel":"OWNER","name":"Scott"},)"
      R"({"type":"GROUP","id":"1324037627","accessLevel":"CO_OWNER","name":"Data Engineers"}],)"
      R"("totalUserCount":1,"totalGroupCount":1})",
      "permissions");
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].id, 966365811);
  EXPECT_EQ((*p)[1].type, "GROUP");
  EXPECT_EQ((*p)[1].access_level, "CO_OWNER");
}

TEST(ParsePermissionsTest, MissingListOrLevelIsRejected) {
  EXPECT_FALSE(ParsePermissions(R"({"totalUserCount":0})", "p").has_value());
  auto p = ParsePermissions(R"({"list":[{"type":"USER","id":"1"}]})", "p");
  ASSERT_FALSE(p.has_value());
  EXPECT_THAT(p.error().message, HasSubstr("list[0].accessLevel"));
}

TEST(ParseQueryResultTest, ReadsTheDocumentedShapeWithNumbersStringsAndNulls) {
  auto q = ParseQueryResult(
      R"({"datasource":"ce79d23f","columns":["Description","Cost","_BATCH_LAST_RUN_"],)"
      R"("metadata":[{"type":"STRING","dataSourceId":"ce79d23f","maxLength":-1},)"
      R"({"type":"LONG"},{"type":"DATETIME"}],)"
      R"("rows":[["Maintenance",35000,"2019-03-19T18:49:02"],[null,0.0035,null]],)"
      R"("numRows":2,"numColumns":3,"fromcache":true})",
      "dataset x");
  ASSERT_TRUE(q.has_value()) << q.error().ToString();
  EXPECT_THAT(q->columns, ElementsAre("Description", "Cost", "_BATCH_LAST_RUN_"));
  EXPECT_THAT(q->types, ElementsAre("STRING", "LONG", "DATETIME"));
  ASSERT_EQ(q->rows.size(), 2u);
  EXPECT_EQ(q->rows[0][0], "Maintenance");
  EXPECT_EQ(q->rows[0][1], "35000");
  EXPECT_EQ(q->rows[0][2], "2019-03-19T18:49:02");
  EXPECT_EQ(q->rows[1][0], std::nullopt);
  EXPECT_EQ(q->rows[1][1], "0.0035");
}

TEST(QueryRowsTest, CellsFillRowsAndCopiesOwnTheirText) {
  std::optional<QueryRows> rows(QueryRows(2, 4));  // room for 4 bytes: the texts need more
  rows->Add("ab");
  rows->Add(std::nullopt);
  rows->Add("");
  rows->Add("a longer text than the room");  // the buffer grows; earlier views follow it
  rows->Add("x");                            // a third row, half full: not counted
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->back()[1], "a longer text than the room");
  std::vector<Cell> first;
  (*rows)[0].packed().CopyTo(first);
  EXPECT_EQ(first, (std::vector<Cell>{"ab", std::nullopt}));
  EXPECT_EQ((*rows)[1][0], "");
  EXPECT_TRUE((*rows)[1][0].has_value());  // empty text is not null
  QueryRows copy = *rows;
  QueryRows assigned;
  assigned = *rows;
  EXPECT_EQ(copy, *rows);
  rows.reset();  // the copies' views are into their own buffers
  EXPECT_EQ(copy[0][0], "ab");
  EXPECT_EQ(copy[1][1], "a longer text than the room");
  EXPECT_EQ(assigned, copy);
  QueryRows moved = std::move(copy);
  EXPECT_EQ(moved[1][1], "a longer text than the room");
  size_t seen = 0;
  for (QueryRows::Row row : moved) seen += row.size();
  EXPECT_EQ(seen, 4u);
}

TEST(ParseQueryResultTest, MissingMetadataLeavesTypesEmpty) {
  auto q = ParseQueryResult(R"({"columns":["a"],"rows":[[1]]})", "q");
  ASSERT_TRUE(q.has_value());
  EXPECT_THAT(q->types, ElementsAre(""));
}

TEST(ParseQueryResultTest, RaggedOrNestedRowsAreRejected) {
  auto ragged = ParseQueryResult(R"({"columns":["a","b"],"rows":[[1]]})", "q");
  ASSERT_FALSE(ragged.has_value());
  EXPECT_THAT(ragged.error().message, HasSubstr("row 0 does not have 2 cells"));
  EXPECT_FALSE(ParseQueryResult(R"({"columns":["a"],"rows":[[[1]]]})", "q").has_value());
  EXPECT_FALSE(ParseQueryResult(R"({"columns":["a"]})", "q").has_value());
}

TEST(ParseStreamTest, ReadsStreamAndExecution) {
  auto s = ParseStream(R"({"id":42,"dataSet":{"id":"abc","name":"w"},"updateMethod":"APPEND"})",
                       "stream");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->id, 42);
  EXPECT_EQ(s->dataset_id, "abc");
  EXPECT_EQ(s->update_method, "APPEND");
  auto e = ParseExecution(R"({"id":1,"currentState":"ACTIVE","startedAt":"2016-01-01T00:00:00Z"})",
                          "execution");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->id, 1);
  EXPECT_FALSE(e->Finished());
  EXPECT_TRUE((Execution{1, "INVALID"}).Finished());
  EXPECT_FALSE(ParseExecution(R"({"id":1})", "execution").has_value());
}

TEST(ParseS3ExportTest, KeepsTimestampsAsWireTextWhetherStringOrNumber) {
  auto e =
      ParseS3Export(R"({"bucket":"b","compression":"gzip","errorCode":null,"exportFormat":"csv",)"
                    R"("exportId":"97d1244b-8ec4-45f8-a721-ae9602a9fa77","exportStatus":"success",)"
                    R"("finished":"1568905750086","message":null,"started":1568905740000,)"
                    R"("urlRowCountMap":{"s3://b/p/97d1/export/data.csv.gz":1000}})",
                    "export");
  ASSERT_TRUE(e.has_value()) << e.error().ToString();
  EXPECT_EQ(e->status, "success");
  EXPECT_TRUE(e->Finished());
  EXPECT_EQ(e->finished, "1568905750086");
  EXPECT_EQ(e->started, "1568905740000");
  EXPECT_EQ(e->error_code, "");
  EXPECT_THAT(e->url_row_counts, ElementsAre(Pair("s3://b/p/97d1/export/data.csv.gz", 1000)));
}

TEST(ParseS3ExportTest, IsoTimestampsAndExportingStatus) {
  auto list = ParseS3ExportList(
      R"([{"exportId":"x","exportStatus":"exporting","started":"2019-09-19T15:09:10.086Z"}])",
      "exports");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ((*list)[0].started, "2019-09-19T15:09:10.086Z");
  EXPECT_FALSE((*list)[0].Finished());
  EXPECT_FALSE(ParseS3Export(R"({"exportId":"x"})", "export").has_value());
}

// --- Request bodies --------------------------------------------------------------------------

TEST(RequestBodyTest, DatasetSpecHasNameSchemaAndZeroRows) {
  const auto j = nlohmann::json::parse(DatasetSpecJson(
      {"metrics",
       "",
       {{"started", table::ColumnType::kString}, {"rows", table::ColumnType::kLong}}}));
  EXPECT_EQ(j, nlohmann::json::parse(R"({"name":"metrics","rows":0,"schema":{"columns":[)"
                                     R"({"type":"STRING","name":"started"},)"
                                     R"({"type":"LONG","name":"rows"}]}})"));
}

TEST(RequestBodyTest, DatasetUpdateCarriesOnlyWhatChanges) {
  DatasetUpdate update;
  update.description = "new";
  EXPECT_EQ(DatasetUpdateJson(update), R"({"description":"new"})");
}

TEST(RequestBodyTest, StreamSpecWrapsTheDataset) {
  const auto j = nlohmann::json::parse(StreamSpecJson({"w", "d", {}}, UpdateMethod::kAppend));
  EXPECT_EQ(j["updateMethod"], "APPEND");
  EXPECT_EQ(j["dataSet"]["name"], "w");
  EXPECT_EQ(j["dataSet"]["description"], "d");
}

TEST(RequestBodyTest, QueryEscapesTheSql) {
  EXPECT_EQ(QueryJson("SELECT \"a\" FROM table"), R"({"sql":"SELECT \"a\" FROM table"})");
}

TEST(RequestBodyTest, S3ExportCarriesTheDocumentedFieldsAndOmitsEmptyOptionalOnes) {
  S3ExportRequest r;
  r.bucket = "exports";
  r.region = "us-east-1";
  r.aws_access_key = "AKIA";
  r.aws_access_secret = "secret";
  r.query_request = {{"query", {{"where", nullptr}}}};
  const auto j = nlohmann::json::parse(S3ExportRequestJson(r));
  EXPECT_EQ(j["bucket"], "exports");
  EXPECT_EQ(j["awsAccessKey"], "AKIA");
  EXPECT_EQ(j["awsAccessSecret"], "secret");
  EXPECT_FALSE(j.contains("sessionToken"));
  EXPECT_FALSE(j.contains("path"));
  EXPECT_TRUE(j["queryRequest"].contains("query"));
}

TEST(UpdateMethodTest, NamesAreDomosUppercaseSpelling) {
  EXPECT_EQ(UpdateMethodName(UpdateMethod::kReplace), "REPLACE");
  EXPECT_EQ(UpdateMethodName(UpdateMethod::kAppend), "APPEND");
}

}  // namespace
}  // namespace s3u::domo
