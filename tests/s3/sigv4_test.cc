// Known-answer tests for SigV4.
//
// Sources of the published vectors:
//  [S3DOC]  Amazon S3 API Reference, "Signature Calculations for the Authorization Header:
//           Transferring Payload in a Single Chunk (AWS Signature Version 4)", section
//           "Examples: Signature Calculations" (GET Object, PUT Object, GET Bucket Lifecycle,
//           Get Bucket (List Objects)):
//           https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
//  [SUITE]  AWS Signature Version 4 test suite, as vendored by awslabs/aws-c-auth in
//           tests/aws-signing-test-suite/v4/<case>/header-signed-request.txt (and
//           header-canonical-request.txt / header-string-to-sign.txt where cited).
//  [SUITE15] The original 2015 aws4_testsuite (docs.aws.amazon.com/general/latest/gr/
//           signature-v4-test-suite.html); used for post-x-www-form-urlencoded because the
//           aws-c-auth copy of that case adds Content-Length and x-amz-content-sha256.
//  [GENREF] AWS General Reference, SigV4 "derive a signing key" example (service iam).
#include "s3/sigv4.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace s3u::s3 {
namespace {

using std::chrono::system_clock;

system_clock::time_point Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

// ---------------------------------------------------------------------------------------
// [S3DOC] examples: AKIAIOSFODNN7EXAMPLE, 20130524T000000Z, us-east-1, s3.

const system_clock::time_point kS3DocTime = Utc(2013, 5, 24);
constexpr char kS3DocHost[] = "examplebucket.s3.amazonaws.com";
const Credentials kS3DocCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                              "", std::nullopt};

std::string Signature(const CanonicalInput& in, std::string_view secret, system_clock::time_point t,
                      std::string_view region, std::string_view service) {
  const std::string sts = StringToSign(CanonicalRequest(in), t, region, service);
  return HexEncode(HmacSha256(SigningKey(secret, DateStamp(t), region, service), sts));
}

std::string SignatureOf(std::string_view authorization) {
  const size_t pos = authorization.find("Signature=");
  return pos == std::string_view::npos ? "" : std::string(authorization.substr(pos + 10));
}

