// CurlHttpClient against real servers on 127.0.0.1: cpp-httplib for well-behaved exchanges and
// a raw-socket server for faults httplib cannot produce (resets, stalls, garbage).
#include "http/curl_client.h"
#include "core/version.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace s3u::http {
namespace {

struct Seen {
  std::string method;
  std::string body;
  httplib::Headers headers;
  int remote_port = 0;
};

// cpp-httplib server on an ephemeral port; records every request.
class TestServer {
 public:
  TestServer() {
    server_.set_keep_alive_max_count(1000);
    server_.set_keep_alive_timeout(2);
    server_.set_tcp_nodelay(true);
    auto record = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      seen_.push_back({req.method, req.body, req.headers, req.remote_port});
      res.set_content("got " + std::to_string(req.body.size()), "text/plain");
    };
    server_.Get("/hello", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        seen_.push_back({req.method, "", req.headers, req.remote_port});
      }
      res.set_header("X-Amz-Request-Id", "req-1");
      res.set_content("hello world", "text/plain");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(2 << 20, 'b'), "application/octet-stream");
    });
    server_.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("<Error><Code>NoSuchKey</Code></Error>", "application/xml");
    });
    server_.Get("/huge-error", [](const httplib::Request&, httplib::Response& res) {
      res.status = 500;
      res.set_content(std::string(3 << 20, 'e'), "text/plain");
    });
    server_.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.status = 301;
      res.set_header("Location", "/hello");
      res.set_header("x-amz-bucket-region", "eu-west-1");
    });
    server_.Put("/echo", record);
    server_.Post("/echo", record);
    server_.Delete("/echo", record);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost and join() would hang.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Seen> Requests() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

// Accepts connections one at a time and hands each socket to `handler`.
class RawServer {
 public:
  explicit RawServer(std::function<void(int fd)> handler) : handler_(std::move(handler)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(listen_fd_, 8) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "raw server setup failed";
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~RawServer() {
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    {
      std::lock_guard lock(mu_);
      if (conn_fd_ >= 0) shutdown(conn_fd_, SHUT_RDWR);  // wakes a handler blocked in recv
    }
    thread_.join();
    close(listen_fd_);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }

 private:
  void Loop() {
    while (!stopping_) {
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      {
        std::lock_guard lock(mu_);
        conn_fd_ = fd;
      }
      if (!stopping_) handler_(fd);
      std::lock_guard lock(mu_);
      conn_fd_ = -1;
      close(fd);
    }
  }

  std::function<void(int)> handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mu_;
  int conn_fd_ = -1;
};

// Reads up to the end of the request head.
void ReadHead(int fd) {
  std::string got;
  char buf[4096];
  while (got.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    got.append(buf, static_cast<size_t>(n));
  }
}
void SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}
// Blocks until the client closes (or the server shuts the socket down).
void WaitForClose(int fd) {
  char buf[4096];
  while (recv(fd, buf, sizeof(buf), 0) > 0) {
  }
}
// Makes the server's close() send RST instead of FIN.
void Reset(int fd) {
  linger lg{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

// Streams `total` bytes of a repeating pattern in reads of at most `chunk`.
BodyReader PatternReader(size_t total, size_t chunk, std::string* copy) {
  auto offset = std::make_shared<size_t>(0);
  return [=](char* buffer, size_t capacity) -> Result<size_t> {
    const size_t n = std::min({capacity, chunk, total - *offset});
    for (size_t i = 0; i < n; ++i) buffer[i] = static_cast<char>('a' + (*offset + i) % 26);
    copy->append(buffer, n);
    *offset += n;
    return n;
  };
}

Request Get(std::string url) {
  Request r;
  r.url = std::move(url);
  return r;
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  TestServer server_;
  CurlHttpClient client_;  // destroyed first: closes its connections before the server stops
};

TEST_F(CurlHttpClientTest, GetReturnsStatusBodyAndHeaders) {
  Result<Response> r = client_.Send(Get(server_.Url("/hello")));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(r->Header("x-amz-request-id"), "req-1");
  EXPECT_EQ(r->Header("CONTENT-LENGTH"), "11");
  EXPECT_FALSE(r->Header("X-Absent").has_value());
  const auto seen = server_.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].headers.count("Accept"));
  EXPECT_EQ(seen[0].headers.find("User-Agent")->second, std::string("s3unload/") + kVersion);
}

