#include "emulator/faults.h"

#include <gtest/gtest.h>

#include <string>

namespace s3u::emulator {
namespace {

Fault MakeFault(std::string route, std::string action, std::optional<int> times = std::nullopt,
                std::string dataset = "") {
  Fault fault;
  fault.route = std::move(route);
  fault.action = std::move(action);
  fault.times = times;
  fault.dataset = std::move(dataset);
  return fault;
}

TEST(FaultTableTest, TimesIsConsumedByMatchingRequestsOnly) {
  FaultTable table;
  table.Set({MakeFault("query", "status", 2)});
  EXPECT_FALSE(table.Take("export", "d", {"status"}));
  EXPECT_FALSE(table.Take("query", "d", {"drop_after_bytes"}));
  EXPECT_TRUE(table.Take("query", "d", {"status"}));
  EXPECT_TRUE(table.Take("query", "d", {"status"}));
  EXPECT_FALSE(table.Take("query", "d", {"status"}));
  EXPECT_TRUE(table.List().empty());
}

TEST(FaultTableTest, DatasetAndWildcardRoute) {
  FaultTable table;
  table.Set({MakeFault("*", "status", std::nullopt, "only")});
  EXPECT_FALSE(table.Take("query", "other", {"status"}));
  EXPECT_TRUE(table.Take("query", "only", {"status"}));
  EXPECT_TRUE(table.Take("export", "only", {"status"}));  // unlimited
}

TEST(FaultTableTest, AfterLetsTheFirstMatchesPass) {
  FaultTable table;
  Fault third_page = MakeFault("query", "status", 1);
  third_page.after = 2;
  table.Set({third_page});
  EXPECT_FALSE(table.Take("export", "d", {"status"}));  // not a match: does not count
  EXPECT_FALSE(table.Take("query", "d", {"slow"}));     // other action: does not count
  EXPECT_FALSE(table.Take("query", "d", {"status"}));   // 1st
  ASSERT_EQ(table.List().size(), 1u);
  EXPECT_EQ(table.List().front().after, 1u);
  EXPECT_FALSE(table.Take("query", "d", {"status"}));  // 2nd
  EXPECT_TRUE(table.Take("query", "d", {"status"}));   // 3rd: applies, times used up
  EXPECT_FALSE(table.Take("query", "d", {"status"}));
}

TEST(FaultTableTest, APassedRequestCanHitALaterFault) {
  FaultTable table;
  Fault later = MakeFault("query", "status", std::nullopt);
  later.after = 1;
  later.status = 503;
  table.Set({later, MakeFault("*", "status", 1)});
  const auto first = table.Take("query", "d", {"status"});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->route, "*");
  const auto second = table.Take("query", "d", {"status"});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 503);
}

// Runs the response's content provider as httplib would, into a string; false when the
// provider aborted (httplib then closes the connection).
bool Drain(httplib::Response& res, std::string& received) {
  httplib::DataSink sink;
  sink.write = [&](const char* data, size_t size) {
    received.append(data, size);
    return true;
  };
  sink.done = [] {};
  sink.is_writable = [] { return true; };
  size_t offset = 0;
  while (offset < res.content_length_) {
    const size_t before = received.size();
    if (!res.content_provider_(offset, res.content_length_ - offset, sink)) return false;
    offset += received.size() - before;
  }
  return true;
}

TEST(SendTruncatedTest, DeclaresTheFullLengthButSendsOnlyTheFirstBytes) {
  httplib::Response res;
  SendTruncated(res, 200, "{\"rows\":[1,2,3]}", "application/json", 5);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_length_, 16u);
  EXPECT_EQ(res.get_header_value("Content-Type"), "application/json");
  std::string received;
  EXPECT_FALSE(Drain(res, received));
  EXPECT_EQ(received, "{\"row");
}

TEST(SendTruncatedTest, ZeroBytesSendsNothing) {
  httplib::Response res;
  SendTruncated(res, 200, "abc", "text/plain", 0);
  std::string received;
  EXPECT_FALSE(Drain(res, received));
  EXPECT_EQ(received, "");
}

TEST(SendTruncatedTest, ALimitAtOrPastTheEndSendsTheWholeBody) {
  for (uint64_t bytes : {3, 4, 1000}) {
    httplib::Response res;
    SendTruncated(res, 200, "abc", "text/plain", bytes);
    std::string received;
    EXPECT_TRUE(Drain(res, received)) << bytes;
    EXPECT_EQ(received, "abc") << bytes;
  }
}

}  // namespace
}  // namespace s3u::emulator
