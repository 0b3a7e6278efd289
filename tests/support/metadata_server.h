// A STAND-IN for EC2 instance metadata (IMDS) and the ECS/EKS container credentials endpoint,
// which cannot run here: both live at link-local addresses inside AWS (169.254.169.254,
// 169.254.170.2/.23). This in-process cpp-httplib server on 127.0.0.1 and a free port serves
// what the credential fetchers (s3/credential_providers.h) ask of them, as AWS documents it:
//   IMDSv2: PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds (1-21600, else
//     400) returns a token valid for that many seconds; GET
//     /latest/meta-data/iam/security-credentials/ returns the role name (404 when no role is
//     attached) and GET .../<role> the credentials JSON (Code, LastUpdated, Type, AccessKeyId,
//     SecretAccessKey, Token, Expiration). A GET with an unknown or expired token is 401, one
//     without a token too unless IMDSv1 is allowed.
//   Container: GET kContainerPath returns AccessKeyId, SecretAccessKey, Token, Expiration,
//     RoleArn; when an authorization token is set, a request without it is 401.
// Faults are scripted per route ("PUT /latest/api/token", "GET <path>"): the next N answers
// with a status, tokens expiring before the next N requests, or requests held unanswered until
// the server stops (a timeout for the client). It is no emulator of everything IMDS does
// (no X-Forwarded-For refusal, no hop limit, no other metadata paths).
//
// Thread-safety: all methods may be called while the server answers requests.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3u::testing {

struct ServedCredentials {
  std::string access_key_id = "ASIASTANDIN1";
  std::string secret_access_key = "stand-in-secret-1";
  std::string token = "stand-in-session-token-1";
  std::string expiration = "2030-01-01T00:00:00Z";
};

class MetadataServer {
 public:
  static constexpr std::string_view kTokenRoute = "PUT /latest/api/token";
  static constexpr std::string_view kRolePath = "/latest/meta-data/iam/security-credentials/";
  static constexpr std::string_view kContainerPath = "/v2/credentials/4c1d-task";

  MetadataServer();  // listening when constructed
  ~MetadataServer();
  MetadataServer(const MetadataServer&) = delete;
  MetadataServer& operator=(const MetadataServer&) = delete;

  std::string Url() const;  // "http://127.0.0.1:<port>"
  int port() const;

  void SetRole(std::string role);  // "app-role" by default; "" = no instance profile (404)
  void SetCredentials(ServedCredentials credentials);
  void AllowImdsV1(bool allow);  // false by default: a GET without a token is 401
  void SetContainerAuthorization(std::string token);  // "" (default): none required

  // The next `count` requests to `route` ("METHOD /path") answer `status` without doing
  // anything else.
  void Script(std::string route, int status, int count = 1);
  // Before each of the next `count` requests to `route`, every token issued so far expires.
  void ExpireTokensBefore(std::string route, int count = 1);
  // Requests to `route` are held, unanswered, until the server is destroyed.
  void Hang(std::string route);

  struct Seen {
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;
    int status = 0;  // the answer's (0 for a held request)
    std::string Header(std::string_view name) const;
    std::string Route() const { return method + " " + path; }
  };
  std::vector<Seen> Requests() const;
  size_t Count(std::string_view route) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace s3u::testing
