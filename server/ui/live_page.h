// The live page: a minimal browser client of the event bus, served by
// sundiald at GET /live (and its script at GET /live.js). It shows one
// topic's events as they arrive, over an EventSource on
// /api/v1/topics/{topic}/stream with a stream token (docs/events.md,
// "Streams for browsers").
//
// The page takes `#topic=NAME&token=STREAM_TOKEN` from its URL fragment
// (never sent to any server, so never logged), or asks for a topic and the
// admin token and mints a one-hour stream token itself; the admin token
// stays in the page's memory. Event data is shown as text, never as HTML.
// The script is a separate file so the page's Content-Security-Policy can
// forbid inline scripts.
//
// Threading: constants.
#pragma once

#include <string_view>

namespace sundial::ui {

extern const std::string_view kLivePageHtml;
extern const std::string_view kLivePageScript;
// default-src 'self': scripts, styles and connections to this server only.
inline constexpr std::string_view kLivePagePolicy =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

}  // namespace sundial::ui
