#include "emulator/identity.h"

#include <algorithm>
#include <string_view>
#include <utility>

namespace s3u::emulator {
namespace {

Json GroupJson(const GroupRecord& group, bool full) {
  Json j = {{"id", group.entry.id},
            {"name", group.entry.name},
            {"memberCount", group.entry.members.size()},
            {"default", false}};
  if (full) {
    j["active"] = group.active;
    j["creatorId"] = std::to_string(group.creator);  // a numeric string, as the docs show
  }
  return j;
}

// Copies the user fields `body` holds into `user`; with `require` (create), name, email and
// role must be there.
Result<void> ApplyUserFields(const Json& body, UserEntry& user, bool require) {
  if (!body.is_object()) return BadRequest("body", "must be a JSON user object");
  for (auto [key, out] : {std::pair{"name", &user.name}, std::pair{"email", &user.email},
                          std::pair{"role", &user.role}, std::pair{"title", &user.title}}) {
    if (!body.contains(key)) {
      if (require && std::string_view(key) != "title") {
        return BadRequest(key, "is required (name, email, role)");
      }
      continue;
    }
    if (!body[key].is_string()) return BadRequest(key, "must be a string");
    *out = body[key].get<std::string>();
  }
  if (user.role != "Admin" && user.role != "Privileged" && user.role != "Participant") {
    return BadRequest("role", "must be Admin, Privileged or Participant");
  }
  return {};
}

}  // namespace

Json Identity::UserJson(const UserEntry& user, bool full) const {
  Json j = {{"id", user.id},     {"title", user.title}, {"email", user.email},
            {"role", user.role}, {"phone", ""},         {"name", user.name}};
  if (!full) return j;
  Json user_groups = Json::array();
  for (int64_t g : model_.GroupsOf(user.id)) {
    user_groups.push_back({{"id", g}, {"name", model_.groups.at(g).entry.name}});
  }
  j["alternateEmail"] = "";
  j["location"] = "";
  j["roleId"] = user.role == "Admin" ? 1 : user.role == "Privileged" ? 2 : 3;
  j["deleted"] = false;
  j["groups"] = user_groups;
  return j;
}

Result<Json> Identity::ListUsers(const Page& page) {
  std::lock_guard lock(model_.mu);
  return PageOf(model_.users, page,
                [this](const UserEntry& user) { return UserJson(user, /*full=*/false); });
}

Result<Json> Identity::GetUser(int64_t id) {
  std::lock_guard lock(model_.mu);
  auto it = model_.users.find(id);
  if (it == model_.users.end()) return NotFound("User " + std::to_string(id));
  return UserJson(it->second, /*full=*/true);
}

Result<Json> Identity::CreateUser(const Json& body) {
  UserEntry user;
  if (auto r = ApplyUserFields(body, user, /*require=*/true); !r) return Fail(r.error());
  std::lock_guard lock(model_.mu);
  do {
    user.id = 100000000 + static_cast<int64_t>(model_.rng() % 900000000);
  } while (model_.users.count(user.id));
  auto& stored = model_.users[user.id] = std::move(user);
  return UserJson(stored, /*full=*/true);
}

Result<Json> Identity::UpdateUser(int64_t id, const Json& body) {
  std::lock_guard lock(model_.mu);
  auto it = model_.users.find(id);
  if (it == model_.users.end()) return NotFound("User " + std::to_string(id));
  UserEntry updated = it->second;
  if (auto r = ApplyUserFields(body, updated, /*require=*/false); !r) return Fail(r.error());
  it->second = std::move(updated);
  return UserJson(it->second, /*full=*/true);
}

Result<void> Identity::DeleteUser(int64_t id) {
  std::lock_guard lock(model_.mu);
  if (!model_.users.erase(id)) return NotFound("User " + std::to_string(id));
  for (auto& [gid, group] : model_.groups) std::erase(group.entry.members, id);
  return {};
}

Result<Json> Identity::ListGroups(const Page& page) {
  std::lock_guard lock(model_.mu);
  return PageOf(model_.groups, page,
                [](const GroupRecord& group) { return GroupJson(group, /*full=*/false); });
}

Result<Json> Identity::GetGroup(int64_t id) {
  std::lock_guard lock(model_.mu);
  auto it = model_.groups.find(id);
  if (it == model_.groups.end()) return NotFound("Group " + std::to_string(id));
  return GroupJson(it->second, /*full=*/true);
}

Result<Json> Identity::CreateGroup(const Caller& caller, const Json& body) {
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
      body["name"].get<std::string>().empty()) {
    return BadRequest("name", "is required (a non-empty string)");
  }
  std::lock_guard lock(model_.mu);
  GroupRecord group;
  do {
    group.entry.id = 1000000000 + static_cast<int64_t>(model_.rng() % 900000000);
  } while (model_.groups.count(group.entry.id));
  group.entry.name = body["name"];
  group.creator = caller.user_id;
  auto& stored = model_.groups[group.entry.id] = std::move(group);
  return GroupJson(stored, /*full=*/true);
}

Result<Json> Identity::UpdateGroup(int64_t id, const Json& body) {
  std::lock_guard lock(model_.mu);
  auto it = model_.groups.find(id);
  if (it == model_.groups.end()) return NotFound("Group " + std::to_string(id));
  if (!body.is_object()) return BadRequest("body", "must be a JSON object {name?, active?}");
  if (body.contains("name") && (!body["name"].is_string() || body["name"] == "")) {
    return BadRequest("name", "must be a non-empty string");
  }
  if (body.contains("active") && !body["active"].is_boolean()) {
    return BadRequest("active", "must be a boolean");
  }
  if (body.contains("name")) it->second.entry.name = body["name"];
  if (body.contains("active")) it->second.active = body["active"];
  return GroupJson(it->second, /*full=*/true);
}

Result<void> Identity::DeleteGroup(int64_t id) {
  std::lock_guard lock(model_.mu);
  if (!model_.groups.erase(id)) return NotFound("Group " + std::to_string(id));
  for (auto& [ds_id, ds] : model_.datasets) {
    std::erase_if(ds.grants, [id](const Grant& g) { return g.type == "GROUP" && g.id == id; });
  }
  return {};
}

Result<Json> Identity::GroupMembers(int64_t id, const Page& page) {
  std::lock_guard lock(model_.mu);
  auto it = model_.groups.find(id);
  if (it == model_.groups.end()) return NotFound("Group " + std::to_string(id));
  Json out = Json::array();
  const auto& members = it->second.entry.members;
  for (size_t i = static_cast<size_t>(page.offset);
       i < members.size() && static_cast<int64_t>(out.size()) < page.limit; ++i) {
    out.push_back(members[i]);
  }
  return out;
}

Result<void> Identity::SetMembership(int64_t group, int64_t user, bool member) {
  std::lock_guard lock(model_.mu);
  auto it = model_.groups.find(group);
  if (it == model_.groups.end()) return NotFound("Group " + std::to_string(group));
  if (!model_.users.count(user)) return NotFound("User " + std::to_string(user));
  auto& members = it->second.entry.members;
  const bool present = std::find(members.begin(), members.end(), user) != members.end();
  if (member && !present) members.push_back(user);
  if (!member) std::erase(members, user);
  return {};
}

}  // namespace s3u::emulator
