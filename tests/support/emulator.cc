#include "support/emulator.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "http/curl_client.h"

namespace s3u::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

[[noreturn]] void FailToStart(const std::string& why, const fs::path& dir) {
  ADD_FAILURE() << "domo-emulator did not start: " << why << "\nstderr:\n"
                << ReadText(dir / "stderr.log");
  std::abort();
}

}  // namespace

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n =
        (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

json StandardEmulatorConfig(const std::string& s3_endpoint) {
  using D = StandardDomo;
  json config = {
      {"customer", "acmecompany"},
      {"token_lifetime_seconds", 3599},
      {"users",
       {{{"id", D::kOwnerUserId},
         {"name", "Ada Owner"},
         {"email", "ada@example.com"},
         {"role", "Admin"},
         {"title", "Data Lead"}},
        {{"id", D::kCoOwnerUserId},
         {"name", "Grace Coowner"},
         {"email", "grace@example.com"},
         {"role", "Privileged"}},
        {{"id", D::kStrangerUserId},
         {"name", "Mallory Stranger"},
         {"email", "mallory@example.com"},
         {"role", "Admin"}}}},
      {"groups",
       {{{"id", D::kGroupId}, {"name", "Data Engineers"}, {"members", {D::kCoOwnerUserId}}}}},
      {"clients",
       {{{"client_id", D::kOwnerClientId},
         {"client_secret", D::kOwnerClientSecret},
         {"user_id", D::kOwnerUserId},
         {"scopes", {"data", "user"}}},
        {{"client_id", D::kCoOwnerClientId},
         {"client_secret", D::kCoOwnerClientSecret},
         {"user_id", D::kCoOwnerUserId},
         {"scopes", {"data", "user"}}},
        {{"client_id", D::kStrangerClientId},
         {"client_secret", D::kStrangerClientSecret},
         {"user_id", D::kStrangerUserId},
         {"scopes", {"data", "user"}}},
        {{"client_id", D::kDataOnlyClientId},
         {"client_secret", D::kDataOnlyClientSecret},
         {"user_id", D::kOwnerUserId},
         {"scopes", {"data"}}}}},
      {"datasets",
       {{{"id", D::kSalesDatasetId},
         {"name", "sales"},
         {"description", "Orders of October 2026, 100 a day"},
         {"owner", D::kOwnerUserId},
         {"fixture", std::string(S3UNLOAD_SOURCE_DIR) + "/tests/support/domo/sales"},
         {"permissions", {{{"type", "GROUP"}, {"id", D::kGroupId}, {"accessLevel", "CO_OWNER"}}}}},
        {{"id", D::kEventsDatasetId},
         {"name", "events"},
         {"description", "Synthetic click events"},
         {"owner", D::kOwnerUserId},
         {"synthetic",
          {{"rows", D::kEventsRows},
           {"seed", 7},
           {"columns",
            {{{"name", "id"}, {"type", "LONG"}, {"kind", "sequence"}},
             {{"name", "event_time"},
              {"type", "DATETIME"},
              {"kind", "timeline"},
              {"from", "2026-10-01T00:00:00"},
              {"to", "2026-10-31T00:00:00"}},
             {{"name", "day"},
              {"type", "DATE"},
              {"kind", "timeline"},
              {"from", "2026-10-01"},
              {"to", "2026-10-31"}},
             {{"name", "customer"},
              {"type", "STRING"},
              {"kind", "text"},
              {"hostile", true},
              {"null_ratio", 0.05}},
             {{"name", "amount"},
              {"type", "DECIMAL"},
              {"kind", "number"},
              {"min", 0},
              {"max", 10000},
              {"scale", 2}},
             {{"name", "region"},
              {"type", "STRING"},
              {"kind", "choice"},
              {"values", {"West", "East", "North", "South"}}}}}}}}}},
  };
  if (!s3_endpoint.empty()) config["s3"] = {{"endpoint", s3_endpoint}};
  return config;
}

EmulatorProcess::EmulatorProcess(const json& config) {
  static std::atomic<int> counter{0};
  const fs::path dir =
      fs::temp_directory_path() /
      ("s3unload-emulator-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir);
  dir_ = dir.string();
  std::ofstream(dir / "config.json") << config.dump(2);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) FailToStart("pipe() failed", dir);
  const std::string config_path = (dir / "config.json").string();
  const std::string log_path = (dir / "stderr.log").string();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(pipe_fds[1], 1);
    ::close(pipe_fds[0]);
    const int err = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(err, 2);
    ::execl(S3UNLOAD_EMULATOR, S3UNLOAD_EMULATOR, "--config", config_path.c_str(), "--port", "0",
            nullptr);
    std::_Exit(127);
  }
  ::close(pipe_fds[1]);
  std::string line;
  char c;
  while (::read(pipe_fds[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(pipe_fds[0]);
  if (line.rfind("http://", 0) != 0) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    FailToStart("it printed \"" + line + "\" instead of its URL", dir);
  }
  url_ = line;
}

EmulatorProcess::~EmulatorProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "domo-emulator did not stop within 10 s of SIGTERM";
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::optional<std::string> RawAnswer::Header(const std::string& name) const {
  auto found = http::FindHeader(headers, name);
  if (!found) return std::nullopt;
  return std::string(*found);
}

json RawAnswer::Json() const {
  auto parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    ADD_FAILURE() << "not JSON (HTTP " << status << "): " << body;
    return nullptr;
  }
  return parsed;
}

RawAnswer EmulatorProcess::Call(const std::string& method, const std::string& path,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::string& body) const {
  http::CurlHttpClient client;
  http::Request request;
  request.method = method;
  request.url = url_ + path;
  request.headers = headers;
  request.body = body;
  auto response = client.Send(request);
  if (!response) {
    ADD_FAILURE() << method << " " << path << ": " << response.error().ToString();
    return {};
  }
  return {response->status, response->headers, response->body};
}

std::string EmulatorProcess::Token(const std::string& client_id, const std::string& client_secret,
                                   const std::string& scope) const {
  const std::string basic = "Basic " + Base64(client_id + ":" + client_secret);
  const std::string form =
      "grant_type=client_credentials" + (scope.empty() ? std::string() : "&scope=" + scope);
  auto answer =
      Call("POST", "/oauth/token",
           {{"Authorization", basic}, {"Content-Type", "application/x-www-form-urlencoded"}}, form);
  auto body = answer.Json();
  if (answer.status != 200 || !body.contains("access_token")) {
    ADD_FAILURE() << "token for " << client_id << ": HTTP " << answer.status << " " << answer.body;
    return "";
  }
  return body["access_token"].get<std::string>();
}

json EmulatorProcess::Admin(const std::string& method, const std::string& path,
                            const json& body) const {
  http::CurlHttpClient client;
  http::Request request;
  request.method = method;
  request.url = url_ + path;
  const std::string text = body.is_null() ? "" : body.dump();
  if (!body.is_null()) {
    request.body = text;
    request.headers = {{"Content-Type", "application/json"}};
  }
  auto response = client.Send(request);
  if (!response) {
    ADD_FAILURE() << method << " " << path << ": " << response.error().ToString();
    return nullptr;
  }
  if (response->status / 100 != 2) {
    ADD_FAILURE() << method << " " << path << " answered " << response->status << ": "
                  << response->body;
    return nullptr;
  }
  if (response->body.empty()) return nullptr;
  return json::parse(response->body, nullptr, /*allow_exceptions=*/false);
}

std::string EmulatorProcess::Log() const { return ReadText(fs::path(dir_) / "stderr.log"); }

}  // namespace s3u::testing
