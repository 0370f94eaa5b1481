#include "engine/transitions/idempotency_key.h"

#include "engine/base/utf8.h"

namespace sundial {

Result<void> validate_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > 255) {
    return make_error(ErrorCode::kInvalidArgument, "idempotency key must be 1 to 255 characters");
  }
  return check_utf8("idempotency key", key);
}

}  // namespace sundial
