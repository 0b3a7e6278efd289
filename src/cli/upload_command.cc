#include "cli/upload_command.h"

#include "cli/interrupt.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/output.h"
#include "cli/progress.h"
#include "core/bytes.h"
#include "core/executor.h"
#include "s3/uploader.h"

namespace s3u::cli {
namespace {

constexpr const char* kCannedAcls[] = {
    "private",       "public-read",       "public-read-write",        "authenticated-read",
    "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"};

// Checks every flag and reports all problems at once.
Result<s3::UploadOptions> ValidateUploadFlags(const UploadFlags& flags, s3::S3Location* location) {
  std::vector<Error> problems;
  auto note = [&](auto result) {
    if (!result) problems.push_back(result.error());
  };
  s3::UploadOptions options;
  if (auto loc = s3::ParseS3Url(flags.destination, "destination")) {
    *location = *loc;
    note(s3::ValidateBucketName(loc->bucket));
    if (loc->key.empty() || loc->key.back() == '/') {
      problems.push_back(Error{ErrorCode::kInvalidArgument,
                               "destination",
                               fmt::format("'{}' names no object: give the full key, e.g. "
                                           "s3://{}/path/file.csv",
                                           flags.destination, loc->bucket),
                               0,
                               {}});
    } else {
      note(s3::ValidateKey(loc->key));
    }
  } else {
    problems.push_back(loc.error());
  }
  if (auto size = ParseByteSize(flags.part_size, "--part-size")) {
    options.part_size = *size;
    note(s3::ValidatePartSize(*size));
  } else {
    problems.push_back(size.error());
  }
  if (flags.concurrency < 1 || flags.concurrency > 64) {
    problems.push_back(Error{ErrorCode::kInvalidArgument,
                             "--concurrency",
                             fmt::format("{} is out of range; use 1 to 64", flags.concurrency),
                             0,
                             {}});
  }
  options.concurrency = flags.concurrency;
  if (!flags.expected_size.empty()) {
    if (auto size = ParseByteSize(flags.expected_size, "--expected-size")) {
      options.expected_size = *size;
      note(s3::PartSizeForKnownSize(*size, options.part_size));
    } else {
      problems.push_back(size.error());
    }
  }
  if (auto checksum = s3::ParseChecksumAlgorithm(flags.checksum)) {
    options.object.checksum = *checksum;
  } else {
    problems.push_back(checksum.error());
  }
  if (!flags.sse.empty() && flags.sse != "AES256" && flags.sse != "aws:kms") {
    problems.push_back(Error{ErrorCode::kInvalidArgument,
                             "--sse",
                             fmt::format("'{}' is not supported; use AES256 or aws:kms", flags.sse),
                             0,
                             {}});
  }
  if (!flags.sse_kms_key_id.empty() && flags.sse != "aws:kms") {
    problems.push_back(Error{ErrorCode::kInvalidArgument,
                             "--sse-kms-key-id",
                             "a KMS key id needs --sse aws:kms",
                             0,
                             {}});
  }
  if (!flags.acl.empty() && std::find(std::begin(kCannedAcls), std::end(kCannedAcls), flags.acl) ==
                                std::end(kCannedAcls)) {
    problems.push_back(Error{ErrorCode::kInvalidArgument,
                             "--acl",
                             fmt::format("'{}' is not a canned ACL; use one of private, "
                                         "public-read, public-read-write, authenticated-read, "
                                         "aws-exec-read, bucket-owner-read, "
                                         "bucket-owner-full-control",
                                         flags.acl),
                             0,
                             {}});
  }
  for (const auto& item : flags.metadata) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.push_back(Error{ErrorCode::kInvalidArgument,
                               "--metadata",
                               fmt::format("'{}' is not name=value", item),
                               0,
                               {}});
      continue;
    }
    options.object.metadata.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  options.object.content_type = flags.content_type;
  options.object.content_encoding = flags.content_encoding;
  options.object.storage_class = flags.storage_class;
  options.object.acl = flags.acl;
  options.object.sse = flags.sse;
  options.object.sse_kms_key_id = flags.sse_kms_key_id;
  options.object.create_only = flags.create_only;
  if (!problems.empty()) return Fail(CombineProblems(problems));
  return options;
}

}  // namespace

