// The web page's files, embedded in the binary at build time (cmake/EmbedWeb.cmake, from
// web/static and web/node_modules' htm + preact), so the service needs no files beside it.
#pragma once

#include <span>
#include <string_view>

namespace s3u::service {

struct WebAsset {
  std::string_view path;  // "/index.html", "/app.js", "/vendor/htm-preact.js"
  std::string_view content_type;
  std::string_view body;
};

std::span<const WebAsset> WebAssets();

}  // namespace s3u::service