TEST_F(CurlHttpClientTest, HeadReturnsHeadersWithoutBody) {
  Request req = Get(server_.Url("/hello"));
  req.method = "HEAD";
  Result<Response> r = client_.Send(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Length"), "11");
  EXPECT_TRUE(r->body.empty());
}

TEST_F(CurlHttpClientTest, GetAfterHeadOnAReusedHandleStillReturnsTheBody) {
  Request head = Get(server_.Url("/hello"));
  head.method = "HEAD";
  ASSERT_TRUE(client_.Send(head).has_value());
  Result<Response> r = client_.Send(Get(server_.Url("/hello")));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->body, "hello world");
}

TEST_F(CurlHttpClientTest, PutSendsExactlyTheGivenBodyAndHeaders) {
  Request req = Get(server_.Url("/echo"));
  req.method = "PUT";
  req.headers = {{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}};
  req.body = "part one\0bytes";
  Result<Response> r = client_.Send(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  const auto seen = server_.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "part one");
  const auto& h = seen[0].headers;
  EXPECT_EQ(h.find("Content-Length")->second, "8");
  EXPECT_EQ(h.find("x-amz-content-sha256")->second, "UNSIGNED-PAYLOAD");
  EXPECT_FALSE(h.count("Expect"));
  EXPECT_FALSE(h.count("Content-Type"));
  EXPECT_FALSE(h.count("Accept"));
  EXPECT_FALSE(h.count("Transfer-Encoding"));
}

TEST_F(CurlHttpClientTest, PutWithEmptyBodySendsContentLengthZero) {
  Request req = Get(server_.Url("/echo"));
  req.method = "PUT";
  ASSERT_TRUE(client_.Send(req).has_value());
  const auto seen = server_.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.find("Content-Length")->second, "0");
}

TEST_F(CurlHttpClientTest, PutStreamsAReaderBodyOfKnownLength) {
  constexpr size_t kSize = 3 << 20;
  std::string sent;
  Request req = Get(server_.Url("/echo"));
  req.method = "PUT";
  req.reader = PatternReader(kSize, 1000, &sent);
  req.content_length = kSize;
  Result<Response> r = client_.Send(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->body, "got " + std::to_string(kSize));
  const auto seen = server_.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.find("Content-Length")->second, std::to_string(kSize));
  EXPECT_EQ(seen[0].body.size(), kSize);
  EXPECT_TRUE(seen[0].body == sent);
  EXPECT_FALSE(seen[0].headers.count("Expect"));
}

TEST_F(CurlHttpClientTest, PostSendsBodyWithoutCurlsFormContentType) {
  Request req = Get(server_.Url("/echo"));
  req.method = "POST";
  req.body = "<Delete><Object><Key>k</Key></Object></Delete>";
  Result<Response> r = client_.Send(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const auto seen = server_.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, req.body);
  EXPECT_FALSE(seen[0].headers.count("Content-Type"));
  EXPECT_FALSE(seen[0].headers.count("Expect"));
}

TEST_F(CurlHttpClientTest, PostKeepsAContentTypeTheRequestSets) {
  Request req = Get(server_.Url("/echo"));
  req.method = "POST";
  req.headers = {{"Content-Type", "application/xml"}};
  req.body = "<x/>";
  ASSERT_TRUE(client_.Send(req).has_value());
  const auto seen = server_.Requests();
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_EQ(seen[0].headers.count("Content-Type"), 1u);
  EXPECT_EQ(seen[0].headers.find("Content-Type")->second, "application/xml");
}

TEST_F(CurlHttpClientTest, DeleteUsesTheDeleteMethod) {
  Request req = Get(server_.Url("/echo"));
  req.method = "DELETE";
  ASSERT_TRUE(client_.Send(req).has_value());
  const auto seen = server_.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "DELETE");
}

