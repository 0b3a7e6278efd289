// DomoClient against the Domo emulator over real HTTP: every endpoint the client uses, and
// every fault the emulator can inject. Each test gets its own emulator (it starts in
// milliseconds). The client's clock is a FakeClock, so backoff pauses are recorded instead
// of slept; requests are counted with the emulator's GET /__admin/requests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domo/client.h"
#include "domo/ownership.h"
#include "http/curl_client.h"
#include "support/emulator.h"
#include "support/fake_clock.h"
#include "support/servers.h"

namespace s3u::domo {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::Contains;
using testing::EmulatorProcess;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::StandardDomo;

const std::string kSales = StandardDomo::kSalesDatasetId;
const std::string kEvents = StandardDomo::kEventsDatasetId;

class DomoEmulatorTest : public ::testing::Test {
 protected:
  explicit DomoEmulatorTest(json config = testing::StandardEmulatorConfig())
      : emulator_(config), log_(LogLevel::kDebug, [this](LogLevel, std::string_view line) {
          std::lock_guard lock(log_mu_);
          log_text_ += std::string(line) + "\n";
        }) {}

  // A client for one of the standard API clients.
  DomoClient& Client(const std::string& id = StandardDomo::kOwnerClientId,
                     const std::string& secret = StandardDomo::kOwnerClientSecret,
                     std::vector<std::string> scopes = {"data", "user"}) {
    DomoOptions options;
    options.api_url = emulator_.url();
    options.client_id = id;
    options.client_secret = secret;
    options.scopes = std::move(scopes);
    options.poll.initial = milliseconds(10);
    client_ = std::make_unique<DomoClient>(options, http_, *client_clock_, log_);
    return *client_;
  }
  void Faults(const json& faults) { emulator_.Admin("POST", "/__admin/faults", faults); }
  // Requests the emulator logged whose path contains `part` (all when empty).
  int Requests(const std::string& method, const std::string& part) {
    int n = 0;
    for (const auto& r : emulator_.Admin("GET", "/__admin/requests")) {
      if (r.value("method", "") == method && r.value("path", "").find(part) != std::string::npos) {
        ++n;
      }
    }
    return n;
  }
  std::string LogText() {
    std::lock_guard lock(log_mu_);
    return log_text_;
  }

  EmulatorProcess emulator_;
  http::CurlHttpClient http_;
  s3u::testing::FakeClock clock_;
  // Tests that wait for the emulator's asynchronous work (commits, exports) poll on the real
  // clock: a fake one would not give the emulator time to finish.
  SystemClock real_clock_;
  Clock* client_clock_ = &clock_;
  std::mutex log_mu_;
  std::string log_text_;
  Logger log_;
  std::unique_ptr<DomoClient> client_;
};

// --- Token ---------------------------------------------------------------------------------

TEST_F(DomoEmulatorTest, TokenNamesTheUserCustomerScopesAndExpiry) {
  auto token = Client().CurrentToken();
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  EXPECT_EQ(token->user_id, StandardDomo::kOwnerUserId);
  EXPECT_FALSE(token->customer.empty());
  EXPECT_THAT(token->scopes, AllOf(Contains("data"), Contains("user")));
  EXPECT_TRUE(token->expiry_from_jwt);
  EXPECT_GT(token->expires_at, clock_.Now() + seconds(3000));
}

TEST_F(DomoEmulatorTest, TokenIsFetchedOnceForManyCalls) {
  DomoClient& client = Client();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.GetDataset(kSales).has_value());
  EXPECT_EQ(Requests("POST", "/oauth/token"), 1);
}

TEST_F(DomoEmulatorTest, WrongSecretAsksToCheckTheDeveloperPortal) {
  auto token = Client(StandardDomo::kOwnerClientId, "not-the-secret-0000").CurrentToken();
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(token.error().message,
              AllOf(HasSubstr("client ID and secret"), HasSubstr("developer portal"),
                    Not(HasSubstr("not-the-secret-0000"))));
  EXPECT_EQ(Requests("POST", "/oauth/token"), 1);  // credentials are not retried
}

TEST_F(DomoEmulatorTest, ScopeTheClientLacksIsRefusedAtTheTokenEndpoint) {
  auto token =
      Client(StandardDomo::kDataOnlyClientId, StandardDomo::kDataOnlyClientSecret).CurrentToken();
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(token.error().message, HasSubstr("data user"));
}

