#include "http/curl_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "core/text.h"

namespace s3u::http {

namespace {

// Upload buffer for large bodies (CURLOPT_UPLOAD_BUFFERSIZE; libcurl allows up to 2 MiB).
constexpr long kUploadBuffer = 512 * 1024;

// Error bodies are read for their <Code>/<Message>; anything beyond this is noise.
constexpr size_t kMaxErrorBody = size_t{1} << 20;

bool Is2xx(int status) { return status >= 200 && status < 300; }

// The URL up to (not including) '?' or '#': a presigned query carries a signature.
std::string_view StripQuery(std::string_view url) { return url.substr(0, url.find_first_of("?#")); }

// "host:port" (or "host") from an absolute URL, for messages.
std::string_view Authority(std::string_view url) {
  url = StripQuery(url);
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos)
    url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find('/'));
  if (size_t at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  return url;
}

// Removes every occurrence of the URL's query string from `text` (curl may echo the URL).
std::string RedactQuery(std::string text, std::string_view url) {
  const size_t q = url.find('?');
  if (q == std::string_view::npos || q + 1 >= url.size()) return text;
  const std::string_view query = url.substr(q + 1);
  for (size_t at = text.find(query); at != std::string::npos; at = text.find(query, at)) {
    text.replace(at, query.size(), "<redacted>");
  }
  return text;
}

// State shared with curl's callbacks for one exchange.
struct Transfer {
  const Request* request = nullptr;
  std::string subject;
  uint64_t body_size = 0;  // request body bytes to send
  uint64_t sent = 0;
  bool read_called = false;
  std::optional<Error> reader_error;
  bool sink_aborted = false;
  int block_status = 0;  // status line of the current header block
  bool saw_status = false;
  uint64_t received = 0;  // response body bytes
  Response response;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->read_called = true;
  const uint64_t want = std::min<uint64_t>(size * count, t->body_size - t->sent);
  if (want == 0) return 0;
  if (!t->request->reader) {
    std::memcpy(buffer, t->request->body.data() + t->sent, want);
    t->sent += want;
    return want;
  }
  Result<size_t> got = t->request->reader(buffer, want);
  if (!got.has_value()) {
    t->reader_error = std::move(got.error());
    return CURL_READFUNC_ABORT;
  }
  if (*got == 0 || *got > want) {
    t->reader_error = Error{ErrorCode::kInternal, t->subject,
                            "the body reader returned " + std::to_string(*got) + " bytes after " +
                                std::to_string(t->sent) + " of " + std::to_string(t->body_size) +
                                " (content_length) with " + std::to_string(want) + " requested",
                            0, std::nullopt};
    return CURL_READFUNC_ABORT;
  }
  t->sent += *got;
  return *got;
}

// curl rewinds when it re-sends on a fresh connection after a reused one died.
int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > t->body_size) {
    return CURL_SEEKFUNC_FAIL;
  }
  if (t->request->reader && static_cast<uint64_t>(offset) != t->sent) return CURL_SEEKFUNC_CANTSEEK;
  t->sent = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * count;
  std::string_view line = Trim(std::string_view(data, len));
  if (line.starts_with("HTTP/")) {
    // A new block (after 100 Continue or a 3xx): only the last one describes the response.
    t->response.headers.clear();
    t->saw_status = true;
    const size_t sp = line.find(' ');
    t->block_status = 0;
    for (size_t i = sp + 1; sp != std::string_view::npos && i < line.size() && i < sp + 4; ++i) {
      if (line[i] < '0' || line[i] > '9') break;
      t->block_status = t->block_status * 10 + (line[i] - '0');
    }
    return len;
  }
  if (line.empty()) return len;
  if ((data[0] == ' ' || data[0] == '\t') && !t->response.headers.empty()) {
    t->response.headers.back().second += " " + std::string(line);  // obsolete line folding
    return len;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  t->response.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                   std::string(Trim(line.substr(colon + 1))));
  return len;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * count;
  t->received += len;
  const bool ok = Is2xx(t->block_status);
  if (ok && t->request->sink) {
    if (!t->request->sink(std::string_view(data, len))) {
      t->sink_aborted = true;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    return len;
  }
  std::string& body = t->response.body;
  const size_t keep =
      ok ? len : std::min(len, kMaxErrorBody - std::min(kMaxErrorBody, body.size()));
  body.append(data, keep);
  return len;  // drain the rest so the connection stays reusable
}

