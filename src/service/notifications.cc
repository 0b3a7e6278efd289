#include "service/notifications.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <initializer_list>

#include "core/text.h"
#include "core/time_format.h"

namespace s3u::service {
namespace {

using nlohmann::json;

constexpr size_t kMaxUrl = 2048;
constexpr size_t kMaxText = 254;  // an address's limit (RFC 5321), and a username's here
constexpr size_t kMaxRecipients = 20;

// scheme://authority[/...] with the scheme among `schemes`: the authority (host[:port]), else
// a message saying what is wrong.
tl::expected<std::string, std::string> CheckUrl(const std::string& url,
                                                std::initializer_list<std::string_view> schemes) {
  const std::string expected =
      fmt::format("expected a URL starting with {}://", fmt::join(schemes, "://, "));
  if (url.size() > kMaxUrl)
    return tl::unexpected(fmt::format("longer than {} characters", kMaxUrl));
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return tl::unexpected(std::string("contains a space or control character"));
    }
  }
  const size_t colon = url.find("://");
  if (colon == std::string::npos) return tl::unexpected(expected);
  const std::string scheme = AsciiLower(url.substr(0, colon));
  bool known = false;
  for (std::string_view s : schemes) known = known || scheme == s;
  if (!known) return tl::unexpected(expected);
  const std::string rest = url.substr(colon + 3);
  const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos) {
    return tl::unexpected(std::string("must not carry a user name or password (user@host)"));
  }
  if (authority.empty() || authority[0] == ':') return tl::unexpected(std::string("has no host"));
  return authority;
}

std::optional<std::string> CheckAddress(const std::string& address) {
  const size_t at = address.find('@');
  if (address.size() > kMaxText) return fmt::format("longer than {} characters", kMaxText);
  for (const char c : address) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' ||
        c == '"') {
      return "expected one address, name@domain, without spaces, quotes, <> or commas";
    }
  }
  if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string::npos) {
    return "expected an email address, name@domain";
  }
  return std::nullopt;
}

// Reads the value at `key` of `object` as a string into `out` (absent: left alone).
void ReadString(const json& object, const std::string& key, const std::string& field,
                std::string& out, FieldErrors& errors) {
  if (!object.contains(key)) return;
  if (!object[key].is_string()) {
    errors.push_back({field, "expected a string"});
    return;
  }
  out = object[key].get<std::string>();
}

void CheckKeys(const json& object, std::initializer_list<std::string_view> keys,
               const std::string& prefix, FieldErrors& errors) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view k : keys) known = known || key == k;
    if (!known) {
      errors.push_back(
          {prefix + key, fmt::format("unknown field; the fields are {}", fmt::join(keys, ", "))});
    }
  }
}

void ParseWebhook(const json& body, const NotificationSettings* saved, NotificationSettings& out,
                  FieldErrors& errors) {
  if (!body.contains("webhook") || body["webhook"].is_null()) return;
  const json& hook = body["webhook"];
  if (!hook.is_object()) return errors.push_back({"webhook", "expected an object or null"});
  CheckKeys(hook, {"url", "format"}, "webhook.", errors);
  ReadString(hook, "url", "webhook.url", out.webhook_url, errors);
  if (out.webhook_url.empty() && saved != nullptr) out.webhook_url = saved->webhook_url;
  if (out.webhook_url.empty()) {
    errors.push_back({"webhook.url", "required: the http(s) URL to POST to"});
  } else if (auto host = CheckUrl(out.webhook_url, {"https", "http"}); !host) {
    errors.push_back({"webhook.url", host.error()});
  }
  ReadString(hook, "format", "webhook.format", out.webhook_format, errors);
  if (out.webhook_format != "json" && out.webhook_format != "slack") {
    errors.push_back({"webhook.format", "expected json or slack"});
  }
}

