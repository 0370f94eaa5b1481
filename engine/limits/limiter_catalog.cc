#include "engine/limits/limiter_catalog.h"

#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace sundial {

std::string limiter_row_key(std::string_view name) { return std::string(kLimiterRowPrefix).append(name); }

std::string encode_limiter_row(const LimiterSpec& spec) {
  return nlohmann::json{{"rate", spec.rate_per_second}, {"burst", spec.burst}}.dump();
}

std::optional<LimiterSpec> decode_limiter_row(std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto rate = j.find("rate");
  auto burst = j.find("burst");
  if (rate == j.end() || !rate->is_number() || burst == j.end() || !burst->is_number()) return std::nullopt;
  LimiterSpec spec{rate->get<double>(), burst->get<double>()};
  if (!validate_limiter_spec(spec)) return std::nullopt;
  return spec;
}

Result<void> LimiterCatalog::open(Engine& engine) {
  engine_ = &engine;
  std::vector<std::pair<std::string, LimiterSpec>> stored;
  Batch dropped;
  bool any_dropped = false;
  auto scanned =
      engine.scan_meta_at_startup(kLimiterRowPrefix, [&](std::string_view key, std::string_view value) {
        std::string name(key.substr(kLimiterRowPrefix.size()));
        auto spec = decode_limiter_row(value);
        if (!validate_limiter_name(name) || !spec) {
          spdlog::error("stored limiter row '{}' cannot be read; skipped", name);
          return true;
        }
        if (declared_in_file(name)) {
          spdlog::warn(
              "limiter '{}' made through the API is now declared in sundiald.toml: the file's wins, the "
              "stored one is deleted",
              name);
          dropped.del(Cf::kMeta, std::string(key));
          any_dropped = true;
          return true;
        }
        stored.emplace_back(std::move(name), *spec);
        return true;
      });
  if (!scanned) return scanned;
  if (any_dropped) SUNDIAL_TRY(engine.write_meta_at_startup(dropped));
  for (auto& [name, spec] : stored) limiters_.set(name, spec, LimiterSource::kApi);
  if (!stored.empty()) spdlog::info("{} rate limiter(s) made through the API loaded", stored.size());
  return ok();
}

std::optional<Error> LimiterCatalog::declared_in_file(std::string_view name) const {
  auto view = limiters_.view(name);
  if (!view || view->source != LimiterSource::kConfig) return std::nullopt;
  std::string n(name);
  return Error{ErrorCode::kConflict, "limiter '" + n + "' is declared in sundiald.toml ([limits." + n +
                                         "]); change it there, the API cannot change or delete it"};
}

void LimiterCatalog::put(std::string name, LimiterSpec spec, Done<Changed> done) {
  if (auto valid = validate_limiter_name(name); !valid) return done(std::unexpected(valid.error()));
  if (auto valid = validate_limiter_spec(spec); !valid) return done(std::unexpected(valid.error()));
  if (auto conflict = declared_in_file(name)) return done(std::unexpected(*conflict));
  if (engine_ == nullptr) return done(make_error(ErrorCode::kUnavailable, "limiters cannot be stored yet"));
  bool creating = !limiters_.view(name).has_value();
  if (creating && limiters_.count(LimiterSource::kApi) + creating_ >= kMaxApiLimiters) {
    return done(
        make_error(ErrorCode::kConflict, "at most " + std::to_string(kMaxApiLimiters) +
                                             " limiters can be made through the API; delete one first"));
  }
  if (creating) creating_++;
  Batch batch;
  batch.put(Cf::kMeta, limiter_row_key(name), encode_limiter_row(spec));
  engine_->write_meta(std::move(batch), [this, alive = std::weak_ptr<char>(alive_), creating, name, spec,
                                         done = std::move(done)](Result<void> written) mutable {
    if (alive.expired()) return;
    if (creating) creating_--;
    if (!written) return done(std::unexpected(written.error()));
    // Applied in commit order: a DELETE committed in between makes this a creation again.
    bool created = limiters_.set(name, spec, LimiterSource::kApi);
    done(Changed{*limiters_.view(name), created});
  });
}

void LimiterCatalog::remove(std::string name, Done<LimiterView> done) {
  if (auto valid = validate_limiter_name(name); !valid) return done(std::unexpected(valid.error()));
  if (auto conflict = declared_in_file(name)) return done(std::unexpected(*conflict));
  auto view = limiters_.view(name);
  if (!view) return done(make_error(ErrorCode::kNotFound, "no limiter '" + name + "'"));
  if (engine_ == nullptr) return done(make_error(ErrorCode::kUnavailable, "limiters cannot be stored yet"));
  Batch batch;
  batch.del(Cf::kMeta, limiter_row_key(name));
  engine_->write_meta(std::move(batch), [this, alive = std::weak_ptr<char>(alive_), name, view = *view,
                                         done = std::move(done)](Result<void> written) mutable {
    if (alive.expired()) return;
    if (!written) return done(std::unexpected(written.error()));
    limiters_.remove(name);
    done(std::move(view));
  });
}

}  // namespace sundial
