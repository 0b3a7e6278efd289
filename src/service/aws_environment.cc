#include "service/aws_environment.h"

#include <string>
#include <utility>

namespace s3u::service {

jobs::Environment ServiceEnvironment(const jobs::S3Source& source) {
  if (!source.role_arn || source.access_key_id) return jobs::Environment::None();
  jobs::Environment env = jobs::Environment::Process();
  env.getenv = [process = std::move(env.getenv)](std::string_view name) {
    if (name == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") return std::optional<std::string>("true");
    return process(name);
  };
  return env;
}

}  // namespace s3u::service
