// EncodedJson: an immutable JSON value kept together with its encoding,
// for values that are written many times and never change (a task's
// payload: stored at enqueue, again at each claim and completion, and sent
// to each worker that claims it). The text is made once; copies share
// both value and text, so copying a record that holds one is cheap.
//
// Whether the value is storable (engine/codec/codec.h check_storable:
// valid UTF-8, not too deep) is found once, at construction; encoders ask
// check() before they write it. The text of a storable value is exactly
// nlohmann's dump().
//
// Threading: immutable; safe to copy and read from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace sundial {

class EncodedJson {
 public:
  EncodedJson() = default;  // null
  explicit EncodedJson(nlohmann::json value);

  const nlohmann::json& value() const { return shared_ ? shared_->value : null_value(); }
  std::string_view text() const { return shared_ ? std::string_view(shared_->text) : "null"; }
  bool is_null() const { return !shared_; }
  // check_storable's verdict on the value, `what` naming it in the error.
  Result<void> check(std::string_view what) const;

  friend bool operator==(const EncodedJson& a, const EncodedJson& b) { return a.text() == b.text(); }

 private:
  struct Shared {
    nlohmann::json value;
    std::string text;
    bool storable;
  };
  static const nlohmann::json& null_value();

  std::shared_ptr<const Shared> shared_;
};

}  // namespace sundial
