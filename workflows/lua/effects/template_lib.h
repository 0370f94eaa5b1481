// The sandbox's `template` library: template.render(text, vars [, { html =
// true }]) fills each {{name}} of `text` from the table `vars` with the
// renderer the email templates use (workflows/email/email_template.h):
// only the template is scanned, never the values; a placeholder without a
// value or a "{{" never closed raises; with html = true values are
// HTML-escaped. The text and the result are capped at `max_bytes` (the
// sandbox's max_json_bytes), so a render stays a bounded stall.
//
// Threading: the calling Lua state's.
#pragma once

#include <cstddef>

struct lua_State;

namespace sundial::lua {

// Pushes the library table.
void push_template_library(lua_State* L, size_t max_bytes);

}  // namespace sundial::lua
