#include "support/servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace s3u::testing {
namespace {

namespace fs = std::filesystem;

const std::string kSourceDir = S3UNLOAD_SOURCE_DIR;

bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int FreePorts(int span) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    int port = ntohs(addr.sin_port);
    if (port + span > 65535) continue;
    bool all = true;
    for (int i = 1; i < span; ++i) all = all && PortFree(port + i);
    if (all) return port;
  }
  throw std::runtime_error("no free port range");
}

namespace {

fs::path TempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  fs::path dir = fs::temp_directory_path() / ("s3unload-test-" + std::to_string(::getpid()) + "-" +
                                              tag + "-" + std::to_string(counter++));
  return dir;
}

// A server process tree started by a script; stopped (scripts/servers/stop) at exit.
struct ManagedServer {
  S3Server server;
  fs::path dir;
  ~ManagedServer() {
    if (dir.empty()) return;
    RunCommand({kSourceDir + "/scripts/servers/stop", dir.string()});
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

void Check(bool ok, const std::string& what, const CommandResult& r) {
  if (!ok) {
    throw std::runtime_error(what + " failed (exit " + std::to_string(r.exit_code) + "): " + r.out +
                             r.err);
  }
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::pair<std::string, std::string>>& env,
                         const std::string& input) {
  fs::path dir = TempDir("cmd");
  fs::create_directories(dir);
  const fs::path in_path = dir / "stdin", out_path = dir / "stdout", err_path = dir / "stderr";
  std::ofstream(in_path, std::ios::binary) << input;
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::_Exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadWholeFile(out_path);
  result.err = ReadWholeFile(err_path);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}

CommandResult RunShell(const std::string& command_line,
                       const std::vector<std::pair<std::string, std::string>>& env) {
  return RunCommand({"/bin/bash", "-o", "pipefail", "-c", command_line}, env);
}

SpawnedProcess SpawnProcess(const std::vector<std::string>& argv, const std::string& stderr_path) {
  std::vector<char*> args;  // built before fork(): the child only execs
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::close(pipe_fds[0]);
    if (!stderr_path.empty()) {
      const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(err, 2);
    }
    ::execvp(args[0], args.data());
    std::_Exit(127);
  }
  ::close(pipe_fds[1]);
  SpawnedProcess spawned;
  spawned.pid = pid;
  // Bounded: a child that neither writes its line nor exits is killed, so a test fails
  // instead of hanging the suite until ctest's timeout ends every test after it.
  const auto deadline = std::chrono::steady_clock::now() + kSpawnLimit;
  char c;
  while (pid > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd ready{pipe_fds[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&ready, 1, static_cast<int>(left.count())) <= 0) {
      spawned.first_line = "(no line within " + std::to_string(kSpawnLimit.count()) +
                           " s: killed) " + spawned.first_line;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::read(pipe_fds[0], &c, 1) != 1 || c == '\n') break;
    spawned.first_line += c;
  }
  ::close(pipe_fds[0]);
  return spawned;
}

int WaitForExit(int pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace {

// scripts/servers/start-rgw on a fresh directory and free ports, with `env` added.
void StartRadosGw(ManagedServer& m, const std::string& tag,
                  const std::vector<std::pair<std::string, std::string>>& env) {
  m.dir = TempDir(tag);
  const int port = FreePorts(2);
  auto r = RunCommand(
      {kSourceDir + "/scripts/servers/start-rgw", m.dir.string(), std::to_string(port)}, env);
  Check(r.exit_code == 0, "start-rgw", r);
  m.server = {"http://127.0.0.1:" + std::to_string(port),
              {"S3UNLOADTESTKEY0001", "s3unload-test-secret-0001", "", std::nullopt},
              "radosgw",
              (m.dir / "ceph.conf").string()};
}

}  // namespace

const S3Server& RadosGw() {
  static ManagedServer managed = [] {
    ManagedServer m;
    StartRadosGw(m, "rgw", {});
    return m;
  }();
  return managed.server;
}

const S3Server& RadosGwWithSts() {
  static ManagedServer managed = [] {
    ManagedServer m;
    StartRadosGw(m, "rgw-sts", {{"RGW_STS_KEY", "s3unloadStsKey16"}});
    return m;
  }();
  return managed.server;
}

CommandResult RadosGwAdmin(const S3Server& server, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"timeout", "60", "radosgw-admin", "-c", server.admin_config};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

CommandResult MakeRadosGwRole(const S3Server& server, const std::string& name,
                              const std::string& trust_policy) {
  const std::string trust =
      !trust_policy.empty()
          ? trust_policy
          : R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":)"
            R"(["arn:aws:iam:::user/s3unload"]},"Action":["sts:AssumeRole"]}]})";
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],)"
      R"("Resource":"arn:aws:s3:::*"}]})";
  CommandResult made = RadosGwAdmin(server, {"role", "create", "--role-name=" + name, "--path=/",
                                             "--assume-role-policy-doc=" + trust});
  if (made.exit_code != 0) return made;
  return RadosGwAdmin(server, {"role-policy", "put", "--role-name=" + name, "--policy-name=s3",
                               "--policy-doc=" + policy});
}

