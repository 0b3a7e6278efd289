// Tests for s3:// parsing, name validation, endpoint resolution and request addressing.
// Bucket rules follow the AWS "General purpose bucket naming rules" page of the S3 User Guide.
#include "s3/uri.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3u::s3 {
namespace {

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// ---------------------------------------------------------------------------------------
// ParseS3Url

TEST(ParseS3UrlTest, BucketAndKeyWithSlashes) {
  auto loc = ParseS3Url("s3://my-bucket/exports/2024/01/data.csv", "destination");
  ASSERT_TRUE(loc.has_value()) << loc.error().ToString();
  EXPECT_EQ(loc->bucket, "my-bucket");
  EXPECT_EQ(loc->key, "exports/2024/01/data.csv");
}

TEST(ParseS3UrlTest, BucketOnlyGivesEmptyKey) {
  EXPECT_EQ(ParseS3Url("s3://my-bucket", "d").value().key, "");
  EXPECT_EQ(ParseS3Url("s3://my-bucket/", "d").value().key, "");
}

TEST(ParseS3UrlTest, KeyTakenLiterallyIncludingSpecialCharacters) {
  auto loc = ParseS3Url("s3://b-1/a//b?c#d%20 e/", "d");
  ASSERT_TRUE(loc.has_value());
  EXPECT_EQ(loc->key, "a//b?c#d%20 e/");
}

TEST(ParseS3UrlTest, UnicodeKeyAccepted) {
  EXPECT_EQ(ParseS3Url("s3://b-1/m\xC3\xBCnchen/\xF0\x9F\x98\x80", "d").value().key,
            "m\xC3\xBCnchen/\xF0\x9F\x98\x80");
}

TEST(ParseS3UrlTest, ErrorsNameSubjectAndAcceptedForm) {
  auto r = ParseS3Url("my-bucket/key", "destination");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().subject, "destination");
  EXPECT_TRUE(Contains(r.error().message, "s3://bucket/key")) << r.error().message;
}

TEST(ParseS3UrlTest, RejectsEmpty) { EXPECT_FALSE(ParseS3Url("", "d").has_value()); }

TEST(ParseS3UrlTest, RejectsOtherSchemesWithHintForHttp) {
  auto r = ParseS3Url("https://s3.amazonaws.com/b/k", "d");
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(Contains(r.error().message, "--endpoint-url")) << r.error().message;
  EXPECT_FALSE(ParseS3Url("S3://bucket/k", "d").has_value());
  EXPECT_FALSE(ParseS3Url("s3:/bucket/k", "d").has_value());
  EXPECT_FALSE(ParseS3Url("s3a://bucket/k", "d").has_value());
}

TEST(ParseS3UrlTest, RejectsMissingBucket) {
  auto r = ParseS3Url("s3:///key", "source");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().subject, "source");
  EXPECT_TRUE(Contains(r.error().message, "no bucket")) << r.error().message;
  EXPECT_FALSE(ParseS3Url("s3://", "d").has_value());
}

TEST(ParseS3UrlTest, RejectsInvalidBucketWithBucketReason) {
  auto r = ParseS3Url("s3://My_Bucket/k", "destination");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().subject, "destination");
  EXPECT_TRUE(Contains(r.error().message, "uppercase")) << r.error().message;
}

TEST(ParseS3UrlTest, RejectsInvalidKey) {
  EXPECT_FALSE(ParseS3Url("s3://bucket/" + std::string(1025, 'k'), "d").has_value());
  EXPECT_FALSE(ParseS3Url("s3://bucket/bad\xFF", "d").has_value());
  EXPECT_TRUE(ParseS3Url("s3://bucket/" + std::string(1024, 'k'), "d").has_value());
}

// ---------------------------------------------------------------------------------------
// ValidateBucketName

TEST(ValidateBucketNameTest, AcceptsValidNames) {
  for (std::string_view ok : {"abc", "my-bucket", "my.bucket.name", "a1b", "123", "b-1.2-c",
                              "docexamplebucket1", "xn-not-quite", "bucket-s3alias-not-suffix"}) {
    EXPECT_TRUE(ValidateBucketName(ok).has_value()) << ok;
  }
  EXPECT_TRUE(ValidateBucketName(std::string(63, 'a')).has_value());
}

