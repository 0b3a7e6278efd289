#include "s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "core/text.h"

namespace s3u::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr char kUpperHex[] = "0123456789ABCDEF";
constexpr char kLowerHex[] = "0123456789abcdef";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool IsHeaderSpace(char c) { return c == ' ' || c == '\t'; }

// Trims, then collapses each inner run of spaces/tabs to one space (SigV4 "Trimall").
std::string TrimAll(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (IsHeaderSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Lowercase name -> values joined with ',' in input order; std::map keeps names sorted.
std::map<std::string, std::string> GroupHeaders(const NameValueList& headers) {
  std::map<std::string, std::string> grouped;
  for (const auto& [name, value] : headers) {
    auto [it, inserted] = grouped.try_emplace(AsciiLower(name), TrimAll(value));
    if (!inserted) {
      it->second.push_back(',');
      it->second += TrimAll(value);
    }
  }
  return grouped;
}

bool NameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

void RemoveHeader(NameValueList& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& h) { return NameEquals(h.first, name); });
}

void SetHeader(NameValueList& headers, std::string_view name, std::string value) {
  RemoveHeader(headers, name);
  headers.emplace_back(std::string(name), std::move(value));
}

struct CivilTime {
  int year;
  unsigned month, day, hour, minute, second;
};

// Calendar arithmetic with <chrono> instead of gmtime_r: no global state, no time zone lookup,
// and times before 1970 floor correctly.
CivilTime ToCivil(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd(day);
  const hh_mm_ss hms(secs - day);
  return CivilTime{static_cast<int>(ymd.year()),
                   static_cast<unsigned>(ymd.month()),
                   static_cast<unsigned>(ymd.day()),
                   static_cast<unsigned>(hms.hours().count()),
                   static_cast<unsigned>(hms.minutes().count()),
                   static_cast<unsigned>(hms.seconds().count())};
}

}  // namespace

// Byte-wise on purpose: multi-byte UTF-8 must come out as one %XX per byte, and nothing may
// be decoded first (a literal "%20" in a key is three characters that S3 stores as such).
std::string UriEncode(std::string_view s, bool encode_slash) {
  std::string out;
  out.reserve(s.size() * 3);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kUpperHex[c >> 4]);
      out.push_back(kUpperHex[c & 0xF]);
    }
  }
  return out;
}

std::string UriEncodePath(std::string_view key_path) { return UriEncode(key_path, false); }

// Sorting must happen on the encoded pairs: that is what the server sorts, and encoding
// changes the order (e.g. "%20" < "-").
std::string CanonicalQueryString(const NameValueList& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, true), UriEncode(value, true));
  }
  std::sort(encoded.begin(), encoded.end());  // by encoded name, then encoded value
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string CanonicalHeaders(const NameValueList& headers) {
  std::string out;
  for (const auto& [name, value] : GroupHeaders(headers)) {
    out += name;
    out.push_back(':');
    out += value;
    out.push_back('\n');
  }
  return out;
}

std::string SignedHeaderList(const NameValueList& headers) {
  std::string out;
  for (const auto& [name, value] : GroupHeaders(headers)) {
    if (!out.empty()) out.push_back(';');
    out += name;
  }
  return out;
}

std::string CanonicalRequest(const CanonicalInput& in) {
  std::string out;
  out.reserve(256);
  out += in.method;
  out.push_back('\n');
  out += in.encoded_path;
  out.push_back('\n');
  out += CanonicalQueryString(in.query);
  out.push_back('\n');
  out += CanonicalHeaders(in.headers);
  out.push_back('\n');
  out += SignedHeaderList(in.headers);
  out.push_back('\n');
  out += in.payload_hash;
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  const CivilTime c = ToCivil(t);
  char buf[64];  // room for any int year and unsigned fields
  std::snprintf(buf, sizeof(buf), "%04d%02u%02uT%02u%02u%02uZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

std::string DateStamp(std::chrono::system_clock::time_point t) { return AmzDate(t).substr(0, 8); }

std::string StringToSign(std::string_view canonical_request,
                         std::chrono::system_clock::time_point t, std::string_view region,
                         std::string_view service) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out += AmzDate(t);
  out.push_back('\n');
  out += DateStamp(t);
  out.push_back('/');
  out += region;
  out.push_back('/');
  out += service;
  out += "/aws4_request\n";
  out += Sha256Hex(canonical_request);
  return out;
}

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(kLowerHex[c >> 4]);
    out.push_back(kLowerHex[c & 0xF]);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest fails only on allocation failure inside OpenSSL; there is no useful recovery
  // for a signer, and returning a wrong digest would be worse than stopping.
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) std::abort();
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len) == nullptr) {
    std::abort();  // see Sha256Hex
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string SigningKey(std::string_view secret, std::string_view yyyymmdd, std::string_view region,
                       std::string_view service) {
  std::string k_secret = "AWS4";
  k_secret += secret;
  const std::string k_date = HmacSha256(k_secret, yyyymmdd);
  const std::string k_region = HmacSha256(k_date, region);
  const std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

// The managed headers are replaced rather than appended: a retried request is re-signed with
// a new time (and maybe refreshed credentials), and duplicate x-amz-date values would be
// joined with ',' into a canonical request the server never reproduces.
std::string SignV4(CanonicalInput& in, const Credentials& creds, std::string_view region,
                   std::string_view service, std::chrono::system_clock::time_point now) {
  RemoveHeader(in.headers, "authorization");
  SetHeader(in.headers, "x-amz-date", AmzDate(now));
  SetHeader(in.headers, "x-amz-content-sha256", in.payload_hash);
  if (creds.session_token.empty()) {
    RemoveHeader(in.headers, "x-amz-security-token");
  } else {
    SetHeader(in.headers, "x-amz-security-token", creds.session_token);
  }

  const std::string string_to_sign = StringToSign(CanonicalRequest(in), now, region, service);
  const std::string date = DateStamp(now);
  const std::string signature = HexEncode(
      HmacSha256(SigningKey(creds.secret_access_key, date, region, service), string_to_sign));

  std::string out(kAlgorithm);
  out += " Credential=";
  out += creds.access_key_id;
  out.push_back('/');
  out += date;
  out.push_back('/');
  out += region;
  out.push_back('/');
  out += service;
  out += "/aws4_request, SignedHeaders=";
  out += SignedHeaderList(in.headers);
  out += ", Signature=";
  out += signature;
  return out;
}

}  // namespace s3u::s3