TEST_F(DomoEmulatorTest, DataOnlyTokenIsToldWhichScopeUsersNeed) {
  DomoClient& client =
      Client(StandardDomo::kDataOnlyClientId, StandardDomo::kDataOnlyClientSecret, {"data"});
  ASSERT_TRUE(client.GetDataset(kSales).has_value());
  auto user = client.GetUser(StandardDomo::kOwnerUserId);
  ASSERT_FALSE(user.has_value());
  EXPECT_EQ(user.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(user.error().message, HasSubstr("'user' scope"));
}

TEST_F(DomoEmulatorTest, ExpiredTokensAreRefreshedOnceAndTheCallSucceeds) {
  DomoClient& client = Client();
  ASSERT_TRUE(client.GetDataset(kSales).has_value());
  Faults(json::array({{{"route", "*"}, {"action", "expire_tokens"}, {"times", 1}}}));
  auto dataset = client.GetDataset(kSales);
  ASSERT_TRUE(dataset.has_value()) << dataset.error().ToString();
  EXPECT_EQ(Requests("POST", "/oauth/token"), 2);
  EXPECT_EQ(Requests("GET", "/v1/datasets/" + kSales), 3);  // ok, 401, ok
  EXPECT_THAT(LogText(), HasSubstr("token expired"));
}

TEST_F(DomoEmulatorTest, TokenExpiredByTheServersClockIsRefreshed) {
  DomoClient& client = Client();
  ASSERT_TRUE(client.GetDataset(kSales).has_value());
  // Domo's clock moves past the token's exp; the client's (fake) clock does not know.
  emulator_.Admin("POST", "/__admin/clock", {{"advance_seconds", 7200}});
  ASSERT_TRUE(client.GetDataset(kSales).has_value());
  EXPECT_EQ(Requests("POST", "/oauth/token"), 2);
}

// --- Datasets ------------------------------------------------------------------------------

TEST_F(DomoEmulatorTest, GetDatasetReadsSchemaAndOwner) {
  auto d = Client().GetDataset(kSales);
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(d->id, kSales);
  EXPECT_EQ(d->name, "sales");
  EXPECT_EQ(d->schema.size(), 7u);
  EXPECT_TRUE(table::FindColumn(d->schema, "event_time").has_value());
  EXPECT_EQ(d->owner.id, StandardDomo::kOwnerUserId);
  EXPECT_EQ(d->rows, StandardDomo::kSalesRows);
}

TEST_F(DomoEmulatorTest, UnknownDatasetIsNotFoundNamingTheId) {
  const std::string id = "00000000-0000-4000-8000-000000000000";
  auto d = Client().GetDataset(id);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(d.error().message, HasSubstr("dataset " + id + " does not exist"));
}

TEST_F(DomoEmulatorTest, ListDatasetsFindsTheStandardOnes) {
  auto all = Client().ListDatasets();
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  std::vector<std::string> ids;
  for (const auto& d : *all) ids.push_back(d.id);
  EXPECT_THAT(ids, AllOf(Contains(kSales), Contains(kEvents)));
  auto filtered = Client().ListDatasets("SAL");
  ASSERT_TRUE(filtered.has_value());
  ASSERT_EQ(filtered->size(), 1u);
  EXPECT_EQ((*filtered)[0].id, kSales);
}

TEST_F(DomoEmulatorTest, CreateImportExportUpdateDeleteRoundTrip) {
  DomoClient& client = Client();
  auto created = client.CreateDataset(
      {"s3unload metrics",
       "written by a test",
       {{"run", table::ColumnType::kLong}, {"note", table::ColumnType::kString}}});
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(created->owner.id, StandardDomo::kOwnerUserId);
  const std::string id = created->id;

  ASSERT_TRUE(client.ImportCsv(id, "1,first\n2,\"with, comma\"\n", UpdateMethod::kReplace));
  ASSERT_TRUE(client.ImportCsv(id, "3,\n", UpdateMethod::kAppend));
  std::string csv;
  auto bytes = client.ExportCsv(id, {}, [&](std::string_view c) {
    csv += c;
    return true;
  });
  ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
  EXPECT_EQ(csv, "1,first\n2,\"with, comma\"\n3,\n");
  ASSERT_TRUE(client.ImportCsv(id, "9,replaced\n", UpdateMethod::kReplace));
  auto after = client.GetDataset(id);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->rows, 1);

  DatasetUpdate update;
  update.description = "renamed";
  auto updated = client.UpdateDataset(id, update);
  ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
  EXPECT_EQ(updated->description, "renamed");
  EXPECT_TRUE(client.DeleteDataset(id).has_value());
}

