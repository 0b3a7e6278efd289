// The one place where a Domo answer becomes an Error (domo-api.md §1, §2). Every non-2xx
// answer of the token endpoint, the platform API (/v1/...) and the internal API (/api/...)
// goes through MapDomoError, which recognises the shapes Domo is known to send:
//   - the canonical JSON {status, statusReason, message, toe} (toe = Domo's support trace id);
//   - the RFC 6750 `WWW-Authenticate: Bearer error="invalid_token"` header of an expired JWT;
//   - Spring OAuth2 bodies {"error": "invalid_token" | "invalid_scope" | ...};
//   - the legacy 406 HTML page sent to a CSV request with a bad token;
//   - 400 "Infrastructure problem (403): Access is denied" (no access to a dataset);
// and otherwise falls back on the HTTP status. The code decides the retry behaviour
// (core/error.h): 401 and 406-to-CSV are kUnauthenticated (one token refresh), 429 is
// kResourceExhausted with the Retry-After pause, 5xx is kUnavailable (a 503 with its
// Retry-After pause).
//
// Messages say what to do and name the dataset, user or scope involved; the server's own
// message and support id are appended, sanitised. They never contain tokens or secrets.
//
// Thread-safety: all functions are pure and reentrant.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/http.h"

namespace s3u::domo {

// What was attempted, for the message. Every field may be empty, so callers name only what
// applies: {.operation = "GetUser", .subject = "user 42", .scope = "user"}. (The "= {}"
// initializers let designated initializers omit fields under -Wmissing-field-initializers.)
struct DomoCall {
  std::string operation = {};   // "GetDataset", "ExportCsv", "Token", ...
  std::string subject = {};     // the Error's subject: "dataset <id>", "user 42", "oauth token"
  std::string dataset_id = {};  // named in not-found and access-denied messages
  std::string scope = {};       // the OAuth scope the route needs ("data", "user"); "" if none
  std::string client_id = {};   // named in credential errors (an identifier, not a secret)
  bool token_endpoint = false;  // /oauth/token: a 401 means bad client credentials
  bool csv_request = false;     // sent Accept: text/csv (a 406 then means a refused token)
};

// Classifies one answer. `now` is the local time when it arrived (for an HTTP-date
// Retry-After). Never fails: an unrecognised answer is kInternal naming the status.
Error MapDomoError(const DomoCall& call, int http_status, const http::Headers& headers,
                   std::string_view body, std::chrono::system_clock::time_point now);

// Server text made safe for a message (http/http.h).
using http::SanitizeServerText;

}  // namespace s3u::domo
