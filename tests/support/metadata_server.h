// A STAND-IN for the EC2 instance metadata service (IMDSv2) and the ECS/EKS container
// credentials endpoint, which cannot run here. It implements only what the credential
// providers use, as AWS documents it:
//   PUT  /latest/api/token  (x-aws-ec2-metadata-token-ttl-seconds required) -> a token
//   GET  /latest/meta-data/iam/security-credentials/        -> the role name (token required)
//   GET  /latest/meta-data/iam/security-credentials/<role>  -> the credentials JSON
//   GET  /container/credentials  (Authorization must equal the container token)
// Missing or revoked tokens get 401, as IMDSv2 answers. It is a cpp-httplib server on a free
// 127.0.0.1 port, not a copy of AWS: behaviour beyond this list is not modelled.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace s3u::testing {

class MetadataServer {
 public:
  MetadataServer();
  ~MetadataServer();
  MetadataServer(const MetadataServer&) = delete;
  MetadataServer& operator=(const MetadataServer&) = delete;

  std::string endpoint() const;  // http://127.0.0.1:PORT

  // What the next answers hold.
  void SetCredentials(const std::string& key, const std::string& expiration_iso);
  void SetRole(const std::string& role);  // "" = no role attached (404)
  void SetContainerToken(const std::string& token);
  // Forgets every issued token (answers 401 until a new one is asked for).
  void RevokeTokens();
  // Refuses the token PUT with `status` (403: IMDSv2 disabled by a proxy; 404: IMDSv1 only).
  void RefuseTokens(int status);
  // While held, every request waits (a service that does not answer) until Release().
  void Hold();
  void Release();

  int token_requests() const;
  int credential_requests() const;
  // The token header value of the last credentials GET ("" when none was sent).
  std::string last_token_seen() const;

 private:
  void Wait();
  bool TokenOk(const httplib::Request& req, httplib::Response& res);

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable released_;
  bool held_ = false;
  std::string key_ = "ASIAMETA1", expiration_, role_ = "instance-role", container_token_;
  std::string current_token_;
  int tokens_issued_ = 0, token_requests_ = 0, credential_requests_ = 0, refuse_token_ = 0;
  std::string last_token_seen_;
};

}  // namespace s3u::testing
