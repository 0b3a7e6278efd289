#include "store/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <utility>

#include "store/files.h"

namespace s3u::store {
namespace {

static_assert(SecretBox::kKeyBytes == crypto_secretbox_KEYBYTES);
static_assert(SecretBox::kSealOverhead == crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES);

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<void> ReadExactly(int fd, unsigned char* out, size_t size,
                         const std::filesystem::path& path) {
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(ErrnoError(errno, path, "cannot read the key file"));
    if (n == 0) {
      return Fail(ErrorCode::kFailedPrecondition, path.string(),
                  "the key file ended early; it changed while being read");
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<void> WriteExactly(int fd, const unsigned char* data, size_t size,
                          const std::filesystem::path& path) {
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(ErrnoError(errno, path, "cannot write the new key file"));
    done += static_cast<size_t>(n);
  }
  return {};
}

// Makes the directory entry of a new key file durable: losing the key loses every secret.
void SyncDirectory(const std::filesystem::path& dir) {
  const Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

}  // namespace

void SecretBox::KeyDeleter::operator()(unsigned char* key) const { sodium_free(key); }

Result<SecretBox> SecretBox::LoadOrCreate(const std::filesystem::path& key_path) {
  return Obtain(key_path, Mode::kLoadOrCreate);
}

Result<SecretBox> SecretBox::Load(const std::filesystem::path& key_path) {
  return Obtain(key_path, Mode::kLoad);
}

Result<SecretBox> SecretBox::Create(const std::filesystem::path& key_path) {
  return Obtain(key_path, Mode::kCreate);
}

Result<SecretBox> SecretBox::FromBase64(std::string_view text, std::string_view subject) {
  if (sodium_init() < 0) {
    return Fail(ErrorCode::kInternal, std::string(subject), "libsodium could not be initialised");
  }
  Key key(static_cast<unsigned char*>(sodium_malloc(kKeyBytes)));
  if (!key) return Fail(ErrorCode::kResourceExhausted, std::string(subject), "out of memory");
  size_t size = 0;
  const char* end = nullptr;
  const int rc = sodium_base642bin(key.get(), kKeyBytes, text.data(), text.size(), " \n", &size,
                                   &end, sodium_base64_VARIANT_ORIGINAL);
  if (rc != 0 || size != kKeyBytes || end != text.data() + text.size()) {
    return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                "not the base64 of a " + std::to_string(kKeyBytes) +
                    "-byte key; make one with `s3unload store new-key FILE` and give the file, "
                    "or its contents as `base64 -w0 FILE`");
  }
  return SecretBox(std::move(key));
}

Result<SecretBox> SecretBox::Obtain(const std::filesystem::path& key_path, Mode mode) {
  if (sodium_init() < 0) {
    return Fail(ErrorCode::kInternal, key_path.string(), "libsodium could not be initialised");
  }
  if (key_path.has_parent_path()) {
    if (auto made = CreatePrivateDirectories(key_path.parent_path()); !made) {
      return Fail(std::move(made.error()));
    }
  }
  Key key(static_cast<unsigned char*>(sodium_malloc(kKeyBytes)));
  if (!key) return Fail(ErrorCode::kResourceExhausted, key_path.string(), "out of memory");

  // Two rounds at most: when another process links its new key first, read that one.
  for (int round = 0; round < 2; ++round) {
    const Fd fd(::open(key_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() >= 0 && mode == Mode::kCreate) {
      return Fail(ErrorCode::kFailedPrecondition, key_path.string(),
                  "the file exists; a key is never replaced (the secrets saved under it would be "
                  "lost). Choose another path, or move the old key aside yourself");
    }
    if (fd.get() >= 0) {
      struct stat st {};
      if (::fstat(fd.get(), &st) != 0) {
        return Fail(ErrnoError(errno, key_path, "cannot inspect the key file"));
      }
      if (!S_ISREG(st.st_mode)) {
        return Fail(ErrorCode::kFailedPrecondition, key_path.string(),
                    "the key file is not a regular file");
      }
      if (st.st_uid != ::geteuid()) {
        return Fail(ErrorCode::kPermissionDenied, key_path.string(),
                    "the key file belongs to uid " + std::to_string(st.st_uid) +
                        ", not to the user running s3unload (uid " + std::to_string(::geteuid()) +
                        "); the key must be private to that user");
      }
      if ((st.st_mode & 077) != 0) {
        return Fail(ErrorCode::kPermissionDenied, key_path.string(),
                    "the key file has mode " + Octal(st.st_mode) +
                        ", so group or others may read or change it; refusing to use it. Make it "
                        "private with: chmod 600 " +
                        key_path.string());
      }
      if (st.st_size != static_cast<off_t>(kKeyBytes)) {
        return Fail(ErrorCode::kFailedPrecondition, key_path.string(),
                    "the key file has " + std::to_string(st.st_size) + " bytes, not " +
                        std::to_string(kKeyBytes) +
                        ". Restore it from a backup; without it the saved secrets cannot be "
                        "decrypted and must be entered again (see docs/store.md)");
      }
      if (auto read = ReadExactly(fd.get(), key.get(), kKeyBytes, key_path); !read) {
        return Fail(std::move(read.error()));
      }
      return SecretBox(std::move(key));
    }
    if (errno != ENOENT) return Fail(ErrnoError(errno, key_path, "cannot open the key file"));
    if (mode == Mode::kLoad) {
      return Fail(ErrorCode::kNotFound, key_path.string(),
                  "no key file here; give the key file every process of this store uses (make "
                  "one with `s3unload store new-key FILE`)");
    }

    // Create: a complete 0600 file under a unique temporary name, then link() it into place,
    // which (unlike rename) fails when another process got there first.
    std::string temporary = key_path.string() + ".tmp-XXXXXX";
    const Fd out(::mkstemp(temporary.data()));
    if (out.get() < 0) return Fail(ErrnoError(errno, key_path, "cannot create the key file"));
    randombytes_buf(key.get(), kKeyBytes);
    // mkstemp's 0600 is reduced by the umask; set it exactly.
    Result<void> written;
    if (::fchmod(out.get(), 0600) != 0) {
      written = Fail(ErrnoError(errno, key_path, "cannot set the key file mode"));
    } else {
      written = WriteExactly(out.get(), key.get(), kKeyBytes, key_path);
    }
    if (written && ::fsync(out.get()) != 0) {
      written = Fail(ErrnoError(errno, key_path, "cannot write the new key file"));
    }
    const bool linked = written && ::link(temporary.c_str(), key_path.c_str()) == 0;
    const int link_errno = errno;
    ::unlink(temporary.c_str());
    if (!written) return Fail(std::move(written.error()));
    if (linked) {
      SyncDirectory(key_path.parent_path());
      return SecretBox(std::move(key));
    }
    if (link_errno != EEXIST) {
      return Fail(ErrnoError(link_errno, key_path, "cannot put the new key file in place"));
    }
    // Another process linked its key first: LoadOrCreate reads that one; Create refuses it.
  }
  return Fail(ErrorCode::kUnavailable, key_path.string(),
              "the key file keeps appearing and disappearing; is another process deleting it?");
}

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::string sealed(kSealOverhead + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(sealed.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, key_.get());
  return sealed;
}

Result<std::string> SecretBox::Open(std::string_view sealed, std::string_view subject) const {
  if (sealed.size() < kSealOverhead) {
    return Fail(ErrorCode::kDataLoss, std::string(subject),
                "the stored secret is " + std::to_string(sealed.size()) +
                    " bytes, shorter than any encrypted value (" + std::to_string(kSealOverhead) +
                    "); it is damaged: enter the secret again");
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string plaintext(sealed.size() - kSealOverhead, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(plaintext.data()), nonce + crypto_secretbox_NONCEBYTES,
          sealed.size() - crypto_secretbox_NONCEBYTES, nonce, key_.get()) != 0) {
    return Fail(ErrorCode::kDataLoss, std::string(subject),
                "the stored secret cannot be decrypted: it was encrypted under another key file, "
                "or it was altered. Restore the key file that was in use when it was saved, or "
                "enter the secret again (see docs/store.md)");
  }
  return plaintext;
}

Result<SecretBox> ResolveSecretBox(const StoreUrl& url, const SecretKeySource& source) {
  if (!source.key_file.empty()) return SecretBox::Load(source.key_file);
  if (!source.key_base64.empty()) {
    return SecretBox::FromBase64(source.key_base64, "S3UNLOAD_SECRET_KEY");
  }
  if (url.backend == Backend::kSqlite) return SecretBox::LoadOrCreate(KeyPathFor(url.path));
  return Fail(ErrorCode::kInvalidArgument, "secret_key_file",
              "a PostgreSQL store needs the key of its secrets, which is never kept in the "
              "database: give --secret-key-file FILE (made once with `s3unload store new-key "
              "FILE`, the same file for every process) or the key in base64 in "
              "S3UNLOAD_SECRET_KEY");
}

std::filesystem::path KeyPathFor(const std::filesystem::path& store_path) {
  std::filesystem::path key = store_path;
  key += ".key";
  return key;
}

}  // namespace s3u::store
