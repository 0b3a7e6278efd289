// Real servers for integration tests, started once per test process on free 127.0.0.1
// ports and stopped at exit: radosgw (the strict S3 server), Swift s3api, moto (only where
// Python's moto is installed), and the fault proxy (tests/support/fault_proxy.py) for the
// faults no real server produces on demand. Also: the aws cli as the independent reader.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "s3/sigv4.h"

namespace s3u::testing {

struct S3Server {
  std::string endpoint;  // http://127.0.0.1:PORT
  s3::Credentials owner;
  std::string name;
  std::string admin_config;  // radosgw: its ceph.conf, for radosgw-admin -c; empty otherwise
};

// Started on first use; nullptr-free: a server that cannot start fails the calling test.
const S3Server& RadosGw();
// A radosgw of its own with STS on (`rgw s3 auth use sts`, `rgw sts key`), same users as
// RadosGw(). Separate because with STS on radosgw answers a wrong secret or an unknown key
// with AccessDenied, where RadosGw()'s tests expect SignatureDoesNotMatch/InvalidAccessKeyId.
const S3Server& RadosGwWithSts();
const S3Server& SwiftS3();
// nullopt when Python's moto cannot be imported (the caller GTEST_SKIPs with the reason).
const std::optional<S3Server>& Moto();

// The PutObject-only radosgw user (no rights until a bucket policy grants some).
s3::Credentials RadosGwPutOnlyUser();

// A free port P on 127.0.0.1 such that P..P+span-1 are all free (servers that use several
// ports, or that cannot be told to pick one and say which). Throws when there is none.
int FreePorts(int span);

// A fresh bucket name, unique in this process ("s3u-<tag>-<pid>-<n>").
std::string UniqueBucket(const std::string& tag);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs `argv` (no shell) with extra environment variables, feeding `input` on stdin.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::pair<std::string, std::string>>& env = {},
                         const std::string& input = "");
// Runs a shell command line (for pipelines such as `head -c N /dev/urandom | s3unload ...`).
CommandResult RunShell(const std::string& command_line,
                       const std::vector<std::pair<std::string, std::string>>& env = {});

// radosgw-admin against `server` (a radosgw), e.g. {"role", "create", ...}.
CommandResult RadosGwAdmin(const S3Server& server, const std::vector<std::string>& args);
// Makes the role `name` (arn:aws:iam:::role/NAME) on a radosgw with STS: trusted by
// `trust_policy` (default: the owner user "s3unload" may assume it), with a role policy that
// allows every S3 action. The result of the first radosgw-admin call that failed, else the last.
CommandResult MakeRadosGwRole(const S3Server& server, const std::string& name,
                              const std::string& trust_policy = "");

// How long SpawnProcess waits for the first line before it kills the child.
inline constexpr std::chrono::seconds kSpawnLimit{120};

// A server child process and the first line it wrote to stdout (where it listens).
struct SpawnedProcess {
  int pid = -1;  // -1: it could not be started
  std::string first_line;
};
// Starts `argv` (PATH searched) in the background with stdout on a pipe and stderr to
// `stderr_path` (inherited when empty), and waits for its first stdout line (empty, or cut
// short, when it exits first; killed, with a first line saying so, after kSpawnLimit).
// The caller stops the process (kill, then WaitForExit).
SpawnedProcess SpawnProcess(const std::vector<std::string>& argv,
                            const std::string& stderr_path = "");

// Reaps child `pid` and returns its status as waitpid gives it; after `limit` (polled every
// 10 ms) it kills the child with SIGKILL, reaps it and returns -1, so a stuck child fails a
// test instead of hanging the suite.
int WaitForExit(int pid, std::chrono::seconds limit);

// The whole content of a file ("" when it cannot be read).
std::string ReadWholeFile(const std::string& path);

// The aws cli (Debian's v2 at /usr/bin/aws) against `server` with `credentials` (their
// session token too, when they carry one).
CommandResult AwsCli(const S3Server& server, const std::vector<std::string>& args,
                     const std::optional<s3::Credentials>& credentials = std::nullopt);
// Reads an object back with the aws cli; nullopt if it does not exist.
std::optional<std::string> ReadBackWithAwsCli(const S3Server& server, const std::string& bucket,
                                              const std::string& key);
// Reads many objects back in one process (tests/support/read_objects.py: Debian's boto3, the
// library the aws cli is built on; one aws cli per key costs about a second of start-up each). One
// entry per key, in order; nullopt for a key that does not exist.
std::vector<std::optional<std::string>> ReadBackManyWithBoto3(const S3Server& server,
                                                              const std::string& bucket,
                                                              const std::vector<std::string>& keys);
// Creates a bucket with the aws cli.
void CreateBucketWithAwsCli(const S3Server& server, const std::string& bucket);
// Sets a bucket policy that grants radosgw's "putonly" user s3:PutObject on the bucket and
// nothing else (the smallest policy the connector documents).
void GrantPutObjectOnly(const S3Server& server, const std::string& bucket);
// Number of incomplete multipart uploads in `bucket`, listed by the aws cli.
int CountUploadsWithAwsCli(const S3Server& server, const std::string& bucket);
// Every key in `bucket`, listed by the aws cli with --encoding-type url and decoded here once
// (as botocore's unquote_plus does): XML cannot carry every character a key may hold, and
// botocore decodes a listing only when it chose the encoding itself. Keys exactly as stored.
std::multiset<std::string> ListKeysWithAwsCli(const S3Server& server, const std::string& bucket);

// The fault proxy in front of `upstream`; one per test fixture.
class FaultProxy {
 public:
  explicit FaultProxy(const S3Server& upstream);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Endpoint to give the client instead of the server's.
  const std::string& endpoint() const { return endpoint_; }
  void SetRules(const nlohmann::json& rules);
  nlohmann::json Log() const;
  // How many requests of S3 operation `op` went through the proxy (faulted ones included).
  int Count(const std::string& op) const;

 private:
  std::string endpoint_;
  int pid_ = -1;
};

// Deterministic pseudo-random bytes (splitmix64), so failures reproduce.
std::string TestBytes(size_t size, uint64_t seed);

}  // namespace s3u::testing
