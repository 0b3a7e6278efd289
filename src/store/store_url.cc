#include "store/store_url.h"

namespace s3u::store {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";
constexpr std::string_view kMask = "***";

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsPostgres(std::string_view text) {
  return StartsWith(text, "postgresql://") || StartsWith(text, "postgres://");
}

}  // namespace

StoreUrl SqliteStoreUrl(const std::filesystem::path& path) {
  return StoreUrl{Backend::kSqlite, path, "", path.string()};
}

Result<StoreUrl> ParseStoreUrl(std::string_view text) {
  if (text.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "store",
                "empty; give a file path, sqlite:///absolute/path or postgresql://host/database");
  }
  if (IsPostgres(text)) {
    return StoreUrl{Backend::kPostgres, {}, std::string(text), RedactPassword(text)};
  }
  if (StartsWith(text, kSqliteScheme)) {
    const std::filesystem::path path(text.substr(kSqliteScheme.size()));
    if (!path.is_absolute()) {
      return Fail(ErrorCode::kInvalidArgument, "store",
                  "'" + std::string(text) +
                      "': a sqlite: URL needs an absolute path after the two slashes "
                      "(sqlite:///var/lib/s3unload/s3unload.db); a relative path is given plain");
    }
    return SqliteStoreUrl(path);
  }
  if (const size_t scheme = text.find("://"); scheme != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "store",
                "unknown scheme '" + std::string(text.substr(0, scheme)) +
                    "'; accepted: sqlite:///path, postgresql://… or postgres://…, or a plain file "
                    "path");
  }
  return SqliteStoreUrl(std::filesystem::path(text));
}

std::string RedactPassword(std::string_view url) {
  if (!IsPostgres(url)) return std::string(url);
  std::string out(url);
  // The user info is before the last '@' of the authority (which ends at the first '/' or '?').
  const size_t authority = out.find("://") + 3;
  const size_t authority_end = out.find_first_of("/?", authority);
  const size_t at =
      out.rfind('@', authority_end == std::string::npos ? out.size() - 1 : authority_end - 1);
  if (at != std::string::npos && at >= authority) {
    const size_t colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, kMask);
  }
  // password= among the parameters (libpq accepts it there too).
  const size_t query = out.find('?');
  for (size_t at_param = query; at_param != std::string::npos && at_param < out.size();
       at_param = out.find('&', at_param + 1)) {
    constexpr std::string_view kKey = "password=";
    if (out.compare(at_param + 1, kKey.size(), kKey) != 0) continue;
    const size_t value = at_param + 1 + kKey.size();
    const size_t value_end = out.find('&', value);
    out.replace(value, (value_end == std::string::npos ? out.size() : value_end) - value, kMask);
  }
  return out;
}

}  // namespace s3u::store