s3::Credentials RadosGwPutOnlyUser() {
  return {"S3UNLOADPUTONLY0001", "s3unload-putonly-secret-01", "", std::nullopt};
}

const S3Server& SwiftS3() {
  static ManagedServer managed = [] {
    ManagedServer m;
    m.dir = TempDir("swift");
    const int port = FreePorts(5);
    auto r = RunCommand(
        {kSourceDir + "/scripts/servers/start-swift", m.dir.string(), std::to_string(port)});
    Check(r.exit_code == 0, "start-swift", r);
    m.server = {"http://127.0.0.1:" + std::to_string(port),
                {"s3unload:tester", "s3unload-secret", "", std::nullopt},
                "swift",
                ""};
    return m;
  }();
  return managed.server;
}

const std::optional<S3Server>& Moto() {
  static ManagedServer managed;
  static std::optional<S3Server> server = []() -> std::optional<S3Server> {
    auto probe = RunCommand({"python3", "-c", "import moto.server, flask_cors, boto3"});
    if (probe.exit_code != 0) return std::nullopt;
    managed.dir = TempDir("moto");
    const int port = FreePorts(1);
    auto r = RunCommand(
        {kSourceDir + "/scripts/servers/start-moto", managed.dir.string(), std::to_string(port)});
    Check(r.exit_code == 0, "start-moto", r);
    // The script prints "ready URL ACCESS_KEY SECRET" as its last line.
    std::istringstream lines(r.out);
    std::string word, url, key, secret;
    while (lines >> word) {
      if (word == "ready") lines >> url >> key >> secret;
    }
    return S3Server{url, {key, secret, "", std::nullopt}, "moto", ""};
  }();
  return server;
}