// Classifies a curl failure and says where in the exchange it happened.
Error MapCurlError(CURLcode rc, const char* errbuf, CURL* curl, const Transfer& t) {
  const std::string host(Authority(t.request->url));
  curl_off_t connect_time = 0;
  curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_time);
  char* ip = nullptr;
  curl_easy_getinfo(curl, CURLINFO_PRIMARY_IP, &ip);
  const bool connected = connect_time > 0 || t.read_called || t.saw_status;

  std::string phase;
  if (t.received > 0) {
    phase = "while receiving the response body";
  } else if (t.saw_status) {
    phase = "while receiving the response headers";
  } else if (t.body_size > 0 && t.sent < t.body_size && t.read_called) {
    phase = "while sending the request body";
  } else if (connected) {
    phase = "while waiting for the response";
  } else {
    phase = "while connecting";
  }

  ErrorCode code = ErrorCode::kUnavailable;
  std::string what;
  std::string advice = "; this is transient and may be retried";
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      what = "could not connect to " + host;
      phase.clear();
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      what = "could not resolve the host of " + host;
      phase.clear();
      break;
    case CURLE_COULDNT_RESOLVE_PROXY:
      what = "could not resolve the proxy for " + host;
      phase.clear();
      break;
    case CURLE_OPERATION_TIMEDOUT:
      what = "timed out or stalled talking to " + host;
      break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      what = "connection to " + host + " failed";
      break;
    case CURLE_GOT_NOTHING:
      what = host + " closed the connection without answering";
      break;
    case CURLE_PARTIAL_FILE:
      what = host + " closed the connection before the whole response arrived";
      break;
    case CURLE_UPLOAD_FAILED:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PROXY:
      what = "request to " + host + " failed";
      break;
    case CURLE_BAD_CONTENT_ENCODING:
      code = ErrorCode::kDataLoss;
      what = "the response from " + host + " was corrupted";
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      code = ErrorCode::kFailedPrecondition;
      break;
    case CURLE_SSL_CONNECT_ERROR:
      if (std::strstr(errbuf, "certificate") != nullptr) code = ErrorCode::kFailedPrecondition;
      what = "TLS handshake with " + host + " failed";
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
      if (ip != nullptr && *ip != '\0') {
        what = host + " did not answer in HTTP";  // e.g. an HTTP/0.9 or garbage reply
      } else {
        code = ErrorCode::kInvalidArgument;
        what = "unsupported URL";
        phase.clear();
        advice = "; the URL must start with http:// or https://";
      }
      break;
    case CURLE_URL_MALFORMAT:
      code = ErrorCode::kInvalidArgument;
      what = "malformed URL";
      phase.clear();
      advice = "; check the endpoint and the object key";
      break;
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_WRITE_ERROR:
    case CURLE_READ_ERROR:
      code = ErrorCode::kCancelled;
      advice.clear();
      break;
    default:
      code = ErrorCode::kInternal;
      advice.clear();
      break;
  }
  if (code == ErrorCode::kFailedPrecondition) {
    what = "TLS certificate of " + host + " could not be verified";
    advice = "; check the server certificate or pass the right CA bundle with --ca-bundle";
  }
  if (t.sink_aborted) {
    what = "the response body consumer stopped the transfer";
    phase.clear();
  }
  if (what.empty()) what = "request to " + host + " failed";

  std::string message = what;
  if (!phase.empty()) message += " " + phase;
  message += ": ";
  // The error buffer is curl's specific account; strerror names the category (often repeated).
  const std::string detail(Trim(errbuf));
  const std::string category = curl_easy_strerror(rc);
  if (detail.empty()) {
    message += category;
  } else {
    message += detail;
    if (detail.find(category) == std::string::npos) message += " (" + category + ")";
  }
  message += advice;
  return Error{code, t.subject, RedactQuery(std::move(message), t.request->url), 0, std::nullopt};
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends one header line, reporting allocation failure through `ok`.
void AddHeader(Slist& list, const std::string& line, bool& ok) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (next == nullptr) {
    ok = false;
    return;
  }
  (void)list.release();
  list.reset(next);
}

}  // namespace

