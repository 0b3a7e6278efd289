// What the emulator conformance suites (tests/emulator/conformance_*_test.cc) share: a
// fixture that owns an emulator and a token and makes authorized raw HTTP calls, the standard
// config with one setting changed, and the sales fixture's CSV. Header-only, test code only.
//
// Thread-safety: a fixture is used by its test thread only.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/emulator.h"
#include "support/servers.h"

namespace s3u::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

// StandardEmulatorConfig(s3_endpoint) with the top-level setting `key` set to `value`.
inline nlohmann::json StandardConfigWith(const std::string& key, nlohmann::json value,
                                         const std::string& s3_endpoint = "") {
  nlohmann::json config = StandardEmulatorConfig(s3_endpoint);
  config[key] = std::move(value);
  return config;
}

// The rows of the "sales" dataset (tests/support/domo/sales/data.csv, no header line).
inline std::string SalesDataCsv() {
  return ReadWholeFile(std::string(S3UNLOAD_SOURCE_DIR) + "/tests/support/domo/sales/data.csv");
}

// An emulator started from `config` and a token of one of its clients (the standard owner's
// unless told), fetched once; tests that expire tokens replace token_.
class EmulatorConformanceTest : public ::testing::Test {
 protected:
  explicit EmulatorConformanceTest(
      const nlohmann::json& config = StandardEmulatorConfig(),
      const std::string& client_id = StandardDomo::kOwnerClientId,
      const std::string& client_secret = StandardDomo::kOwnerClientSecret)
      : emulator_(config), token_(emulator_.Token(client_id, client_secret)) {}

  // `method path` with `token` as the bearer, plus `headers`. A non-empty `body` goes as
  // application/json unless `headers` name a Content-Type.
  RawAnswer CallAs(const std::string& token, const std::string& method, const std::string& path,
                   const std::string& body = "", Headers headers = {}) const {
    const bool typed = std::any_of(headers.begin(), headers.end(),
                                   [](const auto& h) { return h.first == "Content-Type"; });
    if (!body.empty() && !typed) headers.emplace_back("Content-Type", "application/json");
    headers.emplace_back("Authorization", "bearer " + token);
    return emulator_.Call(method, path, headers, body);
  }
  // CallAs with the fixture's token.
  RawAnswer Call(const std::string& method, const std::string& path, const std::string& body = "",
                 Headers headers = {}) const {
    return CallAs(token_, method, path, body, std::move(headers));
  }

  EmulatorProcess emulator_;
  std::string token_;
};

}  // namespace s3u::testing
