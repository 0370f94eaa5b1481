// The rule for caller-chosen idempotency keys (start and signal): 1 to 255
// bytes of valid UTF-8. The keys themselves are kept by IdempotencyKeys
// (engine/runtime/idempotency.h).
//
// Threading: any; a pure check.
#pragma once

#include <string_view>

#include "engine/base/error.h"

namespace sundial {

// ok() for a usable key; else invalid_argument saying which rule it breaks.
Result<void> validate_idempotency_key(std::string_view key);

}  // namespace sundial
