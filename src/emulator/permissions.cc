#include "emulator/permissions.h"

namespace s3u::emulator {

Json Permissions::ListJson(const DatasetRecord& ds) const {
  Json list = Json::array();
  int users_count = 1, groups_count = 0;
  list.push_back({{"type", "USER"},
                  {"id", std::to_string(ds.owner)},
                  {"accessLevel", "OWNER"},
                  {"name", model_.UserName(ds.owner)}});
  for (const auto& grant : ds.grants) {
    const bool user = grant.type == "USER";
    (user ? users_count : groups_count)++;
    std::string name;
    if (user) {
      name = model_.UserName(grant.id);
    } else if (auto it = model_.groups.find(grant.id); it != model_.groups.end()) {
      name = it->second.entry.name;
    }
    list.push_back({{"type", grant.type},
                    {"id", std::to_string(grant.id)},
                    {"accessLevel", grant.access_level},
                    {"name", name}});
  }
  return {{"list", list}, {"totalUserCount", users_count}, {"totalGroupCount", groups_count}};
}

Result<Json> Permissions::List(const Caller& caller, const std::string& id) {
  std::lock_guard lock(model_.mu);
  auto ds = model_.Readable(caller, id);
  if (!ds) return Fail(ds.error());
  return ListJson(**ds);
}

Result<Json> Permissions::Share(const Caller& caller, const std::string& id, const Json& body) {
  if (!body.is_object() || !body.contains("permissions") || !body["permissions"].is_array()) {
    return BadRequest("permissions", "is required: [{\"id\", \"type\", \"accessLevel\"}]");
  }
  auto grants = ParseGrants(body["permissions"], "permissions");
  if (!grants) return AsBadRequest(grants.error());
  std::lock_guard lock(model_.mu);
  auto found = model_.Shareable(caller, id, "sharing");
  if (!found) return Fail(found.error());
  auto& ds = **found;
  for (const auto& grant : *grants) {
    const bool known =
        grant.type == "USER" ? model_.users.count(grant.id) > 0 : model_.groups.count(grant.id) > 0;
    if (!known) return NotFound(grant.type + " " + std::to_string(grant.id));
  }
  for (const auto& grant : *grants) {
    std::erase_if(ds.grants,
                  [&](const Grant& g) { return g.type == grant.type && g.id == grant.id; });
    ds.grants.push_back(grant);
  }
  return ListJson(ds);
}

Result<void> Permissions::Revoke(const Caller& caller, const std::string& id,
                                 const std::string& type, int64_t principal) {
  std::lock_guard lock(model_.mu);
  auto found = model_.Shareable(caller, id, "changing shares");
  if (!found) return Fail(found.error());
  auto& ds = **found;
  const size_t removed =
      std::erase_if(ds.grants, [&](const Grant& g) { return g.type == type && g.id == principal; });
  if (removed == 0) return NotFound(type + " " + std::to_string(principal) + " permission");
  return {};
}

}  // namespace s3u::emulator
