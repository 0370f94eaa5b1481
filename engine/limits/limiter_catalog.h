// LimiterCatalog: the shared rate limiters made at run time through the
// HTTP API (PUT and DELETE /api/v1/limits/{name}, docs/flow-control.md),
// kept durable in the engine's kMeta column family so they come back
// after a restart:
//
//   "limit" 0x1f <name> → {"rate": R, "burst": B}   (docs/storage-format.md)
//
// A change is committed through the engine's commit queue (Engine::
// write_meta, in line with the instance commits) and applied to Limiters
// only once durable; its answer comes after that. Limiters of sundiald.toml
// ([limits.NAME], and `resend`) belong to the file: the API can neither
// change nor delete them (conflict), and a stored row for a name the file
// now declares is dropped at start-up. At most kMaxApiLimiters are made
// through the API.
//
// Threading: open() at start-up before the loop runs and before anything
// is served; everything else on the loop thread. Ownership: borrows the
// Limiters and the Engine (open() on); owns nothing else. It may outlive
// the Engine: callbacks of commits that come back after it is destroyed
// do nothing.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/error.h"
#include "engine/engine.h"
#include "engine/flow/limiters.h"

namespace sundial {

// The kMeta row of an API limiter, and its value.
std::string limiter_row_key(std::string_view name);
inline constexpr std::string_view kLimiterRowPrefix = "limit\x1f";
std::string encode_limiter_row(const LimiterSpec& spec);
// nullopt when the value is not a valid limiter.
std::optional<LimiterSpec> decode_limiter_row(std::string_view value);

class LimiterCatalog {
 public:
  static constexpr size_t kMaxApiLimiters = 1000;
  template <typename T>
  using Done = std::move_only_function<void(Result<T>)>;

  explicit LimiterCatalog(Limiters& limiters) : limiters_(limiters) {}
  LimiterCatalog(const LimiterCatalog&) = delete;
  LimiterCatalog& operator=(const LimiterCatalog&) = delete;

  // Start-up: installs the stored limiters (rows that do not decode are
  // logged and skipped).
  Result<void> open(Engine& engine);

  struct Changed {
    LimiterView view;
    bool created = false;
  };
  // Creates or changes API limiter `name`: invalid_argument for a bad name
  // or spec, conflict for a limiter of sundiald.toml or past the cap.
  void put(std::string name, LimiterSpec spec, Done<Changed> done);
  // Deletes API limiter `name` (its waiting calls go through): not_found,
  // or conflict for a limiter of sundiald.toml.
  void remove(std::string name, Done<LimiterView> done);

  const Limiters& limiters() const { return limiters_; }

 private:
  // Why the API may not touch `name` (it is in sundiald.toml), if so.
  std::optional<Error> declared_in_file(std::string_view name) const;

  Limiters& limiters_;
  Engine* engine_ = nullptr;
  // Creations committed but not applied yet: they count towards the cap.
  size_t creating_ = 0;
  // Expires with the catalog; commit callbacks hold a weak reference.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace sundial
