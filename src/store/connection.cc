#include "store/connection.h"

#include <utility>

namespace s3u::store {

Result<Statement> Statement::Prepare(Connection& db, std::string_view sql, std::string_view doing) {
  auto backend = db.Prepare(sql, doing);
  if (!backend) return Fail(std::move(backend.error()));
  return Statement(std::move(*backend));
}

Statement& Statement::BindText(int index, std::string_view text) {
  backend_->BindText(index, text);
  return *this;
}

Statement& Statement::BindInt(int index, int64_t value) {
  backend_->BindInt(index, value);
  return *this;
}

Statement& Statement::BindOptionalText(int index, const std::optional<std::string>& text) {
  if (text) return BindText(index, *text);
  backend_->BindNull(index);
  return *this;
}

Statement& Statement::BindOptionalInt(int index, std::optional<int64_t> value) {
  if (value) return BindInt(index, *value);
  backend_->BindNull(index);
  return *this;
}

Statement& Statement::BindOptionalBlob(int index, const std::optional<std::string>& bytes) {
  if (bytes) {
    backend_->BindBlob(index, *bytes);
  } else {
    backend_->BindNull(index);
  }
  return *this;
}

Result<void> Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) return {};
  }
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (backend_->Kind(column) == ColumnKind::kNull) return std::nullopt;
  return backend_->Text(column);
}

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (backend_->Kind(column) == ColumnKind::kNull) return std::nullopt;
  return backend_->Int(column);
}

std::optional<std::string> Statement::OptionalBlob(int column) const {
  if (backend_->Kind(column) == ColumnKind::kNull) return std::nullopt;
  return backend_->Blob(column);
}

}  // namespace s3u::store
