#include "service/service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace s3u::service {
namespace {

using ::testing::HasSubstr;

TEST(PlainHttpWarningTest, LoopbackAddressesNeedNoWarning) {
  for (const char* host : {"127.0.0.1", "127.0.0.2", "localhost", "::1"}) {
    EXPECT_EQ(PlainHttpWarning(host, false), std::nullopt) << host;
  }
}

TEST(PlainHttpWarningTest, AnyOtherAddressWithoutTlsIsWarnedAbout) {
  for (const char* host : {"0.0.0.0", "::", "10.1.2.3", "192.168.0.1", "myhost.example"}) {
    auto warning = PlainHttpWarning(host, false);
    ASSERT_TRUE(warning) << host;
    EXPECT_THAT(*warning, HasSubstr(std::string("listening on ") + host + " without TLS"));
    EXPECT_THAT(*warning, HasSubstr("--tls-cert"));
  }
}

TEST(PlainHttpWarningTest, TlsNeedsNoWarningAnywhere) {
  EXPECT_EQ(PlainHttpWarning("0.0.0.0", true), std::nullopt);
}

}  // namespace
}  // namespace s3u::service
