// The frames of a Server-Sent Events body as the API tests read them:
// `id:`, `event:` and `data:` (JSON) per frame, comments skipped.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace sundial::testing {

struct SseTestFrame {
  uint64_t id = 0;
  std::string event;
  nlohmann::json data;
};

inline std::vector<SseTestFrame> sse_frames_of(const std::string& body) {
  std::vector<SseTestFrame> out;
  std::istringstream in(body);
  SseTestFrame f;
  bool any = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) {
      if (any) out.push_back(std::exchange(f, {}));
      any = false;
    } else if (line.starts_with("id: ")) {
      f.id = std::stoull(line.substr(4));
      any = true;
    } else if (line.starts_with("event: ")) {
      f.event = line.substr(7);
      any = true;
    } else if (line.starts_with("data: ")) {
      f.data = nlohmann::json::parse(line.substr(6));
      any = true;
    }
  }
  return out;
}

}  // namespace sundial::testing
