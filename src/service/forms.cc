#include "service/forms.h"

#include <fmt/format.h>

#include <set>

#include "core/text.h"
#include "domo/client.h"
#include "jobs/accounts.h"
#include "unload/field_rules.h"

namespace s3u::service {
namespace {

using nlohmann::json;

// Reads the fields of one JSON object, collecting every problem: wrong types, missing
// required fields, and keys nobody asked for (a typo must not be ignored).
class FormReader {
 public:
  FormReader(const json& body, std::string prefix, FieldErrors& errors)
      : body_(body), prefix_(std::move(prefix)), errors_(errors) {}

  std::string Field(std::string_view key) const { return prefix_ + std::string(key); }

  bool Has(std::string_view key) {
    seen_.insert(std::string(key));
    return body_.is_object() && body_.contains(key) && !body_.at(key).is_null();
  }
  bool IsNull(std::string_view key) const {
    return body_.is_object() && body_.contains(key) && body_.at(key).is_null();
  }

  // Text; absent gives `fallback`. `required` adds a problem when absent or empty.
  std::string Text(std::string_view key, bool required, std::string_view what,
                   std::string fallback = "") {
    if (!Has(key)) {
      if (required) errors_.push_back({Field(key), std::string(what) + " is required"});
      return fallback;
    }
    const json& v = body_.at(key);
    if (!v.is_string()) {
      errors_.push_back({Field(key), "expected text"});
      return fallback;
    }
    std::string text = v.get<std::string>();
    if (required && text.empty())
      errors_.push_back({Field(key), std::string(what) + " is required"});
    return text;
  }

  int Integer(std::string_view key, int fallback, int min, int max) {
    if (!Has(key)) return fallback;
    const json& v = body_.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
      errors_.push_back(
          {Field(key), fmt::format("expected a whole number from {} to {}", min, max)});
      return fallback;
    }
    return v.get<int>();
  }

  bool Bool(std::string_view key, bool fallback) {
    if (!Has(key)) return fallback;
    const json& v = body_.at(key);
    if (!v.is_boolean()) {
      errors_.push_back({Field(key), "expected true or false"});
      return fallback;
    }
    return v.get<bool>();
  }

  // Problems for keys not read, except those in `ignored`.
  void RejectUnknown(const std::set<std::string>& ignored = {}) {
    if (!body_.is_object()) return;
    for (const auto& [key, value] : body_.items()) {
      if (seen_.count(key) == 0 && ignored.count(key) == 0) {
        errors_.push_back({Field(key), "unknown field; see docs/api.md"});
      }
    }
  }

