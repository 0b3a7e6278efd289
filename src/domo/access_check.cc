#include "domo/access_check.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/time_format.h"
#include "domo/client.h"
#include "table/types.h"

namespace s3u::domo {
namespace {

using nlohmann::json;

std::string Iso8601(TimePoint t) {
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

Result<DomoAccessReport> CheckDomoAccess(DomoClient& client, const Clock& clock,
                                         std::optional<std::string> dataset_id,
                                         std::optional<int64_t> writeback_owner,
                                         std::string api_url, std::string client_id) {
  DomoAccessReport report;
  report.api_url = std::move(api_url);
  report.client_id = std::move(client_id);

  // 1. The token: bad credentials and scopes the client lacks end the check here.
  auto token = client.CurrentToken();
  if (!token) return Fail(token.error());
  report.token = *token;
  report.expires_in =
      std::chrono::duration_cast<std::chrono::milliseconds>(token->expires_at - clock.Now());
  if (!dataset_id) return report;

  // 2. The dataset.
  auto dataset = client.GetDataset(*dataset_id);
  if (!dataset) return Fail(dataset.error());

  // 3. The ownership rule for the writeback owner.
  DatasetAccess access;
  access.writeback_owner_id = writeback_owner.value_or(token->user_id);
  access.writeback_owner_given = writeback_owner.has_value();
  auto facts = GatherOwnershipFacts(client, *dataset, access.writeback_owner_id);
  if (!facts) return Fail(facts.error());
  access.writeback_owner_name = facts->user_name;
  access.verdict = DecideOwnership(*facts);
  access.dataset = std::move(*dataset);
  report.dataset = std::move(access);
  return report;
}

json DomoAccessJson(const DomoAccessReport& report) {
  const TokenInfo& token = report.token;
  json j = {{"status", report.ok() ? "ok" : "refused"},
            {"api_url", report.api_url},
            {"token",
             {{"user_id", token.user_id},
              {"customer", token.customer},
              {"role", token.role},
              {"scopes", token.scopes},
              {"expires_at", Iso8601(token.expires_at)},
              {"expires_in_seconds", report.expires_in.count() / 1000}}}};
  if (!report.dataset) return j;

  const DatasetAccess& a = *report.dataset;
  json schema = json::array();
  for (const auto& c : a.dataset.schema) {
    schema.push_back({{"name", c.name}, {"type", std::string(table::ColumnTypeName(c.type))}});
  }
  j["dataset"] = {{"id", a.dataset.id},
                  {"name", a.dataset.name},
                  {"rows", a.dataset.rows},
                  {"columns", a.dataset.columns},
                  {"owner", {{"id", a.dataset.owner.id}, {"name", a.dataset.owner.name}}},
                  {"schema", schema}};
  // "flag": named by the caller (the CLI's --writeback-owner); "token": the token's user.
  j["writeback_owner"] = {{"id", a.writeback_owner_id},
                          {"name", a.writeback_owner_name},
                          {"source", a.writeback_owner_given ? "flag" : "token"}};
  j["ownership"] = {{"allowed", a.verdict.allowed},
                    {"how", a.verdict.how},
                    {"reason", a.verdict.reason},
                    {"public_owner_only", a.verdict.public_owner_only}};
  return j;
}

std::string DomoAccessText(const DomoAccessReport& report) {
  const TokenInfo& token = report.token;
  std::string text = fmt::format("Domo at {} (client {})\n", report.api_url, report.client_id);
  text += fmt::format(
      "  token            {}, customer {}, role {}, scopes '{}', expires {} "
      "(in {})\n",
      UserPhrase(token.user_id, ""), token.customer, token.role, Joined(token.scopes),
      Iso8601(token.expires_at), FormatDuration(report.expires_in));
  if (!report.dataset) return text + "verdict: ok: the credentials work (no dataset checked)";

  const DatasetAccess& a = *report.dataset;
  const Dataset& d = a.dataset;
  text += fmt::format("  dataset          {} ({}): {} rows, {} columns, owner {}\n", d.id, d.name,
                      d.rows, d.columns, UserPhrase(d.owner.id, d.owner.name));
  text += SchemaTable(d.schema);
  text += fmt::format("  writeback owner  {}{}\n",
                      UserPhrase(a.writeback_owner_id, a.writeback_owner_name),
                      a.writeback_owner_given ? "" : " (the token's user)");
  if (!a.verdict.allowed) return text + "verdict: REFUSED: " + a.verdict.reason;
  text += fmt::format("  ownership        {}\n", a.verdict.how);
  return text + fmt::format("verdict: ok: {} may unload dataset {}",
                            UserPhrase(a.writeback_owner_id, ""), d.id);
}

}  // namespace s3u::domo