std::string UniqueBucket(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "s3u-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

CommandResult AwsCli(const S3Server& server, const std::vector<std::string>& args,
                     const std::optional<s3::Credentials>& credentials) {
  const s3::Credentials& c = credentials ? *credentials : server.owner;
  std::vector<std::string> argv = {"/usr/bin/aws", "--endpoint-url", server.endpoint};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::pair<std::string, std::string>> env = {
      {"AWS_ACCESS_KEY_ID", c.access_key_id},       {"AWS_SECRET_ACCESS_KEY", c.secret_access_key},
      {"AWS_DEFAULT_REGION", "us-east-1"},          {"AWS_CONFIG_FILE", "/dev/null"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}, {"AWS_PAGER", ""}};
  if (!c.session_token.empty()) env.emplace_back("AWS_SESSION_TOKEN", c.session_token);
  return RunCommand(argv, env);
}

std::optional<std::string> ReadBackWithAwsCli(const S3Server& server, const std::string& bucket,
                                              const std::string& key) {
  fs::path file = TempDir("readback");
  auto r = AwsCli(server, {"s3api", "get-object", "--bucket", bucket, "--key", key, file.string()});
  if (r.exit_code != 0) return std::nullopt;
  std::string data = ReadWholeFile(file);
  std::error_code ec;
  fs::remove(file, ec);
  return data;
}

std::vector<std::optional<std::string>> ReadBackManyWithBoto3(
    const S3Server& server, const std::string& bucket, const std::vector<std::string>& keys) {
  const fs::path dir = TempDir("readmany");
  fs::create_directories(dir);
  const s3::Credentials& c = server.owner;
  auto r = RunCommand({"/usr/bin/python3", kSourceDir + "/tests/support/read_objects.py",
                       server.endpoint, bucket, dir.string()},
                      {{"AWS_ACCESS_KEY_ID", c.access_key_id},
                       {"AWS_SECRET_ACCESS_KEY", c.secret_access_key},
                       {"AWS_CONFIG_FILE", "/dev/null"},
                       {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}},
                      nlohmann::json(keys).dump());
  Check(r.exit_code == 0, "tests/support/read_objects.py", r);
  std::vector<std::optional<std::string>> bodies;
  for (size_t i = 0; i < keys.size(); ++i) {
    const fs::path file = dir / std::to_string(i);
    bodies.push_back(fs::exists(file) ? std::optional(ReadWholeFile(file)) : std::nullopt);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return bodies;
}

void CreateBucketWithAwsCli(const S3Server& server, const std::string& bucket) {
  auto r = AwsCli(server, {"s3api", "create-bucket", "--bucket", bucket});
  Check(r.exit_code == 0, "aws s3api create-bucket " + bucket, r);
}

void GrantPutObjectOnly(const S3Server& server, const std::string& bucket) {
  const std::string policy =
      nlohmann::json{{"Version", "2012-10-17"},
                     {"Statement",
                      {{{"Effect", "Allow"},
                        {"Principal", {{"AWS", {"arn:aws:iam:::user/putonly"}}}},
                        {"Action", {"s3:PutObject"}},
                        {"Resource", {"arn:aws:s3:::" + bucket + "/*"}}}}}}
          .dump();
  auto r = AwsCli(server, {"s3api", "put-bucket-policy", "--bucket", bucket, "--policy", policy});
  Check(r.exit_code == 0, "aws s3api put-bucket-policy", r);
}

int CountUploadsWithAwsCli(const S3Server& server, const std::string& bucket) {
  auto r =
      AwsCli(server, {"s3api", "list-multipart-uploads", "--bucket", bucket, "--output", "json"});
  Check(r.exit_code == 0, "aws s3api list-multipart-uploads", r);
  if (r.out.find_first_not_of(" \n") == std::string::npos) return 0;
  auto j = nlohmann::json::parse(r.out);
  return j.contains("Uploads") ? static_cast<int>(j["Uploads"].size()) : 0;
}

std::multiset<std::string> ListKeysWithAwsCli(const S3Server& server, const std::string& bucket) {
  auto r = AwsCli(server, {"s3api", "list-objects-v2", "--bucket", bucket, "--encoding-type", "url",
                           "--output", "json"});
  Check(r.exit_code == 0, "aws s3api list-objects-v2", r);
  std::multiset<std::string> keys;
  if (r.out.find_first_not_of(" \n") == std::string::npos) return keys;
  for (const nlohmann::json& o :
       nlohmann::json::parse(r.out).value("Contents", nlohmann::json::array())) {
    const std::string encoded = o["Key"];
    std::string key;
    for (size_t i = 0; i < encoded.size(); ++i) {
      if (encoded[i] == '%' && i + 2 < encoded.size()) {
        key += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        key += encoded[i] == '+' ? ' ' : encoded[i];
      }
    }
    keys.insert(std::move(key));
  }
  return keys;
}

FaultProxy::FaultProxy(const S3Server& upstream) {
  const std::string up = upstream.endpoint.substr(std::string("http://").size());
  auto spawned =
      SpawnProcess({"python3", kSourceDir + "/tests/support/fault_proxy.py", "--upstream", up});
  if (spawned.pid < 0) throw std::runtime_error("fault proxy: fork or pipe failed");
  pid_ = spawned.pid;
  const std::string& line = spawned.first_line;
  if (line.rfind("ready ", 0) != 0) throw std::runtime_error("fault proxy did not start: " + line);
  endpoint_ = line.substr(6);
}

FaultProxy::~FaultProxy() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void FaultProxy::SetRules(const nlohmann::json& rules) {
  auto r =
      RunCommand({"curl", "-sf", "-X", "POST", "--data-binary", "@-", endpoint_ + "/__fault/rules"},
                 {}, rules.dump());
  Check(r.exit_code == 0, "fault proxy rules", r);
}

nlohmann::json FaultProxy::Log() const {
  auto r = RunCommand({"curl", "-sf", endpoint_ + "/__fault/log"});
  Check(r.exit_code == 0, "fault proxy log", r);
  return nlohmann::json::parse(r.out);
}

int FaultProxy::Count(const std::string& op) const {
  int n = 0;
  for (const auto& entry : Log()) n += entry["op"] == op;
  return n;
}

std::string TestBytes(size_t size, uint64_t seed) {
  std::string out(size, '\0');
  uint64_t x = seed;
  for (size_t i = 0; i < size; i += 8) {
    x += 0x9e3779b97f4a7c15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    for (size_t j = 0; j < 8 && i + j < size; ++j) out[i + j] = static_cast<char>(z >> (8 * j));
  }
  return out;
}

}  // namespace s3u::testing
