// The one scripted HTTP fake for in-process tests of every client (S3, Domo) and of the engine:
// requests are matched by route ("METHOD /path", the query cut off) and answered from a queue
// of replies (the last one repeats) or by a handler that looks at the request. Every request is
// recorded, bodies included (a streaming body is read whole), so tests assert what was sent.
// An unmatched request is answered 599 with a body naming it, so a missing route fails loudly.
//
// Thread-safety: Send may be called from several threads (upload workers); handlers run
// outside the lock, one call at a time per request.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "http/http.h"

namespace s3u::testing {

struct Reply {
  Reply(int status = 200, std::string body = {}, http::Headers headers = {})
      : status(status), body(std::move(body)), headers(std::move(headers)) {}
  // A transport failure (reset, timeout) instead of an answer.
  static Reply Failure(Error error) {
    Reply reply;
    reply.transport = std::move(error);
    return reply;
  }

  int status;
  std::string body;
  http::Headers headers;
  std::optional<Error> transport;
};

struct SentRequest {
  std::string method;
  std::string url;
  std::string path;   // the URL's path, no query
  std::string query;  // after '?', empty when none
  http::Headers headers;
  std::string body;

  std::string Route() const { return method + " " + path; }
};

class ScriptedHttp final : public http::HttpClient {
 public:
  using Handler = std::function<Reply(const SentRequest&)>;

  // `route` is "METHOD /path"; a trailing '*' matches every path with that prefix. The most
  // recently added matching route wins, so a test can override a default.
  void On(std::string route, std::vector<Reply> replies);
  void On(std::string route, Handler handler);

  Result<http::Response> Send(const http::Request& request) override;

  // The requests whose route contains `route_part`, in the order sent.
  std::vector<SentRequest> Requests(std::string_view route_part = {}) const;

 private:
  struct Script {
    std::string route;
    std::deque<Reply> replies;
    Handler handler;
  };
  mutable std::mutex mu_;
  std::vector<Script> scripts_;    // GUARDED_BY(mu_)
  std::vector<SentRequest> sent_;  // GUARDED_BY(mu_)
};

}  // namespace s3u::testing
