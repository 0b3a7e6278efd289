// The accounts half of the Store, and the pure helpers of accounts.h.
#include "store/accounts.h"

#include <array>
#include <utility>

#include "store/fields.h"
#include "store/store.h"

namespace s3u::store {
namespace {

// The kind-specific fields of an Account, in their column order. `required` fields must be
// non-empty for their kind (secrets only when creating: on update an empty one is kept); every
// field of the other kind must be empty.
struct KindField {
  std::string_view name;
  std::string Account::*member;
  AccountKind kind;
  bool secret;
  std::string_view needed;  // empty: optional
};

constexpr std::array<KindField, 10> kKindFields = {{
    {"domo_client_id", &Account::domo_client_id, AccountKind::kDomo, false,
     "a Domo account needs the client ID of its Domo API client"},
    {"domo_api_url", &Account::domo_api_url, AccountKind::kDomo, false, ""},
    {"domo_instance_url", &Account::domo_instance_url, AccountKind::kDomo, false, ""},
    {"aws_access_key_id", &Account::aws_access_key_id, AccountKind::kAws, false,
     "an AWS account needs its access key ID"},
    {"bucket", &Account::bucket, AccountKind::kAws, false,
     "an AWS account needs the bucket it writes to"},
    {"region", &Account::region, AccountKind::kAws, false,
     "an AWS account needs the bucket's region (us-east-1, ...)"},
    {"endpoint_url", &Account::endpoint_url, AccountKind::kAws, false, ""},
    {"domo_client_secret", &Account::domo_client_secret, AccountKind::kDomo, true,
     "a Domo account needs the client secret of its Domo API client"},
    {"aws_secret_access_key", &Account::aws_secret_access_key, AccountKind::kAws, true,
     "an AWS account needs its secret access key"},
    {"aws_session_token", &Account::aws_session_token, AccountKind::kAws, true, ""},
}};

// The columns every query reads, in the order ReadAccount expects and BindAccount binds: id and
// kind, the 10 kKindFields (the last 3 sealed), the times.
constexpr std::string_view kColumns =
    "id, kind, name, domo_client_id, domo_api_url, domo_instance_url, aws_access_key_id, bucket, "
    "region, endpoint_url, domo_client_secret, aws_secret_access_key, aws_session_token, "
    "created_ms, updated_ms";
constexpr int kFirstKindColumn = 3;
constexpr int kCreatedColumn = kFirstKindColumn + static_cast<int>(kKindFields.size());

std::string AccountSubject(std::string_view id) { return "account " + std::string(id); }

FieldErrors CheckAccount(const Account& account, bool creating, bool clear_session_token) {
  FieldErrors errors;
  CheckName(errors, account.name);
  for (const KindField& field : kKindFields) {
    const std::string& value = account.*field.member;
    if (field.kind != account.kind) {
      if (!value.empty()) {
        errors.push_back({std::string(field.name),
                          "set on " + AccountWithArticle(account.kind) + "; only " +
                              std::string(AccountKindTitle(field.kind)) + " accounts have it"});
      }
    } else if (!field.needed.empty() && (creating || !field.secret)) {
      RequireField(errors, field.name, value, field.needed);
    }
  }
  if (clear_session_token && !account.aws_session_token.empty()) {
    errors.push_back({"aws_session_token",
                      "given together with clear_session_token; give a new token or clear the "
                      "stored one, not both"});
  }
  return errors;
}

// Binds ?1..?13 in kColumns order: the secrets sealed, an empty one as NULL.
void BindAccount(Statement& statement, const Account& account, const SecretBox& box) {
  statement.BindText(1, account.id).BindText(2, AccountKindName(account.kind));
  statement.BindText(3, account.name);
  for (size_t i = 0; i < kKindFields.size(); ++i) {
    const KindField& field = kKindFields[i];
    const std::string& value = account.*field.member;
    const int index = kFirstKindColumn + 1 + static_cast<int>(i);
    if (field.secret) {
      statement.BindOptionalBlob(
          index, value.empty() ? std::nullopt : std::optional<std::string>(box.Seal(value)));
    } else {
      statement.BindText(index, value);
    }
  }
}

// The row as an Account; secrets opened with `box`, or left empty when `box` is null.
Result<Account> ReadAccount(const Statement& row, const SecretBox* box) {
  Account account;
  account.id = row.Text(0);
  auto kind = ParseAccountKind(row.Text(1), AccountSubject(account.id));
  if (!kind) return Fail(std::move(kind.error()));
  account.kind = *kind;
  account.name = row.Text(2);
  for (size_t i = 0; i < kKindFields.size(); ++i) {
    const KindField& field = kKindFields[i];
    const int column = kFirstKindColumn + static_cast<int>(i);
    if (!field.secret) {
      account.*field.member = row.Text(column);
      continue;
    }
    const std::optional<std::string> sealed = row.OptionalBlob(column);
    if (field.member == &Account::aws_session_token) account.has_session_token = sealed.has_value();
    if (!sealed || box == nullptr) continue;
    auto opened = box->Open(*sealed, "account " + account.name + ": " + std::string(field.name));
    if (!opened) return Fail(std::move(opened.error()));
    account.*field.member = std::move(*opened);
  }
  account.created_ms = row.Int(kCreatedColumn);
  account.updated_ms = row.Int(kCreatedColumn + 1);
  return account;
}

// The accounts matching `where` (with its ORDER BY), parameters bound by `bind`.
Result<std::vector<Account>> SelectAccounts(Connection& db, std::string_view where,
                                            std::string_view doing, const SecretBox* box,
                                            const std::function<void(Statement&)>& bind) {
  auto query = Statement::Prepare(
      db, "SELECT " + std::string(kColumns) + " FROM accounts " + std::string(where),
      std::string(doing));
  if (!query) return Fail(std::move(query.error()));
  bind(*query);
  std::vector<Account> accounts;
  while (true) {
    auto row = query->Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) return accounts;
    auto account = ReadAccount(*query, box);
    if (!account) return Fail(std::move(account.error()));
    accounts.push_back(std::move(*account));
  }
}

// kFailedPrecondition (subject "name") when another account of the kind has the name.
Result<void> CheckNameFree(Connection& db, const Account& account, std::string_view doing) {
  auto taken = RowExists(db, "SELECT 1 FROM accounts WHERE kind = ?1 AND name = ?2 AND id <> ?3",
                         doing, [&](Statement& query) {
                           query.BindText(1, AccountKindName(account.kind))
                               .BindText(2, account.name)
                               .BindText(3, account.id);
                         });
  if (!taken) return Fail(std::move(taken.error()));
  if (*taken) {
    return Fail(ErrorCode::kFailedPrecondition, "name",
                AccountWithArticle(account.kind) + " named " + Quoted(account.name) +
                    " already exists; choose another name");
  }
  return {};
}

}  // namespace

