// Logging with a single redaction point. Every line s3unload prints about its work (progress
// excepted) goes through Logger::Log, which first passes it through Redact: registered secrets
// (AWS secret key, session token, Domo client secret, bearer tokens) are replaced by "***", and
// so are the secret-bearing parts of HTTP traffic (Authorization signatures, X-Amz-Signature,
// X-Amz-Security-Token, "Bearer ...") and the user info of URLs ("https://***@host"). Then
// EscapeControl shows every control character as an escape, so a value a user supplied (a
// connector name, a path) can never start a line of its own or put raw bytes in the log.
// Error messages shown to users go through the same logger.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace s3u {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Parses "debug", "info", "warn", "error", "off"; nullopt-like false on anything else.
bool ParseLogLevel(std::string_view text, LogLevel* out);

// `text` with each ASCII control character (0x00-0x1f, 0x7f) as an escape: \n, \r, \t, and
// \xNN for the others (NUL is \x00). Other bytes, UTF-8 included, are unchanged.
std::string EscapeControl(std::string_view text);

// The lower-case name of a level: "debug", "info", "warn", "error", "off".
std::string_view LogLevelName(LogLevel level);

// One JSON log line (no newline): {"time":"2026-12-04T16:00:00.123Z","level":"info",
// "message":"..."}; `line` is a Logger line (redacted and escaped), JSON-escaped again here.
std::string JsonLogLine(LogLevel level, std::chrono::system_clock::time_point time,
                        std::string_view line);

class Logger {
 public:
  using Sink = std::function<void(LogLevel, std::string_view line)>;

  // `sink` receives already-redacted, escaped lines (one line each: no control characters);
  // the default writes "level: line\n" to stderr.
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
