// `s3unload store ...`: the store itself (docs/store.md, docs/deploy.md).
//   store migrate --from URL --to URL [--json]   copies every row of one store into a new, empty
//                                                 one (store/copy.h): SQLite to PostgreSQL, or back
//   store new-key PATH [--json]                   writes a fresh key file (0600) for the secrets
//                                                 of a store shared by several processes
// Exit codes: those of the error (s3u::ExitCodeFor); 0 on success.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace s3u::cli {

struct StoreFlags {
  std::string from;      // migrate
  std::string to;        // migrate
  std::string key_path;  // new-key
  bool json = false;
  CLI::App* migrate = nullptr;  // set by AddStoreCommand: which subcommand was parsed
  CLI::App* new_key = nullptr;
};

CLI::App* AddStoreCommand(CLI::App& app, StoreFlags& flags);
int RunStore(const StoreFlags& flags);

// The two commands, for tests: output on stdout/stderr as every command's.
int RunStoreMigrate(const std::string& from, const std::string& to, bool json);
int RunStoreNewKey(const std::string& key_path, bool json);

}  // namespace s3u::cli