std::string_view AccountKindName(AccountKind kind) {
  return kind == AccountKind::kAws ? "aws" : "domo";
}

std::string_view AccountKindTitle(AccountKind kind) {
  return kind == AccountKind::kAws ? "AWS" : "Domo";
}

Result<AccountKind> ParseAccountKind(std::string_view text, std::string_view subject) {
  for (const AccountKind kind : {AccountKind::kDomo, AccountKind::kAws}) {
    if (text == AccountKindName(kind)) return kind;
  }
  return Fail(ErrorCode::kInvalidArgument, std::string(subject),
              "unknown account kind '" + std::string(text) + "'; accepted: domo, aws");
}

void Store::AttachSecrets(SecretBox box) {
  std::lock_guard lock(mu_);
  secrets_.emplace(std::move(box));
}

Result<const SecretBox*> Store::Secrets() const {
  if (!secrets_) {
    return Fail(ErrorCode::kFailedPrecondition, path_.string(),
                "the store's key file is not loaded, so account secrets cannot be sealed or "
                "opened (the program must call Store::AttachSecrets)");
  }
  return &*secrets_;
}

Result<Account> Store::CreateAccount(Account account) {
  if (FieldErrors errors = CheckAccount(account, /*creating=*/true, false); !errors.empty()) {
    return Fail(JoinFieldErrors(errors, "the account"));
  }
  if (account.id.empty()) account.id = NewId("acc_");
  account.created_ms = account.updated_ms = NowMs();
  account.has_session_token = !account.aws_session_token.empty();
  const std::string doing = "saving account " + Quoted(account.name);
  auto saved = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto box = Secrets();
    if (!box) return Fail(std::move(box.error()));
    auto id_taken = RowExists(db, "SELECT 1 FROM accounts WHERE id = ?1", doing,
                              [&](Statement& query) { query.BindText(1, account.id); });
    if (!id_taken) return Fail(std::move(id_taken.error()));
    if (*id_taken) {
      return Fail(ErrorCode::kFailedPrecondition, "id",
                  "an account with id " + account.id + " already exists; leave the id empty");
    }
    if (auto free = CheckNameFree(db, account, doing); !free) return free;
    auto insert = Statement::Prepare(db,
                                     "INSERT INTO accounts (" + std::string(kColumns) +
                                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                         "?12, ?13, ?14, ?15)",
                                     doing);
    if (!insert) return Fail(std::move(insert.error()));
    BindAccount(*insert, account, **box);
    insert->BindInt(14, account.created_ms).BindInt(15, account.updated_ms);
    return insert->Run();
  });
  if (!saved) return Fail(std::move(saved.error()));
  return account;
}

