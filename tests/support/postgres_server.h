// A real PostgreSQL 15 (Debian's postgresql-15) for the store's tests: initdb in a temporary
// directory, a server on a free 127.0.0.1 port with password (SCRAM) authentication, a fresh
// database per test, and a restart on demand. PostgreSQL refuses to run as root, so when the
// tests run as root the server runs as the `postgres` system user the Debian package creates
// (runuser), in a directory that user owns.
//
// Thread-safety: Shared() may be called from any thread; the methods are for one test thread.
#pragma once

#include <string>

namespace s3u::testing {

class PostgresServer {
 public:
  // The server of this test process, started on first use and stopped at exit. A server that
  // cannot start fails the calling test (ADD_FAILURE with initdb's or the server's log).
  static PostgresServer& Shared();

  // A new, empty database; its URL, password included (postgresql://s3unload:PW@127.0.0.1:P/db).
  std::string CreateDatabase();

  // The URL of `database` with a wrong password.
  std::string UrlWithWrongPassword(const std::string& database) const;

  // Stops the server (fast: connections are cut) and starts it again on the same port.
  void Restart();
  // Stops the server; Start() brings it back on the same port.
  void Stop();
  void Start();

  const std::string& password() const { return password_; }
  int port() const { return port_; }
  bool running() const { return running_; }

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();

 private:
  PostgresServer();
  std::string Url(const std::string& database, const std::string& password) const;

  std::string dir_;       // owned by the server's user: data/, the socket, the log
  std::string password_;  // of the superuser "s3unload"
  int port_ = 0;
  int databases_ = 0;
  bool running_ = false;
};

}  // namespace s3u::testing