TEST_F(DomoEmulatorTest, ImportWithTheWrongFieldCountIsInvalid) {
  DomoClient& client = Client();
  auto created = client.CreateDataset({"w", "", {{"a", table::ColumnType::kLong}}});
  ASSERT_TRUE(created.has_value());
  auto imported = client.ImportCsv(created->id, "1,2\n", UpdateMethod::kReplace);
  ASSERT_FALSE(imported.has_value());
  EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(imported.error().message, HasSubstr("support id"));
}

// --- Export --------------------------------------------------------------------------------

TEST_F(DomoEmulatorTest, ParsedExportDeliversEveryRowWithTheHeaderFirst) {
  DomoClient& client = Client();
  auto dataset = client.GetDataset(kSales);
  ASSERT_TRUE(dataset.has_value());
  std::vector<std::string> header;
  size_t width_errors = 0;
  auto stats = client.ExportRows(
      kSales, {.include_header = true}, {},
      [&](std::span<const table::Field> fields, const table::RecordInfo& info) -> Result<void> {
        if (info.record == 1) {
          for (const auto& f : fields) header.emplace_back(f.text);
        }
        width_errors += fields.size() != dataset->schema.size();
        return {};
      });
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(stats->records, static_cast<uint64_t>(dataset->rows) + 1);
  EXPECT_EQ(width_errors, 0u);
  ASSERT_EQ(header.size(), dataset->schema.size());
  EXPECT_EQ(header[0], dataset->schema[0].name);
}

TEST_F(DomoEmulatorTest, SyntheticExportStreamsAllRows) {
  uint64_t records = 0;
  auto stats = Client().ExportRows(kEvents, {}, {},
                                   [&](std::span<const table::Field>, const table::RecordInfo&) {
                                     ++records;
                                     return Result<void>();
                                   });
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(records, static_cast<uint64_t>(StandardDomo::kEventsRows));
  EXPECT_GT(stats->bytes, 1000000u);
}

TEST_F(DomoEmulatorTest, ExportDroppedAfterBytesIsAbortedNotRetried) {
  Faults(json::array(
      {{{"route", "export"}, {"action", "drop_after_bytes"}, {"bytes", 5000}, {"times", 1}}}));
  uint64_t received = 0;
  auto bytes = Client().ExportCsv(kEvents, {}, [&](std::string_view c) {
    received += c.size();
    return true;
  });
  ASSERT_FALSE(bytes.has_value());
  EXPECT_EQ(bytes.error().code, ErrorCode::kAborted);
  EXPECT_THAT(bytes.error().message, HasSubstr("after " + std::to_string(received) + " bytes"));
  EXPECT_GT(received, 0u);
  EXPECT_LE(received, 5000u);
  EXPECT_EQ(Requests("GET", "/data"), 1);
}

TEST_F(DomoEmulatorTest, SlowExportStillDeliversTheSameBytes) {
  DomoClient& client = Client();
  std::string fast, slow;
  ASSERT_TRUE(client.ExportCsv(kSales, {}, [&](std::string_view c) {
    fast += c;
    return true;
  }));
  Faults(json::array({{{"route", "export"}, {"action", "slow"}, {"bytes_per_second", 1 << 20}}}));
  ASSERT_TRUE(client.ExportCsv(kSales, {}, [&](std::string_view c) {
    slow += c;
    return true;
  }));
  EXPECT_EQ(slow, fast);
  EXPECT_EQ(Requests("GET", "/data"), 2);
}

