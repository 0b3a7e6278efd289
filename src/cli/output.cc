#include "cli/output.h"

#include <cstdio>

namespace s3u::cli {

Error CombineProblems(const std::vector<Error>& problems) {
  if (problems.size() == 1) return problems.front();
  Error combined{ErrorCode::kInvalidArgument, "", "", 0, {}};
  combined.message = std::to_string(problems.size()) + " problems:";
  for (const auto& p : problems) combined.message += "\n  " + p.ToString();
  return combined;
}

std::string Output::Redact(const std::string& text) const {
  return log_ != nullptr ? log_->Redact(text) : patterns_only_.Redact(text);
}

int Output::Failure(const Error& error) {
  if (json_) {
    nlohmann::json j = {{"status", "error"},
                        {"code", std::string(CodeName(error.code))},
                        {"subject", Redact(error.subject)},
                        {"message", Redact(error.message)}};
    if (error.http_status != 0) j["http_status"] = error.http_status;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::fprintf(stderr, "error: %s\n", Redact(error.ToString()).c_str());
  }
  std::fflush(stdout);
  return ExitCodeFor(error.code);
}

int Output::Report(const nlohmann::json& summary, const std::string& text, int exit_code) {
  if (json_) {
    std::printf("%s\n", Redact(summary.dump()).c_str());
  } else {
    std::printf("%s\n", Redact(text).c_str());
  }
  std::fflush(stdout);
  return exit_code;
}

void Output::Line(const std::string& text) {
  if (!json_) std::printf("%s\n", Redact(text).c_str());
}

}  // namespace s3u::cli
