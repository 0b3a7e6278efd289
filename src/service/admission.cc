#include "service/admission.h"

#include <fmt/format.h>

#include "core/text.h"

namespace s3u::service {

std::string_view BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

bool NeedsToken(std::string_view path) {
  return (path.rfind("/api/", 0) == 0 && path != "/api/v1/health") || path == "/metrics";
}

Error BodyTooLarge() {
  return Error{ErrorCode::kResourceExhausted,
               "body",
               fmt::format("the request body is over the limit of {} bytes (1 MiB); send a "
                           "smaller body",
                           kMaxBodyBytes),
               413,
               {}};
}

std::optional<Error> Admit(const RequestHead& head,
                           const std::function<bool(std::string_view token)>& token_matches) {
  if (NeedsToken(head.path)) {
    const std::string_view token = BearerToken(head.authorization);
    if (token.empty() || !token_matches(token)) {
      return Error{ErrorCode::kUnauthenticated,
                   "Authorization",
                   head.authorization.empty()
                       ? "the API token is required: send it in the Authorization header as "
                         "a bearer token (the service printed it on its first start)"
                       : "not the service's API token",
                   401,
                   {}};
    }
  }
  if (head.has_content_length_header && !head.content_length) {
    return Error{ErrorCode::kInvalidArgument,
                 "Content-Length",
                 "not a byte count; send the body's length in bytes",
                 400,
                 {}};
  }
  const bool has_body = head.chunked || (head.content_length && *head.content_length > 0);
  if (!has_body) return std::nullopt;
  if (head.method != "POST" && head.method != "PUT") {
    return Error{ErrorCode::kInvalidArgument,
                 "body",
                 fmt::format("{} takes no request body; send it without one", head.method),
                 400,
                 {}};
  }
  if (head.content_length && *head.content_length > kMaxBodyBytes) return BodyTooLarge();
  // "application/json", optionally with parameters ("; charset=utf-8"), in any case.
  std::string_view type = head.content_type.substr(0, head.content_type.find(';'));
  if (!EqualsIgnoreCase(Trim(type), "application/json")) {
    return Error{ErrorCode::kInvalidArgument,
                 "Content-Type",
                 head.content_type.empty()
                     ? "the body has no Content-Type; send JSON as application/json"
                     : "the body must be JSON sent as application/json",
                 415,
                 {}};
  }
  return std::nullopt;
}

}  // namespace s3u::service
