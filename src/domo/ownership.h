// The connector's ownership rule (domo-api.md §7): the owner of the writeback dataset must
// be the owner or a co-owner of the input dataset, as a user or through one of its groups.
//
// Deciding is pure (DecideOwnership over OwnershipFacts); gathering the facts is I/O
// (CheckOwnership, with the client). Domo's public API only names a dataset's owner; co-owners
// are in the internal permissions list, which an OAuth token may not be allowed to read. When
// it cannot be read, the verdict is decided from the public owner alone and says so.
//
// Thread-safety: DecideOwnership is pure; CheckOwnership is as thread-safe as the client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "domo/model.h"

namespace s3u::domo {

class DomoClient;

struct OwnershipFacts {
  std::string dataset_id;
  std::string dataset_name;
  Owner dataset_owner;    // from GET /v1/datasets/{id}
  int64_t user_id = 0;    // the writeback dataset's owner
  std::string user_name;  // may be empty (users endpoint not readable)
  // The internal permissions list; nullopt when the endpoint was not reachable, with why.
  std::optional<std::vector<Permission>> permissions;
  std::string permissions_unreachable;
  // The user's groups; nullopt when they could not be read, with why.
  std::optional<std::vector<Group>> user_groups;
  std::string groups_unreadable;
};

struct OwnershipVerdict {
  bool allowed = false;
  // When allowed: "owner", "co-owner (direct)", or "co-owner through group <id> (<name>)".
  std::string how;
  // When refused: names the dataset (id and name), its owner (id and name), the user, what
  // the user has instead, and what to do.
  std::string reason;
  // True when the permissions list could not be read and only the public owner decided.
  bool public_owner_only = false;
};

OwnershipVerdict DecideOwnership(const OwnershipFacts& facts);

// The refusal as an Error: kFailedPrecondition, subject "dataset <id>", message the reason.
// REQUIRES: !verdict.allowed.
Error OwnershipError(const OwnershipFacts& facts, const OwnershipVerdict& verdict);

// Gathers the facts for `user_id` and `input` (a dataset from GetDataset): the permissions
// list (its 403/404 means "not reachable") and the user's name and groups (403/404 means
// "unreadable") are fetched only when the user is not the public owner. Other failures
// (network, bad token) are returned as errors.
Result<OwnershipFacts> GatherOwnershipFacts(DomoClient& client, const Dataset& input,
                                            int64_t user_id);

}  // namespace s3u::domo