void ParseEmail(const json& body, const NotificationSettings* saved, NotificationSettings& out,
                FieldErrors& errors) {
  if (!body.contains("email") || body["email"].is_null()) return;
  const json& mail = body["email"];
  if (!mail.is_object()) return errors.push_back({"email", "expected an object or null"});
  CheckKeys(mail, {"smtp_url", "username", "password", "from", "to"}, "email.", errors);
  ReadString(mail, "smtp_url", "email.smtp_url", out.smtp_url, errors);
  if (out.smtp_url.empty()) {
    errors.push_back({"email.smtp_url", "required: smtp://host:587 or smtps://host:465"});
  } else if (auto host = CheckUrl(out.smtp_url, {"smtp", "smtps"}); !host) {
    errors.push_back({"email.smtp_url", host.error()});
  }
  ReadString(mail, "username", "email.username", out.smtp_username, errors);
  if (out.smtp_username.size() > kMaxText) {
    errors.push_back({"email.username", fmt::format("longer than {} characters", kMaxText)});
  }
  ReadString(mail, "password", "email.password", out.smtp_password, errors);
  if (out.smtp_password.size() > 1024) {
    errors.push_back({"email.password", "longer than 1024 characters"});
  }
  if (out.smtp_password.empty() && saved != nullptr && !saved->smtp_password.empty()) {
    if (saved->smtp_url == out.smtp_url) {
      out.smtp_password = saved->smtp_password;
    } else {
      errors.push_back({"email.password",
                        "the SMTP server changed: type the password again (a saved password is "
                        "only sent to the server it was saved for)"});
    }
  }
  if (!out.smtp_password.empty() && out.smtp_username.empty()) {
    errors.push_back({"email.username", "required with a password"});
  }
  ReadString(mail, "from", "email.from", out.mail_from, errors);
  if (auto problem = CheckAddress(out.mail_from)) errors.push_back({"email.from", *problem});
  if (!mail.contains("to") || !mail["to"].is_array() || mail["to"].empty() ||
      mail["to"].size() > kMaxRecipients) {
    errors.push_back(
        {"email.to", fmt::format("expected a list of 1 to {} addresses", kMaxRecipients)});
    return;
  }
  for (size_t i = 0; i < mail["to"].size(); ++i) {
    const std::string field = fmt::format("email.to[{}]", i);
    const json& to = mail["to"][i];
    if (!to.is_string()) {
      errors.push_back({field, "expected an email address, name@domain"});
    } else if (auto problem = CheckAddress(to.get<std::string>())) {
      errors.push_back({field, *problem});
    } else {
      out.mail_to.push_back(to.get<std::string>());
    }
  }
}

std::string Base64(std::string_view bytes) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string encoded(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), variant);
  encoded.resize(encoded.find('\0'));
  return encoded;
}

