// Mail over SMTP with libcurl, for the service's notifications: one message to a few
// recipients per call, on a connection of its own (a notification is rare; no pooling).
//
// TLS: an smtps:// URL is TLS from the start (port 465); an smtp:// URL upgrades with STARTTLS
// when the server offers it, and REQUIRES it when a password is given, so a password never
// crosses the network in clear. Certificates are always verified.
//
// Thread-safety: SendMail may be called from several threads at once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace s3u::http {

struct MailRequest {
  std::string url;                 // smtp://host[:port] or smtps://host[:port], without user info
  std::string username, password;  // both empty: no AUTH
  std::string from;                // the envelope sender, name@domain
  std::vector<std::string> to;     // envelope recipients
  std::string message;             // RFC 5322 text, CRLF lines (headers, blank line, body)
};

struct SmtpOptions {
  std::chrono::milliseconds connect_timeout{10000};
  // The whole exchange; a notification is small, so a minute means the server is stuck.
  std::chrono::milliseconds timeout{60000};
  std::string ca_bundle;  // PEM; empty: the system's store
};

// Sends `mail`. Errors (subject "SMTP <host>", never the password):
//   kUnavailable         cannot connect, timed out, connection lost, a 4xx answer (transient)
//   kUnauthenticated     the server refused the login
//   kFailedPrecondition  TLS required but not offered, certificate not verified, a 5xx answer
//                        (a recipient or sender refused)
//   kInvalidArgument     a malformed URL
Result<void> SendMail(const MailRequest& mail, const SmtpOptions& options = {});

}  // namespace s3u::http
