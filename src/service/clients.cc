#include "service/clients.h"

namespace s3u::service {
namespace {

// The CLI's defaults (cli/s3_options.h): a stalled transfer is retried after 30 s.
http::HttpOptions TransportOptions() {
  http::HttpOptions options;
  options.connect_timeout = std::chrono::seconds(10);
  options.low_speed_time = std::chrono::seconds(30);
  return options;
}

Result<std::unique_ptr<S3Bundle>> OpenS3With(s3::Credentials credentials, std::string region,
                                             const std::string& endpoint_url, Clock& clock,
                                             Logger& log) {
  log.AddSecret(credentials.secret_access_key);
  log.AddSecret(credentials.session_token);
  auto bundle = std::make_unique<S3Bundle>();
  bundle->credentials = std::move(credentials);
  bundle->region = region.empty() ? "us-east-1" : std::move(region);
  bundle->http = std::make_unique<http::CurlHttpClient>(TransportOptions());
  bundle->provider = std::make_unique<s3::StaticCredentialsProvider>(bundle->credentials);
  s3::ClientOptions options;
  options.region = bundle->region;
  if (!endpoint_url.empty()) {
    options.endpoint_url = endpoint_url;
    options.force_path_style = true;
  }
  auto client = s3::S3Client::Create(*bundle->http, *bundle->provider, clock, log, options);
  if (!client) return Fail(client.error());
  bundle->client = std::move(*client);
  return bundle;
}

Result<std::unique_ptr<DomoBundle>> OpenDomoWith(domo::DomoOptions options, Clock& clock,
                                                 Logger& log) {
  log.AddSecret(options.client_secret);
  if (auto ok = domo::ValidateDomoOptions(options); !ok) return Fail(ok.error());
  auto bundle = std::make_unique<DomoBundle>();
  bundle->api_url = options.api_url;
  bundle->http = std::make_unique<http::CurlHttpClient>(TransportOptions());
  bundle->client =
      std::make_unique<domo::DomoClient>(std::move(options), *bundle->http, clock, log);
  return bundle;
}

}  // namespace

Result<std::unique_ptr<S3Bundle>> OpenS3(const unload::JobSpec& spec, Clock& clock, Logger& log) {
  s3::Credentials credentials;
  credentials.access_key_id = spec.aws_access_key_id.value_or("");
  credentials.secret_access_key = spec.aws_secret_access_key.value_or("");
  credentials.session_token = spec.aws_session_token.value_or("");
  return OpenS3With(std::move(credentials), spec.region.value_or(""),
                    spec.endpoint_url.value_or(""), clock, log);
}

Result<std::unique_ptr<S3Bundle>> OpenS3(const store::Account& aws, Clock& clock, Logger& log) {
  s3::Credentials credentials;
  credentials.access_key_id = aws.aws_access_key_id;
  credentials.secret_access_key = aws.aws_secret_access_key;
  credentials.session_token = aws.aws_session_token;
  return OpenS3With(std::move(credentials), aws.region, aws.endpoint_url, clock, log);
}

Result<std::unique_ptr<DomoBundle>> OpenDomo(const unload::JobSpec& spec, Clock& clock,
                                             Logger& log) {
  domo::DomoOptions options;
  options.api_url = spec.domo_api_url;
  if (!spec.domo_instance_url.empty()) options.instance_url = spec.domo_instance_url;
  options.client_id = spec.domo_client_id;
  options.client_secret = spec.domo_client_secret;
  return OpenDomoWith(std::move(options), clock, log);
}

Result<std::unique_ptr<DomoBundle>> OpenDomo(const store::Account& domo, Clock& clock,
                                             Logger& log) {
  domo::DomoOptions options;
  if (!domo.domo_api_url.empty()) options.api_url = domo.domo_api_url;
  if (!domo.domo_instance_url.empty()) options.instance_url = domo.domo_instance_url;
  options.client_id = domo.domo_client_id;
  options.client_secret = domo.domo_client_secret;
  return OpenDomoWith(std::move(options), clock, log);
}

}  // namespace s3u::service