TEST_F(DomoEmulatorTest, Legacy406ToAnExportWithAStaleTokenIsRefreshed) {
  json config = testing::StandardEmulatorConfig();
  config["legacy_406_html"] = true;
  EmulatorProcess legacy(config);
  DomoOptions options;
  options.api_url = legacy.url();
  options.client_id = StandardDomo::kOwnerClientId;
  options.client_secret = StandardDomo::kOwnerClientSecret;
  DomoClient client(options, http_, clock_, log_);
  ASSERT_TRUE(client.GetDataset(kSales).has_value());
  legacy.Admin("POST", "/__admin/faults",
               json::array({{{"route", "*"}, {"action", "expire_tokens"}, {"times", 1}}}));
  auto bytes = client.ExportCsv(kSales, {}, [](std::string_view) { return true; });
  ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
  EXPECT_THAT(LogText(), HasSubstr("406"));
}

// --- Faults: throttling and server errors ---------------------------------------------------

TEST_F(DomoEmulatorTest, ThrottleWithRetryAfterIsHonoured) {
  DomoClient& client = Client();
  ASSERT_TRUE(client.CurrentToken().has_value());
  Faults(json::array({{{"route", "dataset"},
                       {"action", "status"},
                       {"status", 429},
                       {"retry_after", 2},
                       {"times", 1}}}));
  ASSERT_TRUE(client.GetDataset(kSales).has_value());
  ASSERT_EQ(clock_.Sleeps().size(), 1u);
  EXPECT_GE(clock_.Sleeps()[0], seconds(2));
  EXPECT_EQ(Requests("GET", "/v1/datasets/" + kSales), 2);
}

TEST_F(DomoEmulatorTest, ServerErrorsAreRetried) {
  DomoClient& client = Client();
  for (int status : {500, 503}) {
    Faults(json::array(
        {{{"route", "dataset"}, {"action", "status"}, {"status", status}, {"times", 2}}}));
    auto d = client.GetDataset(kSales);
    ASSERT_TRUE(d.has_value()) << status << ": " << d.error().ToString();
  }
  EXPECT_EQ(Requests("GET", "/v1/datasets/" + kSales), 6);
}

// The budget tests run on the default policy (5 minutes, no attempt cap) in fake time: the
// emulator really answers 503 until the FakeClock, moved by the client's pauses, passes the
// outage's end, so a minute of outage takes well under a second of wall time.

TEST_F(DomoEmulatorTest, PersistentServerErrorFailsAfterTheBudgetSayingHowLong) {
  Faults(json::array({{{"route", "dataset"}, {"action", "status"}, {"status", 503}}}));
  const auto start = clock_.Monotonic();
  auto d = Client().GetDataset(kSales);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kUnavailable);
  const int sent = Requests("GET", "/v1/datasets/" + kSales);
  EXPECT_THAT(d.error().message, AllOf(::testing::StartsWith("Domo stayed unavailable for 5m 0s (" +
                                                             std::to_string(sent) + " attempts): "),
                                       HasSubstr("503")));
  EXPECT_EQ(clock_.Monotonic() - start, std::chrono::minutes(5));
  EXPECT_EQ(client_->retry_counts().retries, static_cast<uint64_t>(sent - 1));
}

TEST_F(DomoEmulatorTest, MinuteLongOutageWithRetryAfterIsRiddenOut) {
  DomoClient& client = Client();
  ASSERT_TRUE(client.CurrentToken().has_value());
  Faults(json::array(
      {{{"route", "query"}, {"action", "status"}, {"status", 503}, {"retry_after", 4}}}));
  const auto start = clock_.Monotonic();
  clock_.CallAt(start + seconds(60), [this] { Faults(json::array()); });
  auto page = client.Query(kSales, "SELECT id FROM table LIMIT 3");
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  EXPECT_EQ(page->rows.size(), 3u);
  EXPECT_GE(clock_.Monotonic() - start, seconds(60));
  const int sent = Requests("POST", "/v1/datasets/query/execute/" + kSales);
  EXPECT_GE(sent, 1 + 60 / 20);
  for (auto pause : clock_.Sleeps()) EXPECT_GE(pause, seconds(4));  // Retry-After: 4
  EXPECT_EQ(client.retry_counts().retries, static_cast<uint64_t>(sent - 1));
  EXPECT_THAT(LogText(), HasSubstr("Domo Query dataset " + kSales + ": attempt 1 failed: "));
}

// --- Query ---------------------------------------------------------------------------------

