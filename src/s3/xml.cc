#include "s3/xml.h"

#include <charconv>
#include <chrono>
#include <pugixml.hpp>

#include "core/text.h"
#include "s3/errors.h"

namespace s3u::s3 {
namespace {

// Namespaces are ignored on purpose: AWS uses a default xmlns, some stores use none or a
// prefix, and no S3 document reuses a local name with another meaning.
std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  const size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& parent, std::string_view local) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) return c;
  }
  return {};
}

std::string Text(const pugi::xml_node& parent, std::string_view local) {
  return Child(parent, local).text().get();
}

bool LoadXml(pugi::xml_document& doc, std::string_view body) {
  if (body.empty()) return false;
  // parse_default keeps CDATA and escapes; no DTDs are processed, so no external entities.
  // parse_ws_pcdata_single keeps whitespace-only text such as <Key> </Key> (a legal key).
  const pugi::xml_parse_result r =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
                      pugi::encoding_utf8);
  return static_cast<bool>(r) && doc.document_element();
}

// application/x-www-form-urlencoded decoding, which is what botocore applies to listings
// fetched with encoding-type=url ('+' is a space; S3 sends a literal '+' as %2B).
std::optional<std::string> UrlDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = HexDigitValue(in[i + 1]);
      const int lo = HexDigitValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// An answer we cannot interpret is kInternal: retrying the same request would not help.
tl::unexpected<Error> Unreadable(const S3Call& call, std::string what) {
  return Fail(ErrorCode::kInternal, call.resource,
              "cannot read the " + call.operation + " response: " + std::move(what), 200);
}

// S3 may answer 200 and then fail (CompleteMultipartUpload, copies), so every parser checks
// for a root <Error> first.
// Parses `body`, checks that its root is `root`, and turns a root <Error> into its mapping.
Result<pugi::xml_node> LoadRoot(pugi::xml_document& doc, std::string_view body,
                                std::string_view root, const S3Call& call) {
  if (!LoadXml(doc, body)) return Unreadable(call, "the body is not XML");
  const pugi::xml_node el = doc.document_element();
  if (LocalName(el) == "Error") {
    return Fail(MapS3Error(call, 200, {}, body, std::chrono::system_clock::time_point{}));
  }
  // moto names some roots "...Response" where AWS says "...Result"; accept both.
  const std::string_view name = LocalName(el);
  const bool alias = root.ends_with("Result") && name.ends_with("Response") &&
                     name.substr(0, name.size() - 8) == root.substr(0, root.size() - 6);
  if (name != root && !alias) {
    return Unreadable(call, "expected <" + std::string(root) + ">, got <" +
                                std::string(LocalName(el)).substr(0, 64) + ">");
  }
  return el;
}

Result<bool> ParseBool(const pugi::xml_node& parent, std::string_view name, const S3Call& call) {
  const pugi::xml_node n = Child(parent, name);
  if (!n) return false;
  const std::string_view v = n.text().get();
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  return Unreadable(call, "<" + std::string(name) + "> is not true or false");
}

template <typename Int>
Result<Int> ParseInt(const pugi::xml_node& parent, std::string_view name, const S3Call& call,
                     Int missing) {
  const pugi::xml_node n = Child(parent, name);
  if (!n) return missing;
  const std::string_view v = n.text().get();
  Int out{};
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    return Unreadable(call, "<" + std::string(name) + "> is not a valid number");
  }
  return out;
}

// Reads <EncodingType>: true when the listing's keys are url-encoded.
bool UrlEncoded(const pugi::xml_node& root) {
  const std::string enc = Text(root, "EncodingType");
  return enc == "url" || enc == "URL";
}

Result<std::string> KeyField(const pugi::xml_node& parent, std::string_view name, bool encoded,
                             const S3Call& call) {
  std::string v = Text(parent, name);
  if (!encoded) return v;
  std::optional<std::string> d = UrlDecode(v);
  if (!d) return Unreadable(call, "<" + std::string(name) + "> is not valid url encoding");
  return *std::move(d);
}

S3Call CallFor(std::string operation) {
  S3Call call;
  call.operation = std::move(operation);
  return call;
}

void AppendEscaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          // Character references keep \t \r \n from being normalised away by the parser.
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += "&#x";
          out.push_back(kHex[(c >> 4) & 0xF]);
          out.push_back(kHex[c & 0xF]);
          out.push_back(';');
        } else {
          out.push_back(c);
        }
        break;
    }
  }
}

}  // namespace

std::optional<S3ErrorBody> ParseErrorXml(std::string_view body) {
  pugi::xml_document doc;
  if (!LoadXml(doc, body)) return std::nullopt;
  const pugi::xml_node root = doc.document_element();
  if (LocalName(root) != "Error") return std::nullopt;
  S3ErrorBody out;
  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view name = LocalName(c);
    std::string value = c.text().get();
    if (name == "Code") {
      out.code = std::move(value);
    } else if (name == "Message") {
      out.message = std::move(value);
    } else if (name == "Resource") {
      out.resource = std::move(value);
    } else if (name == "RequestId") {
      out.request_id = std::move(value);
    } else if (name == "Region") {
      out.region = std::move(value);
    } else if (name == "Endpoint") {
      out.endpoint = std::move(value);
    } else if (name == "BucketRegion") {
      out.bucket_region = std::move(value);
    } else {
      out.fields.emplace(std::string(name), std::move(value));
    }
  }
  if (out.code.empty()) return std::nullopt;
  return out;
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view body) {
  const S3Call call = CallFor("CreateMultipartUpload");
  pugi::xml_document doc;
  auto root = LoadRoot(doc, body, "InitiateMultipartUploadResult", call);
  if (!root) return Fail(root.error());
  std::string id = Text(*root, "UploadId");
  if (id.empty()) return Unreadable(call, "<UploadId> is missing or empty");
  return id;
}

