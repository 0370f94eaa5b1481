// Table: sundialctl's aligned text tables. Columns are as wide as their
// widest cell; when the table is wider than the terminal, the widest
// columns shrink and their cells end with "…" — except ids, which are
// never cut (whole_columns, whole_cells) so they can be copied; a table
// too wide even so wraps. Colour (bold headers, status colours) only when
// asked — the caller decides from isatty and NO_COLOR.
//
// Threading: plain value.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sundial::ctl {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  // Columns never cut to fit (ids): by default the first.
  std::vector<size_t> whole_columns = {0};
  // Single cells never cut, as {row, column}: the id in a FIELD/VALUE table.
  std::vector<std::pair<size_t, size_t>> whole_cells = {};

  // `width` 0 = unlimited.
  std::string render(size_t width, bool colour) const;
};

// Display width of UTF-8 text as a terminal shows it: code points, not bytes.
size_t display_width(const std::string& s);
// Terminal width of stdout, or 0 when it is not a terminal.
size_t terminal_width();
// Whether to colour stdout: a TTY and NO_COLOR unset.
bool use_colour();
// ANSI colour for a status name ("failed" red, "completed" green, ...).
std::string colour_status(const std::string& status, bool colour);

}  // namespace sundial::ctl