Result<Account> Store::UpdateAccount(const Account& account, bool clear_session_token) {
  const std::string doing = "updating account " + account.id;
  std::vector<Account> stored;
  auto updated = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto box = Secrets();
    if (!box) return Fail(std::move(box.error()));
    auto current = SelectAccounts(db, "WHERE id = ?1", doing, nullptr,
                                  [&](Statement& query) { query.BindText(1, account.id); });
    if (!current) return Fail(std::move(current.error()));
    if (current->empty()) {
      return Fail(ErrorCode::kNotFound, AccountSubject(account.id), "no such account");
    }
    if (current->front().kind != account.kind) {
      return Fail(ErrorCode::kInvalidArgument, "kind",
                  "account " + account.id + " is " + AccountWithArticle(current->front().kind) +
                      "; an account's kind cannot change (create " +
                      AccountWithArticle(account.kind) + " instead)");
    }
    if (FieldErrors errors = CheckAccount(account, /*creating=*/false, clear_session_token);
        !errors.empty()) {
      return Fail(JoinFieldErrors(errors, "the account"));
    }
    if (auto free = CheckNameFree(db, account, doing); !free) return free;
    // NULL (an empty secret) keeps the stored value.
    auto update = Statement::Prepare(
        db,
        "UPDATE accounts SET name = ?3, domo_client_id = ?4, domo_api_url = ?5, "
        "domo_instance_url = ?6, aws_access_key_id = ?7, bucket = ?8, region = ?9, "
        "endpoint_url = ?10, domo_client_secret = coalesce(?11, domo_client_secret), "
        "aws_secret_access_key = coalesce(?12, aws_secret_access_key), "
        "aws_session_token = CASE WHEN ?15 THEN NULL ELSE coalesce(?13, aws_session_token) END, "
        "updated_ms = ?14 WHERE id = ?1 AND kind = ?2",
        doing);
    if (!update) return Fail(std::move(update.error()));
    BindAccount(*update, account, **box);
    update->BindInt(14, NowMs()).BindInt(15, clear_session_token ? 1 : 0);
    if (auto ok = update->Run(); !ok) return ok;
    // Read back inside the transaction: a kept secret that no longer opens fails the update.
    auto read = SelectAccounts(db, "WHERE id = ?1", doing, *box,
                               [&](Statement& query) { query.BindText(1, account.id); });
    if (!read) return Fail(std::move(read.error()));
    stored = std::move(*read);
    return {};
  });
  if (!updated) return Fail(std::move(updated.error()));
  return std::move(stored.front());
}

