#include "support/emulator.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http/curl_client.h"
#include "support/servers.h"
#include "table/day_window.h"
#include "table/types.h"

namespace s3u::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void FailToStart(const std::string& why, const fs::path& dir) {
  ADD_FAILURE() << "domo-emulator did not start: " << why << "\nstderr:\n"
                << ReadWholeFile(dir / "stderr.log");
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
  auto client = [](const char* id, const char* secret, long long user, json scopes) {
    return json{
        {"client_id", id}, {"client_secret", secret}, {"user_id", user}, {"scopes", scopes}};
  };
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
       {client(D::kOwnerClientId, D::kOwnerClientSecret, D::kOwnerUserId, {"data", "user"}),
        client(D::kCoOwnerClientId, D::kCoOwnerClientSecret, D::kCoOwnerUserId, {"data", "user"}),
        client(D::kStrangerClientId, D::kStrangerClientSecret, D::kStrangerUserId,
               {"data", "user"}),
        client(D::kDataOnlyClientId, D::kDataOnlyClientSecret, D::kOwnerUserId,
               json::array({"data"}))}},
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
  auto spawned =
      SpawnProcess({S3UNLOAD_EMULATOR, "--config", (dir / "config.json").string(), "--port", "0"},
                   (dir / "stderr.log").string());
  if (spawned.pid < 0) FailToStart("fork() or pipe() failed", dir);
  pid_ = spawned.pid;
  const std::string& line = spawned.first_line;
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
  const bool has_body = !body.is_null();
  auto answer = has_body ? Call(method, path, {{"Content-Type", "application/json"}}, body.dump())
                         : Call(method, path);
  if (answer.status == 0) return nullptr;  // Call reported the transport failure
  if (answer.status / 100 != 2) {
    ADD_FAILURE() << method << " " << path << " answered " << answer.status << ": " << answer.body;
    return nullptr;
  }
  if (answer.body.empty()) return nullptr;
  return json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
}

std::string EmulatorProcess::Log() const { return ReadWholeFile(dir_ + "/stderr.log"); }

int SpecificDayFor(const std::string& date, const std::string& zone) {
  const table::Days today = table::ResolveDayWindow(std::chrono::system_clock::now(),
                                                    **table::FindTimeZone(zone, "zone"), 0)
                                .local_date;
  return static_cast<int>((today - *table::ParseDate(date)).count());
}

}  // namespace s3u::testing
