#include "cli/check_domo_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "domo/ownership.h"
#include "s3/errors.h"
#include "table/types.h"

namespace s3u::cli {
namespace {

using nlohmann::json;

std::string Iso8601(domo::TimePoint t) {
  return table::FormatDateTime(std::chrono::time_point_cast<std::chrono::seconds>(t)) + "Z";
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

std::string UserPhrase(int64_t id, const std::string& name) {
  return name.empty() ? fmt::format("user {}", id) : fmt::format("user {} ({})", id, name);
}

// The schema as an aligned table, one column per line.
std::string SchemaTable(const table::Schema& schema) {
  size_t width = 6;  // "column"
  for (const auto& c : schema) width = std::max(width, c.name.size());
  std::string text = fmt::format("    {:>3}  {:<{}}  {}\n", "#", "column", width, "type");
  for (size_t i = 0; i < schema.size(); ++i) {
    text += fmt::format("    {:>3}  {:<{}}  {}\n", i + 1, schema[i].name, width,
                        table::ColumnTypeName(schema[i].type));
  }
  return text;
}

}  // namespace

CLI::App* AddCheckDomoCommand(CLI::App& app, CheckDomoFlags& flags) {
  CLI::App* cmd = app.add_subcommand(
      "check-domo", "Check Domo credentials, an input dataset and the ownership rule");
  cmd->add_option("--dataset", flags.dataset,
                  "Input dataset: its GUID or its URL (https://<instance>.domo.com/datasources/"
                  "<GUID>/details/overview)")
      ->required();
  cmd->add_option("--writeback-owner", flags.writeback_owner,
                  "User id that will own the writeback dataset (default: the token's user)");
  cmd->add_flag("--json", flags.json, "Print one JSON object on standard output");
  AddDomoFlags(*cmd, flags.domo);
  cmd->add_option("--max-attempts", flags.max_attempts, "Attempts per request, first included")
      ->check(CLI::Range(1, 20));
  cmd->add_option("--connect-timeout", flags.connect_timeout_seconds, "Seconds to connect")
      ->check(CLI::Range(1, 600));
  cmd->add_option("--ca-bundle", flags.ca_bundle, "PEM file of CAs to trust for TLS");
  cmd->add_option("--log-level", flags.log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  return cmd;
}

int RunCheckDomo(const CheckDomoFlags& flags) {
  Output out(flags.json);
  auto dataset_id = domo::ParseDatasetId(flags.dataset, "--dataset");
  if (!dataset_id) return out.Failure(dataset_id.error());
  DomoSessionSettings settings;
  settings.max_attempts = flags.max_attempts;
  settings.connect_timeout_seconds = flags.connect_timeout_seconds;
  settings.ca_bundle = flags.ca_bundle;
  ParseLogLevel(flags.log_level, &settings.log_level);
  auto session = OpenDomoSession(flags.domo, settings);
  if (!session) return out.Failure(session.error());
  DomoSession& s = **session;
  out.SetLogger(s.log.get());
  domo::DomoClient& client = *s.client;

  // 1. The token: bad credentials and scopes the client lacks end the check here.
  auto token = client.CurrentToken();
  if (!token) return out.Failure(token.error());
  const auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(token->expires_at - s.clock.Now());

  // 2. The dataset.
  auto dataset = client.GetDataset(*dataset_id);
  if (!dataset) return out.Failure(dataset.error());

  // 3. The ownership rule for the writeback owner.
  const int64_t owner_id = flags.writeback_owner.value_or(token->user_id);
  auto facts = domo::GatherOwnershipFacts(client, *dataset, owner_id);
  if (!facts) return out.Failure(facts.error());
  const domo::OwnershipVerdict verdict = domo::DecideOwnership(*facts);

  json schema = json::array();
  for (const auto& c : dataset->schema) {
    schema.push_back({{"name", c.name}, {"type", std::string(table::ColumnTypeName(c.type))}});
  }
  json j = {{"status", verdict.allowed ? "ok" : "refused"},
            {"api_url", s.options.api_url},
            {"token",
             {{"user_id", token->user_id},
              {"customer", token->customer},
              {"role", token->role},
              {"scopes", token->scopes},
              {"expires_at", Iso8601(token->expires_at)},
              {"expires_in_seconds", remaining.count() / 1000}}},
            {"dataset",
             {{"id", dataset->id},
              {"name", dataset->name},
              {"rows", dataset->rows},
              {"columns", dataset->columns},
              {"owner", {{"id", dataset->owner.id}, {"name", dataset->owner.name}}},
              {"schema", schema}}},
            {"writeback_owner",
             {{"id", owner_id},
              {"name", facts->user_name},
              {"source", flags.writeback_owner ? "flag" : "token"}}},
            {"ownership",
             {{"allowed", verdict.allowed},
              {"how", verdict.how},
              {"reason", verdict.reason},
              {"public_owner_only", verdict.public_owner_only}}}};

  std::string text =
      fmt::format("Domo at {} (client {})\n", s.options.api_url, s.options.client_id);
  text += fmt::format(
      "  token            {}, customer {}, role {}, scopes '{}', expires {} "
      "(in {})\n",
      UserPhrase(token->user_id, ""), token->customer, token->role, Joined(token->scopes),
      Iso8601(token->expires_at), s3::FormatDuration(remaining));
  text += fmt::format("  dataset          {} ({}): {} rows, {} columns, owner {}\n", dataset->id,
                      dataset->name, dataset->rows, dataset->columns,
                      UserPhrase(dataset->owner.id, dataset->owner.name));
  text += SchemaTable(dataset->schema);
  text += fmt::format("  writeback owner  {}{}\n", UserPhrase(owner_id, facts->user_name),
                      flags.writeback_owner ? "" : " (the token's user)");
  if (verdict.allowed) {
    text += fmt::format("  ownership        {}\n", verdict.how);
    text +=
        fmt::format("verdict: ok: {} may unload dataset {}", UserPhrase(owner_id, ""), dataset->id);
  } else {
    text += "verdict: REFUSED: " + verdict.reason;
  }
  return out.Report(j, text, verdict.allowed ? 0 : ExitCodeFor(ErrorCode::kFailedPrecondition));
}

}  // namespace s3u::cli
