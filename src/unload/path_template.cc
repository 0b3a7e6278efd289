#include "unload/path_template.h"

#include <fmt/format.h>

#include <array>
#include <optional>

#include "s3/uri.h"

namespace s3u::unload {
namespace {

constexpr std::string_view kAccepted =
    "accepted placeholders: {dataset_id} {dataset_name} {date} {yyyy} {mm} {dd} {run_id}; "
    "write {{ and }} for literal braces";

// The value of placeholder `name`, or nullopt for an unknown one. With `values` null, only
// whether the name is known matters (validation).
std::optional<std::string> Lookup(std::string_view name, const PathValues* values) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "dataset_id", "dataset_name", "date", "yyyy", "mm", "dd", "run_id"};
  bool known = false;
  for (std::string_view n : kNames) known = known || n == name;
  if (!known) return std::nullopt;
  if (values == nullptr) return std::string();
  if (name == "dataset_id") return values->dataset_id;
  if (name == "dataset_name") return KeySafe(values->dataset_name);
  if (name == "date") return values->date;
  if (name == "run_id") return values->run_id;
  const std::string& d = values->date;  // yyyy-mm-dd
  if (d.size() != 10) return std::string();
  if (name == "yyyy") return d.substr(0, 4);
  if (name == "mm") return d.substr(5, 2);
  return d.substr(8, 2);
}

// Expands the template; shared by validation (values == nullptr) and rendering.
Result<std::string> Expand(std::string_view tmpl, const PathValues* values,
                           std::string_view subject) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    const char c = tmpl[i];
    if (c == '{' && i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '{') {
      const size_t close = tmpl.find('}', i);
      if (close == std::string_view::npos) {
        return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                    fmt::format("unclosed \"{{\" at character {}; {}", i + 1, kAccepted));
      }
      const std::string_view name = tmpl.substr(i + 1, close - i - 1);
      std::optional<std::string> value = Lookup(name, values);
      if (!value) {
        return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                    fmt::format("unknown placeholder {{{}}}; {}", name, kAccepted));
      }
      out += *value;
      i = close;
    } else if (c == '}') {
      return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                  fmt::format("unmatched \"}}\" at character {}; {}", i + 1, kAccepted));
    } else {
      out += c;
    }
  }
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string KeySafe(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    if (!safe) c = '_';
  }
  return out;
}

Result<void> ValidatePathTemplate(std::string_view path_template, std::string_view subject) {
  // First, so no later message quotes a control character back.
  if (auto ok = s3::ValidateKeyCharacters(path_template, subject); !ok) return ok;
  if (!path_template.empty() && path_template.front() == '/') {
    return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                "path must not start with \"/\" (it is relative to the bucket), e.g. "
                "exports/{yyyy}/{mm}/");
  }
  Result<std::string> expanded = Expand(path_template, nullptr, subject);
  if (!expanded) return Fail(expanded.error());
  return {};
}

Result<std::string> RenderPath(std::string_view path_template, const PathValues& values,
                               std::string_view subject) {
  return Expand(path_template, &values, subject);
}

std::string ObjectName::Key(bool numbered, int index) const {
  if (!numbered) return stem + extension;
  return fmt::format("{}-{:04d}{}", stem, index, extension);
}

Result<ObjectName> RenderObjectName(std::string_view path_template, const PathValues& values,
                                    std::string_view extension, std::string_view subject) {
  Result<std::string> path = Expand(path_template, &values, subject);
  if (!path) return Fail(path.error());
  ObjectName name;
  if (path->empty() || path->back() == '/') {
    name.stem = *path + KeySafe(values.dataset_id) + "_" + values.date;
  } else if (EndsWith(*path, extension)) {
    name.stem = path->substr(0, path->size() - extension.size());
  } else if (const std::string_view format_ext = extension.substr(0, extension.find('.', 1));
             format_ext != extension && EndsWith(*path, format_ext)) {
    // "sales.csv" with ".csv.gz" becomes "sales.csv.gz", not "sales.csv.csv.gz".
    name.stem = path->substr(0, path->size() - format_ext.size());
  } else {
    name.stem = *path;
  }
  name.extension = std::string(extension);
  // The longest key is a numbered one; S3 keys are at most 1024 bytes.
  if (name.Key(true, 9999).size() > 1024) {
    return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                fmt::format("the object key would be {} bytes; S3 allows at most 1024",
                            name.Key(true, 9999).size()));
  }
  return name;
}

}  // namespace s3u::unload
