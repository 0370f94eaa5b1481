// The browser-facing pages sundiald serves besides the API: `/` (a short
// page linking to them), the dashboard at `/ui/` (its static files,
// ui_assets.h; docs/ui.md) and the live topic page at `/live`
// (live_page.h). Every page is sent with a Content-Security-Policy that
// allows only this server's own scripts, styles and connections, so text
// an attacker put in an instance (its id, input, errors) can never run.
// The pages hold no secret: the dashboard asks for the admin token and
// sends it to the API itself.
//
// Threading: add at start-up; the handlers run on the loop thread.
#pragma once

#include "server/api/router.h"

namespace sundial::ui {

// The dashboard's policy: nothing but this origin, no inline script or
// style, not framed, no base or form targets.
inline constexpr std::string_view kDashboardPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

void add_ui_routes(api::Router& router);

}  // namespace sundial::ui
