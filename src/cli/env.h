// Where the commands' shared store lives.
#pragma once

#include <filesystem>
#include <string>

#include "core/env.h"
#include "core/error.h"
#include "store/secret_box.h"
#include "store/store_url.h"

namespace s3u::cli {

// The store every command shares: `--store` when given, else $S3UNLOAD_STORE (where a
// PostgreSQL URL's password stays off the command line), else the XDG default (docs/store.md).
// A plain path is SQLite, as before URLs; kInvalidArgument (subject "store") for a bad URL.
Result<store::StoreUrl> ResolveStoreUrl(const std::string& flag, const Getenv& getenv);

// The key of the store's secrets besides its default: `--secret-key-file` when given, and
// $S3UNLOAD_SECRET_KEY (base64) (store::ResolveSecretBox decides).
store::SecretKeySource ResolveSecretKeySource(const std::string& flag, const Getenv& getenv);

}  // namespace s3u::cli