// A header value: control characters (a CR/LF would start a header of its own) become spaces,
// and text beyond ASCII is RFC 2047 encoded-words. A line holding encoded-words may be at most
// 76 characters (RFC 2047 section 2), so the text is cut into pieces of at most 39 bytes (52
// of base64: 64-character words, 73 with "Subject: ") at UTF-8 character boundaries, one
// encoded-word each, on folded lines (CRLF SP, which a reader drops between encoded-words). The
// ASCII form needs no folding: a connector name is at most kMaxNameLength characters, far below the
// 998 a line may have.
std::string HeaderValue(std::string_view text) {
  std::string clean;
  bool ascii = true;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    clean += (u < ' ' || u == 0x7f) ? ' ' : c;
    ascii = ascii && u < 0x80;
  }
  if (ascii) return clean;
  constexpr size_t kMaxPiece = 39;
  std::string out;
  size_t begin = 0;
  while (begin < clean.size()) {
    size_t end = std::min(begin + kMaxPiece, clean.size());
    // Back up to the start of a character: never split a UTF-8 sequence between two words.
    while (end < clean.size() && end > begin + 1 &&
           (static_cast<unsigned char>(clean[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(std::string_view(clean).substr(begin, end - begin)) + "?=";
    begin = end;
  }
  return out;
}

// The text body as quoted-printable (RFC 2045 section 6.7), lines ending in CRLF: an error
// message can be one line of several KiB, and SMTP allows at most 998 octets a line (RFC 5321
// section 4.5.3.1.6), which an 8bit body cannot promise. Encoded lines are at most 76
// characters, soft breaks ending in '='; '=', control and non-ASCII octets (UTF-8 bytes) are
// =XX, and a space or tab at a line's end is encoded so that no transport can strip it. Every
// reader decodes it back to exactly the text.
std::string QuotedPrintable(std::string_view text) {
  constexpr size_t kMaxLine = 76;
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t line_start = 0;  // where the current encoded line begins in `out`
  for (size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u == '\n') {
      out += "\r\n";
      line_start = out.size();
      continue;
    }
    if (u == '\r') continue;
    const bool at_line_end = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    const bool literal =
        (u >= 33 && u <= 126 && u != '=') || ((u == ' ' || u == '\t') && !at_line_end);
    std::string piece = literal ? std::string(1, static_cast<char>(u))
                                : std::string{'=', kHex[u >> 4], kHex[u & 0xF]};
    // Room for the piece and, unless the hard line ends right after it, a soft break's '='.
    const size_t room = at_line_end ? kMaxLine : kMaxLine - 1;
    if (out.size() - line_start + piece.size() > room) {
      out += "=\r\n";
      line_start = out.size();
    }
    out += piece;
  }
  return out;
}

std::string Verb(NotificationEvent event) {
  switch (event) {
    case NotificationEvent::kFailure:
      return "failed";
    case NotificationEvent::kRecovery:
      return "recovered";
    case NotificationEvent::kSuccess:
      return "succeeded";
  }
  return "";
}

std::string IsoUtc(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

}  // namespace

Checked<NotificationSettings> ParseNotificationForm(const json& body,
                                                    const NotificationSettings* saved) {
  FieldErrors errors;
  NotificationSettings out;
  if (!body.is_object()) return tl::unexpected(FieldErrors{{"body", "expected a JSON object"}});
  CheckKeys(body, {"on_failure", "on_recovery", "on_success", "webhook", "email"}, "", errors);
  for (auto [key, flag] :
       {std::pair{"on_failure", &out.on_failure}, std::pair{"on_recovery", &out.on_recovery},
        std::pair{"on_success", &out.on_success}}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_boolean()) {
      errors.push_back({key, "expected true or false"});
    } else {
      *flag = body[key].get<bool>();
    }
  }
  ParseWebhook(body, saved, out, errors);
  ParseEmail(body, saved, out, errors);
  if (!errors.empty()) return tl::unexpected(errors);
  return out;
}

store::NotificationRecord NotificationsToRecord(const std::string& connector_id,
                                                const NotificationSettings& s) {
  json settings = {{"on_failure", s.on_failure}, {"on_recovery", s.on_recovery},
                   {"on_success", s.on_success}, {"webhook_format", s.webhook_format},
                   {"smtp_url", s.smtp_url},     {"smtp_username", s.smtp_username},
                   {"mail_from", s.mail_from},   {"mail_to", s.mail_to}};
  store::NotificationRecord record;
  record.connector_id = connector_id;
  record.settings_json = settings.dump();
  record.webhook_url = s.webhook_url;
  record.smtp_password = s.smtp_password;
  return record;
}

Result<NotificationSettings> NotificationsFromRecord(const store::NotificationRecord& record) {
  const json j = json::parse(record.settings_json, nullptr, false);
  try {
    NotificationSettings s;
    s.on_failure = j.at("on_failure").get<bool>();
    s.on_recovery = j.at("on_recovery").get<bool>();
    s.on_success = j.at("on_success").get<bool>();
    s.webhook_format = j.at("webhook_format").get<std::string>();
    s.smtp_url = j.at("smtp_url").get<std::string>();
    s.smtp_username = j.at("smtp_username").get<std::string>();
    s.mail_from = j.at("mail_from").get<std::string>();
    s.mail_to = j.at("mail_to").get<std::vector<std::string>>();
    s.webhook_url = record.webhook_url;
    s.smtp_password = record.smtp_password;
    return s;
  } catch (const json::exception&) {
    return Fail(ErrorCode::kDataLoss, "connector " + record.connector_id + ": notifications",
                "the stored settings are damaged; save them again");
  }
}

json NotificationsJson(const NotificationSettings& s, bool failing) {
  json out = {{"on_failure", s.on_failure}, {"on_recovery", s.on_recovery},
              {"on_success", s.on_success}, {"failing", failing},
              {"webhook", nullptr},         {"email", nullptr}};
  if (!s.webhook_url.empty()) {
    auto host = CheckUrl(s.webhook_url, {"https", "http"});
    out["webhook"] = {{"url_set", true}, {"host", host ? *host : ""}, {"format", s.webhook_format}};
  }
  if (!s.smtp_url.empty()) {
    out["email"] = {{"smtp_url", s.smtp_url},
                    {"username", s.smtp_username},
                    {"password_set", !s.smtp_password.empty()},
                    {"from", s.mail_from},
                    {"to", s.mail_to}};
  }
  return out;
}

json DeliveryJson(const store::DeliveryRecord& d) {
  return {{"id", d.id},
          {"run_id", d.run_id},
          {"event", d.event},
          {"channel", d.channel},
          {"target", d.target},
          {"delivered", d.delivered},
          {"attempts", d.attempts},
          {"error", d.error.empty() ? json(nullptr) : json(d.error)},
          {"finished_ms", d.finished_ms}};
}

std::string_view EventName(NotificationEvent event) {
  switch (event) {
    case NotificationEvent::kFailure:
      return "failure";
    case NotificationEvent::kRecovery:
      return "recovery";
    case NotificationEvent::kSuccess:
      return "success";
  }
  return "";
}

NotificationDecision DecideNotification(const NotificationSettings& settings, bool was_failing,
                                        RunStatus status, bool retry_scheduled) {
  NotificationDecision decision{std::nullopt, was_failing};
  if (status == RunStatus::kFailed && !retry_scheduled) {
    decision.failing = true;
    if (settings.on_failure) decision.event = NotificationEvent::kFailure;
  } else if (status == RunStatus::kSucceeded) {
    decision.failing = false;
    if (was_failing && settings.on_recovery) {
      decision.event = NotificationEvent::kRecovery;
    } else if (settings.on_success) {
      decision.event = NotificationEvent::kSuccess;
    }
  }
  return decision;
}

std::string NotificationText(NotificationEvent event, const RunFacts& f) {
  std::string text =
      fmt::format("s3unload: {} {} (run {}", f.connector_name, Verb(event), f.run_id);
  if (!f.day.empty()) text += ", day " + f.day;
  text += fmt::format(", attempt {})", f.attempt);
  if (f.status == RunStatus::kSucceeded) {
    text += fmt::format(": {} rows, {} object(s), {} bytes", f.rows, f.objects, f.bytes);
  } else if (!f.error_message.empty()) {
    text += fmt::format(": {}: {}", f.error_code, f.error_message);
  }
  return text;
}

std::string WebhookBody(NotificationEvent event, const RunFacts& f, const std::string& format) {
  const std::string text = NotificationText(event, f);
  if (format == "slack") return json{{"text", text}}.dump();
  json error = nullptr;
  if (!f.error_code.empty() || !f.error_message.empty()) {
    error = {{"code", f.error_code}, {"message", f.error_message}};
  }
  return json{{"event", EventName(event)},
              {"connector", {{"id", f.connector_id}, {"name", f.connector_name}}},
              {"run",
               {{"id", f.run_id},
                {"day", f.day.empty() ? json(nullptr) : json(f.day)},
                {"status", RunStatusName(f.status)},
                {"attempt", f.attempt},
                {"rows", f.rows},
                {"objects", f.objects},
                {"bytes", f.bytes},
                {"finished_at", IsoUtc(f.finished)},
                {"error", error}}},
              {"text", text}}
      .dump();
}

std::string EmailMessage(NotificationEvent event, const RunFacts& f,
                         const NotificationSettings& settings,
                         std::chrono::system_clock::time_point now) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  std::string domain = settings.mail_from.substr(settings.mail_from.find('@') + 1);
  std::string message;
  message += fmt::format("Date: {:%a, %d %b %Y %H:%M:%S} +0000\r\n", seconds);
  message += "From: <" + settings.mail_from + ">\r\n";
  message += fmt::format("To: <{}>\r\n", fmt::join(settings.mail_to, ">, <"));
  message +=
      "Subject: " + HeaderValue(fmt::format("[s3unload] {} {}", f.connector_name, Verb(event))) +
      "\r\n";
  message += fmt::format("Message-ID: <{}.{}.{}@{}>\r\n", f.run_id, EventName(event),
                         EpochMillis(now), domain);
  message += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n";
  message += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  std::string body = NotificationText(event, f) + "\n";
  if (!f.day.empty()) body += "\nDay: " + f.day;
  body += fmt::format("\nStatus: {}\nFinished: {}\nConnector: {} ({})\n", RunStatusName(f.status),
                      IsoUtc(f.finished), f.connector_name, f.connector_id);
  message += QuotedPrintable(body);
  return message;
}

}  // namespace s3u::service
