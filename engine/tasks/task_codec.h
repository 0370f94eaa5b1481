// Value encoding of the task queues' stored records (TaskRecord in the
// `tasks` column family, QueueRecord in `meta`) as compact JSON objects,
// and their views in the HTTP API. Decoding is strict about types and
// returns a corruption error naming the record; encoding refuses values
// that cannot be stored (engine/codec/codec.h: check_storable), so callers
// encode before they change anything in memory.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/tasks/task_model.h"

namespace sundial {

Result<std::string> encode_task(const TaskRecord& task);
Result<TaskRecord> decode_task(std::string_view bytes);

std::string encode_queue(const QueueRecord& queue);
Result<QueueRecord> decode_queue(std::string_view bytes);

// GET /api/v1/tasks/{id} (docs/http-api.md, "Tasks"); without the
// attempts for list pages.
nlohmann::json task_to_json(const TaskRecord& task, bool with_attempts = true);

}  // namespace sundial
