#include "engine/flow/limiters.h"

#include <algorithm>

namespace sundial {
namespace {

constexpr size_t kMaxSubKeyBytes = 200;

Error invalid(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

}  // namespace

Result<void> validate_limiter_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
  if (!ok) return std::unexpected(invalid("a limiter name is 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'"));
  return {};
}

Limiters::Limiters(Loop& loop, Clock& clock, std::map<std::string, LimiterSpec> specs, size_t max_sub_keys)
    : loop_(loop), clock_(clock), max_sub_keys_(std::max<size_t>(1, max_sub_keys)) {
  for (auto& [name, spec] : specs) limiters_.emplace(name, Limiter{spec, {}, 0});
}

Result<Limiters::Parsed> Limiters::parse(std::string_view reference) const {
  size_t colon = reference.find(':');
  Parsed p{reference.substr(0, colon),
           colon == std::string_view::npos ? std::string_view() : reference.substr(colon + 1)};
  if (!limiters_.contains(p.name)) {
    std::string known;
    for (const auto& [name, l] : limiters_) known += (known.empty() ? "" : ", ") + name;
    return std::unexpected(
        invalid("no limiter '" + std::string(p.name) + "' is declared" +
                (known.empty() ? std::string("; declare one as [limits.NAME] in sundiald.toml")
                               : "; declared: " + known)));
  }
  if (colon != std::string_view::npos) {
    bool ok = !p.sub_key.empty() && p.sub_key.size() <= kMaxSubKeyBytes &&
              std::all_of(p.sub_key.begin(), p.sub_key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (!ok) {
      return std::unexpected(invalid("the sub-key of limiter '" + std::string(p.name) +
                                     "' must be 1 to 200 printable ASCII characters without spaces"));
    }
  }
  return p;
}

Result<void> Limiters::validate(std::string_view reference) const {
  SUNDIAL_TRY(parse(reference));
  return {};
}

Result<RateGate*> Limiters::gate(const Parsed& ref) {
  Limiter& l = limiters_.find(ref.name)->second;
  if (auto it = l.gates.find(ref.sub_key); it != l.gates.end()) return it->second.get();
  if (l.gates.size() >= max_sub_keys_) {
    // Idle buckets (full, nobody waiting) are the same as none.
    std::erase_if(l.gates, [](const auto& g) { return g.second->idle(); });
    if (l.gates.size() >= max_sub_keys_) {
      return std::unexpected(Error{ErrorCode::kUnavailable, "limiter '" + std::string(ref.name) + "' has " +
                                                                std::to_string(max_sub_keys_) +
                                                                " busy sub-keys; try again shortly"});
    }
  }
  auto made = std::make_unique<RateGate>(loop_, clock_, l.spec.rate_per_second, l.spec.burst);
  RateGate* raw = made.get();
  l.gates.emplace(std::string(ref.sub_key), std::move(made));
  return raw;
}

Result<RateGate*> Limiters::gate_for(std::string_view reference) {
  SUNDIAL_ASSIGN_OR_RETURN(Parsed ref, parse(reference));
  return gate(ref);
}

Result<void> Limiters::acquire(std::string_view reference, std::move_only_function<void()> go) {
  SUNDIAL_ASSIGN_OR_RETURN(RateGate * g, gate_for(reference));
  g->acquire(std::move(go));
  return {};
}

void Limiters::hold(std::string_view reference, DurationMs delay) {
  auto ref = parse(reference);
  if (!ref) return;
  auto g = gate(*ref);
  if (!g) return;
  (*g)->hold_for(delay);
  limiters_.find(ref->name)->second.holds++;
}

std::vector<LimiterView> Limiters::views() const {
  std::vector<LimiterView> out;
  for (const auto& [name, l] : limiters_) {
    LimiterView v{name, l.spec, l.gates.size(), 0, l.holds, l.spec.burst};
    for (const auto& [key, g] : l.gates) {
      v.waiting += g->waiting();
      v.tokens = std::min(v.tokens, g->tokens());
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace sundial