 private:
  const json& body_;
  std::string prefix_;
  FieldErrors& errors_;
  std::set<std::string> seen_;
};

// The fields of a connector in a response, accepted back in a PUT and ignored, so a client
// may edit what it read.
const std::set<std::string> kConnectorResponseFields = {
    "id",           "state",           "schedule_text",  "next_run_ms", "next_run",
    "retry_due_ms", "retry_attempt",   "running_run_id", "last_run",    "created_ms",
    "updated_ms",   "retry_of_run_id", "backfill_id",    "error"};

const std::set<std::string> kAccountResponseFields = {
    "id", "secrets", "used_by", "created_ms", "updated_ms", "base_identity_arn"};

// `value` of the API field `field` meets the rule of the job field `key` (one validator per
// field: unload/field_rules.h); a problem is reported under the API's name.
void CheckRule(std::string_view field, std::string_view key, const std::string& value,
               FieldErrors& errors) {
  if (auto ok = unload::CheckField(key, value); !ok) {
    errors.push_back({std::string(field), ok.error().message});
  }
}

// "acc_" and 16 lower-case hex digits: the ids the store gives accounts (store/fields.h).
bool IsAccountId(std::string_view text) {
  constexpr std::string_view kPrefix = "acc_";
  return text.size() == kPrefix.size() + 16 && text.starts_with(kPrefix) &&
         text.find_first_not_of("0123456789abcdef", kPrefix.size()) == std::string_view::npos;
}

// settings (the job file's sections) → job-spec values with plain field names.
void SettingsValues(const json& settings, std::vector<unload::SpecValue>& values,
                    FieldErrors& errors) {
  if (!settings.is_object()) {
    errors.push_back({"settings", "expected an object of sections (details, output, ...)"});
    return;
  }
  for (const auto& [section, fields] : settings.items()) {
    if (section == "credentials") {
      errors.push_back({"credentials",
                        "a connector's credentials are its two accounts (domo_account_id, "
                        "aws_account_id), not settings"});
      continue;
    }
    if (!fields.is_object()) {
      errors.push_back({section, "expected an object of fields (see docs/job-spec.md)"});
      continue;
    }
    for (const auto& [field, value] : fields.items()) {
      const std::string key = section + "." + field;
      unload::SpecValue v{key, {}, false, ""};
      if (value.is_null()) continue;  // the documented default
      if (value.is_string()) {
        v.items.push_back(value.get<std::string>());
      } else if (value.is_number_integer()) {
        v.items.push_back(std::to_string(value.get<int64_t>()));
      } else if (value.is_boolean()) {
        v.items.push_back(value.get<bool>() ? "true" : "false");
      } else if (value.is_array()) {
        v.is_list = true;
        bool ok = true;
        for (const json& item : value) {
          if (!item.is_string())
            ok = false;
          else
            v.items.push_back(item.get<std::string>());
        }
        if (!ok) {
          errors.push_back({key, "list items must be text"});
          continue;
        }
      } else {
        errors.push_back({key, "expected text, a whole number, true/false or a list of text"});
        continue;
      }
      values.push_back(std::move(v));
    }
  }
}

}  // namespace

Checked<json> ParseBody(std::string_view text) {
  struct Frame {
    bool is_object = false;
    std::set<std::string> keys;
    std::string last_key;
  };
  std::vector<Frame> frames;
  FieldErrors errors;
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        frames.push_back({event == json::parse_event_t::object_start, {}, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!frames.empty()) frames.pop_back();
        break;
      case json::parse_event_t::key: {
        if (frames.empty()) break;
        Frame& frame = frames.back();
        frame.last_key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.last_key).second) {
          std::string path;
          for (size_t i = 0; i + 1 < frames.size(); ++i) {
            if (frames[i].is_object) path += frames[i].last_key + ".";
          }
          errors.push_back({path + frame.last_key, "given twice; give each field once"});
        }
        break;
      }
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  json body = json::parse(text, callback, false);
  if (body.is_discarded()) return tl::unexpected(FieldErrors{{"body", "not valid JSON"}});
  if (!errors.empty()) return tl::unexpected(errors);
  return body;
}

Checked<RetryPolicy> ParseRetry(const json& form) {
  FieldErrors errors;
  RetryPolicy retry;
  if (!form.is_object()) return tl::unexpected(FieldErrors{{"retry", "expected an object"}});
  FormReader r(form, "retry.", errors);
  retry.every_minutes = r.Integer("every_minutes", retry.every_minutes, 1, 1440);
  retry.max_retries = r.Integer("max_retries", retry.max_retries, 0, 20);
  r.RejectUnknown();
  if (!errors.empty()) return tl::unexpected(errors);
  return retry;
}

json RetryJson(const RetryPolicy& retry) {
  return {{"every_minutes", retry.every_minutes}, {"max_retries", retry.max_retries}};
}

