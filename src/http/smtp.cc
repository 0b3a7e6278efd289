#include "http/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/text.h"
#include "http/curl_client.h"

namespace s3u::http {
namespace {

struct Upload {
  std::string_view rest;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->rest.size());
  std::memcpy(buffer, upload->rest.data(), n);
  upload->rest.remove_prefix(n);
  return n;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

Error MapSmtpError(CURLcode rc, long reply, const char* errbuf, const std::string& subject) {
  std::string detail = *errbuf != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
  if (reply != 0) detail += " (server reply " + std::to_string(reply) + ")";
  switch (rc) {
    case CURLE_LOGIN_DENIED:
      return Fail(ErrorCode::kUnauthenticated, subject,
                  "the server refused the login: check the username and password")
          .value();
    case CURLE_USE_SSL_FAILED:
      return Fail(ErrorCode::kFailedPrecondition, subject,
                  "the server does not offer STARTTLS, and a password is only sent over TLS: "
                  "use smtps:// or a server with STARTTLS")
          .value();
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
      return Fail(ErrorCode::kFailedPrecondition, subject,
                  "TLS certificate could not be verified: " + detail)
          .value();
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Fail(ErrorCode::kInvalidArgument, subject, "malformed SMTP URL: " + detail).value();
    default:
      break;
  }
  if (reply >= 500) {
    return Fail(ErrorCode::kFailedPrecondition, subject, "the server refused the mail: " + detail)
        .value();
  }
  return Fail(ErrorCode::kUnavailable, subject,
              "sending failed: " + detail + "; this is transient and may be retried")
      .value();
}

}  // namespace

Result<void> SendMail(const MailRequest& mail, const SmtpOptions& options) {
  GlobalInitHttp();
  const std::string subject = "SMTP " + WithoutUserInfo(mail.url);
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return Fail(ErrorCode::kInternal, subject, "libcurl could not make a handle");
  std::unique_ptr<curl_slist, SlistDeleter> recipients;
  for (const std::string& to : mail.to) {
    curl_slist* grown = curl_slist_append(recipients.get(), ("<" + to + ">").c_str());
    if (grown == nullptr) return Fail(ErrorCode::kInternal, subject, "out of memory");
    (void)recipients.release();
    recipients.reset(grown);
  }
  const std::string from = "<" + mail.from + ">";
  Upload upload{mail.message};
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, mail.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.message.size()));
  curl_easy_setopt(c, CURLOPT_USE_SSL, mail.password.empty() ? CURLUSESSL_TRY : CURLUSESSL_ALL);
  if (!mail.username.empty()) curl_easy_setopt(c, CURLOPT_USERNAME, mail.username.c_str());
  if (!mail.password.empty()) curl_easy_setopt(c, CURLOPT_PASSWORD, mail.password.c_str());
  if (!options.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_bundle.c_str());
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {};
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  Error error = MapSmtpError(rc, reply, errbuf, subject);
  if (!mail.password.empty()) {  // libcurl's messages do not quote it; make sure
    for (size_t at; (at = error.message.find(mail.password)) != std::string::npos;) {
      error.message.replace(at, mail.password.size(), "***");
    }
  }
  return Fail(std::move(error));
}

}  // namespace s3u::http
