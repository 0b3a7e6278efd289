// A scripted HttpClient for protocol tests that need no server: every request is recorded and
// answered by the test's handler. Thread-safe (the handler is called under a lock).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "http/http.h"

namespace s3u::testing {

// A request as sent, with its body copied (Request::body does not own it).
struct SentRequest {
  std::string method;
  std::string url;
  http::Headers headers;
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;

  std::string Header(std::string_view name) const {
    auto v = http::FindHeader(headers, name);
    return v ? std::string(*v) : std::string();
  }
};

class ScriptedHttp final : public http::HttpClient {
 public:
  using Handler = std::function<Result<http::Response>(const SentRequest&)>;
  explicit ScriptedHttp(Handler handler) : handler_(std::move(handler)) {}

  Result<http::Response> Send(const http::Request& request) override {
    SentRequest sent{request.method, request.url, request.headers, std::string(request.body),
                     request.timeout};
    std::lock_guard lock(mu_);
    sent_.push_back(sent);
    return handler_(sent);
  }
  std::vector<SentRequest> Sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  Handler handler_;
  mutable std::mutex mu_;
  std::vector<SentRequest> sent_;
};

inline http::Response Answer(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace s3u::testing
