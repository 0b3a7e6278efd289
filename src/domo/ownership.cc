#include "domo/ownership.h"

#include <fmt/format.h>

#include <algorithm>

#include "domo/client.h"

namespace s3u::domo {
namespace {

bool OwnsOrCoOwns(const Permission& p) {
  return p.access_level == "OWNER" || p.access_level == "CO_OWNER";
}

std::string Named(std::string_view what, int64_t id, const std::string& name) {
  return name.empty() ? fmt::format("{} {}", what, id) : fmt::format("{} {} ({})", what, id, name);
}

std::string DatasetPhrase(const OwnershipFacts& f) {
  return f.dataset_name.empty()
             ? "input dataset " + f.dataset_id
             : fmt::format("input dataset {} ({})", f.dataset_id, f.dataset_name);
}

bool IsUnreachable(const Error& e) {
  return e.code == ErrorCode::kNotFound || e.code == ErrorCode::kPermissionDenied;
}

}  // namespace

OwnershipVerdict DecideOwnership(const OwnershipFacts& f) {
  OwnershipVerdict v;
  if (f.dataset_owner.id == f.user_id) {
    v.allowed = true;
    v.how = "owner";
    return v;
  }
  // What the user holds short of (co-)ownership, for the refusal.
  std::vector<std::string> lesser;
  bool group_grant_unchecked = false;
  if (f.permissions) {
    for (const Permission& p : *f.permissions) {
      if (p.type == "USER" && p.id == f.user_id) {
        if (OwnsOrCoOwns(p)) {
          v.allowed = true;
          v.how = p.access_level == "OWNER" ? "owner" : "co-owner (direct)";
          return v;
        }
        lesser.push_back(p.access_level + " directly");
      }
    }
    for (const Permission& p : *f.permissions) {
      if (p.type != "GROUP") continue;
      if (!f.user_groups) {
        group_grant_unchecked = group_grant_unchecked || OwnsOrCoOwns(p);
        continue;
      }
      const auto member = std::find_if(f.user_groups->begin(), f.user_groups->end(),
                                       [&](const Group& g) { return g.id == p.id; });
      if (member == f.user_groups->end()) continue;
      const std::string group = Named("group", p.id, p.name.empty() ? member->name : p.name);
      if (OwnsOrCoOwns(p)) {
        v.allowed = true;
        v.how = "co-owner through " + group;
        return v;
      }
      lesser.push_back(p.access_level + " through " + group);
    }
  }

  v.public_owner_only = !f.permissions.has_value();
  v.reason = fmt::format(
      "the writeback owner, {}, is neither the owner nor a co-owner of {}, "
      "which is owned by {}",
      Named("user", f.user_id, f.user_name), DatasetPhrase(f),
      Named("user", f.dataset_owner.id, f.dataset_owner.name));
  if (!f.permissions) {
    v.reason += "; co-owners could not be checked (the permissions list was not readable: " +
                f.permissions_unreachable + "), so only the public owner was compared";
  } else if (!lesser.empty()) {
    std::string held;
    for (const auto& l : lesser) held += (held.empty() ? "" : ", ") + l;
    v.reason += "; the user has " + held + ", which is not enough";
  } else {
    v.reason += "; the user has no grant on it";
  }
  if (group_grant_unchecked) {
    v.reason += "; a group co-owns it, but the user's groups could not be read (" +
                f.groups_unreadable + ")";
  }
  v.reason +=
      ". Ask the owner to share the dataset with that user (or one of its groups) as "
      "Co-Owner, or use a writeback owner who owns or co-owns it";
  return v;
}

Error OwnershipError(const OwnershipFacts& facts, const OwnershipVerdict& verdict) {
  return Error{
      ErrorCode::kFailedPrecondition, "dataset " + facts.dataset_id, verdict.reason, 0, {}};
}

Result<OwnershipFacts> GatherOwnershipFacts(DomoClient& client, const Dataset& input,
                                            int64_t user_id) {
  OwnershipFacts f;
  f.dataset_id = input.id;
  f.dataset_name = input.name;
  f.dataset_owner = input.owner;
  f.user_id = user_id;
  if (input.owner.id == user_id) {
    f.user_name = input.owner.name;
    return f;
  }
  if (auto permissions = client.GetPermissions(input.id)) {
    f.permissions = std::move(*permissions);
  } else if (IsUnreachable(permissions.error())) {
    f.permissions_unreachable = permissions.error().message;
  } else {
    return Fail(permissions.error());
  }
  if (auto user = client.GetUser(user_id)) {
    f.user_name = user->name;
    f.user_groups = std::move(user->groups);
  } else if (IsUnreachable(user.error())) {
    f.groups_unreadable = user.error().message;
  } else {
    return Fail(user.error());
  }
  return f;
}

}  // namespace s3u::domo