TEST_F(DomoEmulatorTest, QueryReturnsTheDocumentedShape) {
  auto q = Client().Query(kSales, "SELECT * FROM table LIMIT 3");
  ASSERT_TRUE(q.has_value()) << q.error().ToString();
  EXPECT_EQ(q->columns.size(), 7u);
  EXPECT_EQ(q->types.size(), 7u);
  EXPECT_EQ(q->rows.size(), 3u);
}

TEST_F(DomoEmulatorTest, QueryPagesCoverTheWholeDataset) {
  DomoClient& client = Client();
  auto dataset = client.GetDataset(kSales);
  ASSERT_TRUE(dataset.has_value());
  int pages = 0;
  auto rows = client.QueryPages(kSales, "SELECT * FROM table", 300, [&](const QueryResult&) {
    ++pages;
    return Result<void>();
  });
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  EXPECT_EQ(*rows, dataset->rows);
  EXPECT_EQ(pages, static_cast<int>(dataset->rows / 300 + 1));
  EXPECT_EQ(Requests("POST", "/query/execute/"), pages);
}

TEST_F(DomoEmulatorTest, BadSqlIsInvalidArgument) {
  auto q = Client().Query(kSales, "SELEC nothing");
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().code, ErrorCode::kInvalidArgument);
}

// --- Streams -------------------------------------------------------------------------------

TEST_F(DomoEmulatorTest, StreamUploadCommitsAndLandsInTheDataset) {
  client_clock_ = &real_clock_;
  DomoClient& client = Client();
  auto stream = client.CreateStream(
      {"s3unload runs", "", {{"run", table::ColumnType::kLong}, {"day", table::ColumnType::kDate}}},
      UpdateMethod::kAppend);
  ASSERT_TRUE(stream.has_value()) << stream.error().ToString();
  auto found = client.FindStreams(stream->dataset_id);
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, stream->id);

  auto execution = client.CreateExecution(stream->id);
  ASSERT_TRUE(execution.has_value()) << execution.error().ToString();
  EXPECT_EQ(execution->id, 1);
  ASSERT_TRUE(client.UploadPart(stream->id, execution->id, 1, "1,2026-11-01\n2,2026-11-02\n"));
  ASSERT_TRUE(client.UploadPart(stream->id, execution->id, 2, "3,2026-11-03\n"));
  ASSERT_TRUE(client.CommitExecution(stream->id, execution->id));
  auto done = client.WaitForExecution(stream->id, execution->id);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->state, "SUCCESS");
  auto dataset = client.GetDataset(stream->dataset_id);
  ASSERT_TRUE(dataset.has_value());
  EXPECT_EQ(dataset->rows, 3);

  auto second = client.CreateExecution(stream->id);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, 2);
  ASSERT_TRUE(client.AbortExecution(stream->id, second->id).has_value());
  auto aborted = client.GetExecution(stream->id, second->id);
  ASSERT_TRUE(aborted.has_value());
  EXPECT_EQ(aborted->state, "ABORTED");
}

// --- Users, groups, permissions, ownership --------------------------------------------------

TEST_F(DomoEmulatorTest, UserGroupsAndGroupMembersAgree) {
  DomoClient& client = Client();
  auto grace = client.GetUser(StandardDomo::kCoOwnerUserId);
  ASSERT_TRUE(grace.has_value()) << grace.error().ToString();
  std::vector<int64_t> groups;
  for (const auto& g : grace->groups) groups.push_back(g.id);
  EXPECT_THAT(groups, Contains(StandardDomo::kGroupId));
  auto members = client.GroupMembers(StandardDomo::kGroupId);
  ASSERT_TRUE(members.has_value()) << members.error().ToString();
  EXPECT_THAT(*members, Contains(StandardDomo::kCoOwnerUserId));
}

TEST_F(DomoEmulatorTest, PermissionsListTheGroupCoOwner) {
  auto p = Client().GetPermissions(kSales);
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  bool group_co_owner = false;
  for (const auto& e : *p) {
    group_co_owner |=
        e.type == "GROUP" && e.id == StandardDomo::kGroupId && e.access_level == "CO_OWNER";
  }
  EXPECT_TRUE(group_co_owner);
}

