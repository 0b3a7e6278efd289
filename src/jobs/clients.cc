#include "jobs/clients.h"

#include <cstdlib>

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

}  // namespace

Environment Environment::Process() {
  Environment env;
  env.getenv = ProcessEnv;
  env.read_file = ReadWholeFile;
  if (const char* home = std::getenv("HOME")) env.home = home;
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

  auto settings = s3::ResolveAwsSettings(input);
  if (!settings) return Fail(settings.error());
  log.AddSecret(settings->credentials.secret_access_key);
  log.AddSecret(settings->credentials.session_token);

  auto clients = std::make_unique<S3Clients>();
  clients->settings = *settings;
  clients->credentials = std::make_unique<s3::ResolvingCredentialsProvider>(input);
  clients->http = std::make_unique<http::CurlHttpClient>(HttpOptionsFor(transport, env));

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