void GlobalInitHttp() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

CurlHttpClient::CurlHttpClient(HttpOptions options) : options_(std::move(options)) {
  GlobalInitHttp();
}

CurlHttpClient::~CurlHttpClient() {
  for (void* handle : idle_) curl_easy_cleanup(handle);
}

void* CurlHttpClient::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlHttpClient::Release(void* handle) {
  // Reset drops every option (and pointers into Send's frame) so nothing leaks into the next
  // request, e.g. NOBODY after a HEAD; it keeps the handle's live connections and TLS sessions.
  curl_easy_reset(handle);
  {
    std::lock_guard lock(mu_);
    if (idle_.size() < options_.max_idle_handles) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(handle);
}

Result<Response> CurlHttpClient::Send(const Request& request) {
  Transfer t;
  t.request = &request;
  t.subject = request.method + " " + std::string(StripQuery(request.url));
  if (request.reader && !request.content_length.has_value()) {
    return Fail(ErrorCode::kInvalidArgument, t.subject,
                "a streaming request body needs content_length (S3 refuses uploads of unknown "
                "length)");
  }
  t.body_size = request.reader ? *request.content_length : request.body.size();

  bool ok = true;
  Slist headers;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is curl's spelling for a header sent with an empty value.
    AddHeader(headers, value.empty() ? name + ";" : name + ": " + value, ok);
  }
  // Curl would add these on its own; a signed request must carry only what was signed.
  for (const char* name : {"Expect", "Accept", "Content-Type"}) {
    if (!FindHeader(request.headers, name)) AddHeader(headers, std::string(name) + ":", ok);
  }
  CURL* curl = static_cast<CURL*>(Acquire());
  if (!ok || curl == nullptr) {
    if (curl != nullptr) Release(curl);
    return Fail(ErrorCode::kInternal, t.subject, "out of memory preparing the request");
  }

  char errbuf[CURL_ERROR_SIZE] = {};
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(curl, option, value);
  };
  set(CURLOPT_ERRORBUFFER, errbuf);
  set(CURLOPT_URL, request.url.c_str());
  // The path is sent as given: by default curl removes "/./" and "/../" (RFC 3986 5.2.4), but
  // S3 keys may hold them, and SigV4 signed the path unnormalised.
  set(CURLOPT_PATH_AS_IS, 1L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  set(CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_limit);
  set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle.empty()) set(CURLOPT_CAINFO, options_.ca_bundle.c_str());
  set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, headers.get());
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
  set(CURLOPT_READFUNCTION, &OnRead);
  set(CURLOPT_READDATA, static_cast<void*>(&t));
  set(CURLOPT_SEEKFUNCTION, &OnSeek);
  set(CURLOPT_SEEKDATA, static_cast<void*>(&t));

  const std::string& method = request.method;
  const bool has_body = request.reader || !request.body.empty();
  const auto size = static_cast<curl_off_t>(t.body_size);
  if (method == "GET") {
    set(CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (method == "PUT") {
    set(CURLOPT_UPLOAD, 1L);
    set(CURLOPT_INFILESIZE_LARGE, size);
    // libcurl's 64 KiB default means a send() per 64 KiB; a part of 8 MiB goes in 16 of
    // kUploadBuffer. Measured with bench/run: less system CPU per GiB.
    if (t.body_size > kUploadBuffer) set(CURLOPT_UPLOAD_BUFFERSIZE, kUploadBuffer);
  } else if (method == "POST") {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDSIZE_LARGE, size);
  } else {
    if (has_body) {
      set(CURLOPT_UPLOAD, 1L);
      set(CURLOPT_INFILESIZE_LARGE, size);
    }
    set(CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  if (rc == CURLE_OK) rc = curl_easy_perform(curl);
  Result<Response> result;
  if (t.reader_error.has_value()) {
    result = Fail(std::move(*t.reader_error));
  } else if (rc != CURLE_OK) {
    result = Fail(MapCurlError(rc, errbuf, curl, t));
  } else {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = static_cast<int>(status);
    result = std::move(t.response);
  }
  Release(curl);
  return result;
}

}  // namespace s3u::http
