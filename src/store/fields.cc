#include "store/fields.h"

#include <sodium.h>

#include <array>
#include <nlohmann/json.hpp>

namespace s3u::store {

std::string NewId(std::string_view prefix) {
  std::array<unsigned char, 8> random{};
  randombytes_buf(random.data(), random.size());
  std::array<char, 2 * random.size() + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), random.data(), random.size());
  return std::string(prefix) + hex.data();
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
  return (kind == AccountKind::kAws ? "an " : "a ") + std::string(AccountKindTitle(kind)) +
         " account";
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
