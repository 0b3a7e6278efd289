// A scripted HttpClient: the one fake of the http::HttpClient seam for client unit tests
// (DomoClient, S3Client). Answers by route, "METHOD /path" (the URL without scheme, host and
// query); each route has a queue of answers, the last of which repeats. An answer is a
// response, or a transport failure (an Error, as CurlHttpClient returns one), optionally after
// streaming some chunks into the request's sink. Every request is recorded. An outage
// (SetOutage) answers every request the same way while a condition holds, e.g. while a
// FakeClock is before some time, without consuming the routes' queues.
//
// Thread-safety: Send may be called from several threads; set routes before sending.
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

#include "http/http.h"

namespace s3u::testing {

// One recorded request.
struct Sent {
  std::string method;
  std::string url;
  http::Headers headers;
  std::string body;
  std::string Header(std::string_view name) const {
    return std::string(http::FindHeader(headers, name).value_or(""));
  }
};

struct Answer {
  Answer(int status_in, std::string body_in, http::Headers headers_in = {})
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
  void On(const std::string& route, std::vector<Answer> answers) {
    std::lock_guard lock(mu_);
    routes_[route] = std::deque<Answer>(answers.begin(), answers.end());
  }
  // While `down()` is true every request gets `answer`; an empty `down` ends the outage.
  void SetOutage(std::function<bool()> down, Answer answer) {
    std::lock_guard lock(mu_);
    outage_ = std::move(down);
    outage_answer_.emplace(std::move(answer));
  }

  Result<http::Response> Send(const http::Request& request) override {
    std::optional<Answer> found;
    {
      std::lock_guard lock(mu_);
      sent_.push_back({request.method, request.url, request.headers, std::string(request.body)});
      std::string path = request.url.substr(request.url.find('/', request.url.find("://") + 3));
      path = path.substr(0, path.find('?'));
      if (outage_ && outage_()) {
        found = *outage_answer_;
      } else {
        auto it = routes_.find(request.method + " " + path);
        if (it == routes_.end()) return http::Response{599, {}, "no route " + path};
        found = it->second.front();
        if (it->second.size() > 1) it->second.pop_front();
      }
    }
    const Answer& answer = *found;
    // A request body is read the way a real client reads it, so readers see their end.
    if (request.reader) {
      char buffer[4096];
      for (;;) {
        auto n = request.reader(buffer, sizeof buffer);
        if (!n) return Fail(n.error());
        if (*n == 0) break;
      }
    }
    for (const auto& chunk : answer.chunks) {
      if (request.sink && !request.sink(chunk)) {
        return Fail(ErrorCode::kCancelled, request.method, "the sink aborted the transfer");
      }
    }
    if (answer.transport) return Fail(*answer.transport);
    http::Response response{answer.status, answer.headers, answer.body};
    if (request.sink && answer.status / 100 == 2 && answer.chunks.empty()) {
      request.sink(answer.body);
      response.body.clear();
    }
    return response;
  }

  // Requests whose URL contains `url_part` (all when empty), in the order sent.
  std::vector<Sent> Requests(const std::string& url_part = "") const {
    std::lock_guard lock(mu_);
    std::vector<Sent> out;
    for (const auto& s : sent_) {
      if (s.url.find(url_part) != std::string::npos) out.push_back(s);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Answer>> routes_;
  std::function<bool()> outage_;
  std::optional<Answer> outage_answer_;
  std::vector<Sent> sent_;
};

}  // namespace s3u::testing
