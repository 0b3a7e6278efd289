// s3unload: command-line entry point. Parses the command line with CLI11 and runs one
// command; each command returns the documented exit code (README, "Exit codes").
#include <CLI/CLI.hpp>

#include "cli/check_domo_command.h"
#include "cli/check_s3_command.h"
#include "cli/run_command.h"
#include "cli/serve_command.h"
#include "cli/store_command.h"
#include "cli/upload_command.h"
#include "core/allocator.h"
#include "core/version.h"
#include "http/curl_client.h"

int main(int argc, char** argv) {
  s3u::ConfigureAllocator();  // first: before any thread or large block (core/allocator.h)
  s3u::http::GlobalInitHttp();
  CLI::App app{"s3unload: move data out of Domo into Amazon S3 or any S3-compatible store"};
  app.set_version_flag("--version", std::string("s3unload ") + s3u::kVersion);
  app.require_subcommand(1);

  s3u::cli::UploadFlags upload;
  s3u::cli::CheckS3Flags check;
  s3u::cli::CheckDomoFlags check_domo;
  CLI::App* upload_cmd = s3u::cli::AddUploadCommand(app, upload);
  CLI::App* check_cmd = s3u::cli::AddCheckS3Command(app, check);
  CLI::App* check_domo_cmd = s3u::cli::AddCheckDomoCommand(app, check_domo);
  s3u::cli::RunFlags run;
  s3u::cli::HistoryFlags history;
  CLI::App* run_cmd = s3u::cli::AddRunCommand(app, run);
  CLI::App* history_cmd = s3u::cli::AddHistoryCommand(app, history);
  s3u::cli::RunFlags cleanup;
  CLI::App* cleanup_cmd = s3u::cli::AddCleanupCommand(app, cleanup);
  s3u::cli::ServeFlags serve;
  CLI::App* serve_cmd = s3u::cli::AddServeCommand(app, serve);
  s3u::cli::StoreFlags store;
  CLI::App* store_cmd = s3u::cli::AddStoreCommand(app, store);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; usage errors exit 2, like every other invalid argument.
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (upload_cmd->parsed()) return s3u::cli::RunUpload(upload);
  if (check_cmd->parsed()) return s3u::cli::RunCheckS3(check);
  if (check_domo_cmd->parsed()) return s3u::cli::RunCheckDomo(check_domo);
  if (run_cmd->parsed()) return s3u::cli::RunRun(run);
  if (history_cmd->parsed()) return s3u::cli::RunHistory(history);
  if (cleanup_cmd->parsed()) return s3u::cli::RunCleanup(cleanup);
  if (serve_cmd->parsed()) return s3u::cli::RunServe(serve);
  if (store_cmd->parsed()) return s3u::cli::RunStore(store);
  return 2;
}
