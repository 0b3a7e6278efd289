#include "store/secret_box.h"

#include <sodium.h>
#include <sys/stat.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::ModeOf;
using ::s3u::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

class SecretBoxTest : public ::testing::Test {
 protected:
  SecretBox Load(const std::filesystem::path& path) {
    auto box = SecretBox::LoadOrCreate(path);
    EXPECT_TRUE(box.has_value()) << box.error().ToString();
    if (!box) std::abort();
    return std::move(*box);
  }

  // A key file of `size` bytes with permission bits `mode`.
  void WriteKey(size_t size, mode_t mode) {
    std::ofstream(key_, std::ios::binary) << std::string(size, 'k');
    ASSERT_EQ(::chmod(key_.c_str(), mode), 0);
  }

  TempDir dir_;
  std::filesystem::path key_ = dir_.path() / "s3unload.db.key";
};

TEST_F(SecretBoxTest, SealedValuesOpenToTheirPlaintext) {
  const SecretBox box = Load(key_);
  for (const std::string& plaintext :
       {std::string(), std::string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        std::string("\0binary\xff\n", 9), std::string(1 << 20, 'x')}) {
    const std::string sealed = box.Seal(plaintext);
    EXPECT_EQ(sealed.size(), plaintext.size() + SecretBox::kSealOverhead);
    EXPECT_EQ(sealed.find(plaintext.empty() ? "\x01\x02\x03" : plaintext), std::string::npos);
    auto opened = box.Open(sealed, "secret");
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST_F(SecretBoxTest, SealingTheSameValueTwiceGivesDifferentBytes) {
  const SecretBox box = Load(key_);
  EXPECT_NE(box.Seal("same secret"), box.Seal("same secret"));
}

TEST_F(SecretBoxTest, CreatesThe32ByteKeyFileWithMode0600WhateverTheUmask) {
  // 0277 would leave a file created 0600 read-only (0400); 0 would leave a wider default open.
  for (const mode_t umask : {mode_t{0}, mode_t{0277}}) {
    const auto path = dir_.path() / ("umask-" + std::to_string(umask)) / "s3unload.db.key";
    const mode_t previous = ::umask(umask);
    auto box = SecretBox::LoadOrCreate(path);
    ::umask(previous);
    ASSERT_TRUE(box.has_value()) << box.error().ToString();
    EXPECT_EQ(ModeOf(path), 0600) << umask;
    EXPECT_EQ(ModeOf(path.parent_path()), 0700) << umask;
    EXPECT_EQ(std::filesystem::file_size(path), SecretBox::kKeyBytes);
    // The temporary file it was written under is gone.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(path.parent_path()), {}), 1);
  }
}

TEST_F(SecretBoxTest, ReloadedKeyOpensValuesSealedBefore) {
  const std::string sealed = Load(key_).Seal("client-secret");
  auto opened = Load(key_).Open(sealed, "secret");
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  EXPECT_EQ(*opened, "client-secret");
}

TEST_F(SecretBoxTest, RefusesKeyFileReadableByOthers) {
  WriteKey(SecretBox::kKeyBytes, 0644);
  auto box = SecretBox::LoadOrCreate(key_);
  ASSERT_FALSE(box.has_value());
  EXPECT_EQ(box.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(box.error().subject, key_.string());
  EXPECT_THAT(box.error().message, HasSubstr("mode 0644"));
  EXPECT_THAT(box.error().message, HasSubstr("chmod 600 " + key_.string()));
}

TEST_F(SecretBoxTest, RefusesKeyFileOpenToTheGroup) {
  for (const mode_t mode : {0640, 0620, 0601}) {
    WriteKey(SecretBox::kKeyBytes, mode);
    auto box = SecretBox::LoadOrCreate(key_);
    ASSERT_FALSE(box.has_value()) << mode;
    EXPECT_EQ(box.error().code, ErrorCode::kPermissionDenied) << mode;
  }
}

TEST_F(SecretBoxTest, RefusesKeyFileOfTheWrongSize) {
  for (const size_t size : {size_t{0}, SecretBox::kKeyBytes - 1, SecretBox::kKeyBytes + 1}) {
    WriteKey(size, 0600);
    auto box = SecretBox::LoadOrCreate(key_);
    ASSERT_FALSE(box.has_value()) << size;
    EXPECT_EQ(box.error().code, ErrorCode::kFailedPrecondition) << size;
    EXPECT_THAT(box.error().message, HasSubstr("Restore it from a backup"));
  }
}

TEST_F(SecretBoxTest, RefusesKeyPathThatIsADirectory) {
  std::filesystem::create_directory(key_);
  ASSERT_EQ(::chmod(key_.c_str(), 0700), 0);
  auto box = SecretBox::LoadOrCreate(key_);
  ASSERT_FALSE(box.has_value());
  EXPECT_EQ(box.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(box.error().message, HasSubstr("not a regular file"));
}

TEST_F(SecretBoxTest, ValueSealedUnderAnotherKeyIsDataLoss) {
  const std::string sealed = Load(dir_.path() / "other.key").Seal("client-secret");
  auto opened = Load(key_).Open(sealed, "account prod: client_secret");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(opened.error().subject, "account prod: client_secret");
  EXPECT_THAT(opened.error().message, HasSubstr("another key file"));
}

TEST_F(SecretBoxTest, AlteredValueIsDataLoss) {
  const SecretBox box = Load(key_);
  const std::string sealed = box.Seal("client-secret");
  // A byte of the nonce, of the MAC, and of the ciphertext itself.
  for (const size_t position : {size_t{0}, size_t{30}, sealed.size() - 1}) {
    std::string altered = sealed;
    altered[position] = static_cast<char>(altered[position] ^ 0x01);
    auto opened = box.Open(altered, "secret");
    ASSERT_FALSE(opened.has_value()) << position;
    EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss) << position;
  }
}

TEST_F(SecretBoxTest, TruncatedValueIsDataLoss) {
  const SecretBox box = Load(key_);
  const std::string sealed = box.Seal("client-secret");
  for (const size_t size : {size_t{0}, SecretBox::kSealOverhead - 1, sealed.size() - 1}) {
    auto opened = box.Open(sealed.substr(0, size), "secret");
    ASSERT_FALSE(opened.has_value()) << size;
    EXPECT_EQ(opened.error().code, ErrorCode::kDataLoss) << size;
  }
}

TEST(KeyPathForTest, AppendsKeyToTheStorePath) {
  EXPECT_EQ(KeyPathFor("/home/ann/.local/state/s3unload/s3unload.db"),
            "/home/ann/.local/state/s3unload/s3unload.db.key");
}

// ---- Keys shared by the processes of one store (issue 19)

TEST_F(SecretBoxTest, CreateWritesAPrivateKeyAndNeverReplacesOne) {
  auto created = SecretBox::Create(key_);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(ModeOf(key_), 0600);
  const std::string sealed = created->Seal("s");
  auto again = SecretBox::Create(key_);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(again.error().message, HasSubstr("never replaced"));
  // The first key is still there, and still opens what it sealed.
  auto loaded = SecretBox::Load(key_);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
  EXPECT_EQ(loaded->Open(sealed, "s").value_or(""), "s");
}

TEST_F(SecretBoxTest, LoadNeverCreatesAKey) {
  auto loaded = SecretBox::Load(key_);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(loaded.error().message, HasSubstr("store new-key"));
  EXPECT_FALSE(std::filesystem::exists(key_));
}

TEST_F(SecretBoxTest, LoadKeepsTheChecksOfLoadOrCreate) {
  WriteKey(SecretBox::kKeyBytes, 0644);
  auto loaded = SecretBox::Load(key_);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(SecretBoxTest, ABase64KeyOpensWhatItsFileSealed) {
  const SecretBox file = Load(key_);
  std::ifstream in(key_, std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), {});
  std::string base64(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(base64.data(), base64.size(),
                    reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  base64.pop_back();  // the terminating NUL
  auto from_env = SecretBox::FromBase64(base64 + "\n", "S3UNLOAD_SECRET_KEY");
  ASSERT_TRUE(from_env.has_value()) << from_env.error().ToString();
  EXPECT_EQ(from_env->Open(file.Seal("shared"), "x").value_or(""), "shared");
}

TEST_F(SecretBoxTest, ABase64KeyOfTheWrongSizeOrNotBase64IsRefusedWithoutQuotingIt) {
  for (const std::string text : {"c2hvcnQ=", "not base64 at all!"}) {
    auto box = SecretBox::FromBase64(text, "S3UNLOAD_SECRET_KEY");
    ASSERT_FALSE(box.has_value()) << text;
    EXPECT_EQ(box.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(box.error().subject, "S3UNLOAD_SECRET_KEY");
    EXPECT_THAT(box.error().message, Not(HasSubstr(text)));
  }
}

TEST_F(SecretBoxTest, APostgresStoreWithoutAKeyIsRefusedNamingTheField) {
  auto url = ParseStoreUrl("postgresql://s3u:pw@db/s3unload");
  ASSERT_TRUE(url.has_value());
  auto box = ResolveSecretBox(*url, {});
  ASSERT_FALSE(box.has_value());
  EXPECT_EQ(box.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(box.error().subject, "secret_key_file");
  EXPECT_THAT(box.error().message, HasSubstr("S3UNLOAD_SECRET_KEY"));
  EXPECT_THAT(box.error().ToString(), Not(HasSubstr("pw")));
}

TEST_F(SecretBoxTest, ResolveUsesTheKeyFileGivenElseSqlitesOwnKey) {
  const SecretBox shared = Load(dir_.path() / "shared.key");
  auto url = ParseStoreUrl((dir_.path() / "s3unload.db").string());
  ASSERT_TRUE(url.has_value());
  auto given = ResolveSecretBox(*url, {.key_file = dir_.path() / "shared.key", .key_base64 = ""});
  ASSERT_TRUE(given.has_value()) << given.error().ToString();
  EXPECT_EQ(given->Open(shared.Seal("a"), "x").value_or(""), "a");
  EXPECT_FALSE(std::filesystem::exists(KeyPathFor(url->path)));
  // Nothing given: the store's own key file, created on first use, as before.
  auto own = ResolveSecretBox(*url, {});
  ASSERT_TRUE(own.has_value()) << own.error().ToString();
  EXPECT_TRUE(std::filesystem::exists(KeyPathFor(url->path)));
  EXPECT_FALSE(own->Open(shared.Seal("a"), "x").has_value());
}

}  // namespace
}  // namespace s3u::store