void ExpectBucketError(std::string_view bucket, std::string_view fragment) {
  auto r = ValidateBucketName(bucket);
  ASSERT_FALSE(r.has_value()) << bucket;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().subject, "bucket");
  EXPECT_TRUE(Contains(r.error().message, fragment))
      << bucket << ": " << r.error().message << " lacks " << fragment;
}

TEST(ValidateBucketNameTest, RejectsTooShortAndTooLong) {
  ExpectBucketError("", "3 to 63");
  ExpectBucketError("ab", "3 to 63");
  ExpectBucketError(std::string(64, 'a'), "3 to 63");
}

TEST(ValidateBucketNameTest, RejectsUppercase) { ExpectBucketError("MyBucket", "uppercase"); }

TEST(ValidateBucketNameTest, RejectsUnderscoreSpaceAndOtherCharacters) {
  ExpectBucketError("my_bucket", "'_'");
  ExpectBucketError("my bucket", "' '");
  ExpectBucketError("my/bucket", "'/'");
  ExpectBucketError("m\xC3\xBCnchen", "position 1");
}

TEST(ValidateBucketNameTest, RejectsBadFirstOrLastCharacter) {
  ExpectBucketError("-bucket", "begin and end");
  ExpectBucketError("bucket-", "begin and end");
  ExpectBucketError(".bucket", "begin and end");
  ExpectBucketError("bucket.", "begin and end");
}

TEST(ValidateBucketNameTest, RejectsAdjacentPeriods) { ExpectBucketError("my..bucket", "'..'"); }

TEST(ValidateBucketNameTest, RejectsIpAddressFormat) {
  ExpectBucketError("192.168.5.4", "IP address");
  ExpectBucketError("10.0.0.1", "IP address");
  EXPECT_TRUE(ValidateBucketName("192.168.5.4a").has_value());
  EXPECT_TRUE(ValidateBucketName("1.2.3").has_value());
  EXPECT_TRUE(ValidateBucketName("1.2.3.4.5").has_value());
}

TEST(ValidateBucketNameTest, RejectsReservedPrefixes) {
  ExpectBucketError("xn--bucket", "'xn--'");
  ExpectBucketError("sthree-bucket", "'sthree-'");
  ExpectBucketError("amzn-s3-demo-bucket", "'amzn-s3-demo-'");
}

TEST(ValidateBucketNameTest, RejectsReservedSuffixes) {
  ExpectBucketError("bucket-s3alias", "'-s3alias'");
  ExpectBucketError("bucket--ol-s3", "'--ol-s3'");
  ExpectBucketError("bucket.mrap", "'.mrap'");
  ExpectBucketError("bucket--x-s3", "'--x-s3'");
  ExpectBucketError("bucket--table-s3", "'--table-s3'");
}

// ---------------------------------------------------------------------------------------
// ValidateKey

TEST(ValidateKeyTest, AcceptsOrdinaryUnicodeAndMaximalKeys) {
  EXPECT_TRUE(ValidateKey("a").has_value());
  EXPECT_TRUE(ValidateKey("dir/sub dir/file+name=1&x~y.csv").has_value());
  EXPECT_TRUE(ValidateKey("\xC3\xBC\xE1\x88\xB4\xF0\x9F\x98\x80").has_value());  // ü ሴ 😀
  EXPECT_TRUE(ValidateKey(std::string(1024, 'x')).has_value());
}

TEST(ValidateKeyTest, RejectsEmpty) {
  auto r = ValidateKey("");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().subject, "key");
  EXPECT_TRUE(Contains(r.error().message, "empty"));
}

TEST(ValidateKeyTest, RejectsOver1024BytesCountingUtf8Bytes) {
  auto r = ValidateKey(std::string(1025, 'x'));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(Contains(r.error().message, "1025 bytes")) << r.error().message;
  // 342 x 3-byte characters = 1026 bytes, though only 342 characters.
  std::string wide;
  for (int i = 0; i < 342; ++i) wide += "\xE1\x88\xB4";
  EXPECT_FALSE(ValidateKey(wide).has_value());
}

