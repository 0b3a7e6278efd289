// SecretBox: encryption of the secrets the store keeps (the service's saved Domo client
// secrets, AWS secret keys and session tokens) with libsodium's crypto_secretbox
// (XSalsa20-Poly1305) under a 32-byte key kept in a file of its own. Every value gets a fresh
// random nonce and is stored as nonce || ciphertext (a BLOB), so equal secrets never look equal
// at rest and any change to a stored value is detected when it is opened.
//
// The key file is created on first use with mode 0600, atomically: written completely under a
// temporary name, then linked into place, so no process reads a partial key and two first
// starts end up with the same key. A key file that group or others may read or write, or that
// belongs to another user, is refused rather than used. docs/store.md covers backups.
//
// Several processes on one PostgreSQL store share one key, which is never stored in the
// database: a key file each of them reads (`s3unload store new-key` writes one), or the key in
// base64 in S3UNLOAD_SECRET_KEY (ResolveSecretBox).
//
// Thread-safety: Seal and Open are const and may be called from several threads at once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/store_url.h"

namespace s3u::store {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;
  // How much longer a sealed value is than its plaintext: a 24-byte nonce, a 16-byte MAC.
  static constexpr size_t kSealOverhead = 24 + 16;

  // Loads the key at `key_path`, creating it (and its directory, 0700) when missing.
  // kPermissionDenied: the file is open to group/others or owned by another user (the message
  // gives the chmod to run); kFailedPrecondition: not a regular file of exactly kKeyBytes.
  static Result<SecretBox> LoadOrCreate(const std::filesystem::path& key_path);

  // Loads the existing key file `key_path` with LoadOrCreate's checks; kNotFound when missing.
  static Result<SecretBox> Load(const std::filesystem::path& key_path);

  // Writes a fresh key to `key_path` (mode 0600; its directory 0700), atomically. Refuses to
  // replace an existing file (kFailedPrecondition): a lost key loses every saved secret.
  static Result<SecretBox> Create(const std::filesystem::path& key_path);

  // The key given as standard base64 of kKeyBytes bytes (`subject` names where it came from).
  // kInvalidArgument for anything else; the message never quotes the value.
  static Result<SecretBox> FromBase64(std::string_view text, std::string_view subject);

  SecretBox(SecretBox&&) noexcept = default;
  SecretBox& operator=(SecretBox&&) noexcept = default;

  // nonce || ciphertext of `plaintext`; binary, kSealOverhead bytes longer than `plaintext`.
  std::string Seal(std::string_view plaintext) const;

  // The plaintext of a Seal output. kDataLoss when `sealed` was made under another key, was
  // altered or truncated; the error names `subject` ("account prod: aws_secret_access_key").
  Result<std::string> Open(std::string_view sealed, std::string_view subject) const;

 private:
  // Frees with sodium_free, which zeroes the key first.
  struct KeyDeleter {
    void operator()(unsigned char* key) const;
  };
  using Key = std::unique_ptr<unsigned char[], KeyDeleter>;

  explicit SecretBox(Key key) : key_(std::move(key)) {}
  // Creating allowed or not: LoadOrCreate, Load and Create are this one procedure.
  enum class Mode { kLoadOrCreate, kLoad, kCreate };
  static Result<SecretBox> Obtain(const std::filesystem::path& key_path, Mode mode);

  Key key_;  // kKeyBytes in guarded, non-swappable memory (sodium_malloc)
};

// The key file of the store at `store_path`: the same path with ".key" appended, so each store
// has its own key and both are found together.
std::filesystem::path KeyPathFor(const std::filesystem::path& store_path);

// Where the key comes from besides the default: `--secret-key-file` and S3UNLOAD_SECRET_KEY.
struct SecretKeySource {
  std::filesystem::path key_file;  // empty: none given
  std::string key_base64;          // empty: none given
};

// The key of the store at `url`: the key file when given, else the base64 key when given, else
// for SQLite today's KeyPathFor(url.path) (created on first use). A PostgreSQL store has no
// default (the key must not live in the database, and every process must use the same one):
// kInvalidArgument with subject "secret_key_file" saying how to give one.
Result<SecretBox> ResolveSecretBox(const StoreUrl& url, const SecretKeySource& source);

}  // namespace s3u::store
