#include "jobs/clients.h"

#include <cstdlib>

#include "core/text.h"
#include "s3/credential_providers.h"

namespace s3u::jobs {
namespace {

std::optional<std::string> NonEmpty(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return value;
}

http::HttpOptions HttpOptionsFor(const Transport& transport, const Environment& env) {
  http::HttpOptions options;
  options.connect_timeout = transport.connect_timeout;
  options.low_speed_time = transport.stall_timeout;
  options.ca_bundle = transport.ca_bundle;
  if (options.ca_bundle.empty() && env.getenv) {
    options.ca_bundle = env.getenv("AWS_CA_BUNDLE").value_or("");
  }
  return options;
}

// Builds the provider of one step of the chain (s3/credentials.h); fetched credentials are
// registered with `log` each time they are fetched, so no log line can show them.
class ProviderBuilder {
 public:
  ProviderBuilder(S3Clients& clients, const s3::AwsSettingsInput& input, Clock& clock, Logger& log)
      : clients_(clients), input_(input), clock_(clock), log_(log) {}

  Result<std::unique_ptr<s3::CredentialsProvider>> Build(const s3::CredentialSource& source,
                                                         const std::string& description) {
    using namespace s3;
    if (std::holds_alternative<Credentials>(source.where)) {
      return std::unique_ptr<CredentialsProvider>(
          std::make_unique<ResolvingCredentialsProvider>(input_));
    }
    if (const auto* role = std::get_if<AssumeRoleSource>(&source.where)) {
      // A source profile's keys are the base as resolved: re-resolving (what the chain's own
      // fixed keys do on refresh) would find the role profile again, not them.
      const auto* keys = std::get_if<Credentials>(&role->base->where);
      if (keys) {
        log_.AddSecret(keys->secret_access_key);
        log_.AddSecret(keys->session_token);
      }
      auto base = keys ? Result<std::unique_ptr<CredentialsProvider>>(
                             std::make_unique<StaticCredentialsProvider>(*keys, clock_))
                       : Build(*role->base, role->base_description);
      if (!base) return Fail(base.error());
      AssumeRoleRequest request;
      request.role_arn = role->role_arn;
      request.external_id = role->external_id;
      request.session_name = role->session_name;
      request.duration = std::chrono::seconds(role->duration_seconds);
      return AssumeRole(std::move(*base), request, description);
    }
    if (const auto* web = std::get_if<WebIdentitySource>(&source.where)) {
      AssumeRoleRequest request;
      request.role_arn = web->role_arn;
      request.session_name = web->session_name;
      const std::string token_file = web->token_file;
      auto read_file = input_.read_file;
      s3::StsClient* sts = clients_.sts.get();
      Logger* log = &log_;
      auto arn = Assumes("AssumeRoleWithWebIdentity");
      // The builder is gone when this runs: the lambda holds what it needs (clients_ owns STS).
      return Refreshing(
          description, [sts, log, arn, request, token_file, read_file]() -> Result<Credentials> {
            // Re-read on each fetch: EKS rotates the projected token.
            std::optional<std::string> token = read_file ? read_file(token_file) : std::nullopt;
            if (!token || token->empty()) {
              return Fail(ErrorCode::kUnauthenticated, token_file,
                          "cannot read the web identity token file " + token_file);
            }
            log->AddSecret(*token);
            auto assumed = sts->AssumeRoleWithWebIdentity(std::string(Trim(*token)), request);
            if (!assumed) return Fail(assumed.error());
            arn->Set(assumed->assumed_role_arn);
            return assumed->credentials;
          });
    }
    if (const auto* sso = std::get_if<SsoSource>(&source.where)) {
      SsoSettings settings;
      settings.profile = clients_.settings.profile;
      if (!sso->session_name.empty()) settings.session = sso->session_name;
      settings.start_url = sso->start_url;
      settings.region = sso->region;
      settings.account_id = sso->account_id;
      settings.role_name = sso->role_name;
      return Refreshing(description, SsoCredentialsFetcher(settings, input_.home, input_.read_file,
                                                           MetadataHttp(), clock_));
    }
    if (const auto* process = std::get_if<ProcessSource>(&source.where)) {
      return Refreshing(description, ProcessCredentialsFetcher(process->command));
    }
    if (std::holds_alternative<ContainerSource>(source.where)) {
      return Refreshing(description, ContainerCredentialsFetcher(input_.getenv, input_.read_file,
                                                                 MetadataHttp(), clock_));
    }
    auto imds = ReadImdsSettings(input_.getenv);
    if (!imds) return Fail(imds.error());
    return Refreshing(description, InstanceMetadataFetcher(*imds, MetadataHttp(), clock_, &log_));
  }

