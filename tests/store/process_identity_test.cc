#include "store/process_identity.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace s3u::store {
namespace {

// "<boot>/<pid>/<start>" split into its three parts.
struct Parts {
  std::string boot, pid, start;
};

Parts Split(const std::string& identity) {
  const size_t first = identity.find('/');
  const size_t second = identity.find('/', first + 1);
  return {identity.substr(0, first), identity.substr(first + 1, second - first - 1),
          identity.substr(second + 1)};
}

std::string Join(const Parts& p) { return p.boot + "/" + p.pid + "/" + p.start; }

TEST(ProcessIdentityTest, CurrentProcessIsAlive) {
  const std::string me = CurrentProcessIdentity();
  const Parts parts = Split(me);
  EXPECT_FALSE(parts.boot.empty());
  EXPECT_EQ(parts.pid, std::to_string(::getpid()));
  EXPECT_FALSE(parts.start.empty());
  EXPECT_TRUE(ProcessAlive(me));
}

TEST(ProcessIdentityTest, ReusedPidWithAnotherStartTimeIsDead) {
  Parts parts = Split(CurrentProcessIdentity());
  parts.start = std::to_string(std::stoll(parts.start) + 1);
  EXPECT_FALSE(ProcessAlive(Join(parts)));
}

TEST(ProcessIdentityTest, ProcessOfAnotherBootIsDead) {
  Parts parts = Split(CurrentProcessIdentity());
  parts.boot = "00000000-0000-0000-0000-000000000000";
  EXPECT_FALSE(ProcessAlive(Join(parts)));
}

TEST(ProcessIdentityTest, ExitedProcessIsDead) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  Parts parts = Split(CurrentProcessIdentity());
  parts.pid = std::to_string(child);
  EXPECT_FALSE(ProcessAlive(Join(parts)));
}

TEST(ProcessIdentityTest, MalformedIdentitiesAreDead) {
  const Parts me = Split(CurrentProcessIdentity());
  for (const std::string& identity :
       {std::string(), std::string("garbage"), me.boot + "/" + me.pid,
        me.boot + "/-" + me.pid + "/" + me.start, me.boot + "/" + me.pid + "x/" + me.start,
        "/" + me.pid + "/" + me.start, me.boot + "/" + me.pid + "/"}) {
    EXPECT_FALSE(ProcessAlive(identity)) << identity;
  }
}

}  // namespace
}  // namespace s3u::store
