#include "tools/ctl/table.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace sundial::ctl {

size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

namespace {

std::string truncate(const std::string& s, size_t width) {
  if (display_width(s) <= width) return s;
  if (width == 0) return "";
  std::string out;
  size_t shown = 0;
  for (size_t i = 0; i < s.size() && shown < width - 1; ++i) {
    out.push_back(s[i]);
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      // count the code point once its first byte is in
      ++shown;
    }
    while (i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) out.push_back(s[++i]);
  }
  return out + "…";
}

}  // namespace

std::string Table::render(size_t width, bool colour) const {
  std::vector<size_t> widths(headers.size());
  for (size_t c = 0; c < headers.size(); ++c) widths[c] = display_width(headers[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  const size_t gap = 2;
  auto total = [&] {
    size_t t = 0;
    for (size_t w : widths) t += w;
    return t + gap * (widths.empty() ? 0 : widths.size() - 1);
  };
  // Below this a column is too narrow to be useful; a whole cell's column
  // keeps the cell's width.
  std::vector<size_t> floor(widths.size(), 6);
  for (size_t c : whole_columns) {
    if (c < widths.size()) floor[c] = widths[c];
  }
  for (const auto& [r, c] : whole_cells) {
    if (r < rows.size() && c < rows[r].size() && c < widths.size())
      floor[c] = std::max(floor[c], display_width(rows[r][c]));
  }
  // Shrink the widest column that may shrink one step at a time until the
  // table fits; when none may, the lines wrap.
  while (width > 0 && total() > width) {
    size_t widest = widths.size();
    for (size_t c = 0; c < widths.size(); ++c) {
      if (widths[c] > floor[c] && (widest == widths.size() || widths[c] > widths[widest])) widest = c;
    }
    if (widest == widths.size()) break;
    --widths[widest];
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string l;
    for (size_t c = 0; c < widths.size(); ++c) {
      std::string cell = truncate(c < cells.size() ? cells[c] : "", widths[c]);
      size_t pad = widths[c] - display_width(cell);
      bool last = c + 1 == widths.size();
      std::string shown = header && colour ? "\033[1m" + cell + "\033[0m" : cell;
      if (!header) shown = colour_status(cell, colour);
      l += shown + (last ? "" : std::string(pad + gap, ' '));
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(headers, true);
  for (const auto& row : rows) line(row, false);
  return out;
}

size_t terminal_width() {
  winsize ws{};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return 0;
}

bool use_colour() {
  const char* no_colour = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) && (no_colour == nullptr || *no_colour == '\0');
}

std::string colour_status(const std::string& status, bool colour) {
  if (!colour) return status;
  const char* code = nullptr;
  if (status == "failed")
    code = "31";
  else if (status == "completed")
    code = "32";
  else if (status == "paused")
    code = "33";
  else if (status == "running")
    code = "36";
  else if (status == "cancelled")
    code = "90";
  if (code == nullptr) return status;
  return std::string("\033[") + code + "m" + status + "\033[0m";
}

}  // namespace sundial::ctl
