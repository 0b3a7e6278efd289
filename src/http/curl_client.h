// CurlHttpClient: the one real HttpClient, built on libcurl's easy interface.
//
// Connections are reused: each Send borrows an easy handle from a mutex-guarded pool and
// returns it afterwards, so the handle's connection cache keeps the keep-alive connection (and
// TLS session) for the next request. Sends from several threads run in parallel on separate
// handles.
//
// Wire behaviour matters because S3 signatures cover the path and headers: the URL's path is
// sent exactly as given (no dot-segment removal: "a/../b" and "./" stay), and the client sends
// exactly the request's headers plus Host, Content-Length and User-Agent. It suppresses curl's own
// "Expect: 100-continue", "Accept: */*" and POST "Content-Type" unless the request sets them,
// never follows redirects (S3 redirects carry the region the caller must see), verifies TLS
// always, and honours the standard proxy environment (http_proxy, https_proxy, no_proxy) as
// libcurl does by default. There is no overall deadline: a transfer fails when it stalls.
//
// Thread-safety: Send may be called concurrently; the object must outlive all calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "core/version.h"
#include "http/http.h"

namespace s3u::http {

struct HttpOptions {
  // Time to establish TCP (and TLS). Short: a dead endpoint should fail fast and be retried.
  std::chrono::milliseconds connect_timeout{10000};
  // A transfer slower than low_speed_limit bytes/s for low_speed_time fails with kUnavailable.
  // The defaults only catch a fully stalled connection, never a slow but moving one.
  long low_speed_limit = 1;
  std::chrono::seconds low_speed_time{30};
  // The whole exchange's limit (kUnavailable past it); 0: none. For small requests to peers that
  // may trickle (a notification's webhook), never for data transfers, whose length is unbounded.
  std::chrono::milliseconds total_timeout{0};
  // PEM CA bundle; empty uses the system's default store. Verification is never disabled.
  std::string ca_bundle;
  // Idle handles (each holding a connection) kept for reuse; extra ones are closed.
  // Should be at least the number of threads calling Send concurrently.
  size_t max_idle_handles = 16;
  std::string user_agent = std::string("s3unload/") + kVersion;
};

// Initialises libcurl for the process; idempotent and thread-safe. The CurlHttpClient
// constructor calls it; call it yourself before starting threads if you use curl elsewhere.
void GlobalInitHttp();

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(HttpOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // See HttpClient::Send. Supports GET, HEAD, PUT, POST, DELETE (other methods are sent as
  // given). Returns kInvalidArgument for a `reader` without `content_length`. Error subjects
  // are "<METHOD> <url without query>"; messages never contain the query string.
  Result<Response> Send(const Request& request) override;

 private:
  void* Acquire();             // a pooled or new CURL easy handle; nullptr if out of memory
  void Release(void* handle);  // back to the pool, or cleaned up when the pool is full

  const HttpOptions options_;
  std::mutex mu_;
  std::vector<void*> idle_;  // GUARDED_BY(mu_): CURL* handles not in use
};

}  // namespace s3u::http
