#include "store/fields.h"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace s3u::store {

std::string NewId(std::string_view prefix) { return std::string(prefix) + RandomHex(8); }

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> random(bytes);
  randombytes_buf(random.data(), random.size());
  std::string hex(2 * bytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), random.data(), random.size());
  hex.pop_back();  // the terminating NUL
  return hex;
}

void RequireField(FieldErrors& errors, std::string_view field, std::string_view value,
                  std::string_view needed) {
  if (value.empty()) errors.push_back({std::string(field), "empty; " + std::string(needed)});
}

void CheckName(FieldErrors& errors, std::string_view name) {
  // Code points: every byte except UTF-8 continuation bytes starts one.
  size_t characters = 0;
  for (const char c : name) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (name.empty()) {
    errors.push_back(
        {"name", "empty; give a name of 1 to " + std::to_string(kMaxNameLength) + " characters"});
  } else if (characters > kMaxNameLength) {
    errors.push_back({"name", std::to_string(characters) + " characters; at most " +
                                  std::to_string(kMaxNameLength) + " are accepted"});
  }
}

void CheckJsonObject(FieldErrors& errors, std::string_view field, std::string_view text) {
  if (!nlohmann::json::parse(text, nullptr, false).is_object()) {
    errors.push_back({std::string(field), text.empty() ? "empty; a JSON object is required"
                                                       : "not a JSON object; give one ({...})"});
  }
}

std::string AccountWithArticle(AccountKind kind) {
  return (kind == AccountKind::kDomo ? "a " : "an ") + std::string(AccountKindTitle(kind)) +
         " account";
}

std::string AnyAccountOf(const std::vector<AccountKind>& kinds) {
  std::string text;
  for (const AccountKind kind : kinds) {
    text += (text.empty() ? "" : " or ") + AccountWithArticle(kind);
  }
  return text;
}

Result<void> CheckAccountRef(Connection& db, std::string_view doing, FieldErrors& errors,
                             std::string_view field, std::string_view account_id,
                             const std::vector<AccountKind>& kinds) {
  auto query =
      Statement::Prepare(db, "SELECT kind FROM accounts WHERE id = ?1", std::string(doing));
  if (!query) return Fail(std::move(query.error()));
  query->BindText(1, account_id);
  auto row = query->Step();
  if (!row) return Fail(std::move(row.error()));
  if (!*row) {
    errors.push_back({std::string(field), "no such account: " + std::string(account_id) +
                                              "; choose a saved account (" + AnyAccountOf(kinds) +
                                              ")"});
    return {};
  }
  auto stored = ParseAccountKind(query->Text(0), "account " + std::string(account_id));
  if (!stored) return Fail(std::move(stored.error()));
  if (std::find(kinds.begin(), kinds.end(), *stored) == kinds.end()) {
    errors.push_back({std::string(field), "account " + std::string(account_id) + " is " +
                                              AccountWithArticle(*stored) + "; " +
                                              AnyAccountOf(kinds) + " is needed"});
  }
  return {};
}

std::string Quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

Result<bool> RowExists(Connection& db, std::string_view sql, std::string_view doing,
                       const std::function<void(Statement&)>& bind) {
  auto query = Statement::Prepare(db, sql, std::string(doing));
  if (!query) return Fail(std::move(query.error()));
  bind(*query);
  return query->Step();
}

}  // namespace s3u::store
