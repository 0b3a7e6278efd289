#include "s3/xml.h"

#include <gtest/gtest.h>

#include "s3/errors.h"

namespace s3u::s3 {
namespace {

constexpr char kNs[] = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";

std::string WithNs(const std::string& root, const std::string& inner) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + root + " " + kNs + ">" + inner + "</" +
         root + ">";
}

// --- ParseErrorXml -------------------------------------------------------------------------

TEST(ParseErrorXmlTest, ReadsAwsSkewedClockError) {
  const auto e = ParseErrorXml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>RequestTimeTooSkewed</Code>"
      "<Message>The difference between the request time and the current time is too "
      "large.</Message><RequestTime>20261124T080000Z</RequestTime>"
      "<ServerTime>2026-11-24T10:00:03Z</ServerTime>"
      "<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>"
      "<RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "RequestTimeTooSkewed");
  EXPECT_EQ(e->request_id, "4442587FB7D0A2F9");
  EXPECT_EQ(e->fields.at("RequestTime"), "20261124T080000Z");
  EXPECT_EQ(e->fields.at("ServerTime"), "2026-11-24T10:00:03Z");
  EXPECT_EQ(e->fields.at("MaxAllowedSkewMilliseconds"), "900000");
  EXPECT_EQ(e->fields.at("HostId"), "abc=");
}

TEST(ParseErrorXmlTest, ReadsRegionEndpointAndResource) {
  const auto e = ParseErrorXml(
      "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access "
      "must be addressed using the specified endpoint.</Message><Endpoint>b.s3.eu-west-1."
      "amazonaws.com</Endpoint><Bucket>b</Bucket><Region>eu-west-1</Region>"
      "<BucketRegion>eu-west-1</BucketRegion><Resource>/b/k</Resource></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->endpoint, "b.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(e->region, "eu-west-1");
  EXPECT_EQ(e->bucket_region, "eu-west-1");
  EXPECT_EQ(e->resource, "/b/k");
  EXPECT_EQ(e->fields.at("Bucket"), "b");
}

TEST(ParseErrorXmlTest, NamespaceAndPrefixDoNotMatter) {
  const auto a = ParseErrorXml(WithNs("Error", "<Code>NoSuchKey</Code><Message>m</Message>"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->code, "NoSuchKey");
  const auto b = ParseErrorXml(
      "<s3:Error xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Code>SlowDown</s3:Code>"
      "</s3:Error>");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->code, "SlowDown");
}

TEST(ParseErrorXmlTest, ReadsRadosgwShape) {
  const auto e = ParseErrorXml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchUpload</Code>"
      "<BucketName>b</BucketName><RequestId>tx00000-0065</RequestId>"
      "<HostId>1234-default-default</HostId></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "NoSuchUpload");
  EXPECT_EQ(e->message, "");
  EXPECT_EQ(e->fields.at("BucketName"), "b");
}

TEST(ParseErrorXmlTest, RejectsEverythingElse) {
  EXPECT_FALSE(ParseErrorXml(""));
  EXPECT_FALSE(ParseErrorXml("garbage"));
  EXPECT_FALSE(ParseErrorXml("<html><body><h1>502 Bad Gateway</h1></body></html>"));
  EXPECT_FALSE(ParseErrorXml("<Error><Code>Truncated"));
  EXPECT_FALSE(ParseErrorXml("<Error><Message>no code</Message></Error>"));
  EXPECT_FALSE(ParseErrorXml(WithNs("ListBucketResult", "<Code>x</Code>")));
  EXPECT_FALSE(ParseErrorXml(std::string("<Error>\0<Code>x</Code></Error>", 30)));
}

TEST(ParseErrorXmlTest, DoesNotExpandExternalEntities) {
  const auto e = ParseErrorXml(
      "<!DOCTYPE Error [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
      "<Error><Code>X</Code><Message>&xxe;</Message></Error>");
  if (e) {
    EXPECT_EQ(e->message.find("root:"), std::string::npos);
  }
}

// --- InitiateMultipartUpload ---------------------------------------------------------------

TEST(ParseInitiateMultipartUploadTest, ReturnsUploadId) {
  const auto id = ParseInitiateMultipartUpload(
      WithNs("InitiateMultipartUploadResult",
             "<Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE.ZWxpemFiZXRo</UploadId>"));
  ASSERT_TRUE(id.has_value()) << id.error().ToString();
  EXPECT_EQ(*id, "VXBsb2FkIElE.ZWxpemFiZXRo");
}

TEST(ParseInitiateMultipartUploadTest, MissingUploadIdIsInternal) {
  const auto id = ParseInitiateMultipartUpload(
      WithNs("InitiateMultipartUploadResult", "<Bucket>b</Bucket><UploadId></UploadId>"));
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, ErrorCode::kInternal);
}

TEST(ParseInitiateMultipartUploadTest, GarbageIsInternal) {
  const auto id = ParseInitiateMultipartUpload("<html>oops</html>");
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, ErrorCode::kInternal);
  EXPECT_NE(id.error().message.find("CreateMultipartUpload"), std::string::npos);
}

