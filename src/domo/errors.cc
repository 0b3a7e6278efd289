#include "domo/errors.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "http/retry.h"

namespace s3u::domo {
namespace {

using nlohmann::json;

constexpr std::string_view kPortal =
    "Domo's developer portal (developer.domo.com > My Account > Manage Clients)";

// The fields of whichever JSON error shape the body has; all empty for a non-JSON body.
struct ErrorBody {
  std::string status_reason;
  std::string message;
  std::string toe;
  std::string oauth_error;              // Spring OAuth2 "error"
  std::string oauth_error_description;  // Spring OAuth2 "error_description"
};

std::string StringField(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ErrorBody ParseBody(std::string_view body) {
  ErrorBody out;
  // The non-throwing parse: an HTML page or an empty body gives a discarded value.
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  out.status_reason = StringField(j, "statusReason");
  out.message = StringField(j, "message");
  out.toe = StringField(j, "toe");
  out.oauth_error = StringField(j, "error");
  out.oauth_error_description = StringField(j, "error_description");
  return out;
}

// " (Domo: Bad Request: Data import failed ...; support id CA6JIHTO46-28C5D-UEQ7I)", or "".
std::string ServerNote(const ErrorBody& b) {
  std::vector<std::string> parts;
  if (!b.status_reason.empty()) parts.push_back(SanitizeServerText(b.status_reason, 60));
  if (!b.message.empty()) parts.push_back(SanitizeServerText(b.message));
  if (!b.oauth_error.empty()) parts.push_back(SanitizeServerText(b.oauth_error, 60));
  if (!b.oauth_error_description.empty()) {
    parts.push_back(SanitizeServerText(b.oauth_error_description));
  }
  std::string note;
  for (const auto& p : parts) note += (note.empty() ? "" : ": ") + p;
  if (!b.toe.empty()) {
    note += (note.empty() ? "" : "; ") + std::string("support id ") + SanitizeServerText(b.toe, 40);
  }
  return note.empty() ? "" : " (Domo: " + note + ")";
}

// The error_description of `WWW-Authenticate: Bearer error="invalid_token", ...` (RFC 6750
// §3), or nullopt when the header is absent or reports another error.
std::optional<std::string> InvalidTokenDescription(const http::Headers& headers) {
  const auto header = http::FindHeader(headers, "WWW-Authenticate");
  if (!header || header->find("invalid_token") == std::string_view::npos) return std::nullopt;
  constexpr std::string_view kKey = "error_description=\"";
  const size_t start = header->find(kKey);
  if (start == std::string_view::npos) return std::string();
  const size_t from = start + kKey.size();
  const size_t end = header->find('"', from);
  return std::string(header->substr(from, end == std::string_view::npos ? end : end - from));
}

std::string Subject(const DomoCall& call) {
  return call.subject.empty() ? call.operation : call.subject;
}

std::string ClientPhrase(const DomoCall& call) {
  return call.client_id.empty() ? "the API client" : "the API client " + call.client_id;
}

Error TokenEndpointError(const DomoCall& call, int status, const ErrorBody& b) {
  const std::string note = ServerNote(b);
  if (b.oauth_error == "invalid_scope") {
    return {
        ErrorCode::kPermissionDenied,
        call.subject,
        fmt::format("{} is not granted every requested scope ({}): add the missing scope "
                    "to the client in {}{}",
                    ClientPhrase(call), call.scope.empty() ? "default" : call.scope, kPortal, note),
        status,
        {}};
  }
  if (b.oauth_error == "unsupported_grant_type" || b.oauth_error == "invalid_request") {
    return {ErrorCode::kInternal,
            call.subject,
            "Domo's token endpoint did not understand the token request" + note,
            status,
            {}};
  }
  return {ErrorCode::kUnauthenticated,
          call.subject,
          fmt::format("Domo rejected the client credentials of {}: check the client ID and "
                      "secret in {}{}",
                      ClientPhrase(call), kPortal, note),
          status,
          {}};
}

}  // namespace

Error MapDomoError(const DomoCall& call, int status, const http::Headers& headers,
                   std::string_view body, std::chrono::system_clock::time_point now) {
  const ErrorBody b = ParseBody(body);
  const std::string note = ServerNote(b);
  const std::string subject = Subject(call);
  auto make = [&](ErrorCode code, std::string message) {
    return Error{code, subject, std::move(message), status, {}};
  };

  if (call.token_endpoint && (status == 400 || status == 401 || status == 403)) {
    Error e = TokenEndpointError(call, status, b);
    e.subject = subject;
    return e;
  }
  if (status == 401) {
    if (auto description = InvalidTokenDescription(headers)) {
      // Domo's only signal that the token merely expired is this description (domo-api.md §2).
      const bool expired = description->find("expired") != std::string::npos;
      return make(
          ErrorCode::kUnauthenticated,
          (expired ? std::string("the Domo token expired")
                   : std::string("Domo rejected the access token as invalid")) +
              (description->empty() ? note : " (Domo: " + SanitizeServerText(*description) + ")"));
    }
    return make(ErrorCode::kUnauthenticated,
                "Domo did not accept the access token for " + call.operation + note);
  }
  if (status == 406 && call.csv_request) {
    // The legacy answer to a CSV request with a bad token is an HTML page, not a real 406.
    return make(ErrorCode::kUnauthenticated,
                "Domo refused the access token for a CSV request (406 Not Acceptable, its "
                "legacy answer to an invalid or expired token)");
  }
  if (status == 400 && b.message.find("Infrastructure problem (403)") != std::string::npos) {
    const std::string what = call.dataset_id.empty() ? subject : "dataset " + call.dataset_id;
    return make(ErrorCode::kPermissionDenied,
                "the token's user has no access to " + what +
                    ": ask the dataset's owner to share it with that user" + note);
  }
  if (status == 403) {
    std::string message = "Domo refused " + call.operation + " on " + subject + " (403)";
    if (!call.scope.empty()) {
      message += fmt::format(
          ": the token lacks the '{}' scope this needs (add it to {} in {} and request it), "
          "or its user lacks access",
          call.scope, ClientPhrase(call), kPortal);
    } else {
      message += ": the token's user lacks access";
    }
    return make(ErrorCode::kPermissionDenied, message + note);
  }
  if (status == 404) {
    if (!call.dataset_id.empty()) {
      return make(ErrorCode::kNotFound,
                  "dataset " + call.dataset_id +
                      " does not exist, or is not visible to the token's user; check the id "
                      "(the GUID after /datasources/ in the dataset's URL)" +
                      note);
    }
    return make(ErrorCode::kNotFound, subject + " does not exist" + note);
  }
  if (status == 409) {
    return make(ErrorCode::kFailedPrecondition,
                "Domo refused " + call.operation + " on " + subject +
                    " because of its current state (409 Conflict)" + note);
  }
  if (status == 429) {
    Error e = make(ErrorCode::kResourceExhausted,
                   "Domo is throttling requests (429 Too Many Requests)" + note);
    if (auto h = http::FindHeader(headers, "Retry-After")) {
      e.retry_after = http::ParseRetryAfter(*h, now);
    }
    return e;
  }
  if (status >= 500 && status <= 599) {
    Error e = make(ErrorCode::kUnavailable,
                   fmt::format("Domo failed {} with HTTP {}: a server-side problem, usually "
                               "temporary{}",
                               call.operation, status, note));
    // A 503 may say when to come back (RFC 9110 §10.2.3), as a 429 does.
    if (auto h = http::FindHeader(headers, "Retry-After"); h && status == 503) {
      e.retry_after = http::ParseRetryAfter(*h, now);
    }
    return e;
  }
  if (status == 400 || status == 413 || status == 415 || status == 422) {
    return make(ErrorCode::kInvalidArgument, fmt::format("Domo rejected {} as invalid (HTTP {}){}",
                                                         call.operation, status, note));
  }
  return make(ErrorCode::kInternal, fmt::format("Domo answered {} with unexpected HTTP {}{}",
                                                call.operation, status, note));
}

}  // namespace s3u::domo