Checked<AccountForm> ParseAccountForm(const json& body,
                                      std::optional<store::AccountKind> existing_kind) {
  if (!body.is_object()) return tl::unexpected(FieldErrors{{"body", "expected a JSON object"}});
  FieldErrors errors;
  FormReader r(body, "", errors);
  AccountForm form;
  store::Account& a = form.account;
  const bool editing = existing_kind.has_value();
  const std::string kind_text = r.Text("kind", !editing, "the account's kind (domo, aws or role)");
  if (!kind_text.empty()) {
    auto kind = store::ParseAccountKind(kind_text, "kind");
    if (!kind) {
      errors.push_back({"kind", "use domo, aws or role"});
    } else if (editing && *kind != *existing_kind) {
      errors.push_back({"kind", "an account's kind cannot change; create another account"});
    } else {
      a.kind = *kind;
    }
  } else if (editing) {
    a.kind = *existing_kind;
  }
  a.name = r.Text("name", true, "a name");
  CheckRule("name", "name", a.name, errors);
  // Secrets are required when creating; when editing, absent or "" keeps the saved one.
  const bool need_secret = !editing;
  if (a.kind == store::AccountKind::kDomo) {
    a.domo_client_id = r.Text("domo_client_id", true, "the Domo client ID");
    a.domo_client_secret = r.Text("domo_client_secret", need_secret, "the Domo client secret");
    a.domo_api_url = r.Text("domo_api_url", false, "");
    a.domo_instance_url = r.Text("domo_instance_url", false, "");
    CheckRule("domo_client_id", "credentials.domo_client_id", a.domo_client_id, errors);
    CheckRule("domo_client_secret", "credentials.domo_client_secret", a.domo_client_secret, errors);
    CheckRule("domo_api_url", "credentials.domo_api_url", a.domo_api_url, errors);
    CheckRule("domo_instance_url", "credentials.domo_instance_url", a.domo_instance_url, errors);
  } else {
    if (a.kind == store::AccountKind::kAws) {
      a.aws_access_key_id = r.Text("aws_access_key_id", true, "the AWS access key");
      a.aws_secret_access_key = r.Text("aws_secret_access_key", need_secret, "the AWS secret key");
      form.clear_session_token = r.IsNull("aws_session_token");
      a.aws_session_token = r.Text("aws_session_token", false, "");
      CheckRule("aws_access_key_id", "credentials.aws_access_key_id", a.aws_access_key_id, errors);
      CheckRule("aws_secret_access_key", "credentials.aws_secret_access_key",
                a.aws_secret_access_key, errors);
      CheckRule("aws_session_token", "credentials.aws_session_token", a.aws_session_token, errors);
    } else {
      a.role_arn = r.Text("role_arn", true, "the ARN of the role to assume");
      // Empty: generated when the account is created, kept when it is edited (the store's).
      a.external_id = r.Text("external_id", false, "");
      a.role_session_name = r.Text("role_session_name", false, "");
      if (a.role_session_name.empty()) a.role_session_name = store::kDefaultRoleSessionName;
      // Empty: the service's own credentials (its environment, its instance role).
      a.base_account_id = r.Text("base_account_id", false, "");
      CheckRule("role_arn", "credentials.role_arn", a.role_arn, errors);
      CheckRule("external_id", "credentials.external_id", a.external_id, errors);
      CheckRule("role_session_name", "credentials.role_session_name", a.role_session_name, errors);
      if (!a.base_account_id.empty() && !IsAccountId(a.base_account_id)) {
        errors.push_back({"base_account_id",
                          "not an account ID (acc_ and 16 hex digits); choose a saved AWS "
                          "account, or none for the service's own credentials"});
      }
    }
    a.bucket = r.Text("bucket", true, "the bucket");
    a.region = r.Text("region", true, "the region (e.g. us-east-1)");
    a.endpoint_url = r.Text("endpoint_url", false, "");
    CheckRule("bucket", "credentials.bucket", a.bucket, errors);
    CheckRule("region", "credentials.region", a.region, errors);
    CheckRule("endpoint_url", "credentials.endpoint_url", a.endpoint_url, errors);
  }
  r.RejectUnknown(kAccountResponseFields);
  if (!errors.empty()) return tl::unexpected(errors);
  return form;
}

