#include "unload/field_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3u::unload {
namespace {

using ::testing::HasSubstr;

// The hostile inputs of docs/bad-input.md.
const std::vector<std::string> kControls = {"a\r\nb", std::string("a\0b", 3),
                                            "a\xE2\x80\xAE"
                                            "b",
                                            "bad-\xFF"};

TEST(FieldRulesTest, EveryTextFieldRefusesControlsBidiAndInvalidUtf8) {
  for (const char* key :
       {"name", "writeback.name", "writeback.description", "credentials.domo_client_id",
        "credentials.domo_client_secret", "credentials.aws_session_token",
        "credentials.domo_api_url", "credentials.endpoint_url", "credentials.region",
        "credentials.bucket", "details.path", "details.primary_key", "details.date_column",
        "details.time_zone", "output.null", "s3.storage_class"}) {
    for (const std::string& value : kControls) {
      auto checked = CheckField(key, value);
      ASSERT_FALSE(checked) << key;
      EXPECT_EQ(checked.error().subject, key);
    }
  }
}

TEST(FieldRulesTest, LabelsRefuseMarkupAndLength) {
  EXPECT_THAT(CheckField("name", "<img src=x onerror=alert(1)>").error().message, HasSubstr("'<'"));
  EXPECT_THAT(CheckField("name", std::string(101, 'a')).error().message,
              HasSubstr("has 101 characters; at most 100"));
  EXPECT_TRUE(CheckField("name", std::string(100, 'a')));
  EXPECT_TRUE(CheckField("name", "orders ../ 100%00 daily"));  // a label is never a path
  EXPECT_TRUE(CheckField("writeback.description", std::string(1000, 'd')));
  EXPECT_FALSE(CheckField("writeback.description", std::string(1001, 'd')));
}

TEST(FieldRulesTest, SecretsAndIdsAreVisibleAsciiOnly) {
  EXPECT_TRUE(CheckField("credentials.aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY"));
  EXPECT_THAT(CheckField("credentials.domo_client_secret", "a b").error().message,
              HasSubstr("a space at character 2"));
  EXPECT_FALSE(CheckField("credentials.domo_client_id", "id<script>"));
  EXPECT_FALSE(CheckField("credentials.aws_session_token", std::string(8193, 't')));
  EXPECT_TRUE(CheckField("credentials.aws_session_token", std::string(8192, 't')));
}

TEST(FieldRulesTest, AddressesAreHttpUrlsWithoutNulOrDotSegments) {
  EXPECT_TRUE(CheckField("credentials.endpoint_url", "http://127.0.0.1:9000"));
  EXPECT_TRUE(CheckField("credentials.domo_api_url", "https://api.domo.com/"));
  EXPECT_TRUE(CheckField("credentials.endpoint_url", "https://s3.example.com/base"));
  for (const char* url : {"http://h/a/../b", "http://h/./b", "http://h/a%00", "http://<h>",
                          "ftp://h", "http://u:p@h", "http://h?x=1", "http://h/a b"}) {
    auto checked = CheckField("credentials.endpoint_url", url);
    ASSERT_FALSE(checked) << url;
    EXPECT_EQ(checked.error().subject, "credentials.endpoint_url");
  }
}

TEST(FieldRulesTest, AUrlWithAPasswordIsRefusedWithoutShowingIt) {
  for (const char* key : {"credentials.endpoint_url", "credentials.domo_api_url"}) {
    auto checked = CheckField(key, "https://user:hunter2-secret@example.com/x");
    ASSERT_FALSE(checked) << key;
    EXPECT_THAT(checked.error().message, HasSubstr("'https://***@example.com/x'"));
    EXPECT_THAT(checked.error().message, ::testing::Not(HasSubstr("hunter2")));
  }
}

TEST(FieldRulesTest, PathsKeepDotsPercentAndMarkupAsWritten) {
  for (const char* path : {"orders/../x/", "./", "a%00b/", "<b>/{date}/"}) {
    EXPECT_TRUE(CheckField("details.path", path)) << path;
  }
  EXPECT_FALSE(CheckField("details.path", "/leading"));
}

TEST(FieldRulesTest, SyntaxFieldsUseTheirOwnParsers) {
  EXPECT_FALSE(CheckField("credentials.region", "us-east-1<img>"));
  EXPECT_FALSE(CheckField("credentials.bucket", "../b"));
  EXPECT_FALSE(CheckField("details.input_dataset", "../etc/passwd"));
  EXPECT_FALSE(CheckField("details.time_zone", "../UTC"));
  EXPECT_TRUE(CheckField("details.time_zone", "Europe/Paris"));
  EXPECT_TRUE(CheckField("credentials.region", ""));  // required or not is the job spec's
}

// Issue 15: a role is named as STS takes it, so a bad value is refused by name before STS is
// asked (and never reaches a header).
TEST(FieldRulesTest, ARoleArnIsAnIamRoleArnWithATwelveDigitAccountOrNone) {
  for (const char* arn : {"arn:aws:iam::123456789012:role/s3unload-writer",
                          "arn:aws:iam:::role/radosgw-role", "arn:aws-cn:iam::123456789012:role/x",
                          "arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f_g",
                          "arn:aws:iam::123456789012:role/service-role/path/Name"}) {
    EXPECT_TRUE(CheckField("credentials.role_arn", arn)) << arn;
  }
  for (const auto& [arn, says] : std::vector<std::pair<std::string, std::string>>{
           {"s3unload-writer", "is not an ARN"},
           {"arn:aws:iam::1234:role/x", "has account '1234'; an AWS account ID is 12 digits"},
           {"arn:aws:iam::12345678901a:role/x", "12 digits"},
           {"arn:aws:s3:::bucket/key", "is not an IAM ARN"},
           {"arn:aws:iam::123456789012:user/x", "is not a role ARN"},
           {"arn:aws:iam:us-east-1:123456789012:role/x", "is not an IAM ARN"},
           {"arn:evil:iam::123456789012:role/x", "names no AWS partition"},
           {"arn:aws:iam::123456789012:role/", "has no valid role name: 1-64"},
           {"arn:aws:iam::123456789012:role/a b", "has no valid role name"},
           {"arn:aws:iam::123456789012:role/" + std::string(65, 'r'), "has no valid role name"},
           {"arn:aws:iam::123456789012:role/" + std::string(2100, 'r'), "at most 2048"}}) {
    auto checked = CheckField("credentials.role_arn", arn);
    ASSERT_FALSE(checked) << arn;
    EXPECT_EQ(checked.error().subject, "credentials.role_arn");
    EXPECT_THAT(checked.error().message, HasSubstr(says)) << arn;
  }
}

TEST(FieldRulesTest, ExternalIdsAndSessionNamesTakeStsCharactersAndLengths) {
  EXPECT_TRUE(CheckField("credentials.external_id", "0123456789abcdef0123456789abcdef"));
  EXPECT_TRUE(CheckField("credentials.external_id", "Domo:ext/id+=,.@-_"));
  EXPECT_TRUE(CheckField("credentials.external_id", std::string(1224, 'e')));
  EXPECT_THAT(CheckField("credentials.external_id", "e").error().message,
              HasSubstr("is 1 characters long; STS accepts 2-1224"));
  EXPECT_FALSE(CheckField("credentials.external_id", std::string(1225, 'e')));
  EXPECT_THAT(CheckField("credentials.external_id", "a\"b").error().message,
              HasSubstr("has a character STS does not accept at position 2"));

  EXPECT_TRUE(CheckField("credentials.role_session_name", "s3unload"));
  EXPECT_TRUE(CheckField("credentials.role_session_name", std::string(64, 's')));
  EXPECT_FALSE(CheckField("credentials.role_session_name", std::string(65, 's')));
  EXPECT_FALSE(CheckField("credentials.role_session_name", "s"));
  EXPECT_THAT(CheckField("credentials.role_session_name", "run:1").error().message,
              HasSubstr("has a character STS does not accept at position 4; it accepts 2-64"));
  for (const std::string& value : kControls) {
    EXPECT_FALSE(CheckField("credentials.external_id", value));
    EXPECT_FALSE(CheckField("credentials.role_session_name", value));
    EXPECT_FALSE(CheckField("credentials.role_arn", value));
  }
}

}  // namespace
}  // namespace s3u::unload
