#include "engine/codec/encoded_json.h"

#include "engine/codec/codec.h"

namespace sundial {

EncodedJson::EncodedJson(nlohmann::json value) {
  if (value.is_null()) return;
  bool storable = check_storable(value, "").has_value();
  // `replace` never throws; a storable value has no invalid UTF-8 to replace.
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  shared_ = std::make_shared<const Shared>(Shared{std::move(value), std::move(text), storable});
}

Result<void> EncodedJson::check(std::string_view what) const {
  if (!shared_ || shared_->storable) return ok();
  return check_storable(shared_->value, what);
}

const nlohmann::json& EncodedJson::null_value() {
  static const nlohmann::json null;
  return null;
}

}  // namespace sundial