TEST(SigV4S3DocTest, GetObjectWithRange) {
  CanonicalInput in{"GET",
                    "/test.txt",
                    {},
                    {{"Host", kS3DocHost}, {"Range", "bytes=0-9"}},
                    std::string(kEmptyPayloadSha256)};
  const std::string auth = SignV4(in, kS3DocCreds, "us-east-1", "s3", kS3DocTime);

  EXPECT_EQ(CanonicalRequest(in),
            "GET\n"
            "/test.txt\n"
            "\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "range:bytes=0-9\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "\n"
            "host;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign(CanonicalRequest(in), kS3DocTime, "us-east-1", "s3"),
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3DocTest, PutObjectWithStorageClassAndDollarInKey) {
  const std::string body = "Welcome to Amazon S3.";
  ASSERT_EQ(Sha256Hex(body), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  CanonicalInput in{"PUT",
                    UriEncodePath("/test$file.text"),
                    {},
                    {{"Host", kS3DocHost},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                    Sha256Hex(body)};
  const std::string auth = SignV4(in, kS3DocCreds, "us-east-1", "s3", kS3DocTime);

  EXPECT_EQ(in.encoded_path, "/test%24file.text");
  EXPECT_EQ(CanonicalRequest(in),
            "PUT\n"
            "/test%24file.text\n"
            "\n"
            "date:Fri, 24 May 2013 00:00:00 GMT\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:"
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
            "x-amz-date:20130524T000000Z\n"
            "x-amz-storage-class:REDUCED_REDUNDANCY\n"
            "\n"
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(StringToSign(CanonicalRequest(in), kS3DocTime, "us-east-1", "s3"),
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(SignatureOf(auth), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  EXPECT_NE(auth.find("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
                      "x-amz-storage-class, "),
            std::string::npos);
}

TEST(SigV4S3DocTest, GetBucketLifecycleEmptyQueryValue) {
  CanonicalInput in{
      "GET", "/", {{"lifecycle", ""}}, {{"Host", kS3DocHost}}, std::string(kEmptyPayloadSha256)};
  const std::string auth = SignV4(in, kS3DocCreds, "us-east-1", "s3", kS3DocTime);

  EXPECT_EQ(CanonicalRequest(in),
            "GET\n"
            "/\n"
            "lifecycle=\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "\n"
            "host;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign(CanonicalRequest(in), kS3DocTime, "us-east-1", "s3"),
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(SignatureOf(auth), "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3DocTest, ListObjectsQuerySortedByName) {
  CanonicalInput in{"GET",
                    "/",
                    {{"prefix", "J"}, {"max-keys", "2"}},
                    {{"Host", kS3DocHost}},
                    std::string(kEmptyPayloadSha256)};
  const std::string auth = SignV4(in, kS3DocCreds, "us-east-1", "s3", kS3DocTime);

  EXPECT_EQ(CanonicalRequest(in),
            "GET\n"
            "/\n"
            "max-keys=2&prefix=J\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "\n"
            "host;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign(CanonicalRequest(in), kS3DocTime, "us-east-1", "s3"),
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(SignatureOf(auth), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// [GENREF]
TEST(SigV4Test, SigningKeyMatchesGeneralReferenceExample) {
  EXPECT_EQ(HexEncode(SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
                                 "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

// ---------------------------------------------------------------------------------------
// [SUITE] vectors: AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service". The suite
// signs Host and X-Amz-Date only (no x-amz-content-sha256), so these drive CanonicalRequest,
// StringToSign and SigningKey directly rather than SignV4.

const system_clock::time_point kSuiteTime = Utc(2015, 8, 30, 12, 36, 0);
constexpr char kSuiteSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

CanonicalInput SuiteInput(std::string method, std::string encoded_path, NameValueList query = {},
                          NameValueList extra_headers = {}) {
  CanonicalInput in{std::move(method),
                    std::move(encoded_path),
                    std::move(query),
                    {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                    std::string(kEmptyPayloadSha256)};
  for (auto& h : extra_headers) in.headers.push_back(std::move(h));
  return in;
}

std::string SuiteSignature(const CanonicalInput& in) {
  return Signature(in, kSuiteSecret, kSuiteTime, "us-east-1", "service");
}

TEST(SigV4SuiteTest, GetVanilla) {
  const CanonicalInput in = SuiteInput("GET", "/");
  EXPECT_EQ(CanonicalRequest(in),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(SuiteSignature(in), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4SuiteTest, PostVanilla) {
  EXPECT_EQ(SuiteSignature(SuiteInput("POST", "/")),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4SuiteTest, GetVanillaQueryOrderKeyCase) {
  const CanonicalInput in = SuiteInput("GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}});
  EXPECT_EQ(CanonicalQueryString(in.query), "Param1=value1&Param2=value2");
  EXPECT_EQ(SuiteSignature(in), "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4SuiteTest, GetVanillaQueryUnreserved) {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const CanonicalInput in = SuiteInput("GET", "/", {{unreserved, unreserved}});
  EXPECT_EQ(CanonicalQueryString(in.query), unreserved + "=" + unreserved);
  EXPECT_EQ(SuiteSignature(in), "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
}

TEST(SigV4SuiteTest, GetVanillaUtf8Query) {
  const CanonicalInput in = SuiteInput("GET", "/", {{"\xE1\x88\xB4", "bar"}});  // U+1234
  EXPECT_EQ(CanonicalQueryString(in.query), "%E1%88%B4=bar");
  EXPECT_EQ(SuiteSignature(in), "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
}

TEST(SigV4SuiteTest, GetHeaderKeyDuplicateKeepsValueOrder) {
  const CanonicalInput in =
      SuiteInput("GET", "/", {},
                 {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}});
  EXPECT_EQ(CanonicalHeaders(in.headers),
            "host:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
            "x-amz-date:20150830T123600Z\n");
  EXPECT_EQ(SuiteSignature(in), "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

TEST(SigV4SuiteTest, GetHeaderValueTrim) {
  const CanonicalInput in =
      SuiteInput("GET", "/", {}, {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}});
  EXPECT_EQ(CanonicalHeaders(in.headers),
            "host:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
            "x-amz-date:20150830T123600Z\n");
  EXPECT_EQ(SuiteSignature(in), "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

TEST(SigV4SuiteTest, GetUtf8Path) {
  const CanonicalInput in = SuiteInput("GET", UriEncodePath("/\xE1\x88\xB4"));
  EXPECT_EQ(in.encoded_path, "/%E1%88%B4");
  EXPECT_EQ(SuiteSignature(in), "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
}

TEST(SigV4SuiteTest, GetSpaceUnnormalized) {
  const CanonicalInput in = SuiteInput("GET", UriEncodePath("/example space/"));
  EXPECT_EQ(in.encoded_path, "/example%20space/");
  EXPECT_EQ(SuiteSignature(in), "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741");
}

// The *-unnormalized cases are the ones S3 follows: the path is signed exactly as sent.
TEST(SigV4SuiteTest, GetSlashesUnnormalized) {
  const CanonicalInput in = SuiteInput("GET", UriEncodePath("//example//"));
  EXPECT_EQ(in.encoded_path, "//example//");
  EXPECT_EQ(SuiteSignature(in), "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5");
}

TEST(SigV4SuiteTest, GetSlashDotSlashUnnormalized) {
  EXPECT_EQ(SuiteSignature(SuiteInput("GET", UriEncodePath("/./"))),
            "68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145");
}

TEST(SigV4SuiteTest, GetRelativeRelativeUnnormalized) {
  EXPECT_EQ(SuiteSignature(SuiteInput("GET", UriEncodePath("/example1/example2/../.."))),
            "dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b");
}

// [SUITE15] post-x-www-form-urlencoded.
TEST(SigV4SuiteTest, PostXWwwFormUrlencoded) {
  CanonicalInput in =
      SuiteInput("POST", "/", {}, {{"Content-Type", "application/x-www-form-urlencoded"}});
  in.payload_hash = Sha256Hex("Param1=value1");
  EXPECT_EQ(CanonicalRequest(in),
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
            "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(StringToSign(CanonicalRequest(in), kSuiteTime, "us-east-1", "service"),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  EXPECT_EQ(SuiteSignature(in), "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

// ---------------------------------------------------------------------------------------
// Canonicalisation rules (S3: no normalisation, single encoding).

TEST(UriEncodeTest, KeepsUnreservedAndEncodesEverythingElseUppercase) {
  EXPECT_EQ(UriEncode("AZaz09-._~", true), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b", true), "a%20b");
  EXPECT_EQ(UriEncode("+=&?#%", true), "%2B%3D%26%3F%23%25");
  EXPECT_EQ(UriEncode("\x7f\x01", true), "%7F%01");
  EXPECT_EQ(UriEncode("", true), "");
}

TEST(UriEncodeTest, SlashKeptOnlyWhenAsked) {
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(UriEncode("a/b", false), "a/b");
}

TEST(UriEncodePathTest, KeyWithSpacesUsesPercent20NeverPlus) {
  EXPECT_EQ(UriEncodePath("/bucket/my key.csv"), "/bucket/my%20key.csv");
}

TEST(UriEncodePathTest, UnicodeBytesEncodedIndividually) {
  EXPECT_EQ(UriEncodePath("/b/\xC3\xBC"), "/b/%C3%BC");                        // ü
  EXPECT_EQ(UriEncodePath("/b/\xF0\x9F\x98\x80.csv"), "/b/%F0%9F%98%80.csv");  // 😀
}

TEST(UriEncodePathTest, ReservedCharactersAndDoubleSlashesKept) {
  EXPECT_EQ(UriEncodePath("/b/a+b=c&d~e//f"), "/b/a%2Bb%3Dc%26d~e//f");
  EXPECT_EQ(UriEncodePath("/b/./x/../y"), "/b/./x/../y");
}

TEST(UriEncodePathTest, AlreadyEncodedTextIsEncodedAgain) {
  // Keys are raw: a literal "%20" in a key is three characters, sent as %2520.
  EXPECT_EQ(UriEncodePath("/b/100%20"), "/b/100%2520");
}

TEST(CanonicalQueryStringTest, EncodesSlashEqualsAmpersandAndSpaceInValues) {
  EXPECT_EQ(CanonicalQueryString({{"prefix", "a/b c"}, {"x", "k=v&w"}}),
            "prefix=a%2Fb%20c&x=k%3Dv%26w");
}

TEST(CanonicalQueryStringTest, EmptyValuesRenderAsNameEquals) {
  EXPECT_EQ(CanonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQueryString({{"b", ""}, {"a", ""}}), "a=&b=");
}

TEST(CanonicalQueryStringTest, SortsByEncodedNameThenValue) {
  EXPECT_EQ(CanonicalQueryString({{"a", "2"}, {"a", "1"}, {"B", "x"}}), "B=x&a=1&a=2");
  // Sorting happens on the encoded form: '%' (0x25) sorts before '-' (0x2D).
  EXPECT_EQ(CanonicalQueryString({{"-a", "1"}, {" a", "2"}}), "%20a=2&-a=1");
}

TEST(CanonicalQueryStringTest, EmptyQueryIsEmptyString) { EXPECT_EQ(CanonicalQueryString({}), ""); }

TEST(CanonicalHeadersTest, LowercasesTrimsCollapsesAndSorts) {
  const NameValueList headers{
      {"X-Amz-Meta-B", "  two   words\t here  "}, {"HOST", "h"}, {"x-amz-meta-a", "v"}};
  EXPECT_EQ(CanonicalHeaders(headers), "host:h\nx-amz-meta-a:v\nx-amz-meta-b:two words here\n");
  EXPECT_EQ(SignedHeaderList(headers), "host;x-amz-meta-a;x-amz-meta-b");
}

TEST(CanonicalHeadersTest, DuplicatesCombinedAcrossCases) {
  const NameValueList headers{{"X-A", "1"}, {"host", "h"}, {"x-a", " 2 "}};
  EXPECT_EQ(CanonicalHeaders(headers), "host:h\nx-a:1,2\n");
  EXPECT_EQ(SignedHeaderList(headers), "host;x-a");
}

TEST(CanonicalHeadersTest, EmptyValueKept) {
  EXPECT_EQ(CanonicalHeaders({{"host", "h"}, {"x-empty", "   "}}), "host:h\nx-empty:\n");
}

TEST(AmzDateTest, FormatsUtcBasicIso8601) {
  EXPECT_EQ(AmzDate(Utc(2013, 5, 24)), "20130524T000000Z");
  EXPECT_EQ(AmzDate(Utc(2015, 8, 30, 12, 36, 0)), "20150830T123600Z");
  EXPECT_EQ(AmzDate(Utc(1999, 12, 31, 23, 59, 59)), "19991231T235959Z");
  EXPECT_EQ(DateStamp(Utc(2024, 2, 29, 23, 59, 59)), "20240229");
}

TEST(AmzDateTest, TruncatesSubSecondPrecision) {
  EXPECT_EQ(AmzDate(Utc(2013, 5, 24, 0, 0, 1) + std::chrono::milliseconds(999)),
            "20130524T000001Z");
}

TEST(DigestTest, Sha256HexOfEmptyAndKnownString) {
  EXPECT_EQ(Sha256Hex(""), kEmptyPayloadSha256);
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestTest, HexEncodeIsLowercase) {
  EXPECT_EQ(HexEncode(std::string("\x00\xAB\xff", 3)), "00abff");
}

// ---------------------------------------------------------------------------------------
// SignV4 behaviour around the headers it manages.

CanonicalInput S3Get() {
  return CanonicalInput{
      "GET", "/test.txt", {}, {{"Host", kS3DocHost}}, std::string(kEmptyPayloadSha256)};
}

TEST(SignV4Test, AddsDateAndContentSha256Headers) {
  CanonicalInput in = S3Get();
  SignV4(in, kS3DocCreds, "us-east-1", "s3", kS3DocTime);
  const NameValueList expected{{"Host", kS3DocHost},
                               {"x-amz-date", "20130524T000000Z"},
                               {"x-amz-content-sha256", std::string(kEmptyPayloadSha256)}};
  EXPECT_EQ(in.headers, expected);
}

TEST(SignV4Test, SessionTokenIsSentAndSigned) {
  CanonicalInput in = S3Get();
  Credentials creds = kS3DocCreds;
  creds.session_token = "TOKEN/with+chars==";
  const std::string auth = SignV4(in, creds, "us-east-1", "s3", kS3DocTime);
  EXPECT_NE(auth.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"),
            std::string::npos);
  EXPECT_EQ(in.headers.back(),
            (std::pair<std::string, std::string>{"x-amz-security-token", "TOKEN/with+chars=="}));
  EXPECT_EQ(SignatureOf(auth),
            Signature(in, creds.secret_access_key, kS3DocTime, "us-east-1", "s3"));
}

TEST(SignV4Test, ResigningReplacesManagedHeadersInsteadOfDuplicating) {
  CanonicalInput in = S3Get();
  Credentials with_token = kS3DocCreds;
  with_token.session_token = "old";
  SignV4(in, with_token, "us-east-1", "s3", kS3DocTime);
  in.headers.emplace_back("Authorization", "stale");
  const std::string auth =
      SignV4(in, kS3DocCreds, "us-east-1", "s3", kS3DocTime + std::chrono::seconds(5));
  // Same request as a fresh signature at the new time: no token, no Authorization signed.
  CanonicalInput fresh = S3Get();
  EXPECT_EQ(auth,
            SignV4(fresh, kS3DocCreds, "us-east-1", "s3", kS3DocTime + std::chrono::seconds(5)));
  EXPECT_EQ(in.headers.size(), 3u);
}

TEST(SignV4Test, ExistingDateHeaderInAnyCaseIsReplaced) {
  CanonicalInput in = S3Get();
  in.headers.emplace_back("X-Amz-Date", "19700101T000000Z");
  const std::string auth = SignV4(in, kS3DocCreds, "us-east-1", "s3", kS3DocTime);
  CanonicalInput fresh = S3Get();
  EXPECT_EQ(auth, SignV4(fresh, kS3DocCreds, "us-east-1", "s3", kS3DocTime));
  EXPECT_EQ(CanonicalHeaders(in.headers).find("19700101"), std::string::npos);
}

TEST(SignV4Test, UnsignedPayloadIsSentAndSigned) {
  CanonicalInput in = S3Get();
  in.payload_hash = std::string(kUnsignedPayload);
  SignV4(in, kS3DocCreds, "us-east-1", "s3", kS3DocTime);
  EXPECT_TRUE(CanonicalRequest(in).ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(CanonicalHeaders(in.headers).find("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"),
            std::string::npos);
}

TEST(SignV4Test, SignatureDependsOnRegionServiceKeyAndTime) {
  CanonicalInput a = S3Get(), b = S3Get(), c = S3Get(), d = S3Get();
  const std::string base = SignatureOf(SignV4(a, kS3DocCreds, "us-east-1", "s3", kS3DocTime));
  EXPECT_NE(base, SignatureOf(SignV4(b, kS3DocCreds, "eu-west-1", "s3", kS3DocTime)));
  EXPECT_NE(base, SignatureOf(SignV4(c, kS3DocCreds, "us-east-1", "s3",
                                     kS3DocTime + std::chrono::hours(24))));
  CanonicalInput e = S3Get();
  e.encoded_path = "/test.txt2";
  EXPECT_NE(base, SignatureOf(SignV4(e, kS3DocCreds, "us-east-1", "s3", kS3DocTime)));
  Credentials other = kS3DocCreds;
  other.secret_access_key += "x";
  EXPECT_NE(base, SignatureOf(SignV4(d, other, "us-east-1", "s3", kS3DocTime)));
}

}  // namespace
}  // namespace s3u::s3
