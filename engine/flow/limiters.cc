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

namespace {

Result<void> validate_sub_key(std::string_view name, std::string_view sub_key) {
  bool ok = !sub_key.empty() && sub_key.size() <= kMaxSubKeyBytes &&
            std::all_of(sub_key.begin(), sub_key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!ok) {
    return std::unexpected(invalid("the sub-key of limiter '" + std::string(name) +
                                   "' must be 1 to 200 printable ASCII characters without spaces"));
  }
  return {};
}

}  // namespace

Result<void> validate_limiter_reference(std::string_view reference) {
  size_t colon = reference.find(':');
  std::string_view name = reference.substr(0, colon);
  SUNDIAL_TRY(validate_limiter_name(name));
  if (colon != std::string_view::npos) SUNDIAL_TRY(validate_sub_key(name, reference.substr(colon + 1)));
  return {};
}

Result<void> validate_limiter_spec(const LimiterSpec& spec) {
  // Written so that NaN fails every check.
  if (!(spec.rate_per_second > 0 && spec.rate_per_second <= kMaxLimiterRate)) {
    return std::unexpected(
        invalid("'rate' must be a number of requests per second above 0 and at most 1000000"));
  }
  if (!(spec.burst >= 1 && spec.burst <= kMaxLimiterBurst)) {
    return std::unexpected(invalid("'burst' must be a number from 1 to 1000000"));
  }
  return {};
}

std::string_view limiter_source_name(LimiterSource source) {
  return source == LimiterSource::kApi ? "api" : "config";
}

Limiters::Limiters(Loop& loop, Clock& clock, std::map<std::string, LimiterSpec> specs, size_t max_sub_keys)
    : loop_(loop), clock_(clock), max_sub_keys_(std::max<size_t>(1, max_sub_keys)) {
  for (auto& [name, spec] : specs) limiters_.emplace(name, Limiter{spec, LimiterSource::kConfig, {}, 0});
}

bool Limiters::set(const std::string& name, LimiterSpec spec, LimiterSource source) {
  auto it = limiters_.find(name);
  if (it == limiters_.end()) {
    limiters_.emplace(name, Limiter{spec, source, {}, 0});
    return true;
  }
  it->second.spec = spec;
  it->second.source = source;
  for (auto& [key, g] : it->second.gates) g->reconfigure(spec.rate_per_second, spec.burst);
  return false;
}

bool Limiters::remove(std::string_view name) {
  auto it = limiters_.find(name);
  if (it == limiters_.end()) return false;
  std::vector<std::move_only_function<void()>> waiting;
  for (auto& [key, g] : it->second.gates) {
    for (auto& go : g->take_waiting()) waiting.push_back(std::move(go));
  }
  limiters_.erase(it);
  // Gone from the map first: a waiter that names the limiter again finds
  // it unknown.
  for (auto& go : waiting) go();
  return true;
}

std::optional<LimiterView> Limiters::view(std::string_view name) const {
  auto it = limiters_.find(name);
  if (it == limiters_.end()) return std::nullopt;
  return view_of(it->first, it->second);
}

size_t Limiters::count(LimiterSource source) const {
  return static_cast<size_t>(std::count_if(limiters_.begin(), limiters_.end(),
                                           [source](const auto& l) { return l.second.source == source; }));
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
                (known.empty() ? std::string("; declare one as [limits.NAME] in sundiald.toml or with PUT "
                                             "/api/v1/limits/NAME")
                               : "; declared: " + known)));
  }
  if (colon != std::string_view::npos) SUNDIAL_TRY(validate_sub_key(p.name, p.sub_key));
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

LimiterView Limiters::view_of(const std::string& name, const Limiter& l) {
  LimiterView v{name, l.spec, l.source, l.gates.size(), 0, l.holds, l.spec.burst};
  for (const auto& [key, g] : l.gates) {
    v.waiting += g->waiting();
    v.tokens = std::min(v.tokens, g->tokens());
  }
  return v;
}

std::vector<LimiterView> Limiters::views() const {
  std::vector<LimiterView> out;
  for (const auto& [name, l] : limiters_) out.push_back(view_of(name, l));
  return out;
}

std::map<std::string, LimiterSpec> with_default_limiter(std::map<std::string, LimiterSpec> declared,
                                                        const std::string& name, LimiterSpec spec) {
  declared.try_emplace(name, spec);
  return declared;
}

}  // namespace sundial
