// EventColumns: the lines of `sundialctl events`, aligned in columns as
// the events stream in (SEQ, AT (UTC), EVENT, INSTANCE, [WORKFLOW,] NAME,
// DETAIL). A table cannot measure a stream it has not seen, so each column
// starts at a width that fits the usual values and only grows: a longer
// cell widens its column from that line on. Nothing is cut.
//
// Threading: plain value, one stream.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sundial::ctl {

class EventColumns {
 public:
  // `wide` adds the WORKFLOW column (the instance's workflow type).
  explicit EventColumns(bool wide);

  std::string header();
  // One engine event (the stream's JSON: seq, at, type, instance_id,
  // workflow_type, name?, detail?) as a line ending in "\n".
  std::string line(const nlohmann::json& event);

 private:
  std::string render(const std::vector<std::string>& cells);

  bool wide_;
  std::vector<size_t> widths_;
};

}  // namespace sundial::ctl
