#include "jobs/accounts.h"

#include "core/clock.h"
#include "core/text.h"
#include "store/secret_box.h"

namespace s3u::jobs {

std::vector<unload::SpecValue> AccountSpecValues(const store::Account& a, const std::string& origin,
                                                 const store::Account* base) {
  std::vector<unload::SpecValue> values;
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) values.push_back({key, {value}, false, origin});
  };
  if (a.kind == store::AccountKind::kDomo) {
    add("credentials.domo_client_id", a.domo_client_id);
    add("credentials.domo_client_secret", a.domo_client_secret);
    add("credentials.domo_api_url", a.domo_api_url);
    add("credentials.domo_instance_url", a.domo_instance_url);
    return values;
  }
  // An AWS account's own keys, or the keys of a role's base account.
  const store::Account* keys = a.kind == store::AccountKind::kAws ? &a : base;
  if (keys != nullptr) {
    add("credentials.aws_access_key_id", keys->aws_access_key_id);
    add("credentials.aws_secret_access_key", keys->aws_secret_access_key);
    add("credentials.aws_session_token", keys->aws_session_token);
  }
  add("credentials.role_arn", a.role_arn);
  add("credentials.external_id", a.external_id);
  add("credentials.role_session_name", a.role_session_name);
  add("credentials.bucket", a.bucket);
  add("credentials.region", a.region);
  add("credentials.endpoint_url", a.endpoint_url);
  return values;
}

std::string NormalizedAddress(std::string_view url, std::string_view when_empty) {
  std::string_view text = Trim(url);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return std::string(text.empty() ? when_empty : text);
}

FieldErrors CheckRoleBase(const store::Account& role, const store::Account* base) {
  if (role.kind != store::AccountKind::kRole) return {};
  const std::string endpoint = NormalizedAddress(role.endpoint_url, "");
  if (base == nullptr) {
    if (endpoint.empty()) return {};
    return {{"endpoint_url",
             "the service's own credentials are only sent to AWS; to assume a role at an "
             "S3-compatible store, choose a saved AWS account (keys for that store) as the base"}};
  }
  const std::string saved_for = NormalizedAddress(base->endpoint_url, "");
  if (endpoint == saved_for) return {};
  return {{"endpoint_url", "the base account \"" + base->name + "\" was saved for " +
                               (saved_for.empty() ? std::string("AWS") : saved_for) +
                               ", and its keys are only sent there; use the same endpoint, or "
                               "another base account"}};
}

Checked<std::optional<store::Account>> RoleBase(store::Store& store,
                                                const store::Account& account) {
  if (account.kind != store::AccountKind::kRole) return std::nullopt;
  std::optional<store::Account> base;
  if (!account.base_account_id.empty()) {
    auto found = store.GetAccount(account.base_account_id);
    if (!found) {
      return tl::unexpected(
          FieldErrors{{"base_account_id", found.error().code == ErrorCode::kNotFound
                                              ? "no saved account " + account.base_account_id +
                                                    "; choose a saved AWS account, or none for the "
                                                    "service's own credentials"
                                              : found.error().message}});
    }
    if (found->kind != store::AccountKind::kAws) {
      return tl::unexpected(FieldErrors{
          {"base_account_id", "account \"" + found->name + "\" is not an AWS account; the base " +
                                  "of a role is an AWS account, whose keys assume the role"}});
    }
    base = std::move(*found);
  }
  if (FieldErrors errors = CheckRoleBase(account, base ? &*base : nullptr); !errors.empty()) {
    return tl::unexpected(errors);
  }
  return base;
}

unload::AccountResolver SavedAccounts(Result<store::StoreUrl> store_url,
                                      store::SecretKeySource secret_key) {
  return [store_url, secret_key](std::string_view kind,
                                 std::string_view name) -> Result<std::vector<unload::SpecValue>> {
    if (!store_url) return Fail(store_url.error());
    SystemClock clock;
    auto opened = store::Store::Open(*store_url, clock);
    if (!opened) return Fail(opened.error());
    auto box = store::ResolveSecretBox(*store_url, secret_key);
    if (!box) return Fail(box.error());
    store::Store& store = **opened;
    store.AttachSecrets(std::move(*box));
    auto parsed = store::ParseAccountKind(kind, "account kind");
    if (!parsed) return Fail(parsed.error());
    auto account = store.FindAccount(*parsed, name);
    // AWS and AWS role accounts share names: "aws" names either.
    if (!account && account.error().code == ErrorCode::kNotFound &&
        *parsed == store::AccountKind::kAws) {
      if (auto role = store.FindAccount(store::AccountKind::kRole, name)) account = std::move(role);
    }
    if (!account) return Fail(account.error());
    auto base = RoleBase(store, *account);
    if (!base) return Fail(JoinFieldErrors(base.error(), "account " + std::string(name)));
    return AccountSpecValues(*account, "account " + std::string(name),
                             base->has_value() ? &**base : nullptr);
  };
}

}  // namespace s3u::jobs
