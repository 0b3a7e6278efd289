#include "support/metadata_server.h"

namespace s3u::testing {
namespace {

std::string CredentialsJson(const std::string& key, const std::string& expiration, bool code) {
  std::string json = "{";
  if (code) json += "\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",";
  json += "\"AccessKeyId\":\"" + key + "\",\"SecretAccessKey\":\"secret-" + key +
          "\",\"Token\":\"token-" + key + "\",\"Expiration\":\"" + expiration + "\"}";
  return json;
}

}  // namespace

MetadataServer::MetadataServer() {
  expiration_ = "2099-01-01T00:00:00Z";
  server_.Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
    Wait();
    std::lock_guard lock(mu_);
    ++token_requests_;
    if (refuse_token_ != 0) {
      res.status = refuse_token_;
      return;
    }
    if (!req.has_header("x-aws-ec2-metadata-token-ttl-seconds")) {
      res.status = 400;
      return;
    }
    current_token_ = "imds-token-" + std::to_string(++tokens_issued_);
    res.set_content(current_token_, "text/plain");
  });
  const std::string creds_path = "/latest/meta-data/iam/security-credentials/";
  server_.Get(creds_path, [this](const httplib::Request& req, httplib::Response& res) {
    Wait();
    if (!TokenOk(req, res)) return;
    std::lock_guard lock(mu_);
    if (role_.empty()) {
      res.status = 404;
      return;
    }
    res.set_content(role_, "text/plain");
  });
  server_.Get(creds_path + "(.+)", [this](const httplib::Request& req, httplib::Response& res) {
    Wait();
    if (!TokenOk(req, res)) return;
    std::lock_guard lock(mu_);
    ++credential_requests_;
    if (req.matches[1] != role_) {
      res.status = 404;
      return;
    }
    res.set_content(CredentialsJson(key_, expiration_, true), "text/plain");
  });
  server_.Get("/container/credentials",
              [this](const httplib::Request& req, httplib::Response& res) {
                Wait();
                std::lock_guard lock(mu_);
                ++credential_requests_;
                if (req.get_header_value("Authorization") != container_token_) {
                  res.status = 403;
                  return;
                }
                res.set_content(CredentialsJson(key_, expiration_, false), "application/json");
              });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::yield();
}

MetadataServer::~MetadataServer() {
  Release();
  server_.stop();
  thread_.join();
}

std::string MetadataServer::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

void MetadataServer::Wait() {
  std::unique_lock lock(mu_);
  released_.wait(lock, [this] { return !held_; });
}

bool MetadataServer::TokenOk(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard lock(mu_);
  last_token_seen_ = req.get_header_value("x-aws-ec2-metadata-token");
  // With the token PUT refused the stand-in serves IMDSv1 (no token needed).
  if (refuse_token_ != 0) return true;
  if (last_token_seen_.empty() || last_token_seen_ != current_token_) {
    res.status = 401;
    return false;
  }
  return true;
}

void MetadataServer::SetCredentials(const std::string& key, const std::string& expiration_iso) {
  std::lock_guard lock(mu_);
  key_ = key;
  expiration_ = expiration_iso;
}
void MetadataServer::SetRole(const std::string& role) {
  std::lock_guard lock(mu_);
  role_ = role;
}
void MetadataServer::SetContainerToken(const std::string& token) {
  std::lock_guard lock(mu_);
  container_token_ = token;
}
void MetadataServer::RevokeTokens() {
  std::lock_guard lock(mu_);
  current_token_ = "revoked";
}
void MetadataServer::RefuseTokens(int status) {
  std::lock_guard lock(mu_);
  refuse_token_ = status;
}
void MetadataServer::Hold() {
  std::lock_guard lock(mu_);
  held_ = true;
}
void MetadataServer::Release() {
  {
    std::lock_guard lock(mu_);
    held_ = false;
  }
  released_.notify_all();
}
int MetadataServer::token_requests() const {
  std::lock_guard lock(mu_);
  return token_requests_;
}
int MetadataServer::credential_requests() const {
  std::lock_guard lock(mu_);
  return credential_requests_;
}
std::string MetadataServer::last_token_seen() const {
  std::lock_guard lock(mu_);
  return last_token_seen_;
}

}  // namespace s3u::testing