  // The role of S3Source::role_arn, assumed with whatever the chain resolved.
  Result<std::unique_ptr<s3::CredentialsProvider>> AssumeRole(
      std::unique_ptr<s3::CredentialsProvider> base, const s3::AssumeRoleRequest& request,
      const std::string& description) {
    if (auto ok = s3::ValidateAssumeRoleRequest(request); !ok) return Fail(ok.error());
    s3::CredentialsProvider* base_provider = base.get();
    clients_.bases.push_back(std::move(base));
    s3::StsClient* sts = clients_.sts.get();
    auto arn = Assumes("AssumeRole");
    return Refreshing(description, [sts, arn, base_provider, request]() -> Result<Credentials> {
      auto base_credentials = base_provider->Get();
      if (!base_credentials) return Fail(base_credentials.error());
      auto assumed = sts->AssumeRole(*base_credentials, request);
      if (!assumed) return Fail(assumed.error());
      arn->Set(assumed->assumed_role_arn);
      return assumed->credentials;
    });
  }

 private:
  using Credentials = s3::Credentials;

  Result<std::unique_ptr<s3::CredentialsProvider>> Refreshing(const std::string& name,
                                                              s3::CredentialsFetch fetch) {
    Logger& log = log_;
    auto registered = [fetch = std::move(fetch), &log]() -> Result<Credentials> {
      auto c = fetch();
      if (c) {
        log.AddSecret(c->secret_access_key);
        log.AddSecret(c->session_token);
      }
      return c;
    };
    return std::unique_ptr<s3::CredentialsProvider>(
        std::make_unique<s3::RefreshingCredentialsProvider>(name, std::move(registered), clock_,
                                                            &log_));
  }

  http::HttpClient& MetadataHttp() {
    if (!clients_.metadata_http) {
      clients_.metadata_http =
          std::make_unique<http::CurlHttpClient>(s3::MetadataHttpOptions(s3::kContainerTimeout));
    }
    return *clients_.metadata_http;
  }

  // A provider that assumes a role through STS. Providers are built inside out (a role's base
  // before the role), so the last one noted is the role the S3 client signs as.
  std::shared_ptr<AssumedRoleArn> Assumes(const std::string& action) {
    clients_.assumed_role = std::make_shared<AssumedRoleArn>(action);
    return clients_.assumed_role;
  }

  S3Clients& clients_;
  const s3::AwsSettingsInput& input_;
  Clock& clock_;
  Logger& log_;
};

}  // namespace

void AssumedRoleArn::Set(std::string arn) {
  std::lock_guard<std::mutex> lock(mutex_);
  arn_ = std::move(arn);
}

std::string AssumedRoleArn::Get() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return arn_;
}

Identity SigningIdentity(S3Clients& clients) {
  if (clients.assumed_role) {
    Identity identity{clients.assumed_role->Get(), clients.assumed_role->action(), ""};
    if (!identity.arn.empty()) return identity;
  }
  Identity identity{"", "GetCallerIdentity", ""};
  auto current = clients.credentials->Get();
  if (!current) {
    identity.note = current.error().message;
    return identity;
  }
  auto arn = clients.sts->GetCallerIdentity(*current);
  if (arn) {
    identity.arn = *arn;
  } else if (arn.error().code == ErrorCode::kFailedPrecondition) {
    identity.note = "the STS endpoint does not implement GetCallerIdentity (" +
                    clients.settings.sts_endpoint_url.value_or("the region's") + ")";
  } else {
    identity.note = arn.error().message;
  }
  return identity;
}