TEST_F(CurlHttpClientTest, SinkReceivesA2xxBodyInChunks) {
  std::string got;
  int chunks = 0;
  Request req = Get(server_.Url("/big"));
  req.sink = [&](std::string_view chunk) {
    got.append(chunk);
    ++chunks;
    return true;
  };
  Result<Response> r = client_.Send(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(got, std::string(2 << 20, 'b'));
  EXPECT_GT(chunks, 1);
  EXPECT_TRUE(r->body.empty());
}

TEST_F(CurlHttpClientTest, ErrorBodyIsBufferedNotSunk) {
  bool sunk = false;
  Request req = Get(server_.Url("/missing"));
  req.sink = [&](std::string_view) { return sunk = true; };
  Result<Response> r = client_.Send(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "<Error><Code>NoSuchKey</Code></Error>");
  EXPECT_FALSE(sunk);
}

TEST_F(CurlHttpClientTest, ErrorBodyIsCappedAtOneMebibyte) {
  Result<Response> r = client_.Send(Get(server_.Url("/huge-error")));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body.size(), size_t{1} << 20);
}

TEST_F(CurlHttpClientTest, RedirectIsReturnedNotFollowed) {
  Result<Response> r = client_.Send(Get(server_.Url("/redirect")));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->Header("x-amz-bucket-region"), "eu-west-1");
  EXPECT_EQ(server_.Requests().size(), 0u);  // /hello was never fetched
}

TEST_F(CurlHttpClientTest, SinkReturningFalseCancels) {
  Request req = Get(server_.Url("/big"));
  req.sink = [](std::string_view) { return false; };
  Result<Response> r = client_.Send(req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(r.error().subject, "GET " + server_.Url("/big"));
}

TEST_F(CurlHttpClientTest, ReaderErrorIsReturnedUnchanged) {
  int calls = 0;
  Request req = Get(server_.Url("/echo"));
  req.method = "PUT";
  req.content_length = 1 << 20;
  req.reader = [&](char* buffer, size_t capacity) -> Result<size_t> {
    if (++calls == 3) return Fail(ErrorCode::kDataLoss, "export.csv", "source changed", 0);
    std::fill(buffer, buffer + std::min<size_t>(capacity, 100), 'x');
    return std::min<size_t>(capacity, 100);
  };
  Result<Response> r = client_.Send(req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().subject, "export.csv");
  EXPECT_EQ(r.error().message, "source changed");
  EXPECT_EQ(calls, 3);
}

TEST_F(CurlHttpClientTest, ReaderEndingBeforeContentLengthIsAnError) {
  std::string sent;
  Request req = Get(server_.Url("/echo"));
  req.method = "PUT";
  req.reader = PatternReader(10, 10, &sent);
  req.content_length = 20;
  Result<Response> r = client_.Send(req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_NE(r.error().message.find("after 10 of 20"), std::string::npos) << r.error().message;
}

TEST_F(CurlHttpClientTest, ReaderWithoutContentLengthIsRejectedBeforeSending) {
  std::string sent;
  Request req = Get(server_.Url("/echo"));
  req.method = "PUT";
  req.reader = PatternReader(10, 10, &sent);
  Result<Response> r = client_.Send(req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(server_.Requests().empty());
}

TEST_F(CurlHttpClientTest, SequentialRequestsReuseOneConnection) {
  for (int i = 0; i < 5; ++i) {
    Result<Response> r = client_.Send(Get(server_.Url("/hello")));
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
  }
  std::set<int> ports;
  for (const Seen& s : server_.Requests()) ports.insert(s.remote_port);
  EXPECT_EQ(server_.Requests().size(), 5u);
  EXPECT_EQ(ports.size(), 1u);
}

TEST_F(CurlHttpClientTest, ConcurrentSendsFromFourThreadsAllSucceed) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        Result<Response> r = client_.Send(Get(server_.Url("/hello")));
        if (r.has_value() && r->status == 200 && r->body == "hello world") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
  std::set<int> ports;
  for (const Seen& s : server_.Requests()) ports.insert(s.remote_port);
  EXPECT_EQ(server_.Requests().size(), 80u);
  EXPECT_LE(ports.size(), 4u);  // one pooled connection per concurrent caller at most
}

// A port with nothing listening: bind one, note it, close it.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(CurlHttpClientFaultTest, ConnectionRefusedIsUnavailable) {
  CurlHttpClient client;
  const std::string host = "127.0.0.1:" + std::to_string(ClosedPort());
  Result<Response> r = client.Send(Get("http://" + host + "/b/k"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().subject, "GET http://" + host + "/b/k");
  EXPECT_NE(r.error().message.find("could not connect to " + host), std::string::npos)
      << r.error().message;
}

TEST(CurlHttpClientFaultTest, ErrorsNeverContainTheQueryString) {
  CurlHttpClient client;
  const std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) +
                          "/b/k?X-Amz-Credential=AKIA&X-Amz-Signature=secret";
  Request req = Get(url);
  req.method = "PUT";
  Result<Response> r = client.Send(req);
  ASSERT_FALSE(r.has_value());
  for (const std::string& text : {r.error().subject, r.error().message}) {
    EXPECT_EQ(text.find("secret"), std::string::npos) << text;
    EXPECT_EQ(text.find("X-Amz-Signature"), std::string::npos) << text;
  }
  EXPECT_EQ(r.error().subject.back(), 'k');
}

TEST(CurlHttpClientFaultTest, MalformedUrlIsInvalidArgument) {
  CurlHttpClient client;
  for (const std::string url :
       {"", "http://[::1/k?X-Amz-Signature=secret", "ftp://127.0.0.1/k", "no scheme at all"}) {
    Result<Response> r = client.Send(Get(url));
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << url << ": " << r.error().message;
    EXPECT_EQ(r.error().message.find("secret"), std::string::npos) << r.error().message;
  }
}

TEST(CurlHttpClientFaultTest, ResetWhileSendingTheBodyIsUnavailable) {
  RawServer server([](int fd) {
    ReadHead(fd);
    Reset(fd);
  });
  CurlHttpClient client;
  constexpr size_t kSize = 16 << 20;
  std::string sent;
  Request req = Get(server.Url("/b/k"));
  req.method = "PUT";
  req.reader = PatternReader(kSize, 64 << 10, &sent);
  req.content_length = kSize;
  Result<Response> r = client.Send(req);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
  // curl sees the reset either while still sending or when it next reads (a race in the
  // kernel, not in our code): either way the message names the endpoint and the failure.
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(server.port()) + " failed while"),
            std::string::npos)
      << r.error().message;
}

