// Conformance of the emulator with the exact URL forms Domo's own SDKs send (docs/emulator.md,
// "URL forms of Domo's SDKs"): pydomo (domoinc/domo-python-sdk) builds its stream, user,
// group and (older releases) dataset URLs on a collection root with a trailing slash
// ("/v1/streams/") and adds `fields=all`, `sendInvite=True`, `includeHeader=True`; the Java
// SDK (domoinc/domo-java-sdk) sends the roots without the slash, `null` and `""` JSON bodies,
// and the token request as a form body. Each test names the SDK call whose request it replays.
#include <gtest/gtest.h>

#include <string>

#include "conformance_util.h"

namespace s3u::emulator {
namespace {

using nlohmann::json;
using testing::RawAnswer;
using D = testing::StandardDomo;

const testing::Headers kCsvBody = {{"Content-Type", "text/csv"}};
const testing::Headers kCsvAnswer = {{"Accept", "text/csv"}};

json StreamRequest(const std::string& name) {
  return {{"dataSet",
           {{"name", name},
            {"description", "sdk url forms"},
            {"schema",
             {{"columns",
               {{{"type", "STRING"}, {"name", "name"}}, {{"type", "LONG"}, {"name", "n"}}}}}}}},
          {"updateMethod", "APPEND"}};
}

class SdkUrlFormsTest : public testing::EmulatorConformanceTest {
 protected:
  // `method path` with the fixture's token; the answer must have `status` (the failure names
  // the SDK call).
  RawAnswer Expect(const std::string& sdk_call, int status, const std::string& method,
                   const std::string& path, const std::string& body = "",
                   testing::Headers headers = {}) {
    RawAnswer answer = Call(method, path, body, std::move(headers));
    EXPECT_EQ(answer.status, status)
        << sdk_call << ": " << method << " " << path << " answered " << answer.body;
    return answer;
  }
  // A stream created as `sdk_call` does (POST `root`); its id.
  int64_t CreateStream(const std::string& sdk_call, const std::string& root) {
    return Expect(sdk_call, 201, "POST", root, StreamRequest(sdk_call).dump())
        .Json()
        .value("id", int64_t{0});
  }
};

// ------------------------------------------------------------------------------- OAuth

TEST_F(SdkUrlFormsTest, PydomoTokenRequestCarriesGrantAndScopeInTheQueryString) {
  // Transport._renew_access_token: POST with no body, requests percent-encodes the space.
  auto answer = emulator_.Call(
      "POST", "/oauth/token?grant_type=client_credentials&scope=data%20user",
      {{"Authorization",
        "Basic " + testing::Base64(std::string(D::kOwnerClientId) + ":" + D::kOwnerClientSecret)}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.Json()["scope"], "data user");
}

TEST_F(SdkUrlFormsTest, PydomoTokenProbeListsUsersOnTheRootWithASlash) {
  // Transport._token_expired: GET /v1/users/ and a 401 means "renew".
  auto answer = Expect("pydomo Transport._token_expired", 200, "GET", "/v1/users/");
  EXPECT_EQ(answer.Json().size(), 3u);
  EXPECT_EQ(CallAs("not-a-token", "GET", "/v1/users/").status, 401);
}

// ------------------------------------------------------------------------------- DataSets

TEST_F(SdkUrlFormsTest, DatasetCreateAndListOnTheRootWithAndWithoutASlash) {
  const json request = StreamRequest("unused")["dataSet"];
  auto old_pydomo =
      Expect("pydomo (older) datasets.create", 201, "POST", "/v1/datasets/", request.dump());
  EXPECT_EQ(old_pydomo.Json()["name"], "unused");
  Expect("pydomo datasets.create / Java DataSetClient.create", 201, "POST", "/v1/datasets",
         request.dump());
  auto listed =
      Expect("pydomo (older) datasets.list", 200, "GET", "/v1/datasets/?limit=50&offset=0");
  EXPECT_EQ(listed.Json().size(), 4u);  // sales, events and the two created here
  // Sorting.DEFAULT is None, which requests leaves out of the query string.
  EXPECT_EQ(
      Expect("pydomo datasets.list", 200, "GET", "/v1/datasets?limit=50&offset=0").Json().size(),
      4u);
  EXPECT_EQ(Expect("pydomo ds_list(name_like=)", 200, "GET",
                   "/v1/datasets?limit=50&offset=0&nameLike=unus")
                .Json()
                .size(),
            2u);
  Expect("Java DataSetClient.list", 200, "GET", "/v1/datasets?limit=10&offset=0&sort=name");
}

TEST_F(SdkUrlFormsTest, DatasetMetadataUpdateAndDeleteById) {
  const std::string id =
      Expect("create", 201, "POST", "/v1/datasets", StreamRequest("meta")["dataSet"].dump())
          .Json()
          .value("id", "");
  EXPECT_EQ(Expect("pydomo datasets.get / Java DataSetClient.get", 200, "GET", "/v1/datasets/" + id)
                .Json()["name"],
            "meta");
  EXPECT_EQ(Expect("pydomo datasets.update / Java DataSetClient.update", 200, "PUT",
                   "/v1/datasets/" + id, json{{"description", "updated"}}.dump())
                .Json()["description"],
            "updated");
  EXPECT_EQ(
      Expect("pydomo list_pdps", 200, "GET", "/v1/datasets/" + id + "/policies").Json().size(), 1u);
  Expect("pydomo datasets.delete / Java DataSetClient.delete", 204, "DELETE", "/v1/datasets/" + id);
}

TEST_F(SdkUrlFormsTest, DatasetImportWithAndWithoutUpdateMethodAndExportWithItsParameters) {
  const std::string id =
      Expect("create", 201, "POST", "/v1/datasets", StreamRequest("data")["dataSet"].dump())
          .Json()
          .value("id", "");
  const std::string data = "/v1/datasets/" + id + "/data";
  Expect("Java DataSetClient.importData / pydomo (older) data_import", 204, "PUT", data, "a,1\n",
         kCsvBody);
  Expect("pydomo data_import(update_method=APPEND)", 204, "PUT", data + "?updateMethod=APPEND",
         "b,2\n", kCsvBody);
  EXPECT_EQ(Expect("pydomo data_export", 200, "GET", data + "?includeHeader=True&fileName=foo.csv",
                   "", kCsvAnswer)
                .body,
            "name,n\na,1\nb,2\n");
  Expect("pydomo data_import", 204, "PUT", data + "?updateMethod=REPLACE", "c,3\n", kCsvBody);
  EXPECT_EQ(Expect("Java DataSetClient.exportData", 200, "GET", data + "?includeHeader=true", "",
                   kCsvAnswer)
                .body,
            "name,n\nc,3\n");
}

TEST_F(SdkUrlFormsTest, DatasetQueryExecute) {
  auto answer = Expect("pydomo ds_query", 200, "POST",
                       std::string("/v1/datasets/query/execute/") + D::kSalesDatasetId,
                       json{{"sql", "SELECT * FROM table LIMIT 2"}}.dump());
  EXPECT_EQ(answer.Json()["numRows"], 2);
}

// ------------------------------------------------------------------------------- Streams

TEST_F(SdkUrlFormsTest, PydomoStreamCallsOnTheRootWithASlash) {
  const int64_t stream = CreateStream("pydomo streams.create", "/v1/streams/");
  const int64_t other = CreateStream("pydomo utilities.stream_create", "/v1/streams/");
  ASSERT_NE(stream, other);
  EXPECT_EQ(Expect("pydomo streams.list", 200, "GET", "/v1/streams/?limit=50&offset=0&fields=all")
                .Json()
                .size(),
            2u);
  const std::string base = "/v1/streams/" + std::to_string(stream);
  auto got = Expect("pydomo streams.get", 200, "GET", base);
  const std::string dataset = got.Json()["dataSet"].value("id", "");
  Expect("pydomo streams.update", 200, "PATCH", base, json{{"updateMethod", "REPLACE"}}.dump());
  auto found = Expect("pydomo streams.search", 200, "GET",
                      "/v1/streams/search?q=dataSource.id:" + dataset + "&fields=all");
  EXPECT_EQ(found.Json().size(), 1u);
  Expect("pydomo utilities.get_stream_id", 200, "GET",
         "/v1/streams/search?q=dataSource.id:" + dataset);
  Expect("pydomo streams.delete", 204, "DELETE", "/v1/streams/" + std::to_string(other));
}

TEST_F(SdkUrlFormsTest, PydomoExecutionCalls) {
  const std::string base =
      "/v1/streams/" + std::to_string(CreateStream("pydomo streams.create", "/v1/streams/"));
  auto execution = Expect("pydomo create_execution", 200, "POST", base + "/executions",
                          json{{"updateMethod", nullptr}}.dump());
  const std::string path = base + "/executions/" + execution.Json()["id"].dump();
  Expect("pydomo upload_part", 200, "PUT", path + "/part/1", "a,1\n", kCsvBody);
  EXPECT_EQ(Expect("pydomo get_execution", 200, "GET", path).Json()["currentState"], "ACTIVE");
  EXPECT_EQ(Expect("pydomo list_executions", 200, "GET", base + "/executions?limit=50&offset=0")
                .Json()
                .size(),
            1u);
  EXPECT_EQ(Expect("pydomo commit_execution", 200, "PUT", path + "/commit", "{}").Json()["id"],
            execution.Json()["id"]);

  auto second = Expect("pydomo create_execution", 200, "POST", base + "/executions",
                       json{{"updateMethod", "REPLACE"}}.dump());
  EXPECT_EQ(Expect("pydomo abort_execution", 200, "PUT",
                   base + "/executions/" + second.Json()["id"].dump() + "/abort", "{}")
                .Json()["currentState"],
            "ABORTED");
  Expect("pydomo abort_current_execution", 204, "PUT", base + "/executions/abort", "{}");
}

TEST_F(SdkUrlFormsTest, JavaStreamCallsOnTheRootWithoutASlash) {
  const int64_t stream = CreateStream("Java StreamClient.create", "/v1/streams");
  const std::string base = "/v1/streams/" + std::to_string(stream);
  EXPECT_EQ(Expect("Java StreamClient.get", 200, "GET", base + "?fields=all").Json()["id"], stream);
  EXPECT_EQ(Expect("Java StreamClient.list", 200, "GET", "/v1/streams?fields=all&limit=10&offset=0")
                .Json()
                .size(),
            1u);
  // createExecution posts the JSON `null`; commit and abort put the JSON string "".
  auto execution =
      Expect("Java StreamClient.createExecution", 200, "POST", base + "/executions", "null");
  const std::string path = base + "/executions/" + execution.Json()["id"].dump();
  Expect("Java StreamClient.uploadDataPart", 200, "PUT", path + "/part/1", "a,1\n", kCsvBody);
  Expect("Java StreamClient.commitExecution", 200, "PUT", path + "/commit", "\"\"");
  auto second =
      Expect("Java StreamClient.createExecution", 200, "POST", base + "/executions", "null");
  // abortCurrentExecution(stream, execution) puts to the execution's own /abort.
  Expect("Java StreamClient.abortCurrentExecution", 200, "PUT",
         base + "/executions/" + second.Json()["id"].dump() + "/abort", "\"\"");
}

// ------------------------------------------------------------------------------- Users, groups

TEST_F(SdkUrlFormsTest, UserCreateAndListOnTheRootWithAndWithoutASlash) {
  const json user = {
      {"name", "Leonhard Euler"}, {"email", "leonhard.euler@example.com"}, {"role", "Participant"}};
  auto created =
      Expect("pydomo users.create", 200, "POST", "/v1/users/?sendInvite=True", user.dump());
  EXPECT_EQ(created.Json()["name"], "Leonhard Euler");
  Expect("Java UserClient.create", 200, "POST", "/v1/users?sendInvite=false", user.dump());
  EXPECT_EQ(Expect("pydomo users.list", 200, "GET", "/v1/users/?limit=500&offset=0").Json().size(),
            5u);
  EXPECT_EQ(Expect("Java UserClient.list", 200, "GET", "/v1/users?limit=2&offset=0").Json().size(),
            2u);
  const std::string path = "/v1/users/" + created.Json()["id"].dump();
  Expect("pydomo users.get / Java UserClient.get", 200, "GET", path);
  Expect("pydomo users.update / Java UserClient.update", 200, "PUT", path,
         json{{"title", "Mathematician"}}.dump());
  Expect("pydomo users.delete / Java UserClient.delete", 204, "DELETE", path);
}

TEST_F(SdkUrlFormsTest, GroupCallsOnTheRootWithAndWithoutASlash) {
  auto pydomo = Expect("pydomo groups.create", 200, "POST", "/v1/groups/",
                       json{{"name", "Mathematicians"}}.dump());
  Expect("Java GroupClient.create", 200, "POST", "/v1/groups", json{{"name", "Physicists"}}.dump());
  EXPECT_EQ(
      Expect("pydomo groups.list", 200, "GET", "/v1/groups/?limit=500&offset=0").Json().size(), 3u);
  Expect("Java GroupClient.list", 200, "GET", "/v1/groups?limit=10&offset=0");
  const std::string path = "/v1/groups/" + pydomo.Json()["id"].dump();
  const std::string member = path + "/users/" + std::to_string(D::kOwnerUserId);
  Expect("pydomo groups.add_user", 204, "PUT", member, "{}");
  Expect("Java GroupClient.addUserToGroup", 204, "PUT", member, "\"\"");
  EXPECT_EQ(Expect("pydomo groups.list_users / Java GroupClient.listUsersInGroup", 200, "GET",
                   path + "/users")
                .Json(),
            json::array({D::kOwnerUserId}));
  Expect("pydomo groups.remove_user / Java GroupClient.removeUserFromGroup", 204, "DELETE", member);
  Expect("pydomo groups.update / Java GroupClient.update", 200, "PUT", path,
         json{{"name", "Euler fans"}}.dump());
  Expect("pydomo groups.delete / Java GroupClient.delete", 204, "DELETE", path);
}

// ------------------------------------------------------------------------------- Scope

TEST_F(SdkUrlFormsTest, OnlyCollectionRootsTakeATrailingSlash) {
  // No SDK sends a slash after an id or a sub-resource: those stay unknown routes.
  const int64_t stream = CreateStream("create", "/v1/streams");
  EXPECT_EQ(Call("GET", "/v1/streams/" + std::to_string(stream) + "/").status, 404);
  EXPECT_EQ(Call("GET", std::string("/v1/datasets/") + D::kSalesDatasetId + "/").status, 404);
  EXPECT_EQ(Call("GET", "/v1/users//").status, 404);
  EXPECT_EQ(Call("GET", "/v1/streams/search/?q=dataSource.id:x").status, 404);
}

TEST_F(SdkUrlFormsTest, TheSlashedRootsKeepTheirFaultRouteFamily) {
  auto set = emulator_.Call(
      "POST", "/__admin/faults", {{"Content-Type", "application/json"}},
      json::array({{{"route", "users"}, {"action", "status"}, {"status", 503}, {"times", 1}}})
          .dump());
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Call("GET", "/v1/users/").status, 503);
  EXPECT_EQ(Call("GET", "/v1/users/").status, 200);
}

}  // namespace
}  // namespace s3u::emulator