nlohmann::json IdentityJson(const Identity& identity) {
  nlohmann::json out = {{"how", identity.how}};
  out["arn"] = identity.arn.empty() ? nlohmann::json(nullptr) : nlohmann::json(identity.arn);
  if (!identity.note.empty()) out["note"] = identity.note;
  return out;
}

Environment Environment::Process() {
  Environment env;
  env.getenv = ProcessEnv;
  env.read_file = ReadWholeFile;
  if (const char* home = std::getenv("HOME")) env.home = home;
  env.instance_metadata = true;
  return env;
}

Environment Environment::None() { return {}; }

Result<std::unique_ptr<S3Clients>> OpenS3(const S3Source& source, const Environment& env,
                                          const Transport& transport, Clock& clock, Logger& log) {
  // Registered first, so even an error echoing a value cannot show them.
  if (source.secret_access_key) log.AddSecret(*source.secret_access_key);
  if (source.session_token) log.AddSecret(*source.session_token);

  s3::AwsSettingsInput input;
  input.flag_access_key = source.access_key_id;
  input.flag_secret_key = source.secret_access_key;
  input.flag_session_token = source.session_token;
  input.flag_profile = source.profile;
  input.flag_region = source.region;
  input.flag_endpoint_url = source.endpoint_url;
  input.getenv = env.getenv;
  input.read_file = env.read_file;
  input.home = env.home;
  input.instance_metadata = env.instance_metadata;

  auto settings = s3::ResolveAwsSettings(input);
  if (!settings) return Fail(settings.error());
  log.AddSecret(settings->credentials.secret_access_key);
  log.AddSecret(settings->credentials.session_token);

  auto clients = std::make_unique<S3Clients>();
  clients->settings = *settings;
  clients->http = std::make_unique<http::CurlHttpClient>(HttpOptionsFor(transport, env));
  http::RetryPolicy sts_retry;
  sts_retry.budget = transport.retry_budget;
  sts_retry.max_attempts = transport.max_attempts;
  clients->sts = std::make_unique<s3::StsClient>(
      *clients->http, settings->region, settings->sts_endpoint_url.value_or(""), clock, sts_retry);
  // Built before the first request, and the temporary credentials fetched once now, so a role
  // that cannot be assumed fails here, naming its provider.
  const bool fetched = !std::holds_alternative<s3::Credentials>(settings->source.where) ||
                       source.role_arn.has_value();
  ProviderBuilder builder(*clients, input, clock, log);
  auto provider = builder.Build(settings->source, settings->credentials_source);
  if (!provider) return Fail(provider.error());
  if (source.role_arn) {
    s3::AssumeRoleRequest request;
    request.role_arn = *source.role_arn;
    request.external_id = source.external_id.value_or("");
    request.session_name = source.role_session_name.value_or("s3unload");
    provider = builder.AssumeRole(
        std::move(*provider), request,
        "assume-role " + *source.role_arn + " with " + settings->credentials_source);
    if (!provider) return Fail(provider.error());
    clients->settings.credentials_source =
        "assume-role " + *source.role_arn + " with " + settings->credentials_source;
  }
  clients->credentials = std::move(*provider);
  if (fetched) {
    auto first = clients->credentials->Get();
    if (!first) return Fail(first.error());
    clients->settings.credentials = *first;
  }

  s3::ClientOptions options;
  options.region = settings->region;
  options.endpoint_url = settings->endpoint_url;
  // Local and self-hosted stores rarely have wildcard DNS: path style with an endpoint.
  options.force_path_style = source.force_path_style || settings->endpoint_url.has_value();
  options.correct_region = source.correct_region;
  options.sign_payload = source.sign_payload;
  options.retry.budget = transport.retry_budget;
  options.retry.max_attempts = transport.max_attempts;
  auto client = s3::S3Client::Create(*clients->http, *clients->credentials, clock, log, options);
  if (!client) return Fail(client.error());
  clients->client = std::move(*client);
  return clients;
}

