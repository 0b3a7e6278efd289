// The internal permissions API (domo-api.md §7) of the emulated instance: a dataset's shares
// as listed, granted and revoked. The access rules that the shares feed are the model's.
//
// Thread-safety: every method may be called concurrently (the model's lock).
#pragma once

#include <cstdint>
#include <string>

#include "emulator/model.h"

namespace s3u::emulator {

class Permissions {
 public:
  explicit Permissions(Model& model) : model_(model) {}

  // The owner first, then the grants (needs read access).
  Result<Json> List(const Caller& caller, const std::string& id);
  // Adds or replaces grants; answers the new list.
  Result<Json> Share(const Caller& caller, const std::string& id, const Json& body);
  // Removes the grant of `principal` (`type` USER or GROUP); 404 when there is none.
  Result<void> Revoke(const Caller& caller, const std::string& id, const std::string& type,
                      int64_t principal);

 private:
  // REQUIRES: model_.mu held.
  Json ListJson(const DatasetRecord& ds) const;

  Model& model_;
};

}  // namespace s3u::emulator
