// Conformance of the emulator's users, groups and membership (domo-api.md §6) and of the
// internal permissions API with share and revoke (§7), including who may read a dataset.
#include <gtest/gtest.h>

#include "conformance_util.h"

namespace s3u::emulator {
namespace {

using nlohmann::json;
using D = testing::StandardDomo;

// token_ is the owner's.
class IdentityConformanceTest : public testing::EmulatorConformanceTest {
 protected:
  IdentityConformanceTest() {
    coowner_ = emulator_.Token(D::kCoOwnerClientId, D::kCoOwnerClientSecret);
  }
  std::string Permissions(const std::string& id) {
    return "/api/data/v3/datasources/" + id + "/permissions";
  }
  std::string coowner_;
};

// ------------------------------------------------------------------------------- users

TEST_F(IdentityConformanceTest, GetUserHasTheDocumentedFieldsAndGroups) {
  auto answer = Call("GET", "/v1/users/" + std::to_string(D::kCoOwnerUserId));
  ASSERT_EQ(answer.status, 200);
  const json user = answer.Json();
  EXPECT_EQ(user["id"], D::kCoOwnerUserId);
  EXPECT_EQ(user["name"], "Grace Coowner");
  EXPECT_EQ(user["email"], "grace@example.com");
  EXPECT_EQ(user["role"], "Privileged");
  EXPECT_EQ(user["deleted"], false);
  EXPECT_EQ(user["groups"], json::array({{{"id", D::kGroupId}, {"name", "Data Engineers"}}}));
}

TEST_F(IdentityConformanceTest, ListUsersPagesAndCapsAt500) {
  auto all = Call("GET", "/v1/users?limit=500");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.Json().size(), 3u);
  EXPECT_EQ(Call("GET", "/v1/users?limit=2&offset=2").Json().size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/users?offset=3").Json(), json::array());
  EXPECT_EQ(Call("GET", "/v1/users?limit=501").status, 400);
}

TEST_F(IdentityConformanceTest, UnknownUserIs404) {
  EXPECT_EQ(Call("GET", "/v1/users/1").status, 404);
}

TEST_F(IdentityConformanceTest, CreateUpdateDeleteUser) {
  auto created = Call(
      "POST", "/v1/users?sendInvite=false",
      json{
          {"name", "Leonhard Euler"}, {"email", "leonhard.euler@domo.com"}, {"role", "Participant"}}
          .dump());
  ASSERT_EQ(created.status, 200) << created.body;
  const int64_t id = created.Json()["id"];
  auto updated =
      Call("PUT", "/v1/users/" + std::to_string(id), json{{"title", "Mathematician"}}.dump());
  ASSERT_EQ(updated.status, 200);
  EXPECT_EQ(updated.Json()["title"], "Mathematician");
  EXPECT_EQ(updated.Json()["name"], "Leonhard Euler");
  EXPECT_EQ(Call("DELETE", "/v1/users/" + std::to_string(id)).status, 204);
  EXPECT_EQ(Call("GET", "/v1/users/" + std::to_string(id)).status, 404);
}

TEST_F(IdentityConformanceTest, CreateUserWithoutEmailOrWithABadRoleIs400) {
  EXPECT_EQ(Call("POST", "/v1/users", json{{"name", "x"}, {"role", "Admin"}}.dump()).status, 400);
  EXPECT_EQ(
      Call("POST", "/v1/users", json{{"name", "x"}, {"email", "x@y"}, {"role", "Emperor"}}.dump())
          .status,
      400);
}

// ------------------------------------------------------------------------------- groups

TEST_F(IdentityConformanceTest, GroupListAndGetShapes) {
  auto list = Call("GET", "/v1/groups").Json();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0], json({{"default", false},
                           {"id", D::kGroupId},
                           {"memberCount", 1},
                           {"name", "Data Engineers"}}));
  auto group = Call("GET", "/v1/groups/" + std::to_string(D::kGroupId)).Json();
  EXPECT_EQ(group["active"], true);
  EXPECT_TRUE(group["creatorId"].is_string());
}

TEST_F(IdentityConformanceTest, MembersAreAnArrayOfUserIds) {
  auto members = Call("GET", "/v1/groups/" + std::to_string(D::kGroupId) + "/users");
  ASSERT_EQ(members.status, 200);
  EXPECT_EQ(members.Json(), json::array({D::kCoOwnerUserId}));
}

TEST_F(IdentityConformanceTest, CreateGroupAddAndRemoveMembers) {
  auto created = Call("POST", "/v1/groups", json{{"name", "Euler Fans"}}.dump());
  ASSERT_EQ(created.status, 200) << created.body;
  const json group = created.Json();
  EXPECT_EQ(group["active"], true);
  EXPECT_EQ(group["default"], false);
  EXPECT_EQ(group["creatorId"], std::to_string(D::kOwnerUserId));
  const std::string base = "/v1/groups/" + group["id"].dump() + "/users/";
  EXPECT_EQ(Call("PUT", base + std::to_string(D::kStrangerUserId)).status, 204);
  EXPECT_EQ(Call("GET", "/v1/groups/" + group["id"].dump() + "/users").Json(),
            json::array({D::kStrangerUserId}));
  EXPECT_EQ(Call("DELETE", base + std::to_string(D::kStrangerUserId)).status, 204);
  EXPECT_EQ(Call("GET", "/v1/groups/" + group["id"].dump() + "/users").Json(), json::array());
  EXPECT_EQ(Call("PUT", base + "1").status, 404);  // no such user
}

