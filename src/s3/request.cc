#include "s3/request.h"

namespace s3u::s3 {

std::string ResourceName(std::string_view bucket, std::string_view key) {
  std::string out = "s3://";
  out += bucket;
  if (!key.empty()) {
    out += '/';
    out += key;
  }
  return out;
}

http::Request BuildSignedRequest(const S3Request& req, const SigningContext& ctx) {
  Target target = BuildTarget(ctx.endpoint, req.bucket, req.key, req.query);
  CanonicalInput in;
  in.method = req.method;
  in.encoded_path = target.encoded_path;
  in.query = req.query;
  in.headers = req.headers;
  in.headers.emplace_back("host", target.host);
  in.payload_hash = ctx.sign_payload ? Sha256Hex(req.body) : "UNSIGNED-PAYLOAD";
  std::string authorization = SignV4(in, ctx.credentials, ctx.region, "s3", ctx.now);

  http::Request out;
  out.method = req.method;
  out.url = std::move(target.url);
  out.body = req.body;
  if (req.method == "PUT" || req.method == "POST") out.content_length = req.body.size();
  for (auto& [name, value] : in.headers) {
    if (name != "host") out.headers.emplace_back(std::move(name), std::move(value));
  }
  out.headers.emplace_back("Authorization", std::move(authorization));
  return out;
}

}  // namespace s3u::s3
