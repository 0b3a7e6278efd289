#include "cli/store_command.h"

#include "cli/output.h"
#include "core/clock.h"
#include "store/copy.h"
#include "store/secret_box.h"
#include "store/store.h"

namespace s3u::cli {

CLI::App* AddStoreCommand(CLI::App& app, StoreFlags& flags) {
  CLI::App* cmd = app.add_subcommand("store", "Manage the store (docs/store.md)");
  cmd->require_subcommand(1);
  flags.migrate = cmd->add_subcommand(
      "migrate",
      "Copy every row of one store into a new, empty one (SQLite to PostgreSQL, or back)");
  flags.migrate
      ->add_option("--from", flags.from,
                   "The store to copy: a path, sqlite:///PATH or postgresql://... (a password may "
                   "come from PGPASSWORD or ~/.pgpass instead)")
      ->required();
  flags.migrate->add_option("--to", flags.to, "The new, empty store, as --from")->required();
  flags.migrate->add_flag("--json", flags.json, "Print one JSON summary");
  flags.new_key = cmd->add_subcommand(
      "new-key", "Write a fresh key file (mode 0600) for the secrets of a shared store");
  flags.new_key->add_option("path", flags.key_path, "Where to write it (must not exist)")
      ->required();
  flags.new_key->add_flag("--json", flags.json, "Print one JSON summary");
  return cmd;
}

int RunStore(const StoreFlags& flags) {
  if (flags.migrate != nullptr && flags.migrate->parsed()) {
    return RunStoreMigrate(flags.from, flags.to, flags.json);
  }
  return RunStoreNewKey(flags.key_path, flags.json);
}

int RunStoreMigrate(const std::string& from, const std::string& to, bool json) {
  Output out(json);
  auto from_url = store::ParseStoreUrl(from);
  if (!from_url) {
    from_url.error().subject = "--from";
    return out.Failure(from_url.error());
  }
  auto to_url = store::ParseStoreUrl(to);
  if (!to_url) {
    to_url.error().subject = "--to";
    return out.Failure(to_url.error());
  }
  if (from_url->redacted == to_url->redacted) {
    return out.Failure(Error{ErrorCode::kInvalidArgument,
                             "--to",
                             "the same store as --from; give a new, empty store",
                             0,
                             {}});
  }
  SystemClock clock;
  auto source = store::Store::Open(*from_url, clock);
  if (!source) return out.Failure(source.error());
  auto target = store::Store::Open(*to_url, clock);
  if (!target) return out.Failure(target.error());
  auto report = store::CopyStore(**source, **target);
  if (!report) return out.Failure(report.error());

  nlohmann::json tables = nlohmann::json::object();
  std::string counts;
  for (const auto& [table, rows] : report->rows) {
    tables[table] = rows;
    counts += (counts.empty() ? "" : ", ") + table + " " + std::to_string(rows);
  }
  // The secrets were copied sealed: the new store's processes need the key that sealed them.
  const std::string key = from_url->backend == store::Backend::kSqlite
                              ? "the key file " + store::KeyPathFor(from_url->path).string()
                              : "the key the processes of " + from_url->redacted + " use";
  nlohmann::json summary = {
      {"status", "ok"}, {"from", from_url->redacted}, {"to", to_url->redacted}, {"rows", tables}};
  return out.Success(summary, "copied " + from_url->redacted + " to " + to_url->redacted +
                                  " (rows: " + counts + ").\nThe secrets are still sealed with " +
                                  key +
                                  ": give it to every process of the new store "
                                  "(--secret-key-file, or S3UNLOAD_SECRET_KEY in base64).");
}

int RunStoreNewKey(const std::string& key_path, bool json) {
  Output out(json);
  auto created = store::SecretBox::Create(key_path);
  if (!created) return out.Failure(created.error());
  return out.Success({{"status", "ok"}, {"key_file", key_path}},
                     "wrote a new key to " + key_path +
                         " (mode 0600). Keep a copy somewhere safe: without it the secrets saved "
                         "under it cannot be decrypted.");
}

}  // namespace s3u::cli