TEST(ParseInitiateMultipartUploadTest, ErrorBodyIsMapped) {
  const auto id = ParseInitiateMultipartUpload("<Error><Code>SlowDown</Code></Error>");
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, ErrorCode::kResourceExhausted);
}

// --- CompleteMultipartUpload ---------------------------------------------------------------

TEST(CompleteMultipartUploadXmlTest, ListsPartsWithoutChecksumsWhenNoneWereSent) {
  const std::string xml = CompleteMultipartUploadXml(
      {{1, "\"a54357aff0632cce46d942af68356b38\"", "", ""}, {2, "\"0c78aef8\"", "", ""}});
  EXPECT_EQ(xml,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>&quot;a54357aff0632cce46d942af68356b38&quot;"
            "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;0c78aef8&quot;</ETag>"
            "</Part></CompleteMultipartUpload>");
  EXPECT_EQ(xml.find("Checksum"), std::string::npos);
}

TEST(CompleteMultipartUploadXmlTest, RepeatsEachPartsChecksumWhenOneWasSent) {
  const std::string xml = CompleteMultipartUploadXml(
      {{1, "\"e1\"", "ChecksumCRC32C", "4waSgw=="}, {2, "\"e2\"", "ChecksumCRC32C", "AAAAAA=="}});
  EXPECT_NE(xml.find("<ETag>&quot;e1&quot;</ETag><ChecksumCRC32C>4waSgw==</ChecksumCRC32C></Part>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<ChecksumCRC32C>AAAAAA==</ChecksumCRC32C>"), std::string::npos);
}

TEST(CompleteMultipartUploadXmlTest, EmptyListIsWellFormed) {
  EXPECT_EQ(CompleteMultipartUploadXml({}),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "</CompleteMultipartUpload>");
}

TEST(ParseCompleteMultipartUploadTest, ReadsAwsResult) {
  const auto r = ParseCompleteMultipartUpload(
      WithNs("CompleteMultipartUploadResult",
             "<Location>https://b.s3.amazonaws.com/k</Location><Bucket>b</Bucket><Key>k</Key>"
             "<ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->location, "https://b.s3.amazonaws.com/k");
  EXPECT_EQ(r->bucket, "b");
  EXPECT_EQ(r->key, "k");
  EXPECT_EQ(r->etag, "\"3858f62230ac3c915f300c664312c11f-9\"");
}

TEST(ParseCompleteMultipartUploadTest, RadosgwEmptyEtagIsAllowed) {
  const auto r = ParseCompleteMultipartUpload(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUploadResult " +
      std::string(kNs) +
      "><Location>b/k</Location><Bucket>b</Bucket><Key>k</Key><ETag/>"
      "</CompleteMultipartUploadResult>");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->etag, "");
}

TEST(ParseCompleteMultipartUploadTest, Status200WithInternalErrorIsUnavailable) {
  S3Call call{"CompleteMultipartUpload", "s3://b/k", "b", "us-east-1", "AKIDEXAMPLE"};
  const auto r = ParseCompleteMultipartUpload(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n<Error><Code>InternalError</Code>"
      "<Message>We encountered an internal error. Please try again.</Message>"
      "<RequestId>656c76696e6727732072657175657374</RequestId>"
      "<HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId></Error>",
      call);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().http_status, 200);
  EXPECT_EQ(r.error().subject, "s3://b/k");
}

TEST(ParseCompleteMultipartUploadTest, Status200WithInvalidPartIsInternal) {
  const auto r = ParseCompleteMultipartUpload(
      "<Error><Code>InvalidPart</Code><Message>One or more of the specified parts could not be "
      "found.</Message></Error>");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_EQ(r.error().http_status, 200);
}

