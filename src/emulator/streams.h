// The Stream API (domo-api.md §5) of the emulated instance: streams over the datasets they
// create, their executions and data parts, and commits applied on a background executor.
//
// Thread-safety: every method may be called concurrently (the model's lock); commits run on
// `background`, which must be stopped before the Streams are destroyed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/executor.h"
#include "emulator/datasets.h"
#include "emulator/model.h"

namespace s3u::emulator {

class Streams {
 public:
  Streams(Model& model, Datasets& datasets, Executor& background)
      : model_(model), datasets_(datasets), background_(background) {}

  Result<Json> Create(const Caller& caller, const Json& body);
  Result<Json> Get(const Caller& caller, int64_t id);
  Result<Json> List(const Caller& caller, const Page& page);
  Result<Json> Search(const Caller& caller, const std::string& query);
  Result<Json> Update(const Caller& caller, int64_t id, const Json& body);
  Result<void> Delete(const Caller& caller, int64_t id);
  Result<Json> CreateExecution(const Caller& caller, int64_t stream, const Json& body);
  Result<Json> GetExecution(const Caller& caller, int64_t stream, int64_t execution);
  Result<Json> ListExecutions(const Caller& caller, int64_t stream, const Page& page);
  // The dataset schema parts of `stream` must match (write access needed).
  Result<table::Schema> Schema(const Caller& caller, int64_t stream);
  Result<Json> PutPart(const Caller& caller, int64_t stream, int64_t execution, int64_t part,
                       std::vector<Row> rows);
  // Answers ACTIVE at once; the data is applied on the background executor, then SUCCESS.
  Result<Json> Commit(const Caller& caller, int64_t stream, int64_t execution);
  // One execution (ABORTED), or with nullopt whatever is in progress.
  Result<Json> Abort(const Caller& caller, int64_t stream, std::optional<int64_t> execution);

 private:
  struct Execution {
    int64_t id = 0;
    std::string state = "ACTIVE";  // ACTIVE | SUCCESS | ABORTED | INVALID
    bool committing = false;
    std::optional<std::string> update_method;  // per-execution override
    TimePoint created, modified;
    std::map<int64_t, std::vector<Row>> parts;
  };
  struct StreamRecord {
    int64_t id = 0;
    std::string dataset_id;
    std::string update_method;
    std::vector<std::string> key_columns;  // upsert
    TimePoint created, modified;
    std::optional<TimePoint> last_commit;
    int64_t next_execution = 1;
    std::map<int64_t, Execution> executions;
  };
  struct StreamExecution {
    StreamRecord* stream;
    Execution* execution;
  };
  // What a stream call needs on the stream's dataset.
  enum class Access { kRead, kWrite };

  // --- lookups (REQUIRES: model_.mu held)
  Result<StreamRecord*> Find(int64_t id);
  static Result<Execution*> FindExecution(StreamRecord& stream, int64_t id);
  // The stream if it exists and `caller` has `access` to its dataset (404 / 403 otherwise).
  Result<StreamRecord*> Accessible(const Caller& caller, int64_t id, Access access);
  // Execution `execution_id` of a stream as Accessible finds it (404 for either).
  Result<StreamExecution> AccessibleExecution(const Caller& caller, int64_t id,
                                              int64_t execution_id, Access access);
  // Whether parts may still be added and the execution committed or aborted. RequireActive:
  // 400 otherwise, `only` ending the message ("only an ACTIVE execution can be committed").
  static bool IsActive(const Execution& execution);
  static Result<void> RequireActive(const Execution& execution, const std::string& only);
  Json StreamJson(const StreamRecord& stream) const;
  static Json ExecutionJson(const Execution& e);
  // Applies a committed execution's parts to the dataset (on the background executor).
  void Apply(int64_t id, int64_t execution_id);

  Model& model_;
  Datasets& datasets_;
  Executor& background_;
  // GUARDED_BY(model_.mu):
  std::map<int64_t, StreamRecord> streams_;
  int64_t next_stream_ = 1;
};

}  // namespace s3u::emulator
