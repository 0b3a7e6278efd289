#include "support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>

namespace s3u::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";
constexpr const char* kUser = "s3unload";

// Runs `argv` (as the `postgres` user when we are root), output appended to `log`; the exit code.
int Run(std::vector<std::string> argv, const std::string& log) {
  if (::geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

PostgresServer& PostgresServer::Shared() {
  static PostgresServer server;
  return server;
}

PostgresServer::PostgresServer() : password_("pg-Secr3t-" + std::to_string(::getpid())) {
  std::string pattern = "/tmp/s3unload-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "cannot create a directory for PostgreSQL";
    return;
  }
  dir_ = pattern;
  if (::geteuid() == 0) {
    const passwd* postgres = ::getpwnam("postgres");
    if (postgres == nullptr || ::chown(dir_.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
      ADD_FAILURE() << "no `postgres` user to run PostgreSQL as (install postgresql-15)";
      return;
    }
  }
  const std::string pwfile = dir_ + "/pw";
  std::ofstream(pwfile) << password_ << "\n";
  ::chmod(pwfile.c_str(), 0644);  // read by initdb as the postgres user; removed below
  const int initdb =
      Run({std::string(kBin) + "initdb", "-D", dir_ + "/data", "-U", kUser, "--pwfile=" + pwfile,
           "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"},
          dir_ + "/initdb.log");
  std::filesystem::remove(pwfile);
  if (initdb != 0) {
    ADD_FAILURE() << "initdb failed (" << initdb << "):\n" << Slurp(dir_ + "/initdb.log");
    return;
  }
  port_ = FreePort();
  Start();
}

PostgresServer::~PostgresServer() {
  if (running_) Stop();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

void PostgresServer::Start() {
  // fsync off: a test database need not survive a power cut. -w: wait until it accepts
  // connections (pg_ctl polls the server; no sleep here).
  const int started = Run(
      {std::string(kBin) + "pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w", "-o",
       "-p " + std::to_string(port_) + " -k " + dir_ +
           " -c listen_addresses=127.0.0.1 -c fsync=off",
       "start"},
      dir_ + "/pg_ctl.log");
  running_ = started == 0;
  if (!running_) {
    ADD_FAILURE() << "PostgreSQL did not start (" << started << "):\n"
                  << Slurp(dir_ + "/pg_ctl.log") << Slurp(dir_ + "/server.log");
  }
}

void PostgresServer::Stop() {
  Run({std::string(kBin) + "pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "stop"},
      dir_ + "/pg_ctl.log");
  running_ = false;
}

void PostgresServer::Restart() {
  Stop();
  Start();
}

std::string PostgresServer::Url(const std::string& database, const std::string& password) const {
  return "postgresql://" + std::string(kUser) + ":" + password +
         "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::UrlWithWrongPassword(const std::string& database) const {
  return Url(database, "Wr0ng-" + password_);
}

std::string PostgresServer::CreateDatabase() {
  const std::string name = "store_" + std::to_string(++databases_);
  PGconn* admin = PQconnectdb(Url("postgres", password_).c_str());
  if (PQstatus(admin) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to the test PostgreSQL: " << PQerrorMessage(admin);
  } else {
    PGresult* created = PQexec(admin, ("CREATE DATABASE " + name).c_str());
    if (PQresultStatus(created) != PGRES_COMMAND_OK) {
      ADD_FAILURE() << "CREATE DATABASE " << name << ": " << PQresultErrorMessage(created);
    }
    PQclear(created);
  }
  PQfinish(admin);
  return Url(name, password_);
}

}  // namespace s3u::testing