TEST(ValidateKeyTest, RejectsInvalidUtf8WithOffset) {
  auto r = ValidateKey("ab\xFF");
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(Contains(r.error().message, "offset 2")) << r.error().message;
  EXPECT_FALSE(ValidateKey("\xC3").has_value());              // truncated
  EXPECT_FALSE(ValidateKey("\xC0\xAF").has_value());          // overlong '/'
  EXPECT_FALSE(ValidateKey("\xE0\x80\xAF").has_value());      // overlong
  EXPECT_FALSE(ValidateKey("\xED\xA0\x80").has_value());      // surrogate U+D800
  EXPECT_FALSE(ValidateKey("\xF4\x90\x80\x80").has_value());  // above U+10FFFF
  EXPECT_FALSE(ValidateKey("\x80").has_value());              // lone continuation
  EXPECT_FALSE(ValidateKey("\xE1\x88x").has_value());         // bad continuation
}

TEST(ValidateKeyTest, KeepsDotSegmentsReservedCharactersAndBothNormalisationForms) {
  for (const std::string key :
       {"orders/../x/", "./", "..", "a//b", "/lead", "100%2F", "q?a=1#f", "p+ s~=&", "back\\slash",
        "caf\xC3\xA9", "cafe\xCC\x81", "\xE2\x80\x8Ejoiner\xE2\x80\x8D"}) {
    EXPECT_TRUE(ValidateKey(key).has_value()) << key;
  }
}

// One refused character per row: the key, its U+XXXX, its name and its (1-based) position.
struct RefusedCase {
  std::string text;
  std::string code_point;
  std::string name;
  int position;
};

TEST(ValidateKeyCharactersTest, RefusesControlsBidiOverridesAndSeparatorsNamingEach) {
  const std::vector<RefusedCase> cases = {
      {std::string("a\0b", 3), "U+0000", "NUL", 2},
      {"a\tb", "U+0009", "tab", 2},
      {"a\r\nb/", "U+000D", "carriage return", 2},
      {"a\nb", "U+000A", "line feed", 2},
      {"\x01", "U+0001", "a control character", 1},
      {"x\x1B[31m", "U+001B", "escape", 2},
      {"\x1F", "U+001F", "a control character", 1},
      {"del\x7F", "U+007F", "delete", 4},
      {"\xC2\x80", "U+0080", "a control character", 1},
      {"next\xC2\x85line", "U+0085", "next line", 5},
      {"\xC2\x9F", "U+009F", "a control character", 1},
      {"\xC3\xA9\xE2\x80\xAA", "U+202A", "left-to-right embedding", 2},
      {"invoice-\xE2\x80\xAE"
       "fdp.exe",
       "U+202E", "right-to-left override", 9},
      {"\xE2\x81\xA6", "U+2066", "left-to-right isolate", 1},
      {"\xE2\x81\xA9", "U+2069", "pop directional isolate", 1},
      {"a\xE2\x80\xA8", "U+2028", "line separator", 2},
      {"a\xE2\x80\xA9", "U+2029", "paragraph separator", 2},
  };
  for (const RefusedCase& c : cases) {
    auto r = ValidateKeyCharacters(c.text, "details.path");
    ASSERT_FALSE(r.has_value()) << c.code_point;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().subject, "details.path");
    EXPECT_TRUE(Contains(r.error().message, c.code_point + " (" + c.name + ") at character " +
                                                std::to_string(c.position)))
        << r.error().message;
    // ValidateKey refuses the same, under its own subject.
    EXPECT_FALSE(ValidateKey(c.text).has_value()) << c.code_point;
  }
}

TEST(ValidateKeyCharactersTest, AcceptsTheNeighboursOfEveryRefusedRange) {
  for (const std::string text : {" ", "~", "\xC2\xA0", "\xE2\x80\xA7", "\xE2\x80\xAF",
                                 "\xE2\x81\xA5", "\xE2\x81\xAA", "\xE2\x80\x8F"}) {
    EXPECT_TRUE(ValidateKeyCharacters(text, "k").has_value()) << text;
  }
  EXPECT_TRUE(ValidateKeyCharacters("", "k").has_value());
}

TEST(ValidateKeyCharactersTest, InvalidUtf8NamesTheByteAndWhereItIs) {
  auto r = ValidateKeyCharacters("\xC3\xA9-\xFF", "details.path");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().subject, "details.path");
  EXPECT_TRUE(Contains(r.error().message, "0xFF at character 3 (byte offset 3)"))
      << r.error().message;
}

