// InstanceSource: where sundialctl's read verbs (list, show, history,
// timers, stats) get their data — sundiald's HTTP API, or a data
// directory opened read-only (--data-dir), which works with the server
// stopped or running and never writes. Both answer with the API's JSON
// (engine/queries.h), so every verb renders one shape.
//
// Threading: one thread. Ownership: the HTTP source borrows its ApiClient;
// the data-directory source owns its read-only store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/queries.h"
#include "tools/common/api_client.h"

namespace sundial::ctl {

class InstanceSource {
 public:
  virtual ~InstanceSource() = default;
  virtual Result<nlohmann::json> list(const ListQuery& query) = 0;
  // The latest run of `id`, or run `run` (an id that ran again, id_reuse).
  virtual Result<nlohmann::json> show(const std::string& id, std::optional<uint32_t> run) = 0;
  virtual Result<nlohmann::json> history(const std::string& id, std::optional<uint32_t> run) = 0;
  // Pending timers due before `due_before` (0 = any), soonest first.
  virtual Result<nlohmann::json> timers(TimeMs due_before, size_t limit) = 0;
  virtual Result<nlohmann::json> stats() = 0;
};

std::unique_ptr<InstanceSource> http_source(ApiClient& client);
Result<std::unique_ptr<InstanceSource>> data_dir_source(const std::string& dir);

// An API answer as a Result: 2xx → the JSON body; otherwise the error from
// the body ({"error":{"code","message"}}) with its engine code.
Result<nlohmann::json> api_result(const Result<ApiResponse>& response);

}  // namespace sundial::ctl