OwnershipVerdict Verdict(DomoClient& client, int64_t user) {
  auto dataset = client.GetDataset(kSales);
  EXPECT_TRUE(dataset.has_value());
  auto facts = GatherOwnershipFacts(client, *dataset, user);
  EXPECT_TRUE(facts.has_value()) << facts.error().ToString();
  return DecideOwnership(*facts);
}

TEST_F(DomoEmulatorTest, OwnershipOfOwnerCoOwnerAndStranger) {
  DomoClient& client = Client();
  EXPECT_EQ(Verdict(client, StandardDomo::kOwnerUserId).how, "owner");
  EXPECT_THAT(Verdict(client, StandardDomo::kCoOwnerUserId).how,
              HasSubstr("co-owner through group 1324037627"));
  const OwnershipVerdict stranger = Verdict(client, StandardDomo::kStrangerUserId);
  EXPECT_FALSE(stranger.allowed);
  EXPECT_THAT(stranger.reason,
              AllOf(HasSubstr(kSales), HasSubstr("964382593"), HasSubstr("555000111")));
}

TEST_F(DomoEmulatorTest, OwnershipFallsBackOnThePublicOwnerWhenPermissionsAreUnreachable) {
  DomoClient& client = Client();
  Faults(json::array({{{"route", "permissions"}, {"action", "status"}, {"status", 403}}}));
  const OwnershipVerdict v = Verdict(client, StandardDomo::kCoOwnerUserId);
  EXPECT_FALSE(v.allowed);
  EXPECT_TRUE(v.public_owner_only);
  EXPECT_THAT(v.reason, HasSubstr("co-owners could not be checked"));
}

// --- Export to S3 --------------------------------------------------------------------------

class DomoS3ExportTest : public DomoEmulatorTest {
 protected:
  DomoS3ExportTest()
      : DomoEmulatorTest(testing::StandardEmulatorConfig(testing::RadosGw().endpoint)) {
    client_clock_ = &real_clock_;
    bucket_ = testing::UniqueBucket("domo-export");
    testing::CreateBucketWithAwsCli(testing::RadosGw(), bucket_);
  }
  S3ExportRequest Request() const {
    S3ExportRequest r;
    r.bucket = bucket_;
    r.path = "unload";
    r.region = "us-east-1";
    r.aws_access_key = testing::RadosGw().owner.access_key_id;
    r.aws_access_secret = testing::RadosGw().owner.secret_access_key;
    return r;
  }
  std::string bucket_;
};

TEST_F(DomoS3ExportTest, ExportWritesGzipCsvToTheBucket) {
  DomoClient& client = Client();
  auto started = client.StartS3Export(kSales, Request());
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  auto done = client.WaitForS3Export(kSales, started->export_id);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->status, "success") << done->message;
  EXPECT_FALSE(done->started.empty());
  EXPECT_FALSE(done->finished.empty());
  const auto object = testing::ReadBackWithAwsCli(
      testing::RadosGw(), bucket_, "unload/" + started->export_id + "/export/data.csv.gz");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(static_cast<unsigned char>((*object)[0]), 0x1f);
  EXPECT_THAT(LogText(), Not(HasSubstr(testing::RadosGw().owner.secret_access_key)));
}

TEST_F(DomoS3ExportTest, ExportEndingInErrorIsReturnedWithItsMessage) {
  Faults(json::array({{{"route", "s3export"},
                       {"action", "export_error"},
                       {"message", "simulated failure"},
                       {"times", 1}}}));
  DomoClient& client = Client();
  auto started = client.StartS3Export(kSales, Request());
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  auto done = client.WaitForS3Export(kSales, started->export_id);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->status, "error");
  EXPECT_THAT(done->message, HasSubstr("simulated failure"));
}

TEST_F(DomoS3ExportTest, WrongAwsKeysEndInError) {
  S3ExportRequest r = Request();
  r.aws_access_secret = "definitely-wrong-secret-key";
  DomoClient& client = Client();
  auto started = client.StartS3Export(kSales, r);
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  auto done = client.WaitForS3Export(kSales, started->export_id);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->status, "error");
  EXPECT_THAT(LogText(), Not(HasSubstr("definitely-wrong-secret-key")));
}

}  // namespace
}  // namespace s3u::domo
