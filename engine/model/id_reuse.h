// IdReuse: whether a start may begin a new run of an instance id that
// already exists (the start API's `id_reuse`, webhook start actions).
//
// Threading: plain values and pure functions.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/model/instance.h"

namespace sundial {

// Whether a start may begin a new run of an id that exists: never (the
// default: the start answers with the existing instance), once it has
// finished (completed, failed or cancelled), or once it failed or was
// cancelled (a completed one is answered as it is). Starting a new run
// keeps the id; the earlier runs stay readable (InstanceRecord::run).
enum class IdReuse { kReject, kAllowIfFinished, kAllowIfFailed };
std::optional<IdReuse> parse_id_reuse(std::string_view name);
std::string_view id_reuse_name(IdReuse reuse);
// Whether `reuse` lets a start begin a new run of an instance in `status`.
bool may_run_again(IdReuse reuse, InstanceStatus status);
// A start's `id_reuse` field from untrusted JSON: one of the names, and
// anything but "reject" only for a start that names its id
// (invalid_argument otherwise, naming the field).
Result<IdReuse> parse_id_reuse_field(const nlohmann::json& value, bool has_id);

}  // namespace sundial