std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts) {
  std::string out = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const CompletedPart& p : parts) {
    out += "<Part><PartNumber>";
    out += std::to_string(p.part_number);
    out += "</PartNumber><ETag>";
    AppendEscaped(out, p.etag);
    out += "</ETag>";
    if (!p.checksum_element.empty()) {
      out += "<" + p.checksum_element + ">";
      AppendEscaped(out, p.checksum_value);
      out += "</" + p.checksum_element + ">";
    }
    out += "</Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

Result<CompleteResult> ParseCompleteMultipartUpload(std::string_view body) {
  return ParseCompleteMultipartUpload(body, CallFor("CompleteMultipartUpload"));
}

Result<CompleteResult> ParseCompleteMultipartUpload(std::string_view body, const S3Call& call) {
  S3Call c = call;
  if (c.operation.empty()) c.operation = "CompleteMultipartUpload";
  pugi::xml_document doc;
  auto root = LoadRoot(doc, body, "CompleteMultipartUploadResult", c);
  if (!root) return Fail(root.error());
  CompleteResult out;
  out.location = Text(*root, "Location");
  out.bucket = Text(*root, "Bucket");
  out.key = Text(*root, "Key");
  out.etag = Text(*root, "ETag");
  return out;
}

Result<ListMultipartUploadsResult> ParseListMultipartUploads(std::string_view body) {
  const S3Call call = CallFor("ListMultipartUploads");
  pugi::xml_document doc;
  auto root = LoadRoot(doc, body, "ListMultipartUploadsResult", call);
  if (!root) return Fail(root.error());
  const bool encoded = UrlEncoded(*root);
  ListMultipartUploadsResult out;
  auto truncated = ParseBool(*root, "IsTruncated", call);
  if (!truncated) return Fail(truncated.error());
  out.is_truncated = *truncated;
  auto marker = KeyField(*root, "NextKeyMarker", encoded, call);
  if (!marker) return Fail(marker.error());
  out.next_key_marker = *std::move(marker);
  out.next_upload_id_marker = Text(*root, "NextUploadIdMarker");
  for (pugi::xml_node u = root->first_child(); u; u = u.next_sibling()) {
    if (u.type() != pugi::node_element || LocalName(u) != "Upload") continue;
    UploadInfo info;
    auto key = KeyField(u, "Key", encoded, call);
    if (!key) return Fail(key.error());
    info.key = *std::move(key);
    info.upload_id = Text(u, "UploadId");
    info.initiated = Text(u, "Initiated");
    if (info.upload_id.empty()) return Unreadable(call, "an <Upload> has no <UploadId>");
    out.uploads.push_back(std::move(info));
  }
  return out;
}

Result<ListPartsResult> ParseListParts(std::string_view body) {
  const S3Call call = CallFor("ListParts");
  pugi::xml_document doc;
  auto root = LoadRoot(doc, body, "ListPartsResult", call);
  if (!root) return Fail(root.error());
  ListPartsResult out;
  auto truncated = ParseBool(*root, "IsTruncated", call);
  if (!truncated) return Fail(truncated.error());
  out.is_truncated = *truncated;
  // Kept as text: it goes back verbatim as part-number-marker, and a number check here
  // would only add a way to fail.
  out.next_part_number_marker = Text(*root, "NextPartNumberMarker");
  for (pugi::xml_node p = root->first_child(); p; p = p.next_sibling()) {
    if (p.type() != pugi::node_element || LocalName(p) != "Part") continue;
    PartInfo info;
    auto number = ParseInt<int>(p, "PartNumber", call, -1);
    if (!number) return Fail(number.error());
    if (*number < 1) return Unreadable(call, "a <Part> has no valid <PartNumber>");
    auto size = ParseInt<uint64_t>(p, "Size", call, 0);
    if (!size) return Fail(size.error());
    info.part_number = *number;
    info.size = *size;
    info.etag = Text(p, "ETag");
    out.parts.push_back(std::move(info));
  }
  return out;
}

Result<ListObjectsResult> ParseListObjectsV2(std::string_view body) {
  const S3Call call = CallFor("ListObjectsV2");
  pugi::xml_document doc;
  auto root = LoadRoot(doc, body, "ListBucketResult", call);
  if (!root) return Fail(root.error());
  const bool encoded = UrlEncoded(*root);
  ListObjectsResult out;
  auto truncated = ParseBool(*root, "IsTruncated", call);
  if (!truncated) return Fail(truncated.error());
  out.is_truncated = *truncated;
  auto count = ParseInt<int>(*root, "KeyCount", call, -1);
  if (!count) return Fail(count.error());
  out.key_count = *count;
  out.next_continuation_token = Text(*root, "NextContinuationToken");
  for (pugi::xml_node c = root->first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (LocalName(c) == "Contents") {
      ObjectInfo info;
      auto key = KeyField(c, "Key", encoded, call);
      if (!key) return Fail(key.error());
      auto size = ParseInt<uint64_t>(c, "Size", call, 0);
      if (!size) return Fail(size.error());
      info.key = *std::move(key);
      info.size = *size;
      info.etag = Text(c, "ETag");
      info.last_modified = Text(c, "LastModified");
      out.objects.push_back(std::move(info));
    } else if (LocalName(c) == "CommonPrefixes") {
      auto prefix = KeyField(c, "Prefix", encoded, call);
      if (!prefix) return Fail(prefix.error());
      out.common_prefixes.push_back(*std::move(prefix));
    }
  }
  return out;
}

std::string DeleteObjectsXml(const std::vector<std::string>& keys, bool quiet) {
  std::string out = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  if (quiet) out += "<Quiet>true</Quiet>";
  for (const std::string& key : keys) {
    out += "<Object><Key>";
    AppendEscaped(out, key);
    out += "</Key></Object>";
  }
  out += "</Delete>";
  return out;
}

Result<DeleteResult> ParseDeleteResult(std::string_view body) {
  const S3Call call = CallFor("DeleteObjects");
  pugi::xml_document doc;
  auto root = LoadRoot(doc, body, "DeleteResult", call);
  if (!root) return Fail(root.error());
  DeleteResult out;
  for (pugi::xml_node c = root->first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (LocalName(c) == "Deleted") {
      out.deleted.push_back(Text(c, "Key"));
    } else if (LocalName(c) == "Error") {
      out.errors.push_back(DeleteError{Text(c, "Key"), Text(c, "Code"), Text(c, "Message")});
    }
  }
  return out;
}

}  // namespace s3u::s3
