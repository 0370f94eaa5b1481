// Table: sundialctl's aligned text tables. Columns are as wide as their
// widest cell; when the table is wider than the terminal, the widest
// columns shrink and their cells end with "…". Colour (bold headers, status
// colours) only when asked — the caller decides from isatty and NO_COLOR.
//
// Threading: plain value.
#pragma once

#include <string>
#include <vector>

namespace sundial::ctl {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;

  // `width` 0 = unlimited.
  std::string render(size_t width, bool colour) const;
};

// Terminal width of stdout, or 0 when it is not a terminal.
size_t terminal_width();
// Whether to colour stdout: a TTY and NO_COLOR unset.
bool use_colour();
// ANSI colour for a status name ("failed" red, "completed" green, ...).
std::string colour_status(const std::string& status, bool colour);

}  // namespace sundial::ctl