TEST_F(IdentityConformanceTest, UpdateAndDeleteGroup) {
  const std::string path = "/v1/groups/" + std::to_string(D::kGroupId);
  auto renamed = Call("PUT", path, json{{"name", "Data Platform"}, {"active", false}}.dump());
  ASSERT_EQ(renamed.status, 200);
  EXPECT_EQ(renamed.Json()["name"], "Data Platform");
  EXPECT_EQ(renamed.Json()["active"], false);
  EXPECT_EQ(Call("PUT", path, json{{"active", "no"}}.dump()).status, 400);
  EXPECT_EQ(Call("DELETE", path).status, 204);
  EXPECT_EQ(Call("GET", path).status, 404);
}

// ------------------------------------------------------------------------------- permissions

TEST_F(IdentityConformanceTest, PermissionsListTheOwnerAndTheGroupGrant) {
  auto answer = Call("GET", Permissions(D::kSalesDatasetId));
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.Json(), json({{"list",
                                  {{{"type", "USER"},
                                    {"id", std::to_string(D::kOwnerUserId)},
                                    {"accessLevel", "OWNER"},
                                    {"name", "Ada Owner"}},
                                   {{"type", "GROUP"},
                                    {"id", std::to_string(D::kGroupId)},
                                    {"accessLevel", "CO_OWNER"},
                                    {"name", "Data Engineers"}}}},
                                 {"totalUserCount", 1},
                                 {"totalGroupCount", 1}}));
}

TEST_F(IdentityConformanceTest, ShareAddsAUserGrantAndRevokeRemovesIt) {
  auto shared =
      Call("POST", "/api/data/v3/datasources/" + std::string(D::kSalesDatasetId) + "/share",
           json{{"permissions",
                 {{{"id", std::to_string(D::kStrangerUserId)},
                   {"type", "USER"},
                   {"accessLevel", "CAN_EDIT"}}}},
                {"sendEmail", true}}
               .dump());
  ASSERT_EQ(shared.status, 200) << shared.body;
  const json list = Call("GET", Permissions(D::kSalesDatasetId)).Json();
  EXPECT_EQ(list["totalUserCount"], 2);
  EXPECT_EQ(list["list"][2]["accessLevel"], "CAN_EDIT");
  EXPECT_EQ(list["list"][2]["name"], "Mallory Stranger");
  const std::string revoke =
      Permissions(D::kSalesDatasetId) + "/USER/" + std::to_string(D::kStrangerUserId);
  EXPECT_EQ(Call("DELETE", revoke).status, 200);
  EXPECT_EQ(Call("GET", Permissions(D::kSalesDatasetId)).Json()["totalUserCount"], 1);
  EXPECT_EQ(Call("DELETE", revoke).status, 404);
}

TEST_F(IdentityConformanceTest, ShareWithAnUnknownLevelOrPrincipalIsRefused) {
  const std::string path = "/api/data/v3/datasources/" + std::string(D::kSalesDatasetId) + "/share";
  EXPECT_EQ(
      Call("POST", path,
           json{{"permissions", {{{"id", "1"}, {"type", "USER"}, {"accessLevel", "GOD"}}}}}.dump())
          .status,
      400);
  EXPECT_EQ(
      Call("POST", path,
           json{{"permissions", {{{"id", "1"}, {"type", "USER"}, {"accessLevel", "CAN_EDIT"}}}}}
               .dump())
          .status,
      404);
}

TEST_F(IdentityConformanceTest, CoOwnerThroughGroupMayShareAndWrite) {
  auto shared = CallAs(
      coowner_, "POST", "/api/data/v3/datasources/" + std::string(D::kSalesDatasetId) + "/share",
      json{{"permissions",
            {{{"id", D::kStrangerUserId}, {"type", "USER"}, {"accessLevel", "CAN_VIEW"}}}}}
          .dump());
  EXPECT_EQ(shared.status, 200) << shared.body;
  EXPECT_EQ(CallAs(coowner_, "PUT", "/v1/datasets/" + std::string(D::kSalesDatasetId),
                   json{{"description", "edited by a co-owner"}}.dump())
                .status,
            200);
}

TEST_F(IdentityConformanceTest, PermissionsOfAnUnknownDatasetAre404) {
  EXPECT_EQ(Call("GET", Permissions("00000000-0000-0000-0000-000000000000")).status, 404);
}

class AccessConformanceTest : public testing::EmulatorConformanceTest {
 protected:
  static json Config() {
    json config = testing::StandardEmulatorConfig();
    config["users"].push_back({{"id", 42}, {"name", "Pat Participant"}, {"role", "Participant"}});
    config["clients"].push_back(
        {{"client_id", "participant"}, {"client_secret", "participant-secret"}, {"user_id", 42}});
    return config;
  }
  AccessConformanceTest()
      : EmulatorConformanceTest(Config(), "participant", "participant-secret") {}
  testing::RawAnswer Get(const std::string& path) { return Call("GET", path); }
};

TEST_F(AccessConformanceTest, ParticipantWithoutAShareGetsDomosAccessDenied) {
  auto answer = Get("/v1/datasets/" + std::string(D::kSalesDatasetId));
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.Json()["message"], "Infrastructure problem (403): Access is denied");
}

TEST_F(AccessConformanceTest, ParticipantWithoutAShareCannotExportOrListPermissions) {
  const std::string id = D::kSalesDatasetId;
  EXPECT_EQ(Get("/v1/datasets/" + id + "/data").status, 403);
  EXPECT_EQ(Get("/api/data/v3/datasources/" + id + "/permissions").status, 403);
  EXPECT_EQ(Get("/v1/datasets").Json(), json::array());  // lists only what one may read
}

}  // namespace
}  // namespace s3u::emulator
