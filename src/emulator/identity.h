// Users and groups (domo-api.md §6) of the emulated instance: the user directory, groups and
// their memberships. Deleting a user or a group also removes what refers to it (memberships,
// dataset grants).
//
// Thread-safety: every method may be called concurrently (the model's lock).
#pragma once

#include <cstdint>

#include "emulator/model.h"

namespace s3u::emulator {

class Identity {
 public:
  explicit Identity(Model& model) : model_(model) {}

  Result<Json> ListUsers(const Page& page);
  Result<Json> GetUser(int64_t id);
  Result<Json> CreateUser(const Json& body);
  Result<Json> UpdateUser(int64_t id, const Json& body);
  Result<void> DeleteUser(int64_t id);
  Result<Json> ListGroups(const Page& page);
  Result<Json> GetGroup(int64_t id);
  Result<Json> CreateGroup(const Caller& caller, const Json& body);
  Result<Json> UpdateGroup(int64_t id, const Json& body);
  Result<void> DeleteGroup(int64_t id);
  Result<Json> GroupMembers(int64_t id, const Page& page);
  Result<void> SetMembership(int64_t group, int64_t user, bool member);

 private:
  // REQUIRES: model_.mu held.
  Json UserJson(const UserEntry& user, bool full) const;

  Model& model_;
};

}  // namespace s3u::emulator
