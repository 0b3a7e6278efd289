// The one scripted fake of the http::HttpClient seam, for in-process tests of every client
// (DomoClient, S3Client) and of the engine. Requests are matched by route, "METHOD /path" (the
// URL without scheme, host and query; a trailing '*' in a route matches every path with that
// prefix; the route added last wins, so a test can override a default). A route answers from a
// queue of answers, the last of which repeats, or by a handler that looks at the request. An
// answer is a response, or a transport failure (an Error, as CurlHttpClient returns one),
// optionally after streaming some chunks into the request's sink. An outage (SetOutage) answers
// every request the same way while a condition holds, e.g. while a FakeClock is before some
// time. Every request is recorded, its body included (a streaming body is read whole, the way
// a real client reads it). An unmatched request is answered 599 naming it, so a missing route
// fails loudly.
//
// Thread-safety: Send may be called from several threads (upload workers); handlers run
// outside the lock.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "http/http.h"

namespace s3u::testing {

// One recorded request.
struct Sent {
  std::string method;
  std::string url;
  std::string path;   // the URL's path, no query
  std::string query;  // after '?', empty when none
  http::Headers headers;
  std::string body;

  std::string Route() const { return method + " " + path; }
  std::string Header(std::string_view name) const {
    return std::string(http::FindHeader(headers, name).value_or(""));
  }
};

struct Answer {
  Answer(int status_in = 200, std::string body_in = {}, http::Headers headers_in = {})
      : status(status_in), body(std::move(body_in)), headers(std::move(headers_in)) {}
  // A transport failure (connection reset, timeout: kUnavailable) instead of an answer.
  static Answer Failure(Error error) {
    Answer a(0, "");
    a.transport = std::move(error);
    return a;
  }
  // A 200 whose body arrives as `chunks`, then fails with `transport` when given.
  static Answer Streamed(std::vector<std::string> chunks, std::optional<Error> transport = {}) {
    Answer a(200, "");
    a.chunks = std::move(chunks);
    a.transport = std::move(transport);
    return a;
  }

  int status;
  std::string body;
  http::Headers headers;
  std::vector<std::string> chunks;  // streamed to a sink before the status completes
  std::optional<Error> transport;   // a transport failure (after the chunks)
};

class ScriptedHttp final : public http::HttpClient {
 public:
  using Handler = std::function<Answer(const Sent&)>;

  void On(std::string route, std::vector<Answer> answers);
  void On(std::string route, Handler handler);
  // While `down()` is true every request gets `answer`; an empty `down` ends the outage.
  void SetOutage(std::function<bool()> down, Answer answer);

  Result<http::Response> Send(const http::Request& request) override;

  // Requests whose route or URL contains `part` (all when empty), in the order sent.
  std::vector<Sent> Requests(std::string_view part = {}) const;

 private:
  struct Script {
    std::string route;
    std::vector<Answer> answers;  // front first; the last repeats
    size_t next = 0;
    Handler handler;
  };
  mutable std::mutex mu_;
  std::vector<Script> scripts_;   // GUARDED_BY(mu_)
  std::function<bool()> outage_;  // GUARDED_BY(mu_)
  std::optional<Answer> outage_answer_;
  std::vector<Sent> sent_;  // GUARDED_BY(mu_)
};

}  // namespace s3u::testing
