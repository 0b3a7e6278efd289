#include "support/scripted_http.h"

#include <utility>

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

void ScriptedHttp::On(std::string route, std::vector<Reply> replies) {
  std::lock_guard lock(mu_);
  scripts_.push_back({std::move(route), std::deque<Reply>(replies.begin(), replies.end()), {}});
}

void ScriptedHttp::On(std::string route, Handler handler) {
  std::lock_guard lock(mu_);
  scripts_.push_back({std::move(route), {}, std::move(handler)});
}

Result<http::Response> ScriptedHttp::Send(const http::Request& request) {
  SentRequest sent;
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

  Reply reply(599, "scripted_http: no route for " + sent.Route());
  Handler handler;
  {
    std::lock_guard lock(mu_);
    sent_.push_back(sent);
    for (auto it = scripts_.rbegin(); it != scripts_.rend(); ++it) {
      if (!Matches(it->route, sent.Route())) continue;
      if (it->handler) {
        handler = it->handler;
      } else if (!it->replies.empty()) {
        reply = it->replies.front();
        if (it->replies.size() > 1) it->replies.pop_front();
      }
      break;
    }
  }
  if (handler) reply = handler(sent);
  if (reply.transport) return Fail(*reply.transport);
  http::Response response{reply.status, reply.headers, reply.body};
  if (request.sink && reply.status / 100 == 2) {
    if (!request.sink(reply.body)) {
      return Fail(ErrorCode::kCancelled, sent.Route(), "the sink aborted the transfer");
    }
    response.body.clear();
  }
  return response;
}

std::vector<SentRequest> ScriptedHttp::Requests(std::string_view route_part) const {
  std::lock_guard lock(mu_);
  std::vector<SentRequest> out;
  for (const SentRequest& s : sent_) {
    if (s.Route().find(route_part) != std::string::npos) out.push_back(s);
  }
  return out;
}

}  // namespace s3u::testing
