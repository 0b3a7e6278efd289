#include "support/scripted_http.h"

namespace s3u::testing {
namespace {

bool Matches(const std::string& route, const std::string& sent) {
  if (!route.empty() && route.back() == '*') {
    return sent.compare(0, route.size() - 1, route, 0, route.size() - 1) == 0;
  }
  return route == sent;
}

Result<std::string> ReadBody(const http::Request& request) {
  if (!request.reader) return std::string(request.body);
  std::string body;
  char buffer[64 * 1024];
  for (;;) {
    auto n = request.reader(buffer, sizeof buffer);
    if (!n) return Fail(n.error());
    if (*n == 0) return body;
    body.append(buffer, *n);
  }
}

}  // namespace

void ScriptedHttp::On(std::string route, std::vector<Answer> answers) {
  std::lock_guard lock(mu_);
  scripts_.push_back({std::move(route), std::move(answers), 0, {}});
}

void ScriptedHttp::On(std::string route, Handler handler) {
  std::lock_guard lock(mu_);
  scripts_.push_back({std::move(route), {}, 0, std::move(handler)});
}

void ScriptedHttp::SetOutage(std::function<bool()> down, Answer answer) {
  std::lock_guard lock(mu_);
  outage_ = std::move(down);
  outage_answer_.emplace(std::move(answer));
}

Result<http::Response> ScriptedHttp::Send(const http::Request& request) {
  Sent sent;
  sent.method = request.method;
  sent.url = request.url;
  sent.headers = request.headers;
  const size_t scheme = request.url.find("://");
  const size_t start = request.url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const std::string target = start == std::string::npos ? "/" : request.url.substr(start);
  const size_t q = target.find('?');
  sent.path = target.substr(0, q);
  if (q != std::string::npos) sent.query = target.substr(q + 1);
  auto body = ReadBody(request);
  if (!body) return Fail(body.error());
  sent.body = std::move(*body);

  Answer answer(599, "scripted_http: no route for " + sent.Route());
  Handler handler;
  {
    std::lock_guard lock(mu_);
    sent_.push_back(sent);
    if (outage_ && outage_()) {
      answer = *outage_answer_;
    } else {
      for (auto it = scripts_.rbegin(); it != scripts_.rend(); ++it) {
        if (!Matches(it->route, sent.Route())) continue;
        if (it->handler) {
          handler = it->handler;
        } else if (!it->answers.empty()) {
          answer = it->answers[it->next];
          if (it->next + 1 < it->answers.size()) ++it->next;
        }
        break;
      }
    }
  }
  if (handler) answer = handler(sent);
  for (const auto& chunk : answer.chunks) {
    if (request.sink && !request.sink(chunk)) {
      return Fail(ErrorCode::kCancelled, request.method, "the sink aborted the transfer");
    }
  }
  if (answer.transport) return Fail(*answer.transport);
  http::Response response{answer.status, answer.headers, answer.body};
  if (request.sink && answer.status / 100 == 2 && answer.chunks.empty()) {
    if (!request.sink(answer.body)) {
      return Fail(ErrorCode::kCancelled, request.method, "the sink aborted the transfer");
    }
    response.body.clear();
  }
  return response;
}

std::vector<Sent> ScriptedHttp::Requests(std::string_view part) const {
  std::lock_guard lock(mu_);
  std::vector<Sent> out;
  for (const Sent& s : sent_) {
    if (s.Route().find(part) != std::string::npos || s.url.find(part) != std::string::npos) {
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace s3u::testing
