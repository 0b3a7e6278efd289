#include "domo/ownership.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace s3u::domo {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr int64_t kAda = 964382593;      // owns the dataset
constexpr int64_t kGrace = 809129372;    // member of Data Engineers
constexpr int64_t kMallory = 555000111;  // no grant
constexpr int64_t kEngineers = 1324037627;

// A dataset owned by Ada; the facts of `user`, with a permissions list and groups.
OwnershipFacts Facts(int64_t user, std::vector<Permission> permissions,
                     std::vector<Group> groups = {}) {
  OwnershipFacts f;
  f.dataset_id = "08a061e2-12a2-4646-b4bc-20beddb403e3";
  f.dataset_name = "sales";
  f.dataset_owner = {kAda, "Ada Owner"};
  f.user_id = user;
  f.user_name = user == kGrace ? "Grace Coowner" : "Mallory Stranger";
  permissions.insert(permissions.begin(), {"USER", kAda, "OWNER", "Ada Owner"});
  f.permissions = std::move(permissions);
  f.user_groups = std::move(groups);
  return f;
}

TEST(DecideOwnershipTest, PublicOwnerIsAllowedWithoutPermissions) {
  OwnershipFacts f;
  f.dataset_id = "d";
  f.dataset_owner = {kAda, "Ada Owner"};
  f.user_id = kAda;
  const OwnershipVerdict v = DecideOwnership(f);
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.how, "owner");
  EXPECT_THAT(v.reason, IsEmpty());
}

TEST(DecideOwnershipTest, DirectCoOwnerIsAllowed) {
  const OwnershipVerdict v =
      DecideOwnership(Facts(kGrace, {{"USER", kGrace, "CO_OWNER", "Grace Coowner"}}));
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.how, "co-owner (direct)");
}

TEST(DecideOwnershipTest, GroupCoOwnerIsAllowedNamingTheGroup) {
  const OwnershipVerdict v =
      DecideOwnership(Facts(kGrace, {{"GROUP", kEngineers, "CO_OWNER", "Data Engineers"}},
                            {{kEngineers, "Data Engineers"}}));
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.how, "co-owner through group 1324037627 (Data Engineers)");
}

TEST(DecideOwnershipTest, GroupNameFallsBackOnTheUsersGroupList) {
  const OwnershipVerdict v = DecideOwnership(
      Facts(kGrace, {{"GROUP", kEngineers, "CO_OWNER", ""}}, {{kEngineers, "Data Engineers"}}));
  EXPECT_EQ(v.how, "co-owner through group 1324037627 (Data Engineers)");
}

TEST(DecideOwnershipTest, CanEditOnlyIsRefusedSayingWhatTheUserHas) {
  const OwnershipVerdict v =
      DecideOwnership(Facts(kMallory, {{"USER", kMallory, "CAN_EDIT", "Mallory Stranger"}}));
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.reason, HasSubstr("CAN_EDIT directly, which is not enough"));
  EXPECT_FALSE(v.public_owner_only);
}

TEST(DecideOwnershipTest, CanEditThroughAGroupIsRefused) {
  const OwnershipVerdict v =
      DecideOwnership(Facts(kGrace, {{"GROUP", kEngineers, "CAN_EDIT", "Data Engineers"}},
                            {{kEngineers, "Data Engineers"}}));
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.reason, HasSubstr("CAN_EDIT through group 1324037627 (Data Engineers)"));
}

TEST(DecideOwnershipTest, StrangerIsRefusedNamingDatasetOwnerAndUser) {
  const OwnershipVerdict v = DecideOwnership(
      Facts(kMallory, {{"GROUP", kEngineers, "CO_OWNER", "Data Engineers"}}, {{7, "Sales"}}));
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.how, IsEmpty());
  EXPECT_THAT(v.reason, AllOf(HasSubstr("08a061e2-12a2-4646-b4bc-20beddb403e3 (sales)"),
                              HasSubstr("user 964382593 (Ada Owner)"),
                              HasSubstr("user 555000111 (Mallory Stranger)"), HasSubstr("no grant"),
                              HasSubstr("Co-Owner")));
}

TEST(DecideOwnershipTest, GrantsToOtherUsersDoNotCount) {
  const OwnershipVerdict v =
      DecideOwnership(Facts(kMallory, {{"USER", kGrace, "CO_OWNER", "Grace Coowner"}}));
  EXPECT_FALSE(v.allowed);
}

TEST(DecideOwnershipTest, UnreachablePermissionsDecideFromThePublicOwnerAndSaySo) {
  OwnershipFacts f = Facts(kGrace, {});
  f.permissions.reset();
  f.permissions_unreachable = "Domo refused GetPermissions (403)";
  const OwnershipVerdict v = DecideOwnership(f);
  EXPECT_FALSE(v.allowed);
  EXPECT_TRUE(v.public_owner_only);
  EXPECT_THAT(v.reason, AllOf(HasSubstr("co-owners could not be checked"),
                              HasSubstr("Domo refused GetPermissions (403)"),
                              HasSubstr("only the public owner")));
}

TEST(DecideOwnershipTest, UnreadableGroupsAreNamedWhenAGroupCoOwns) {
  OwnershipFacts f = Facts(kGrace, {{"GROUP", kEngineers, "CO_OWNER", "Data Engineers"}});
  f.user_groups.reset();
  f.groups_unreadable = "the token lacks the 'user' scope";
  const OwnershipVerdict v = DecideOwnership(f);
  EXPECT_FALSE(v.allowed);
  EXPECT_THAT(v.reason, AllOf(HasSubstr("a group co-owns it"), HasSubstr("'user' scope")));
}

TEST(DecideOwnershipTest, UnreadableGroupsAreNotMentionedWhenNoGroupCoOwns) {
  OwnershipFacts f = Facts(kGrace, {{"GROUP", kEngineers, "CAN_VIEW", "Data Engineers"}});
  f.user_groups.reset();
  f.groups_unreadable = "the token lacks the 'user' scope";
  EXPECT_THAT(DecideOwnership(f).reason, Not(HasSubstr("group co-owns")));
}

TEST(DecideOwnershipTest, UserWithoutNameIsNamedById) {
  OwnershipFacts f = Facts(kMallory, {});
  f.user_name.clear();
  EXPECT_THAT(DecideOwnership(f).reason, HasSubstr("the writeback owner, user 555000111, is"));
}

TEST(OwnershipErrorTest, IsAFailedPreconditionOnTheDataset) {
  const OwnershipFacts f = Facts(kMallory, {});
  const Error e = OwnershipError(f, DecideOwnership(f));
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(e.subject, "dataset 08a061e2-12a2-4646-b4bc-20beddb403e3");
  EXPECT_EQ(ExitCodeFor(e.code), 5);
}

}  // namespace
}  // namespace s3u::domo