TEST(ParseCompleteMultipartUploadTest, WrongRootIsInternal) {
  const auto r = ParseCompleteMultipartUpload(WithNs("InitiateMultipartUploadResult", ""));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

TEST(ParseCompleteMultipartUploadTest, TruncatedBodyIsInternal) {
  const auto r = ParseCompleteMultipartUpload("<CompleteMultipartUploadResult><Location>");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

// --- ListMultipartUploads ------------------------------------------------------------------

TEST(ParseListMultipartUploadsTest, ReadsUploadsAndMarkers) {
  const auto r = ParseListMultipartUploads(WithNs(
      "ListMultipartUploadsResult",
      "<Bucket>b</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>"
      "<NextKeyMarker>my-movie.m2ts</NextKeyMarker><NextUploadIdMarker>YW55IGlkZWEgd2h5"
      "</NextUploadIdMarker><MaxUploads>3</MaxUploads><IsTruncated>true</IsTruncated>"
      "<Upload><Key>my-divisor</Key><UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw"
      "</UploadId><Initiator><ID>arn:aws:iam::111122223333:user/u</ID></Initiator>"
      "<StorageClass>STANDARD</StorageClass><Initiated>2010-11-10T20:48:33.000Z</Initiated>"
      "</Upload><Upload><Key>my-movie.m2ts</Key><UploadId>VXBsb2FkIElE</UploadId>"
      "<Initiated>2010-11-10T20:48:33.000Z</Initiated></Upload>"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(r->is_truncated);
  EXPECT_EQ(r->next_key_marker, "my-movie.m2ts");
  EXPECT_EQ(r->next_upload_id_marker, "YW55IGlkZWEgd2h5");
  ASSERT_EQ(r->uploads.size(), 2u);
  EXPECT_EQ(r->uploads[0].key, "my-divisor");
  EXPECT_EQ(r->uploads[1].upload_id, "VXBsb2FkIElE");
  EXPECT_EQ(r->uploads[1].initiated, "2010-11-10T20:48:33.000Z");
}

TEST(ParseListMultipartUploadsTest, EmptyListing) {
  const auto r = ParseListMultipartUploads(
      WithNs("ListMultipartUploadsResult", "<Bucket>b</Bucket><IsTruncated>false</IsTruncated>"));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->is_truncated);
  EXPECT_TRUE(r->uploads.empty());
}

TEST(ParseListMultipartUploadsTest, DecodesUrlEncodedKeys) {
  const auto r = ParseListMultipartUploads(
      WithNs("ListMultipartUploadsResult",
             "<EncodingType>url</EncodingType><NextKeyMarker>a%2Fb+c</NextKeyMarker>"
             "<IsTruncated>false</IsTruncated><Upload><Key>dir/x%2By%20z%0A</Key>"
             "<UploadId>id%2B</UploadId></Upload>"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->next_key_marker, "a/b c");
  EXPECT_EQ(r->uploads[0].key, "dir/x+y z\n");
  EXPECT_EQ(r->uploads[0].upload_id, "id%2B");  // upload ids are never encoded
}

TEST(ParseListMultipartUploadsTest, BadUrlEncodingIsInternal) {
  const auto r = ParseListMultipartUploads(
      WithNs("ListMultipartUploadsResult",
             "<EncodingType>url</EncodingType><Upload><Key>bad%2</Key><UploadId>i</UploadId>"
             "</Upload>"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

TEST(ParseListMultipartUploadsTest, UploadWithoutIdIsInternal) {
  const auto r = ParseListMultipartUploads(
      WithNs("ListMultipartUploadsResult", "<Upload><Key>k</Key></Upload>"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

TEST(ParseListMultipartUploadsTest, BadIsTruncatedIsInternal) {
  const auto r = ParseListMultipartUploads(
      WithNs("ListMultipartUploadsResult", "<IsTruncated>maybe</IsTruncated>"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

// --- ListParts -----------------------------------------------------------------------------

TEST(ParseListPartsTest, ReadsPartsAndMarker) {
  const auto r = ParseListParts(WithNs(
      "ListPartsResult",
      "<Bucket>b</Bucket><Key>k</Key><UploadId>id</UploadId><PartNumberMarker>1"
      "</PartNumberMarker><NextPartNumberMarker>3</NextPartNumberMarker><MaxParts>2</MaxParts>"
      "<IsTruncated>true</IsTruncated><Part><PartNumber>2</PartNumber><LastModified>"
      "2010-11-10T20:48:34.000Z</LastModified><ETag>\"7778aef83f66abc1fa1e8477f296d394\""
      "</ETag><Size>10485760</Size></Part><Part><PartNumber>3</PartNumber><ETag>\"aaaa\"</ETag>"
      "<Size>10485760</Size></Part>"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(r->is_truncated);
  EXPECT_EQ(r->next_part_number_marker, "3");
  ASSERT_EQ(r->parts.size(), 2u);
  EXPECT_EQ(r->parts[0].part_number, 2);
  EXPECT_EQ(r->parts[0].etag, "\"7778aef83f66abc1fa1e8477f296d394\"");
  EXPECT_EQ(r->parts[0].size, 10485760u);
}

TEST(ParseListPartsTest, LargeSizesDoNotOverflow) {
  const auto r = ParseListParts(
      WithNs("ListPartsResult", "<Part><PartNumber>1</PartNumber><Size>5368709120</Size></Part>"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->parts[0].size, 5368709120u);
}

TEST(ParseListPartsTest, NonNumericSizeIsInternal) {
  const auto r = ParseListParts(
      WithNs("ListPartsResult", "<Part><PartNumber>1</PartNumber><Size>-5</Size></Part>"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

TEST(ParseListPartsTest, MissingPartNumberIsInternal) {
  const auto r = ParseListParts(WithNs("ListPartsResult", "<Part><Size>5</Size></Part>"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

TEST(ParseListPartsTest, NoSuchUploadBodyIsNotFound) {
  const auto r = ParseListParts("<Error><Code>NoSuchUpload</Code></Error>");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

// --- ListObjectsV2 -------------------------------------------------------------------------

TEST(ParseListObjectsV2Test, ReadsObjectsPrefixesAndToken) {
  const auto r = ParseListObjectsV2(
      WithNs("ListBucketResult",
             "<Name>b</Name><Prefix>exports/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"
             "<Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><NextContinuationToken>"
             "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
             "<Contents><Key>exports/a.csv.gz</Key><LastModified>2009-10-12T17:50:30.000Z"
             "</LastModified><ETag>\"fba9dede5f27731c9771645a39863328\"</ETag><Size>434234</Size>"
             "<StorageClass>STANDARD</StorageClass></Contents>"
             "<CommonPrefixes><Prefix>exports/2026/</Prefix></CommonPrefixes>"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(r->is_truncated);
  EXPECT_EQ(r->key_count, 2);
  EXPECT_EQ(r->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  ASSERT_EQ(r->objects.size(), 1u);
  EXPECT_EQ(r->objects[0].key, "exports/a.csv.gz");
  EXPECT_EQ(r->objects[0].size, 434234u);
  EXPECT_EQ(r->objects[0].etag, "\"fba9dede5f27731c9771645a39863328\"");
  EXPECT_EQ(r->objects[0].last_modified, "2009-10-12T17:50:30.000Z");
  ASSERT_EQ(r->common_prefixes.size(), 1u);
  EXPECT_EQ(r->common_prefixes[0], "exports/2026/");
}

TEST(ParseListObjectsV2Test, MissingKeyCountIsMinusOne) {
  const auto r = ParseListObjectsV2(WithNs("ListBucketResult", "<Name>b</Name>"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->key_count, -1);
  EXPECT_FALSE(r->is_truncated);
}

TEST(ParseListObjectsV2Test, DecodesUrlEncodedKeysAndPrefixes) {
  const auto r = ParseListObjectsV2(
      WithNs("ListBucketResult",
             "<EncodingType>url</EncodingType><Contents><Key>a%26b+%C3%A9</Key><Size>1</Size>"
             "</Contents><CommonPrefixes><Prefix>p%2F</Prefix></CommonPrefixes>"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->objects[0].key, "a&b \xC3\xA9");
  EXPECT_EQ(r->common_prefixes[0], "p/");
}

TEST(ParseListObjectsV2Test, KeysAreVerbatimWithoutEncodingType) {
  const auto r = ParseListObjectsV2(
      WithNs("ListBucketResult", "<Contents><Key>a+b%20c &amp; d</Key></Contents>"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->objects[0].key, "a+b%20c & d");
}

TEST(ParseListObjectsV2Test, WhitespaceOnlyKeysSurvive) {
  // Regression (found by fuzz/xml_error_fuzzer): pugixml drops whitespace-only text by
  // default, which turned the legal key " " into "".
  const auto r = ParseListObjectsV2(
      WithNs("ListBucketResult",
             "<Contents><Key> </Key></Contents>\n  <Contents><Key>\t</Key></Contents>"));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->objects.size(), 2u);
  EXPECT_EQ(r->objects[0].key, " ");
  EXPECT_EQ(r->objects[1].key, "\t");
}

TEST(ParseListObjectsV2Test, NoSuchBucketBodyIsNotFound) {
  const auto r = ParseListObjectsV2(
      "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
      "<BucketName>nope</BucketName></Error>");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST(ParseListObjectsV2Test, HugeSizeIsInternal) {
  const auto r =
      ParseListObjectsV2(WithNs("ListBucketResult",
                                "<Contents><Key>k</Key><Size>99999999999999999999999</Size>"
                                "</Contents>"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

// --- DeleteObjects -------------------------------------------------------------------------

TEST(DeleteObjectsXmlTest, EscapesKeys) {
  EXPECT_EQ(DeleteObjectsXml({"a&b", "<c>", "\"q'", "line\nbreak"}, true),
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
            "<Object><Key>a&amp;b</Key></Object><Object><Key>&lt;c&gt;</Key></Object>"
            "<Object><Key>&quot;q&apos;</Key></Object><Object><Key>line&#x0A;break</Key>"
            "</Object></Delete>");
}

TEST(DeleteObjectsXmlTest, NotQuietOmitsQuiet) {
  EXPECT_EQ(DeleteObjectsXml({"k"}, false),
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>k</Key>"
            "</Object></Delete>");
}

TEST(DeleteObjectsXmlTest, EscapedKeysRoundTripThroughAParser) {
  // Control characters must survive: a literal \r\n would be normalised to \n by a parser.
  const std::string key = "we<ird> & \"key\"\t\r\n";
  const std::string body = DeleteObjectsXml({key}, false);
  const std::string open = "<Object><Key>";
  const size_t b = body.find(open) + open.size();
  const std::string escaped = body.substr(b, body.find("</Key>") - b);
  const auto parsed =
      ParseDeleteResult(WithNs("DeleteResult", "<Deleted><Key>" + escaped + "</Key></Deleted>"));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->deleted.at(0), key);
}

TEST(ParseDeleteResultTest, ReadsDeletedAndErrors) {
  const auto r = ParseDeleteResult(
      WithNs("DeleteResult",
             "<Deleted><Key>sample1.txt</Key></Deleted><Error><Key>sample2.txt</Key>"
             "<Code>AccessDenied</Code><Message>Access Denied</Message></Error>"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->deleted.size(), 1u);
  EXPECT_EQ(r->deleted[0], "sample1.txt");
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].key, "sample2.txt");
  EXPECT_EQ(r->errors[0].code, "AccessDenied");
  EXPECT_EQ(r->errors[0].message, "Access Denied");
}

TEST(ParseDeleteResultTest, QuietEmptyResult) {
  const auto r = ParseDeleteResult(WithNs("DeleteResult", ""));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->deleted.empty());
  EXPECT_TRUE(r->errors.empty());
}

TEST(ParseDeleteResultTest, MalformedXmlErrorIsInternal) {
  const auto r = ParseDeleteResult(
      "<Error><Code>MalformedXML</Code><Message>The XML you provided was not well-formed"
      "</Message></Error>");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace s3u::s3

namespace s3u::s3 {
namespace {

TEST(ParseCompleteMultipartUploadTest, AcceptsMotosResponseRootName) {
  auto r = ParseCompleteMultipartUpload(
      "<CompleteMultipartUploadResponse><Bucket>b</Bucket><Key>k</Key><ETag>\"e-2\"</ETag>"
      "</CompleteMultipartUploadResponse>");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->etag, "\"e-2\"");
}

TEST(ParseCompleteMultipartUploadTest, RejectsAnUnrelatedRoot) {
  EXPECT_FALSE(ParseCompleteMultipartUpload("<ListBucketResult></ListBucketResult>"));
}

}  // namespace
}  // namespace s3u::s3
