// Logging with a single redaction point. Every line s3unload prints about its work (progress
// excepted) goes through Logger::Log, which first passes it through Redact: registered secrets
// (AWS secret key, session token, Domo client secret, bearer tokens) are replaced by "***", and
// so are the secret-bearing parts of HTTP traffic (Authorization signatures, X-Amz-Signature,
// X-Amz-Security-Token, "Bearer ...") and the user info of URLs ("https://***@host"). Error
// messages shown to users go through the same logger.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace s3u {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Parses "debug", "info", "warn", "error", "off"; nullopt-like false on anything else.
bool ParseLogLevel(std::string_view text, LogLevel* out);

class Logger {
 public:
  using Sink = std::function<void(LogLevel, std::string_view line)>;

  // `sink` receives already-redacted lines; the default writes "level: line\n" to stderr.
  explicit Logger(LogLevel min_level = LogLevel::kInfo, Sink sink = {});
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Registers a value that must never appear in output. Empty and very short values
  // (under 4 characters) are ignored: redacting them would garble ordinary text.
  void AddSecret(std::string secret);

  // Returns `text` with every secret and secret-bearing token replaced by "***".
  std::string Redact(std::string_view text) const;

  void Log(LogLevel level, std::string_view message);
  void Debug(std::string_view m) { Log(LogLevel::kDebug, m); }
  void Info(std::string_view m) { Log(LogLevel::kInfo, m); }
  void Warn(std::string_view m) { Log(LogLevel::kWarn, m); }
  void Error(std::string_view m) { Log(LogLevel::kError, m); }

  bool Enabled(LogLevel level) const { return level >= min_level_; }
  void SetLevel(LogLevel level) { min_level_ = level; }

 private:
  LogLevel min_level_;
  Sink sink_;
  mutable std::mutex mu_;
  std::vector<std::string> secrets_;  // GUARDED_BY(mu_)
};

}  // namespace s3u
