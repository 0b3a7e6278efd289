#include "support/metadata_server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace s3u::testing {

using Clock = std::chrono::steady_clock;

struct MetadataServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;

  mutable std::mutex mu;
  std::condition_variable released;
  bool stopping = false;  // GUARDED_BY(mu)
  std::string role = "app-role";
  ServedCredentials credentials;
  bool allow_v1 = false;
  std::string container_token;
  std::map<std::string, Clock::time_point> tokens;  // token -> expiry
  int next_token = 1;
  std::map<std::string, std::pair<int, int>> scripted;  // route -> (status, count)
  std::map<std::string, int> expire_before;             // route -> count
  std::vector<std::string> hung;
  std::vector<Seen> seen;

  // Answers one request; REQUIRES: mu held.
  void Answer(const httplib::Request& req, httplib::Response& res) {
    const std::string route = req.method + " " + req.path;
    if (auto it = scripted.find(route); it != scripted.end() && it->second.second > 0) {
      --it->second.second;
      res.status = it->second.first;
      res.set_content("scripted " + std::to_string(res.status), "text/plain");
      return;
    }
    if (auto it = expire_before.find(route); it != expire_before.end() && it->second > 0) {
      --it->second;
      for (auto& [token, expiry] : tokens) expiry = Clock::now() - std::chrono::seconds(1);
    }
    if (route == MetadataServer::kTokenRoute) return IssueToken(req, res);
    if (req.method == "GET" && req.path == MetadataServer::kContainerPath) {
      return Container(req, res);
    }
    if (req.method == "GET" && req.path.starts_with(MetadataServer::kRolePath)) {
      return Imds(req, res);
    }
    res.status = 404;
    res.set_content("not found", "text/plain");
  }

  void IssueToken(const httplib::Request& req, httplib::Response& res) {
    const std::string ttl = req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds");
    int seconds = ttl.empty() || ttl.size() > 5 ? -1 : 0;
    for (const char c : ttl) {
      if (seconds >= 0) seconds = c >= '0' && c <= '9' ? seconds * 10 + (c - '0') : -1;
    }
    if (seconds < 1 || seconds > 21600) {
      res.status = 400;
      res.set_content("missing or invalid X-aws-ec2-metadata-token-ttl-seconds", "text/plain");
      return;
    }
    const std::string token = "imds-token-" + std::to_string(next_token++);
    tokens[token] = Clock::now() + std::chrono::seconds(seconds);
    res.set_header("X-aws-ec2-metadata-token-ttl-seconds", ttl);
    res.set_content(token, "text/plain");
  }

  void Imds(const httplib::Request& req, httplib::Response& res) {
    const std::string token = req.get_header_value("X-aws-ec2-metadata-token");
    const auto known = tokens.find(token);
    const bool valid = known != tokens.end() && known->second > Clock::now();
    if ((!token.empty() && !valid) || (token.empty() && !allow_v1)) {
      res.status = 401;
      res.set_content("", "text/plain");
      return;
    }
    const std::string rest = req.path.substr(MetadataServer::kRolePath.size());
    if (role.empty() || (!rest.empty() && rest != role)) {
      res.status = 404;
      res.set_content("Not Found", "text/plain");
      return;
    }
    if (rest.empty()) {
      res.set_content(role, "text/plain");
      return;
    }
    nlohmann::json body = {{"Code", "Success"},
                           {"LastUpdated", "2026-12-05T10:00:00Z"},
                           {"Type", "AWS-HMAC"},
                           {"AccessKeyId", credentials.access_key_id},
                           {"SecretAccessKey", credentials.secret_access_key},
                           {"Token", credentials.token},
                           {"Expiration", credentials.expiration}};
    res.set_content(body.dump(), "text/plain");
  }

  void Container(const httplib::Request& req, httplib::Response& res) {
    if (!container_token.empty() && req.get_header_value("Authorization") != container_token) {
      res.status = 401;
      res.set_content(R"({"code":"InvalidToken","message":"invalid authorization token"})",
                      "application/json");
      return;
    }
    nlohmann::json body = {{"RoleArn", "arn:aws:iam::123456789012:role/task-role"},
                           {"AccessKeyId", credentials.access_key_id},
                           {"SecretAccessKey", credentials.secret_access_key},
                           {"Token", credentials.token},
                           {"Expiration", credentials.expiration}};
    res.set_content(body.dump(), "application/json");
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    std::unique_lock lock(mu);
    Seen s{req.method, req.path, {}, 0};
    for (const auto& [name, value] : req.headers) s.headers.emplace_back(name, value);
    const std::string route = s.Route();
    if (std::find(hung.begin(), hung.end(), route) != hung.end()) {
      seen.push_back(s);
      released.wait(lock, [&] { return stopping; });
      res.status = 503;
      return;
    }
    Answer(req, res);
    s.status = res.status == -1 ? 200 : res.status;  // httplib makes -1 a 200 later
    seen.push_back(std::move(s));
  }
};

MetadataServer::MetadataServer() : impl_(std::make_unique<Impl>()) {
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    impl_->Handle(req, res);
  };
  impl_->server.Get(".*", handler);
  impl_->server.Put(".*", handler);
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // stop() before the accept loop runs would be lost and join() would hang.
  while (!impl_->server.is_running()) std::this_thread::yield();
}

MetadataServer::~MetadataServer() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->released.notify_all();
  impl_->server.stop();
  impl_->thread.join();
}

std::string MetadataServer::Url() const { return "http://127.0.0.1:" + std::to_string(port()); }
int MetadataServer::port() const { return impl_->port; }

void MetadataServer::SetRole(std::string role) {
  std::lock_guard lock(impl_->mu);
  impl_->role = std::move(role);
}
void MetadataServer::SetCredentials(ServedCredentials credentials) {
  std::lock_guard lock(impl_->mu);
  impl_->credentials = std::move(credentials);
}
void MetadataServer::AllowImdsV1(bool allow) {
  std::lock_guard lock(impl_->mu);
  impl_->allow_v1 = allow;
}
void MetadataServer::SetContainerAuthorization(std::string token) {
  std::lock_guard lock(impl_->mu);
  impl_->container_token = std::move(token);
}
void MetadataServer::Script(std::string route, int status, int count) {
  std::lock_guard lock(impl_->mu);
  impl_->scripted[std::move(route)] = {status, count};
}
void MetadataServer::ExpireTokensBefore(std::string route, int count) {
  std::lock_guard lock(impl_->mu);
  impl_->expire_before[std::move(route)] = count;
}
void MetadataServer::Hang(std::string route) {
  std::lock_guard lock(impl_->mu);
  impl_->hung.push_back(std::move(route));
}

std::vector<MetadataServer::Seen> MetadataServer::Requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->seen;
}

size_t MetadataServer::Count(std::string_view route) const {
  std::lock_guard lock(impl_->mu);
  size_t n = 0;
  for (const Seen& s : impl_->seen) n += s.Route() == route ? 1 : 0;
  return n;
}

std::string MetadataServer::Seen::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return "";
}

}  // namespace s3u::testing
