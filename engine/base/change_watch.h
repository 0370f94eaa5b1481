// ChangeWatch: which records (by id or key) changed while a reader worked
// from a storage snapshot taken after start(). The retention sweep plans
// its deletes on such a snapshot on the pool; at apply time, on the loop,
// it skips whatever changed since instead of reading the store again.
// Each service that owns records keeps one and notes every change it
// decides or commits while the watch runs.
//
// Threading: loop thread only. Ownership: a value inside the service whose
// records it watches.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace sundial {

class ChangeWatch {
 public:
  using Changed = std::unordered_set<std::string>;

  // Starts a watch (ending one that ran): nothing changed yet.
  void start() {
    watching_ = true;
    changed_.clear();
  }
  void note(std::string_view id) {
    if (watching_) changed_.emplace(id);
  }
  bool watching() const { return watching_; }
  // Ends the watch: what changed during it, or nullopt when no watch ran
  // (cancel() ended it: what changed is unknown).
  std::optional<Changed> finish() {
    if (!std::exchange(watching_, false)) return std::nullopt;
    return std::exchange(changed_, Changed{});
  }
  // Ends the watch without an answer (the owner lost track: a reset).
  void cancel() {
    watching_ = false;
    changed_.clear();
  }

 private:
  bool watching_ = false;
  Changed changed_;
};

}  // namespace sundial
