// The dashboard's static files (server/ui/assets: HTML, CSS, ES modules),
// compiled into sundiald by cmake/embed_ui_assets.cmake, which generates the
// definition of ui_assets(). Paths are relative to the assets directory
// ("index.html", "views/instances.js").
//
// Threading: constants; any thread.
#pragma once

#include <span>
#include <string_view>

namespace sundial::ui {

struct UiAsset {
  std::string_view path;
  std::string_view content_type;
  std::string_view body;
  std::string_view etag;  // quoted, a prefix of the file's sha256
};

// Every asset, in path order.
std::span<const UiAsset> ui_assets();
// The asset at `path`, or null.
const UiAsset* find_ui_asset(std::string_view path);

}  // namespace sundial::ui
