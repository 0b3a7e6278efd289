// The DataSet API (domo-api.md §3) of the emulated instance: metadata, access-checked reads
// and writes of a dataset's data snapshots, and the admin endpoint's unchecked add. The data
// itself (import grammar, export and query encodings) is data.h's.
//
// Unknown or deleted ids: 404; no read access: 400/403 as Domo (docs/emulator.md, Access).
//
// Thread-safety: every method may be called concurrently (the model's lock); no lock is held
// while a snapshot is read.
#pragma once

#include <string>
#include <vector>

#include "emulator/model.h"

namespace s3u::emulator {

class Datasets {
 public:
  explicit Datasets(Model& model) : model_(model) {}

  Result<Json> List(const Caller& caller, const Page& page, const std::string& sort,
                    const std::string& name_like);
  Result<Json> Get(const Caller& caller, const std::string& id);
  Result<Json> Create(const Caller& caller, const Json& body);  // the DataSet (201)
  Result<Json> Update(const Caller& caller, const std::string& id, const Json& body);
  Result<void> Delete(const Caller& caller, const std::string& id);
  // The current data of a readable dataset (export, query, Export-to-S3).
  Result<SnapshotPtr> ReadData(const Caller& caller, const std::string& id);
  // The schema a writer must match (import). Needs write access.
  Result<table::Schema> WritableSchema(const Caller& caller, const std::string& id);
  // Replaces (or appends to) the data of a dataset the caller may write.
  Result<void> WriteData(const Caller& caller, const std::string& id, std::vector<Row> rows,
                         bool append);
  // Adds or replaces a dataset as the admin endpoint does (no access checks).
  Result<void> Put(DatasetEntry entry);

 private:
  Model& model_;
};

}  // namespace s3u::emulator
