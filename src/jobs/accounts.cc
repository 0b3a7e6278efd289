#include "jobs/accounts.h"

#include "core/clock.h"
#include "store/secret_box.h"
#include "store/store.h"

namespace s3u::jobs {

std::vector<unload::SpecValue> AccountSpecValues(const store::Account& a,
                                                 const std::string& origin) {
  std::vector<unload::SpecValue> values;
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) values.push_back({key, {value}, false, origin});
  };
  if (a.kind == store::AccountKind::kDomo) {
    add("credentials.domo_client_id", a.domo_client_id);
    add("credentials.domo_client_secret", a.domo_client_secret);
    add("credentials.domo_api_url", a.domo_api_url);
    add("credentials.domo_instance_url", a.domo_instance_url);
  } else {
    add("credentials.aws_access_key_id", a.aws_access_key_id);
    add("credentials.aws_secret_access_key", a.aws_secret_access_key);
    add("credentials.aws_session_token", a.aws_session_token);
    add("credentials.bucket", a.bucket);
    add("credentials.region", a.region);
    add("credentials.endpoint_url", a.endpoint_url);
  }
  return values;
}

unload::AccountResolver SavedAccounts(Result<std::filesystem::path> store_path) {
  return [store_path](std::string_view kind,
                      std::string_view name) -> Result<std::vector<unload::SpecValue>> {
    if (!store_path) return Fail(store_path.error());
    SystemClock clock;
    auto opened = store::Store::Open(*store_path, clock);
    if (!opened) return Fail(opened.error());
    auto box = store::SecretBox::LoadOrCreate(store::KeyPathFor(*store_path));
    if (!box) return Fail(box.error());
    (*opened)->AttachSecrets(std::move(*box));
    auto parsed = store::ParseAccountKind(kind, "account kind");
    if (!parsed) return Fail(parsed.error());
    auto account = (*opened)->FindAccount(*parsed, name);
    if (!account) return Fail(account.error());
    return AccountSpecValues(*account, "account " + std::string(name));
  };
}

}  // namespace s3u::jobs
