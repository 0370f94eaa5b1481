#include "tools/ctl/event_line.h"

#include <algorithm>

#include "tools/common/time_format.h"
#include "tools/ctl/table.h"

namespace sundial::ctl {

namespace {

std::string field(const nlohmann::json& e, const char* key) {
  const nlohmann::json& v = e.value(key, nlohmann::json());
  if (v.is_string()) return v.get<std::string>().empty() ? "-" : v.get<std::string>();
  return v.is_null() ? "-" : v.dump();
}

}  // namespace

// SEQ, AT (UTC), EVENT, INSTANCE, [WORKFLOW,] NAME; DETAIL is last and not padded.
EventColumns::EventColumns(bool wide) : wide_(wide) {
  widths_ = wide ? std::vector<size_t>{6, 24, 18, 20, 16, 12} : std::vector<size_t>{6, 24, 18, 20, 12};
}

std::string EventColumns::header() {
  if (wide_) return render({"SEQ", "AT (UTC)", "EVENT", "INSTANCE", "WORKFLOW", "NAME", "DETAIL"});
  return render({"SEQ", "AT (UTC)", "EVENT", "INSTANCE", "NAME", "DETAIL"});
}

std::string EventColumns::line(const nlohmann::json& e) {
  std::vector<std::string> cells = {field(e, "seq"), format_utc(e.value("at", TimeMs{0})), field(e, "type"),
                                    field(e, "instance_id")};
  if (wide_) cells.push_back(field(e, "workflow_type"));
  cells.push_back(field(e, "name"));
  cells.push_back(e.contains("detail") ? field(e, "detail") : "");
  return render(cells);
}

std::string EventColumns::render(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t c = 0; c < cells.size(); ++c) {
    out += cells[c];
    if (c + 1 == cells.size()) break;
    widths_[c] = std::max(widths_[c], display_width(cells[c]));
    out += std::string(widths_[c] - display_width(cells[c]) + 2, ' ');
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\n";
}

}  // namespace sundial::ctl
