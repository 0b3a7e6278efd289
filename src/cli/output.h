// How commands report: a human line on stdout (or one JSON line with --json) on success; on
// failure a redacted "error: subject: message" on stderr (or a JSON object on stdout with
// --json) and the documented exit code. Every line passes the logger's redaction.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/log.h"

namespace s3u::cli {

// Merges several validation problems into one kInvalidArgument error that lists them all,
// one per line, each with its field.
Error CombineProblems(const std::vector<Error>& problems);

class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  // Once set, output is also redacted with this logger's registered secrets.
  void SetLogger(Logger* log) { log_ = log; }
  // Prints the failure and returns its exit code.
  int Failure(const Error& error);
  // Prints the summary and returns 0.
  int Success(const nlohmann::json& summary, const std::string& text) {
    return Report(summary, text, 0);
  }
  // Prints a summary (JSON or text, on stdout) and returns `exit_code`: for commands whose
  // report is the answer even when it is negative (check-s3).
  int Report(const nlohmann::json& summary, const std::string& text, int exit_code);
  // Prints an extra human line (not in --json mode).
  void Line(const std::string& text);

 private:
  std::string Redact(const std::string& text) const;
  bool json_;
  Logger* log_ = nullptr;
  // Until a session's logger (which knows the secrets) is set, the patterns still apply.
  Logger patterns_only_{LogLevel::kOff};
};

}  // namespace s3u::cli
