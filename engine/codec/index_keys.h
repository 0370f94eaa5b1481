// The instance indexes' keys by InstanceStatus: the status byte the model
// defines (its numeric value, never renumbered) into the byte-level keys
// of engine/storage/keys.h, which knows no model.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "engine/model/instance.h"
#include "engine/storage/keys.h"

namespace sundial::keys {

inline uint8_t status_byte(InstanceStatus status) { return static_cast<uint8_t>(status); }

inline std::string status_index_key(InstanceStatus status, TimeMs created, std::string_view id) {
  return status_index_key(status_byte(status), created, id);
}
inline std::string status_index_prefix(InstanceStatus status) {
  return status_index_prefix(status_byte(status));
}
inline std::string type_status_index_key(std::string_view type, InstanceStatus status, TimeMs created,
                                         std::string_view id) {
  return type_status_index_key(type, status_byte(status), created, id);
}
inline std::string type_status_index_prefix(std::string_view type, InstanceStatus status) {
  return type_status_index_prefix(type, status_byte(status));
}

}  // namespace sundial::keys
