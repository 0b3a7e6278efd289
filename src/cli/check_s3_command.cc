#include "cli/check_s3_command.h"

#include "cli/output.h"
#include "s3/access_check.h"

namespace s3u::cli {

CLI::App* AddCheckS3Command(CLI::App& app, CheckS3Flags& flags) {
  CLI::App* cmd =
      app.add_subcommand("check-s3", "Report what the credentials can do at a bucket/prefix");
  cmd->add_option("target", flags.target, "s3://bucket or s3://bucket/prefix/")->required();
  cmd->add_flag("--json", flags.json, "Print one JSON object on standard output");
  AddS3Flags(*cmd, flags.s3);
  return cmd;
}

int RunCheckS3(const CheckS3Flags& flags) {
  Output out(flags.json);
  auto location = s3::ParseS3Url(flags.target, "target");
  if (!location) return out.Failure(location.error());
  if (auto ok = s3::ValidateBucketName(location->bucket); !ok) return out.Failure(ok.error());
  auto session = OpenS3Session(flags.s3);
  if (!session) return out.Failure(session.error());
  out.SetLogger((*session)->log.get());

  auto report = s3::CheckS3Access(*(*session)->s3->client, location->bucket, location->key,
                                  s3::RandomProbeSuffix());
  if (!report) return out.Failure(report.error());
  report->target = flags.target;  // as the user typed it
  // Who the checks ran as: the assumed role's ARN for a role, else STS GetCallerIdentity.
  const jobs::S3Clients& s3 = *(*session)->s3;
  const jobs::Identity identity = jobs::SigningIdentity(*(*session)->s3);
  nlohmann::json json = s3::S3AccessJson(*report);
  json["identity"] = jobs::IdentityJson(identity);
  json["credentials"] = s3.settings.credentials_source;
  const std::string signer =
      identity.arn.empty() ? "unknown: " + identity.note : identity.arn + " (" + identity.how + ")";
  return out.Report(json,
                    "credentials: " + s3.settings.credentials_source + "\nidentity: " + signer +
                        "\n" + s3::S3AccessText(*report),
                    report->can_upload ? 0 : ExitCodeFor(ErrorCode::kPermissionDenied));
}

}  // namespace s3u::cli