Checked<store::Account> WithSavedSecrets(const store::Account& saved, const AccountForm& edit) {
  store::Account merged = edit.account;
  if (saved.kind == store::AccountKind::kRole) {
    // A role account holds no secret: its base account's keys are checked against the address
    // they were saved for at every use (jobs::CheckRoleBase). An empty external ID is the
    // saved one, as the store keeps it.
    if (merged.external_id.empty()) merged.external_id = saved.external_id;
    return merged;
  }
  // The fields that say where the account's requests (and so its secrets) go.
  std::vector<std::string> moved;
  auto compare = [&](const char* field, const std::string& was, const std::string& now,
                     std::string_view when_empty) {
    if (jobs::NormalizedAddress(was, when_empty) != jobs::NormalizedAddress(now, when_empty)) {
      moved.emplace_back(field);
    }
  };
  if (saved.kind == store::AccountKind::kDomo) {
    compare("domo_api_url", saved.domo_api_url, merged.domo_api_url, domo::kDefaultApiUrl);
    compare("domo_instance_url", saved.domo_instance_url, merged.domo_instance_url, "");
  } else {
    compare("endpoint_url", saved.endpoint_url, merged.endpoint_url, "");
    compare("region", saved.region, merged.region, "");
    compare("bucket", saved.bucket, merged.bucket, "");
  }
  std::string changed;
  for (const std::string& field : moved) changed += (changed.empty() ? "" : ", ") + field;
  FieldErrors errors;
  auto keep = [&](std::string store::Account::*member, const char* field, const char* what) {
    if (!(merged.*member).empty() || (saved.*member).empty()) return;
    if (moved.empty()) {
      merged.*member = saved.*member;
      return;
    }
    errors.push_back({field, fmt::format("{} changed: give {} again (a saved secret is only "
                                         "sent to the address it was saved with)",
                                         changed, what)});
  };
  if (saved.kind == store::AccountKind::kDomo) {
    keep(&store::Account::domo_client_secret, "domo_client_secret", "the client secret");
  } else {
    keep(&store::Account::aws_secret_access_key, "aws_secret_access_key", "the secret key");
    if (edit.clear_session_token) {
      merged.aws_session_token.clear();
    } else {
      keep(&store::Account::aws_session_token, "aws_session_token",
           "the session token (or null to drop it)");
    }
  }
  if (!errors.empty()) return tl::unexpected(errors);
  return merged;
}

json AccountJson(const store::Account& a, const std::vector<std::string>& used_by) {
  json j = {{"id", a.id},
            {"kind", std::string(store::AccountKindName(a.kind))},
            {"name", a.name},
            {"used_by", used_by},
            {"created_ms", a.created_ms},
            {"updated_ms", a.updated_ms}};
  if (a.kind == store::AccountKind::kDomo) {
    j["domo_client_id"] = a.domo_client_id;
    j["domo_api_url"] = a.domo_api_url;
    j["domo_instance_url"] = a.domo_instance_url;
    j["secrets"] = {{"domo_client_secret", true}};
    return j;
  }
  if (a.kind == store::AccountKind::kAws) {
    j["aws_access_key_id"] = a.aws_access_key_id;
    j["secrets"] = {{"aws_secret_access_key", true}, {"aws_session_token", a.has_session_token}};
  } else {
    j["role_arn"] = a.role_arn;
    j["external_id"] = a.external_id;
    j["role_session_name"] = a.role_session_name;
    j["base_account_id"] = a.base_account_id;
    j["base_identity_arn"] = a.base_identity_arn;
    j["secrets"] = json::object();  // a role account holds none (its base account does)
  }
  j["bucket"] = a.bucket;
  j["region"] = a.region;
  j["endpoint_url"] = a.endpoint_url;
  return j;
}

