#include <nlohmann/json.hpp>

#include "store/store.h"

namespace s3u::store {
namespace {

std::string Subject(std::string_view connector_id) {
  return "connector " + std::string(connector_id) + ": notifications";
}

std::optional<std::string> SealedOrNull(const SecretBox& box, const std::string& secret) {
  if (secret.empty()) return std::nullopt;
  return box.Seal(secret);
}

}  // namespace

Result<std::optional<NotificationRecord>> Store::GetNotifications(std::string_view connector_id) {
  const std::string doing = "reading the notifications of connector " + std::string(connector_id);
  std::optional<NotificationRecord> record;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto box = Secrets();
    if (!box) return Fail(std::move(box.error()));
    auto query = Statement::Prepare(db,
                                    "SELECT settings_json, webhook_url, smtp_password, failing, "
                                    "updated_ms FROM notifications WHERE connector_id = ?1",
                                    doing);
    if (!query) return Fail(std::move(query.error()));
    query->BindText(1, connector_id);
    auto row = query->Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) return {};
    NotificationRecord r;
    r.connector_id = std::string(connector_id);
    r.settings_json = query->Text(0);
    for (auto [column, field, name] :
         {std::tuple{1, &NotificationRecord::webhook_url, ".webhook"},
          std::tuple{2, &NotificationRecord::smtp_password, ".email"}}) {
      auto sealed = query->OptionalBlob(column);
      if (!sealed) continue;
      auto opened = (*box)->Open(*sealed, Subject(connector_id) + name);
      if (!opened) return Fail(std::move(opened.error()));
      r.*field = std::move(*opened);
    }
    r.failing = query->Int(3) != 0;
    r.updated_ms = query->Int(4);
    record = std::move(r);
    return {};
  });
  if (!read) return Fail(std::move(read.error()));
  return record;
}

Result<NotificationRecord> Store::SaveNotifications(const NotificationRecord& record) {
  const nlohmann::json settings = nlohmann::json::parse(record.settings_json, nullptr, false);
  if (!settings.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "settings_json", "expected a JSON object");
  }
  const std::string doing = "saving the notifications of connector " + record.connector_id;
  auto saved = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto box = Secrets();
    if (!box) return Fail(std::move(box.error()));
    auto exists = Statement::Prepare(db, "SELECT 1 FROM connectors WHERE id = ?1", doing);
    if (!exists) return Fail(std::move(exists.error()));
    exists->BindText(1, record.connector_id);
    auto found = exists->Step();
    if (!found) return Fail(std::move(found.error()));
    if (!*found) {
      return Fail(ErrorCode::kNotFound, "connector " + record.connector_id, "no such connector");
    }
    auto upsert = Statement::Prepare(
        db,
        "INSERT INTO notifications (connector_id, settings_json, webhook_url, smtp_password, "
        "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (connector_id) DO UPDATE SET "
        "settings_json = excluded.settings_json, webhook_url = excluded.webhook_url, "
        "smtp_password = excluded.smtp_password, updated_ms = excluded.updated_ms",
        doing);
    if (!upsert) return Fail(std::move(upsert.error()));
    upsert->BindText(1, record.connector_id)
        .BindText(2, record.settings_json)
        .BindOptionalBlob(3, SealedOrNull(**box, record.webhook_url))
        .BindOptionalBlob(4, SealedOrNull(**box, record.smtp_password))
        .BindInt(5, NowMs());
    return upsert->Run();
  });
  if (!saved) return Fail(std::move(saved.error()));
  auto stored = GetNotifications(record.connector_id);
  if (!stored) return Fail(std::move(stored.error()));
  return **stored;
}

Result<void> Store::SetNotificationsFailing(std::string_view connector_id, bool failing) {
  const std::string doing =
      "saving the notification state of connector " + std::string(connector_id);
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto update = Statement::Prepare(
        db, "UPDATE notifications SET failing = ?2 WHERE connector_id = ?1", doing);
    if (!update) return Fail(std::move(update.error()));
    update->BindText(1, connector_id).BindInt(2, failing ? 1 : 0);
    return update->Run();
  });
}

Result<int64_t> Store::RecordDelivery(const DeliveryRecord& delivery) {
  FieldErrors errors;
  if (delivery.connector_id.empty()) errors.push_back({"connector_id", "required"});
  if (delivery.run_id.empty()) errors.push_back({"run_id", "required"});
  if (delivery.event != "failure" && delivery.event != "recovery" && delivery.event != "success") {
    errors.push_back({"event", "expected failure, recovery or success"});
  }
  if (delivery.channel != "webhook" && delivery.channel != "email") {
    errors.push_back({"channel", "expected webhook or email"});
  }
  if (delivery.attempts < 1) errors.push_back({"attempts", "expected at least 1"});
  if (!errors.empty()) return Fail(JoinFieldErrors(errors, "the delivery"));
  const std::string doing = "recording a notification of run " + delivery.run_id;
  int64_t id = 0;
  auto recorded = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto insert = Statement::Prepare(
        db,
        "INSERT INTO deliveries (connector_id, run_id, event, channel, target, delivered, "
        "attempts, error, finished_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        doing);
    if (!insert) return Fail(std::move(insert.error()));
    insert->BindText(1, delivery.connector_id)
        .BindText(2, delivery.run_id)
        .BindText(3, delivery.event)
        .BindText(4, delivery.channel)
        .BindText(5, delivery.target)
        .BindInt(6, delivery.delivered ? 1 : 0)
        .BindInt(7, delivery.attempts)
        .BindText(8, delivery.error)
        .BindInt(9, delivery.finished_ms);
    auto row = insert->Step();
    if (!row) return Fail(std::move(row.error()));
    id = insert->Int(0);
    return insert->Run();
  });
  if (!recorded) return Fail(std::move(recorded.error()));
  return id;
}

Result<std::vector<DeliveryRecord>> Store::ListDeliveries(std::string_view connector_id,
                                                          int limit) {
  if (limit < 1 || limit > kMaxRunsPerPage) {
    return Fail(ErrorCode::kInvalidArgument, "limit",
                "expected 1 to " + std::to_string(kMaxRunsPerPage));
  }
  const std::string doing =
      "reading the notifications sent for connector " + std::string(connector_id);
  std::vector<DeliveryRecord> list;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto query = Statement::Prepare(
        db,
        "SELECT id, run_id, event, channel, target, delivered, attempts, error, finished_ms "
        "FROM deliveries WHERE connector_id = ?1 ORDER BY id DESC LIMIT ?2",
        doing);
    if (!query) return Fail(std::move(query.error()));
    query->BindText(1, connector_id).BindInt(2, limit);
    for (;;) {
      auto row = query->Step();
      if (!row) return Fail(std::move(row.error()));
      if (!*row) return {};
      list.push_back({query->Int(0), std::string(connector_id), query->Text(1), query->Text(2),
                      query->Text(3), query->Text(4), query->Int(5) != 0,
                      static_cast<int>(query->Int(6)), query->Text(7), query->Int(8)});
    }
  });
  if (!read) return Fail(std::move(read.error()));
  return list;
}

}  // namespace s3u::store
