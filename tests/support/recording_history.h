// The shared fake of the run history seam (unload/history.h): records what it was told, in
// order, as short lines ("began 2026-03-09", "finished SUCCEEDED", "opened <key>", ...), keeps
// the last RunEnd, and answers UploadOpened with `journal_error` when a test sets one.
//
// Thread-safety: none; one run reports to it at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "unload/history.h"

namespace s3u::testing {

class RecordingHistory final : public unload::RunHistory {
 public:
  void Began(const unload::RunStart& start) override { events.push_back("began " + start.day); }
  void Finished(const std::string&, const unload::RunEnd& end) override {
    events.push_back("finished " + std::string(RunStatusName(end.status)));
    last = end;
  }
  void NotStarted(const unload::RunIdentity&, int64_t, const Error&) override {
    events.push_back("not started");
  }
  Result<void> UploadOpened(const std::string&, const std::string&, const std::string& key,
                            const std::string&) override {
    events.push_back("opened " + key);
    if (journal_error) return Fail(*journal_error);
    return {};
  }
  void UploadCompleted(const std::string& upload_id) override {
    events.push_back("completed " + upload_id);
  }
  void UploadAborted(const std::string& upload_id) override {
    events.push_back("aborted " + upload_id);
  }
  void Published(const std::string&) override { events.push_back("published"); }

  std::vector<std::string> events;
  unload::RunEnd last;
  std::optional<Error> journal_error;  // what UploadOpened answers
};

}  // namespace s3u::testing