Result<std::unique_ptr<DomoClients>> OpenDomo(domo::DomoOptions options, const Transport& transport,
                                              Clock& clock, Logger& log) {
  log.AddSecret(options.client_secret);
  if (auto ok = domo::ValidateDomoOptions(options); !ok) return Fail(ok.error());
  options.retry.budget = transport.retry_budget;
  options.retry.max_attempts = transport.max_attempts;
  auto clients = std::make_unique<DomoClients>();
  clients->options = options;
  clients->http =
      std::make_unique<http::CurlHttpClient>(HttpOptionsFor(transport, Environment::None()));
  clients->client = std::make_unique<domo::DomoClient>(options, *clients->http, clock, log);
  return clients;
}

S3Source S3SourceFor(const unload::JobSpec& spec) {
  S3Source source;
  source.access_key_id = spec.aws_access_key_id;
  source.secret_access_key = spec.aws_secret_access_key;
  source.session_token = spec.aws_session_token;
  source.profile = spec.aws_profile;
  source.region = spec.region;
  source.endpoint_url = spec.endpoint_url;
  source.role_arn = spec.role_arn;
  source.external_id = spec.external_id;
  source.role_session_name = spec.role_session_name;
  return source;
}

domo::DomoOptions DomoOptionsFor(const unload::JobSpec& spec) {
  domo::DomoOptions options;
  options.api_url = spec.domo_api_url;
  options.instance_url = NonEmpty(spec.domo_instance_url);
  options.client_id = spec.domo_client_id;
  options.client_secret = spec.domo_client_secret;
  return options;
}

S3Source S3SourceFor(const store::Account& account, const store::Account* base) {
  // An AWS account signs with its own keys; a role account assumes its role with the keys of
  // its base account, or with the Environment's chain when it has none.
  const store::Account* keys = account.kind == store::AccountKind::kRole ? base : &account;
  S3Source source;
  if (keys != nullptr) {
    source.access_key_id = NonEmpty(keys->aws_access_key_id);
    source.secret_access_key = NonEmpty(keys->aws_secret_access_key);
    source.session_token = NonEmpty(keys->aws_session_token);
  }
  source.region = NonEmpty(account.region);
  source.endpoint_url = NonEmpty(account.endpoint_url);
  source.role_arn = NonEmpty(account.role_arn);
  source.external_id = NonEmpty(account.external_id);
  source.role_session_name = NonEmpty(account.role_session_name);
  return source;
}

domo::DomoOptions DomoOptionsFor(const store::Account& domo) {
  domo::DomoOptions options;
  if (!domo.domo_api_url.empty()) options.api_url = domo.domo_api_url;
  options.instance_url = NonEmpty(domo.domo_instance_url);
  options.client_id = domo.domo_client_id;
  options.client_secret = domo.domo_client_secret;
  return options;
}

Result<JobClients> OpenJobClients(const unload::JobSpec& spec, const Environment& env,
                                  Transport transport, Clock& clock, Logger& log) {
  log.AddSecret(spec.domo_client_secret);  // before the S3 side can fail
  transport.retry_budget = spec.retry_budget;
  JobClients clients;
  auto s3 = OpenS3(S3SourceFor(spec), env, transport, clock, log);
  if (!s3) return Fail(s3.error());
  clients.s3 = std::move(*s3);
  auto domo = OpenDomo(DomoOptionsFor(spec), transport, clock, log);
  if (!domo) return Fail(domo.error());
  clients.domo = std::move(*domo);
  return clients;
}

}  // namespace s3u::jobs