Result<Account> Store::GetAccount(std::string_view id) {
  const std::string doing = "reading account " + std::string(id);
  std::vector<Account> found;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto box = Secrets();
    if (!box) return Fail(std::move(box.error()));
    auto accounts = SelectAccounts(db, "WHERE id = ?1", doing, *box,
                                   [&](Statement& query) { query.BindText(1, id); });
    if (!accounts) return Fail(std::move(accounts.error()));
    found = std::move(*accounts);
    return {};
  });
  if (!read) return Fail(std::move(read.error()));
  if (found.empty()) return Fail(ErrorCode::kNotFound, AccountSubject(id), "no such account");
  return std::move(found.front());
}

Result<Account> Store::FindAccount(AccountKind kind, std::string_view name) {
  const std::string doing = "reading account " + Quoted(name);
  std::vector<Account> found;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto box = Secrets();
    if (!box) return Fail(std::move(box.error()));
    auto accounts = SelectAccounts(
        db, "WHERE kind = ?1 AND name = ?2", doing, *box,
        [&](Statement& query) { query.BindText(1, AccountKindName(kind)).BindText(2, name); });
    if (!accounts) return Fail(std::move(accounts.error()));
    found = std::move(*accounts);
    return {};
  });
  if (!read) return Fail(std::move(read.error()));
  if (found.empty()) {
    return Fail(ErrorCode::kNotFound, AccountSubject(name),
                "no " + std::string(AccountKindTitle(kind)) + " account named " + Quoted(name) +
                    " in the store " + path_.string());
  }
  return std::move(found.front());
}

Result<std::vector<Account>> Store::ListAccounts() {
  const std::string doing = "listing accounts";
  std::vector<Account> accounts;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto all = SelectAccounts(db, "ORDER BY kind = 'aws', name", doing, nullptr, [](Statement&) {});
    if (!all) return Fail(std::move(all.error()));
    accounts = std::move(*all);
    return {};
  });
  if (!read) return Fail(std::move(read.error()));
  return accounts;
}

Result<void> Store::DeleteAccount(std::string_view id) {
  const std::string doing = "deleting account " + std::string(id);
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto account = SelectAccounts(db, "WHERE id = ?1", doing, nullptr,
                                  [&](Statement& query) { query.BindText(1, id); });
    if (!account) return Fail(std::move(account.error()));
    if (account->empty()) return Fail(ErrorCode::kNotFound, AccountSubject(id), "no such account");
    auto users = Statement::Prepare(db,
                                    "SELECT name FROM connectors WHERE domo_account_id = ?1 OR "
                                    "aws_account_id = ?1 ORDER BY name",
                                    doing);
    if (!users) return Fail(std::move(users.error()));
    users->BindText(1, id);
    std::string connectors;
    while (true) {
      auto row = users->Step();
      if (!row) return Fail(std::move(row.error()));
      if (!*row) break;
      connectors += (connectors.empty() ? "" : ", ") + users->Text(0);
    }
    if (!connectors.empty()) {
      return Fail(ErrorCode::kFailedPrecondition, AccountSubject(id),
                  "account " + Quoted(account->front().name) + " is used by connectors: " +
                      connectors + "; give them another account or delete them first");
    }
    auto remove = Statement::Prepare(db, "DELETE FROM accounts WHERE id = ?1", doing);
    if (!remove) return Fail(std::move(remove.error()));
    remove->BindText(1, id);
    return remove->Run();
  });
}

}  // namespace s3u::store
