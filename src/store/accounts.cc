// The accounts half of the Store, and the pure helpers of accounts.h.
#include "store/accounts.h"

#include <array>
#include <utility>

#include "store/fields.h"
#include "store/store.h"

namespace s3u::store {
namespace {

constexpr unsigned Bit(AccountKind kind) { return 1u << static_cast<unsigned>(kind); }
constexpr unsigned kDomoOnly = Bit(AccountKind::kDomo);
constexpr unsigned kAwsOnly = Bit(AccountKind::kAws);
constexpr unsigned kRoleOnly = Bit(AccountKind::kRole);
constexpr unsigned kS3Kinds = kAwsOnly | kRoleOnly;

// How a field is kept: text ('' when unset), text that is NULL when unset (a foreign key), or
// sealed (a BLOB, NULL when unset).
enum class Storage { kText, kNullableText, kSealed };

// The kind-specific fields of an Account, in their column order. `needed` fields must be
// non-empty for their kinds (secrets only when creating: on update an empty one is kept); a
// field of other kinds must be empty.
struct KindField {
  std::string_view name;
  std::string Account::*member;
  unsigned kinds;  // Bit()s of the kinds that have it
  Storage storage;
  std::string_view needed;  // what the account needs; empty: optional
};

constexpr std::array<KindField, 14> kKindFields = {{
    {"domo_client_id", &Account::domo_client_id, kDomoOnly, Storage::kText,
     "the client ID of its Domo API client"},
    {"domo_api_url", &Account::domo_api_url, kDomoOnly, Storage::kText, ""},
    {"domo_instance_url", &Account::domo_instance_url, kDomoOnly, Storage::kText, ""},
    {"aws_access_key_id", &Account::aws_access_key_id, kAwsOnly, Storage::kText,
     "its access key ID"},
    {"bucket", &Account::bucket, kS3Kinds, Storage::kText, "the bucket it writes to"},
    {"region", &Account::region, kS3Kinds, Storage::kText, "the bucket's region (us-east-1, ...)"},
    {"endpoint_url", &Account::endpoint_url, kS3Kinds, Storage::kText, ""},
    {"role_arn", &Account::role_arn, kRoleOnly, Storage::kText,
     "the ARN of the role to assume (arn:aws:iam::123456789012:role/Name)"},
    {"external_id", &Account::external_id, kRoleOnly, Storage::kText, ""},
    {"role_session_name", &Account::role_session_name, kRoleOnly, Storage::kText, ""},
    {"base_account_id", &Account::base_account_id, kRoleOnly, Storage::kNullableText, ""},
    {"domo_client_secret", &Account::domo_client_secret, kDomoOnly, Storage::kSealed,
     "the client secret of its Domo API client"},
    {"aws_secret_access_key", &Account::aws_secret_access_key, kAwsOnly, Storage::kSealed,
     "its secret access key"},
    {"aws_session_token", &Account::aws_session_token, kAwsOnly, Storage::kSealed, ""},
}};

// The columns written, in the order BindAccount binds them: id, kind and name, the 14
// kKindFields (the last 3 sealed), the times. Reads add base_identity_arn (kColumnsRead).
constexpr std::string_view kColumns =
    "id, kind, name, domo_client_id, domo_api_url, domo_instance_url, aws_access_key_id, bucket, "
    "region, endpoint_url, role_arn, external_id, role_session_name, base_account_id, "
    "domo_client_secret, aws_secret_access_key, aws_session_token, created_ms, updated_ms";
constexpr std::string_view kColumnsRead = ", base_identity_arn";
constexpr int kFirstKindColumn = 3;
constexpr int kCreatedColumn = kFirstKindColumn + static_cast<int>(kKindFields.size());
// Parameters of the times after the ones BindAccount binds (1-based).
constexpr int kCreatedParameter = kCreatedColumn + 1;
constexpr int kUpdatedParameter = kCreatedParameter + 1;

std::string AccountSubject(std::string_view id) { return "account " + std::string(id); }

// "AWS and AWS role": the titles of the kinds in `kinds`.
std::string KindTitles(unsigned kinds) {
  std::string titles;
  for (const AccountKind kind : {AccountKind::kDomo, AccountKind::kAws, AccountKind::kRole}) {
    if ((kinds & Bit(kind)) != 0) {
      titles += (titles.empty() ? "" : " and ") + std::string(AccountKindTitle(kind));
    }
  }
  return titles;
}

// A role's defaults: the session name, and (when creating) an external ID of 32 random hex
// digits, as Domo's AssumeRole connector shows one. On update an empty external ID keeps the
// stored one (UpdateAccount's SQL).
void ApplyRoleDefaults(Account& account, bool creating) {
  if (account.kind != AccountKind::kRole) return;
  if (account.role_session_name.empty()) account.role_session_name = kDefaultRoleSessionName;
  if (creating && account.external_id.empty()) account.external_id = RandomHex(16);
}

FieldErrors CheckAccount(const Account& account, bool creating, bool clear_session_token) {
  FieldErrors errors;
  CheckName(errors, account.name);
  for (const KindField& field : kKindFields) {
    const std::string& value = account.*field.member;
    if ((field.kinds & Bit(account.kind)) == 0) {
      if (!value.empty()) {
        errors.push_back({std::string(field.name), "set on " + AccountWithArticle(account.kind) +
                                                       "; only " + KindTitles(field.kinds) +
                                                       " accounts have it"});
      }
    } else if (!field.needed.empty() && (creating || field.storage != Storage::kSealed)) {
      RequireField(errors, field.name, value,
                   AccountWithArticle(account.kind) + " needs " + std::string(field.needed));
    }
  }
  if (clear_session_token && !account.aws_session_token.empty()) {
    errors.push_back({"aws_session_token",
                      "given together with clear_session_token; give a new token or clear the "
                      "stored one, not both"});
  }
  return errors;
}

// kInvalidArgument (field base_account_id) unless a role's base is empty or names an AWS
// account: the base lends its keys, and a role account has none to lend.
Result<void> CheckBaseAccountRef(Connection& db, const Account& account, std::string_view doing) {
  if (account.kind != AccountKind::kRole || account.base_account_id.empty()) return {};
  FieldErrors errors;
  if (auto ok = CheckAccountRef(db, doing, errors, "base_account_id", account.base_account_id,
                                {AccountKind::kAws});
      !ok) {
    return ok;
  }
  if (!errors.empty()) return Fail(JoinFieldErrors(errors, "the account"));
  return {};
}

// Binds ?1..?17 in kColumns order: the secrets sealed, an empty one as NULL.
void BindAccount(Statement& statement, const Account& account, const SecretBox& box) {
  statement.BindText(1, account.id).BindText(2, AccountKindName(account.kind));
  statement.BindText(3, account.name);
  for (size_t i = 0; i < kKindFields.size(); ++i) {
    const KindField& field = kKindFields[i];
    const std::string& value = account.*field.member;
    const int index = kFirstKindColumn + 1 + static_cast<int>(i);
    const std::optional<std::string> unset;
    switch (field.storage) {
      case Storage::kSealed:
        statement.BindOptionalBlob(index, value.empty() ? unset : box.Seal(value));
        break;
      case Storage::kNullableText:
        statement.BindOptionalText(index, value.empty() ? unset : value);
        break;
      default:
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
    if (field.storage != Storage::kSealed) {
      account.*field.member = row.Text(column);  // NULL reads as ""
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
  account.base_identity_arn = row.Text(kCreatedColumn + 2);
  return account;
}

// The accounts matching `where` (with its ORDER BY), parameters bound by `bind`.
Result<std::vector<Account>> SelectAccounts(Connection& db, std::string_view where,
                                            std::string_view doing, const SecretBox* box,
                                            const std::function<void(Statement&)>& bind) {
  auto query = Statement::Prepare(db,
                                  "SELECT " + std::string(kColumns) + std::string(kColumnsRead) +
                                      " FROM accounts " + std::string(where),
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

// kFailedPrecondition (subject "name") when another account of the kind has the name; AWS and
// AWS role accounts share their names (a job's credentials.aws_account names either kind).
Result<void> CheckNameFree(Connection& db, const Account& account, std::string_view doing) {
  auto query = Statement::Prepare(
      db,
      "SELECT kind FROM accounts WHERE (kind = ?1 OR (?2 = 1 AND kind IN ('aws', 'role'))) AND "
      "name = ?3 AND id <> ?4",
      std::string(doing));
  if (!query) return Fail(std::move(query.error()));
  query->BindText(1, AccountKindName(account.kind))
      .BindInt(2, IsS3Kind(account.kind) ? 1 : 0)
      .BindText(3, account.name)
      .BindText(4, account.id);
  auto taken = query->Step();
  if (!taken) return Fail(std::move(taken.error()));
  if (!*taken) return {};
  auto kind = ParseAccountKind(query->Text(0), "name");
  if (!kind) return Fail(std::move(kind.error()));
  return Fail(ErrorCode::kFailedPrecondition, "name",
              AccountWithArticle(*kind) + " named " + Quoted(account.name) +
                  " already exists; choose another name");
}

// The first column of every row of `sql` (?1 = `id`), joined with ", ".
Result<std::string> JoinedNames(Connection& db, std::string_view sql, std::string_view id,
                                std::string_view doing) {
  auto query = Statement::Prepare(db, sql, std::string(doing));
  if (!query) return Fail(std::move(query.error()));
  query->BindText(1, id);
  std::string names;
  while (true) {
    auto row = query->Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) return names;
    names += (names.empty() ? "" : ", ") + query->Text(0);
  }
}

}  // namespace

std::string_view AccountKindName(AccountKind kind) {
  switch (kind) {
    case AccountKind::kAws:
      return "aws";
    case AccountKind::kRole:
      return "role";
    default:
      return "domo";
  }
}

std::string_view AccountKindTitle(AccountKind kind) {
  switch (kind) {
    case AccountKind::kAws:
      return "AWS";
    case AccountKind::kRole:
      return "AWS role";
    default:
      return "Domo";
  }
}

bool IsS3Kind(AccountKind kind) { return kind == AccountKind::kAws || kind == AccountKind::kRole; }

Result<AccountKind> ParseAccountKind(std::string_view text, std::string_view subject) {
  for (const AccountKind kind : {AccountKind::kDomo, AccountKind::kAws, AccountKind::kRole}) {
    if (text == AccountKindName(kind)) return kind;
  }
  return Fail(ErrorCode::kInvalidArgument, std::string(subject),
              "unknown account kind '" + std::string(text) + "'; accepted: domo, aws, role");
}

void Store::AttachSecrets(SecretBox box) {
  std::lock_guard lock(mu_);
  secrets_.emplace(std::move(box));
}

Result<const SecretBox*> Store::Secrets() const {
  if (!secrets_) {
    return Fail(ErrorCode::kFailedPrecondition, location_,
                "the store's key file is not loaded, so account secrets cannot be sealed or "
                "opened (the program must call Store::AttachSecrets)");
  }
  return &*secrets_;
}

Result<Account> Store::CreateAccount(Account account) {
  ApplyRoleDefaults(account, /*creating=*/true);
  account.base_identity_arn.clear();  // learnt by a test, never given
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
    if (auto base = CheckBaseAccountRef(db, account, doing); !base) return base;
    std::string values;
    for (int i = 1; i <= kUpdatedParameter; ++i)
      values += (i > 1 ? ", ?" : "?") + std::to_string(i);
    auto insert = Statement::Prepare(
        db, "INSERT INTO accounts (" + std::string(kColumns) + ") VALUES (" + values + ")", doing);
    if (!insert) return Fail(std::move(insert.error()));
    BindAccount(*insert, account, **box);
    insert->BindInt(kCreatedParameter, account.created_ms)
        .BindInt(kUpdatedParameter, account.updated_ms);
    return insert->Run();
  });
  if (!saved) return Fail(std::move(saved.error()));
  return account;
}

Result<Account> Store::UpdateAccount(const Account& edit, bool clear_session_token) {
  Account account = edit;
  ApplyRoleDefaults(account, /*creating=*/false);
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
    if (auto base = CheckBaseAccountRef(db, account, doing); !base) return base;
    // NULL (an empty secret) and an empty external ID keep the stored value. The identity of
    // the base credentials is forgotten when the base or the endpoint it was seen at changes.
    // (Every right-hand side reads the row as it was.)
    auto update = Statement::Prepare(
        db,
        "UPDATE accounts SET name = ?3, domo_client_id = ?4, domo_api_url = ?5, "
        "domo_instance_url = ?6, aws_access_key_id = ?7, bucket = ?8, region = ?9, "
        "endpoint_url = ?10, role_arn = ?11, external_id = coalesce(nullif(?12, ''), "
        "external_id), role_session_name = ?13, base_account_id = ?14, "
        "base_identity_arn = CASE WHEN base_account_id IS NOT DISTINCT FROM ?14 AND "
        "endpoint_url = ?10 THEN "
        "base_identity_arn ELSE '' END, domo_client_secret = coalesce(?15, domo_client_secret), "
        "aws_secret_access_key = coalesce(?16, aws_secret_access_key), "
        "aws_session_token = CASE WHEN ?19 = 1 THEN NULL ELSE coalesce(?17, aws_session_token) "
        "END, "
        "updated_ms = ?18 WHERE id = ?1 AND kind = ?2",
        doing);
    if (!update) return Fail(std::move(update.error()));
    BindAccount(*update, account, **box);
    update->BindInt(18, NowMs()).BindInt(19, clear_session_token ? 1 : 0);
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
                    " in the store " + location_);
  }
  return std::move(found.front());
}

Result<std::vector<Account>> Store::ListAccounts() {
  const std::string doing = "listing accounts";
  std::vector<Account> accounts;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto all = SelectAccounts(
        db, "ORDER BY CASE kind WHEN 'domo' THEN 0 WHEN 'aws' THEN 1 ELSE 2 END, name", doing,
        nullptr, [](Statement&) {});
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
    // What refers to it: connectors, and role accounts it lends its keys to.
    std::string users;
    for (const auto& [sql, what] :
         {std::pair{"SELECT name FROM connectors WHERE domo_account_id = ?1 OR aws_account_id = ?1 "
                    "ORDER BY name",
                    "used by connectors: "},
          std::pair{"SELECT name FROM accounts WHERE base_account_id = ?1 ORDER BY name",
                    "the base of AWS role accounts: "}}) {
      auto names = JoinedNames(db, sql, id, doing);
      if (!names) return Fail(std::move(names.error()));
      if (!names->empty()) users += (users.empty() ? "" : " and is ") + std::string(what) + *names;
    }
    if (!users.empty()) {
      return Fail(ErrorCode::kFailedPrecondition, AccountSubject(id),
                  "account " + Quoted(account->front().name) + " is " + users +
                      "; give them another account or delete them first");
    }
    auto remove = Statement::Prepare(db, "DELETE FROM accounts WHERE id = ?1", doing);
    if (!remove) return Fail(std::move(remove.error()));
    remove->BindText(1, id);
    return remove->Run();
  });
}

Result<void> Store::SetRoleBaseIdentity(std::string_view id, std::string_view arn) {
  const std::string doing = "recording the base identity of account " + std::string(id);
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto update = Statement::Prepare(
        db, "UPDATE accounts SET base_identity_arn = ?2 WHERE id = ?1 AND kind = 'role'", doing);
    if (!update) return Fail(std::move(update.error()));
    update->BindText(1, id).BindText(2, arn);
    if (auto ok = update->Run(); !ok) return ok;
    if (db.Changes() == 0) {
      return Fail(ErrorCode::kNotFound, AccountSubject(id), "no such AWS role account");
    }
    return {};
  });
}

}  // namespace s3u::store
