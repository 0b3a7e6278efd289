#include "core/log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "core/time_format.h"

namespace s3u {
namespace {

constexpr std::string_view kMask = "***";

// Replaces the value that follows `marker` up to the first delimiter. Values are tokens
// in headers ("Signature=abc,"), query strings ("X-Amz-Signature=abc&") or JSON
// ("\"access_token\":\"abc\"").
void MaskAfter(std::string& text, std::string_view marker, std::string_view delimiters) {
  size_t pos = 0;
  while ((pos = text.find(marker, pos)) != std::string::npos) {
    size_t start = pos + marker.size();
    size_t end = text.find_first_of(delimiters, start);
    if (end == std::string::npos) end = text.size();
    if (end > start && text.compare(start, end - start, kMask) != 0) {
      text.replace(start, end - start, kMask);
    }
    pos = start + kMask.size();
  }
}

// Masks the user info of URLs ("https://key:secret@host/" -> "https://***@host/"): a
// mistyped --endpoint-url may carry credentials and is echoed in its error message.
void MaskUserInfo(std::string& text) {
  size_t pos = 0;
  while ((pos = text.find("://", pos)) != std::string::npos) {
    const size_t start = pos + 3;
    const size_t end = text.find_first_of("/?# \r\n\"'", start);
    const size_t at = text.rfind('@', end == std::string::npos ? text.size() - 1 : end - 1);
    if (at != std::string::npos && at >= start && (end == std::string::npos || at < end) &&
        text.compare(start, at - start, kMask) != 0) {
      text.replace(start, at - start, kMask);
    }
    pos = start;
  }
}

}  // namespace

std::string EscapeControl(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  return out;
}

std::string_view LogLevelName(LogLevel level) {
  static constexpr std::string_view kNames[] = {"debug", "info", "warn", "error", "off"};
  return kNames[static_cast<int>(level)];
}

std::string JsonLogLine(LogLevel level, std::chrono::system_clock::time_point time,
                        std::string_view line) {
  std::string message;
  message.reserve(line.size());
  for (const char c : line) {
    // Lines hold no control characters (EscapeControl); only these two need escaping.
    if (c == '"' || c == '\\') message += '\\';
    message += c;
  }
  return fmt::format(R"({{"time":"{}","level":"{}","message":"{}"}})", IsoUtcMillis(time),
                     LogLevelName(level), message);
}

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  static constexpr std::pair<std::string_view, LogLevel> kNames[] = {{"debug", LogLevel::kDebug},
                                                                     {"info", LogLevel::kInfo},
                                                                     {"warn", LogLevel::kWarn},
                                                                     {"error", LogLevel::kError},
                                                                     {"off", LogLevel::kOff}};
  for (const auto& [name, level] : kNames) {
    if (text == name) {
      *out = level;
      return true;
    }
  }
  return false;
}

Logger::Logger(LogLevel min_level, Sink sink) : min_level_(min_level), sink_(std::move(sink)) {
  if (!sink_) {
    sink_ = [](LogLevel level, std::string_view line) {
      const std::string_view name = LogLevelName(level);
      std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
                   static_cast<int>(line.size()), line.data());
    };
  }
}

void Logger::AddSecret(std::string secret) {
  if (secret.size() < 4) return;
  std::lock_guard lock(mu_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end()) {
    secrets_.push_back(std::move(secret));
    // Longest first, so a secret that contains another is masked whole.
    std::sort(secrets_.begin(), secrets_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  }
}

std::string Logger::Redact(std::string_view text) const {
  std::string out(text);
  {
    std::lock_guard lock(mu_);
    for (const auto& secret : secrets_) {
      size_t pos = 0;
      while ((pos = out.find(secret, pos)) != std::string::npos) {
        out.replace(pos, secret.size(), kMask);
        pos += kMask.size();
      }
    }
  }
  MaskUserInfo(out);
  MaskAfter(out, "Signature=", ", &\r\n\"");
  MaskAfter(out, "X-Amz-Security-Token=", "&\r\n \"");
  MaskAfter(out, "x-amz-security-token: ", "\r\n");
  MaskAfter(out, "X-Amz-Security-Token: ", "\r\n");
  MaskAfter(out, "Bearer ", " \r\n\",");
  MaskAfter(out, "\"access_token\":\"", "\"");
  MaskAfter(out, "client_secret=", "&\r\n \"");
  return out;
}

void Logger::Log(LogLevel level, std::string_view message) {
  if (!Enabled(level)) return;
  std::string line = EscapeControl(Redact(message));
  std::lock_guard lock(mu_);
  sink_(level, line);
}

}  // namespace s3u