ConnectorForm ParseConnectorFormPartly(const json& body, FieldErrors& errors) {
  ConnectorForm form;
  if (!body.is_object()) {
    errors.push_back({"body", "expected a JSON object"});
    return form;
  }
  FormReader r(body, "", errors);
  form.name = r.Text("name", true, "a name (it names the runs, the metrics and the history)");
  CheckRule("name", "name", form.name, errors);
  form.enabled = r.Bool("enabled", true);
  form.domo_account_id = r.Text("domo_account_id", true, "a Domo account");
  form.aws_account_id = r.Text("aws_account_id", true, "an AWS account");
  if (r.Has("settings")) {
    std::vector<unload::SpecValue> ignored;
    const size_t before = errors.size();
    SettingsValues(body.at("settings"), ignored, errors);
    if (errors.size() == before) form.settings = body.at("settings");
  }
  if (r.Has("schedule")) {
    if (auto schedule = ParseSchedule(body.at("schedule"))) {
      form.schedule = *schedule;
    } else {
      errors.insert(errors.end(), schedule.error().begin(), schedule.error().end());
    }
  }
  if (r.Has("retry")) {
    if (auto retry = ParseRetry(body.at("retry"))) {
      form.retry = *retry;
    } else {
      errors.insert(errors.end(), retry.error().begin(), retry.error().end());
    }
  }
  r.RejectUnknown(kConnectorResponseFields);
  return form;
}

Checked<ConnectorForm> ParseConnectorForm(const json& body) {
  FieldErrors errors;
  ConnectorForm form = ParseConnectorFormPartly(body, errors);
  if (!errors.empty()) return tl::unexpected(errors);
  return form;
}

store::ConnectorRecord ToRecord(const ConnectorForm& form) {
  store::ConnectorRecord record;
  record.name = form.name;
  record.enabled = form.enabled;
  record.domo_account_id = form.domo_account_id;
  record.aws_account_id = form.aws_account_id;
  record.settings_json = form.settings.dump();
  record.schedule_json = ScheduleToJson(form.schedule).dump();
  record.retry_json = RetryJson(form.retry).dump();
  return record;
}

Result<ConnectorForm> FromRecord(const store::ConnectorRecord& record) {
  const std::string subject = "connector " + record.name;
  json body;
  try {
    body = {{"name", record.name},
            {"enabled", record.enabled},
            {"domo_account_id", record.domo_account_id},
            {"aws_account_id", record.aws_account_id},
            {"settings", json::parse(record.settings_json)},
            {"schedule", json::parse(record.schedule_json)},
            {"retry", json::parse(record.retry_json)}};
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kDataLoss, subject, std::string("stored JSON is damaged: ") + e.what());
  }
  auto form = ParseConnectorForm(body);
  if (!form) {
    Error error = JoinFieldErrors(form.error(), "the stored connector");
    error.code = ErrorCode::kDataLoss;
    error.subject = subject;
    return Fail(error);
  }
  return *form;
}

Checked<unload::JobSpec> ConnectorJobSpec(const ConnectorForm& form, const store::Account* domo,
                                          const store::Account* aws, const store::Account* aws_base,
                                          std::optional<int> specific_day) {
  FieldErrors errors;
  unload::SpecSources sources;
  if (domo) {
    for (auto& v : jobs::AccountSpecValues(*domo, "")) sources.values.push_back(std::move(v));
  }
  if (aws) {
    for (auto& v : jobs::AccountSpecValues(*aws, "", aws_base)) {
      sources.values.push_back(std::move(v));
    }
  }
  SettingsValues(form.settings, sources.values, errors);
  sources.values.push_back({"name", {form.name}, false, ""});
  sources.day_flag = specific_day;
  auto spec = unload::CheckJobSpec(sources);
  if (spec && errors.empty()) return *spec;
  if (!spec) {
    // Credentials come from the accounts: their problems belong to the account fields. An
    // account that is missing was reported by the caller already.
    for (FieldError e : spec.error()) {
      if (e.field.rfind("credentials.domo", 0) == 0) {
        if (!domo) continue;
        e.field = "domo_account_id";
      } else if (e.field.rfind("credentials.", 0) == 0) {
        if (!aws) continue;
        e.field = "aws_account_id";
      }
      errors.push_back(std::move(e));
    }
  }
  // Empty only when every problem concerned a missing account, which the caller reports.
  return tl::unexpected(errors);
}

}  // namespace s3u::service