TEST(ParseS3UrlTest, ARefusedCharacterIsNamedNeverEchoed) {
  auto r = ParseS3Url("s3://bucket/a\r\nb\xE2\x80\xAE", "destination");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().subject, "destination");
  EXPECT_TRUE(Contains(r.error().message, "U+000D")) << r.error().message;
  EXPECT_TRUE(Contains(r.error().message, "'s3://bucket/a<U+000D><U+000A>b<U+202E>'"))
      << r.error().message;
  EXPECT_EQ(r.error().message.find_first_of("\r\n"), std::string::npos);
  EXPECT_FALSE(Contains(r.error().message, "\xE2\x80\xAE"));
}

// ---------------------------------------------------------------------------------------
// ValidateRegion

TEST(ValidateRegionTest, AcceptsAwsAndCompatibleStoreRegions) {
  for (std::string_view ok :
       {"us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "auto"}) {
    EXPECT_TRUE(ValidateRegion(ok).has_value()) << ok;
  }
}

TEST(ValidateRegionTest, RejectsMalformedRegions) {
  for (std::string_view bad : {"", "US-EAST-1", "us_east_1", "us-east-1 ", "1us-east", "-us",
                               "us-east-", "us--east-1", "us.east.1", "https://x"}) {
    auto r = ValidateRegion(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().subject, "--region");
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(Contains(r.error().message, "us-east-1")) << r.error().message;
  }
  EXPECT_FALSE(ValidateRegion(std::string(64, 'a')).has_value());
}

// ---------------------------------------------------------------------------------------
// ResolveEndpoint

TEST(ResolveEndpointTest, AwsDefaultsToVirtualHostedRegionalEndpoint) {
  auto ep = ResolveEndpoint("eu-west-1", std::nullopt, false, false);
  ASSERT_TRUE(ep.has_value());
  EXPECT_EQ(ep->scheme, "https");
  EXPECT_EQ(ep->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(ep->base_path, "");
  EXPECT_FALSE(ep->path_style);
}

TEST(ResolveEndpointTest, AwsUsEast1UsesRegionalHostToo) {
  EXPECT_EQ(ResolveEndpoint("us-east-1", std::nullopt, false, false)->host,
            "s3.us-east-1.amazonaws.com");
}

TEST(ResolveEndpointTest, AwsChinaRegionsUseDotCn) {
  EXPECT_EQ(ResolveEndpoint("cn-north-1", std::nullopt, false, false)->host,
            "s3.cn-north-1.amazonaws.com.cn");
}

TEST(ResolveEndpointTest, AwsPathStyleWhenForcedOrBucketHasDot) {
  EXPECT_TRUE(ResolveEndpoint("us-east-1", std::nullopt, true, false)->path_style);
  EXPECT_TRUE(ResolveEndpoint("us-east-1", std::nullopt, false, true)->path_style);
}

TEST(ResolveEndpointTest, AwsRejectsInvalidRegion) {
  auto ep = ResolveEndpoint("US East", std::nullopt, false, false);
  ASSERT_FALSE(ep.has_value());
  EXPECT_EQ(ep.error().subject, "--region");
}

TEST(ResolveEndpointTest, CustomEndpointDefaultsToPathStyle) {
  auto ep = ResolveEndpoint("us-east-1", std::string("http://127.0.0.1:9000"), false, false);
  ASSERT_TRUE(ep.has_value()) << ep.error().ToString();
  EXPECT_EQ(ep->scheme, "http");
  EXPECT_EQ(ep->host, "127.0.0.1:9000");
  EXPECT_EQ(ep->base_path, "");
  EXPECT_TRUE(ep->path_style);
}

TEST(ResolveEndpointTest, CustomEndpointVirtualHostedWhenRequested) {
  auto ep = ResolveEndpoint("us-east-1", std::string("https://S3.Example.COM"), false, false,
                            /*virtual_hosted_custom=*/true);
  ASSERT_TRUE(ep.has_value());
  EXPECT_EQ(ep->host, "s3.example.com");
  EXPECT_FALSE(ep->path_style);
  // ... but forcing path style, or a dotted bucket over TLS, still wins.
  EXPECT_TRUE(ResolveEndpoint("us-east-1", std::string("https://s3.example.com"), true, false, true)
                  ->path_style);
  EXPECT_TRUE(ResolveEndpoint("us-east-1", std::string("https://s3.example.com"), false, true, true)
                  ->path_style);
  EXPECT_FALSE(ResolveEndpoint("us-east-1", std::string("http://s3.example.com"), false, true, true)
                   ->path_style);
}

TEST(ResolveEndpointTest, CustomEndpointKeepsPathWithoutTrailingSlash) {
  auto ep =
      ResolveEndpoint("us-east-1", std::string("https://gw.example.com/storage/s3/"), false, false);
  ASSERT_TRUE(ep.has_value());
  EXPECT_EQ(ep->host, "gw.example.com");
  EXPECT_EQ(ep->base_path, "/storage/s3");
  EXPECT_EQ(ResolveEndpoint("us-east-1", std::string("http://h:1/"), false, false)->base_path, "");
}

TEST(ResolveEndpointTest, CustomEndpointDropsDefaultPortsOnly) {
  EXPECT_EQ(ResolveEndpoint("r", std::string("https://h.example:443"), false, false)->host,
            "h.example");
  EXPECT_EQ(ResolveEndpoint("r", std::string("http://h.example:80"), false, false)->host,
            "h.example");
  EXPECT_EQ(ResolveEndpoint("r", std::string("http://h.example:443"), false, false)->host,
            "h.example:443");
}

TEST(ResolveEndpointTest, CustomEndpointAcceptsIpv6Literal) {
  auto ep = ResolveEndpoint("us-east-1", std::string("http://[::1]:9000"), false, false);
  ASSERT_TRUE(ep.has_value()) << ep.error().ToString();
  EXPECT_EQ(ep->host, "[::1]:9000");
}

TEST(ResolveEndpointTest, CustomEndpointRejectsMalformedUrls) {
  for (std::string bad : {"",
                          "127.0.0.1:9000",
                          "ftp://host",
                          "s3://bucket",
                          "http://",
                          "http://:9000",
                          "http://host:",
                          "http://host:0",
                          "http://host:65536",
                          "http://host:9x",
                          "http://user:pw@host",
                          "http://host/path?x=1",
                          "http://host#frag",
                          "http://ho st",
                          "http://host/p a",
                          "http://[::1",
                          "http://[zz]:1",
                          "http://a:b:c",
                          "http://host/\xC3\xBC",
                          "http://host/%zz"}) {
    auto ep = ResolveEndpoint("us-east-1", bad, false, false);
    ASSERT_FALSE(ep.has_value()) << bad;
    EXPECT_EQ(ep.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(ep.error().subject, "--endpoint-url") << bad;
    EXPECT_TRUE(Contains(ep.error().message, "http(s)://host[:port]")) << ep.error().message;
  }
}

TEST(ResolveEndpointTest, CustomEndpointStillValidatesRegion) {
  auto ep = ResolveEndpoint("", std::string("http://127.0.0.1:9000"), false, false);
  ASSERT_FALSE(ep.has_value());
  EXPECT_EQ(ep.error().subject, "--region");
}

// ---------------------------------------------------------------------------------------
// BuildTarget

const Endpoint kAws{"https", "s3.us-east-1.amazonaws.com", "", false};
const Endpoint kAwsPath{"https", "s3.us-east-1.amazonaws.com", "", true};
const Endpoint kMinio{"http", "127.0.0.1:9000", "", true};

TEST(BuildTargetTest, VirtualHostedObject) {
  const Target t = BuildTarget(kAws, "my-bucket", "dir/my file.csv", {});
  EXPECT_EQ(t.host, "my-bucket.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(t.encoded_path, "/dir/my%20file.csv");
  EXPECT_EQ(t.url, "https://my-bucket.s3.us-east-1.amazonaws.com/dir/my%20file.csv");
}

TEST(BuildTargetTest, PathStyleObject) {
  const Target t = BuildTarget(kAwsPath, "my.bucket", "dir/my file.csv", {});
  EXPECT_EQ(t.host, "s3.us-east-1.amazonaws.com");
  EXPECT_EQ(t.encoded_path, "/my.bucket/dir/my%20file.csv");
  EXPECT_EQ(t.url, "https://s3.us-east-1.amazonaws.com/my.bucket/dir/my%20file.csv");
}

TEST(BuildTargetTest, BucketLevelRequestsWithQuery) {
  const NameValueList q{{"list-type", "2"}, {"prefix", "a b/c"}};
  const Target vh = BuildTarget(kAws, "b-1", "", q);
  EXPECT_EQ(vh.encoded_path, "/");
  EXPECT_EQ(vh.url, "https://b-1.s3.us-east-1.amazonaws.com/?list-type=2&prefix=a%20b%2Fc");
  const Target ps = BuildTarget(kMinio, "b-1", "", q);
  EXPECT_EQ(ps.host, "127.0.0.1:9000");
  EXPECT_EQ(ps.encoded_path, "/b-1");
  EXPECT_EQ(ps.url, "http://127.0.0.1:9000/b-1?list-type=2&prefix=a%20b%2Fc");
}

TEST(BuildTargetTest, QueryMatchesCanonicalQueryString) {
  const NameValueList q{{"uploadId", "a/b+c=="}, {"partNumber", "7"}};
  const Target t = BuildTarget(kMinio, "b-1", "k", q);
  EXPECT_EQ(t.url, "http://127.0.0.1:9000/b-1/k?" + CanonicalQueryString(q));
  EXPECT_EQ(t.url, "http://127.0.0.1:9000/b-1/k?partNumber=7&uploadId=a%2Fb%2Bc%3D%3D");
}

TEST(BuildTargetTest, EmptyValueQueryRendersNameEquals) {
  EXPECT_EQ(BuildTarget(kAws, "b-1", "big.csv", {{"uploads", ""}}).url,
            "https://b-1.s3.us-east-1.amazonaws.com/big.csv?uploads=");
}

TEST(BuildTargetTest, ServiceLevelRequest) {
  const Target t = BuildTarget(kAws, "", "", {});
  EXPECT_EQ(t.host, "s3.us-east-1.amazonaws.com");
  EXPECT_EQ(t.encoded_path, "/");
  EXPECT_EQ(t.url, "https://s3.us-east-1.amazonaws.com/");
}

TEST(BuildTargetTest, KeysAreNotNormalised) {
  EXPECT_EQ(BuildTarget(kAws, "b-1", "a//b/./c/../d", {}).encoded_path, "/a//b/./c/../d");
  EXPECT_EQ(BuildTarget(kAws, "b-1", "/leading", {}).encoded_path, "//leading");
  EXPECT_EQ(BuildTarget(kMinio, "b-1", "/leading", {}).encoded_path, "/b-1//leading");
}

TEST(BuildTargetTest, ReservedAndUnicodeCharactersInKeys) {
  EXPECT_EQ(BuildTarget(kAws, "b-1", "a+b=c&d~e \xC3\xBC\xF0\x9F\x98\x80", {}).encoded_path,
            "/a%2Bb%3Dc%26d~e%20%C3%BC%F0%9F%98%80");
}

TEST(BuildTargetTest, CustomBasePathPrefixesBothStyles) {
  const Endpoint path_style{"https", "gw.example.com", "/storage", true};
  EXPECT_EQ(BuildTarget(path_style, "b-1", "k", {}).url, "https://gw.example.com/storage/b-1/k");
  const Endpoint vhost{"https", "gw.example.com", "/storage", false};
  EXPECT_EQ(BuildTarget(vhost, "b-1", "k", {}).url, "https://b-1.gw.example.com/storage/k");
  EXPECT_EQ(BuildTarget(path_style, "", "", {}).encoded_path, "/storage/");
}

TEST(BuildTargetTest, ResolvedEndpointFeedsTarget) {
  auto ep = ResolveEndpoint("us-west-2", std::nullopt, false, /*bucket_has_dot=*/true);
  ASSERT_TRUE(ep.has_value());
  const Target t = BuildTarget(*ep, "logs.example.com", "x.csv", {});
  EXPECT_EQ(t.url, "https://s3.us-west-2.amazonaws.com/logs.example.com/x.csv");
}

}  // namespace
}  // namespace s3u::s3