TEST(CurlHttpClientFaultTest, ResetBeforeAnsweringIsUnavailable) {
  RawServer server([](int fd) {
    ReadHead(fd);
    Reset(fd);
  });
  CurlHttpClient client;
  Result<Response> r = client.Send(Get(server.Url("/b/k")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
}

TEST(CurlHttpClientFaultTest, CloseWithoutAnswerIsUnavailable) {
  RawServer server([](int fd) { ReadHead(fd); });
  CurlHttpClient client;
  Result<Response> r = client.Send(Get(server.Url("/b/k")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
}

TEST(CurlHttpClientFaultTest, TruncatedBodyIsUnavailable) {
  RawServer server([](int fd) {
    ReadHead(fd);
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
  });
  CurlHttpClient client;
  Result<Response> r = client.Send(Get(server.Url("/b/k")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
  EXPECT_NE(r.error().message.find("receiving the response body"), std::string::npos)
      << r.error().message;
}

TEST(CurlHttpClientFaultTest, GarbageReplyIsUnavailable) {
  RawServer server([](int fd) {
    ReadHead(fd);
    SendAll(fd, "garbage that is not http\r\n\r\n");
  });
  CurlHttpClient client;
  Result<Response> r = client.Send(Get(server.Url("/b/k")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
}

TEST(CurlHttpClientFaultTest, StalledTransferIsUnavailable) {
  RawServer server([](int fd) {
    ReadHead(fd);
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
    WaitForClose(fd);  // never sends the rest
  });
  HttpOptions options;
  options.low_speed_limit = 1000;  // curl averages speed over a window; 3 bytes stay above 1 B/s
  options.low_speed_time = std::chrono::seconds(1);
  CurlHttpClient client(options);
  Result<Response> r = client.Send(Get(server.Url("/b/k")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
  EXPECT_NE(r.error().message.find("stalled"), std::string::npos) << r.error().message;
}

// A peer that answers a little and then nothing stays above the (default) low-speed floor long
// enough to hold a thread; total_timeout bounds the whole exchange.
TEST(CurlHttpClientFaultTest, TheTotalTimeoutEndsAnExchangeTheLowSpeedCheckWouldLetRun) {
  RawServer server([](int fd) {
    ReadHead(fd);
    SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
    WaitForClose(fd);
  });
  HttpOptions options;
  options.low_speed_limit = 0;  // no low-speed check: without the total timeout this never ends
  options.total_timeout = std::chrono::milliseconds(300);
  CurlHttpClient client(options);
  Result<Response> r = client.Send(Get(server.Url("/b/k")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
}

TEST(CurlHttpClientFaultTest, MissingCaBundleIsFailedPreconditionMentioningTheFlag) {
  RawServer server([](int fd) { WaitForClose(fd); });
  HttpOptions options;
  options.ca_bundle = "/nonexistent/ca.pem";
  CurlHttpClient client(options);
  Result<Response> r =
      client.Send(Get("https://127.0.0.1:" + std::to_string(server.port()) + "/b/k"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition) << r.error().message;
  EXPECT_NE(r.error().message.find("--ca-bundle"), std::string::npos) << r.error().message;
}

// The request head exactly as it arrived on the wire.
std::string CaptureHead(const std::function<void(CurlHttpClient&, const std::string&)>& send) {
  std::string head;
  {
    RawServer server([&](int fd) {
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) return;
        head.append(buf, static_cast<size_t>(n));
      }
      SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    });
    CurlHttpClient client;
    send(client, server.Url("/b/k"));
  }
  return head.substr(0, head.find("\r\n\r\n") + 2);
}

// Lower-cased header names of a request head, in order.
std::vector<std::string> HeaderNames(const std::string& head) {
  std::vector<std::string> names;
  for (size_t at = head.find("\r\n") + 2; at < head.size(); at = head.find("\r\n", at) + 2) {
    std::string name = head.substr(at, head.find(':', at) - at);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    names.push_back(name);
  }
  return names;
}

TEST(CurlHttpClientWireTest, PutCarriesOnlyGivenHeadersPlusHostAgentAndLength) {
  const std::string head = CaptureHead([](CurlHttpClient& client, const std::string& url) {
    Request req = Get(url);
    req.method = "PUT";
    req.headers = {{"x-amz-date", "20240101T000000Z"}, {"x-amz-meta-empty", ""}};
    req.body = "12345";
    ASSERT_TRUE(client.Send(req).has_value());
  });
  EXPECT_EQ(head.substr(0, head.find("\r\n")), "PUT /b/k HTTP/1.1");
  std::vector<std::string> names = HeaderNames(head);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"content-length", "host", "user-agent", "x-amz-date",
                                             "x-amz-meta-empty"}))
      << head;
  EXPECT_NE(head.find("\r\nx-amz-meta-empty:\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nContent-Length: 5\r\n"), std::string::npos) << head;
}

TEST(CurlHttpClientWireTest, PostWithEmptyBodyCarriesContentLengthZeroAndNoContentType) {
  const std::string head = CaptureHead([](CurlHttpClient& client, const std::string& url) {
    Request req = Get(url);
    req.method = "POST";
    ASSERT_TRUE(client.Send(req).has_value());
  });
  std::vector<std::string> names = HeaderNames(head);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"content-length", "host", "user-agent"})) << head;
  EXPECT_NE(head.find("\r\nContent-Length: 0\r\n"), std::string::npos) << head;
}

// Issue 13, item 2: curl removed "/./" and "/../" from the URL, so the path sent differed from
// the path SigV4 signed ("the secret key does not belong to access key id").
TEST(CurlHttpClientWireTest, PathIsSentAsGivenWithDotSegmentsAndDoubleSlashes) {
  const std::string path = "/b/orders/../x/./y//z/%2E%2E/caf%C3%A9%3F%23/..?list-type=2";
  const std::string head = CaptureHead([&](CurlHttpClient& client, const std::string& url) {
    const std::string base = url.substr(0, url.size() - std::string("/b/k").size());
    ASSERT_TRUE(client.Send(Get(base + path)).has_value());
  });
  EXPECT_EQ(head.substr(0, head.find("\r\n")), "GET " + path + " HTTP/1.1");
}

TEST(FindHeaderTest, IsCaseInsensitiveAndFirstMatchWins) {
  const Headers headers = {{"ETag", "\"a\""}, {"etag", "\"b\""}, {"X-Y", ""}};
  EXPECT_EQ(FindHeader(headers, "etag"), "\"a\"");
  EXPECT_EQ(FindHeader(headers, "x-y"), "");
  EXPECT_FALSE(FindHeader(headers, "ETa").has_value());
  EXPECT_FALSE(FindHeader({}, "etag").has_value());
}

}  // namespace
}  // namespace s3u::http
