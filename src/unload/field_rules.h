// One validator per field: what text each field of a job accepts, whichever way it arrives (a
// job file, `--set`, the environment, a saved account or a connector of the service, the API
// or the page). The job spec (job_spec.h) applies the rule of every field it is given before
// it reads the value; the service's account form (service/forms.h) applies the same rules to
// an account's fields under their API names. docs/bad-input.md is the table of what each field
// accepts and refuses, and tests/service/bad_input_test walks it.
//
// Every text field refuses what core/characters.h refuses (invalid UTF-8, control characters,
// CR/LF, NUL, bidi controls, line separators). Beyond that, by kind of field:
//   - labels (name, writeback.name, writeback.description, account names): at most 100
//     characters (a description 1000), and no '<' or '>': a label is shown in pages, emails,
//     chat messages and Domo, and markup has no place in one;
//   - identifiers and secrets (client IDs, access keys, secrets, session tokens, profiles, KMS
//     key IDs): visible ASCII only, no spaces, no quotes, '<', '>' or '\', bounded length;
//   - addresses (domo_api_url, domo_instance_url, endpoint_url): s3::ValidateHttpUrl;
//   - region and bucket: s3::ValidateRegion, s3::ValidateBucketName;
//   - a role (credentials.role_arn): an IAM role ARN, arn:aws:iam::123456789012:role/Name, the
//     account 12 digits or none (radosgw); external_id: 2-1224 characters of [\w+=,.@:/-];
//     role_session_name: 2-64 characters of [\w+=,.@-] (STS's own rules, so a bad value is
//     refused by name before STS is asked);
//   - dataset IDs: a GUID or a dataset URL (domo::ParseDatasetId);
//   - details.path: unload::ValidatePathTemplate. '..', '%', '<' and '>' stay: a key is kept
//     exactly as written (docs/job-spec.md, "Keys");
//   - column names (primary_key, date_column): Domo's own names, compared with the dataset's
//     at run time, so only the characters and the length (1024) are checked here;
//   - details.time_zone: an IANA zone (table::FindTimeZone);
//   - anything else given as text (choices, numbers, sizes) has its own parser in the job spec;
//     here only the characters and a length of 1024.
// An empty value passes here: whether a field is required is the job spec's (or the form's)
// to say, since many fields fall back to a default.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "core/error.h"

namespace s3u::unload {

// Checks `value` against the rule of the job field `key` ("credentials.region", "name").
// Errors are kInvalidArgument with `key` as the subject and a message that says what is
// accepted.
Result<void> CheckField(std::string_view key, std::string_view value);

}  // namespace s3u::unload