CLI::App* AddUploadCommand(CLI::App& app, UploadFlags& flags) {
  CLI::App* cmd = app.add_subcommand("upload", "Stream a file or standard input to S3");
  cmd->add_option("source", flags.source, "File to upload, or - for standard input")->required();
  cmd->add_option("destination", flags.destination, "s3://bucket/key")->required();
  cmd->add_option("--part-size", flags.part_size,
                  "First multipart part size, 5MiB..5GiB (default 8MiB; grows for long streams)");
  cmd->add_option("--concurrency", flags.concurrency, "Parts uploaded at once (default 4)");
  cmd->add_option("--expected-size", flags.expected_size,
                  "Size of a standard-input stream, to plan parts beyond ~7.8 TiB");
  cmd->add_option("--checksum", flags.checksum,
                  "Per-request integrity check: auto (default: the cheapest the store "
                  "verifies), md5, crc32, crc32c, sha256, none");
  cmd->add_option("--content-type", flags.content_type, "Content-Type of the object");
  cmd->add_option("--content-encoding", flags.content_encoding, "Content-Encoding, e.g. gzip");
  cmd->add_option("--storage-class", flags.storage_class, "e.g. STANDARD_IA, GLACIER_IR");
  cmd->add_option("--acl", flags.acl, "Canned ACL, e.g. bucket-owner-full-control");
  cmd->add_option("--sse", flags.sse, "Server-side encryption: AES256 or aws:kms");
  cmd->add_option("--sse-kms-key-id", flags.sse_kms_key_id, "KMS key for --sse aws:kms");
  cmd->add_option("--metadata", flags.metadata, "User metadata name=value (repeatable)");
  cmd->add_flag("--create-only,--if-none-match", flags.create_only,
                "Fail if the object already exists (If-None-Match: *)");
  cmd->add_flag("--json", flags.json, "Print a one-line JSON summary on standard output");
  cmd->add_flag("--no-progress", flags.no_progress, "No progress line, even on a terminal");
  AddS3Flags(*cmd, flags.s3);
  return cmd;
}

int RunUpload(const UploadFlags& flags) {
  Output out(flags.json);
  s3::S3Location location;
  auto options = ValidateUploadFlags(flags, &location);
  if (!options) return out.Failure(options.error());

  int fd = STDIN_FILENO;
  if (flags.source != "-") {
    fd = ::open(flags.source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return out.Failure(
          Error{errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument,
                "source",
                fmt::format("cannot open '{}': {}", flags.source, std::strerror(errno)),
                0,
                {}});
    }
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    return out.Failure(Error{ErrorCode::kInvalidArgument,
                             "source",
                             fmt::format("'{}' is a directory; give a file or -", flags.source),
                             0,
                             {}});
  }
  if (S_ISREG(st.st_mode) && !options->expected_size) {
    options->expected_size = static_cast<uint64_t>(st.st_size);
  }

  auto session = OpenS3Session(flags.s3);
  if (!session) return out.Failure(session.error());
  S3Session& s = **session;
  out.SetLogger(s.log.get());

  InstallInterruptHandler();
  ThreadPool pool(options->concurrency);
  s3::StreamingUploader uploader(*s.s3->client, pool, *s.log, location, *options);
  ProgressLine progress(s.clock, !flags.no_progress && !flags.json && ::isatty(STDERR_FILENO),
                        options->expected_size);
  const auto start = s.clock.Monotonic();

  // Reads in 1 MiB blocks: big enough that syscalls cost nothing, small next to a part.
  std::vector<char> block(1 << 20);
  uint64_t total = 0;
  for (;;) {
    if (Interrupted()) {
      progress.Clear();
      return out.Failure(
          uploader.AbortWith(Error{ErrorCode::kCancelled,
                                   flags.destination,
                                   "interrupted before the upload completed; no object was written",
                                   0,
                                   {}}));
    }
    ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error error{ErrorCode::kInvalidArgument,
                  "source",
                  fmt::format("read failed: {}", std::strerror(errno)),
                  0,
                  {}};
      progress.Clear();
      return out.Failure(uploader.AbortWith(std::move(error)));
    }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (auto written = uploader.Write({block.data(), static_cast<size_t>(n)}); !written) {
      progress.Clear();
      return out.Failure(uploader.AbortWith(written.error()));
    }
    progress.Update(total);
  }
  if (fd != STDIN_FILENO) ::close(fd);
  auto result = uploader.Finish();
  progress.Clear();
  if (!result) return out.Failure(result.error());

  const auto elapsed = std::chrono::duration<double>(s.clock.Monotonic() - start).count();
  nlohmann::json summary = {
      {"status", "ok"},
      {"destination", flags.destination},
      {"bytes", result->size},
      {"parts", result->parts},
      {"etag", result->etag},
      {"seconds", elapsed},
      {"mb_per_second", elapsed > 0 ? static_cast<double>(result->size) / elapsed / 1e6 : 0.0},
      {"requests", s.s3->client->requests_sent()},
  };
  std::string text = fmt::format(
      "uploaded {} to {} in {:.1f}s ({:.1f} MB/s, {})", FormatBytes(result->size),
      flags.destination, elapsed, summary["mb_per_second"].get<double>(),
      result->parts == 0 ? std::string("single request") : fmt::format("{} parts", result->parts));
  return out.Success(summary, text);
}

}  // namespace s3u::cli
