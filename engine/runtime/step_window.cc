#include "engine/runtime/step_window.h"

namespace sundial {

Result<std::optional<SendWindow>> step_window(const SendWindowCatalog& catalog, const InstanceRecord& r,
                                              const AwaitRequest& req) {
  if (req.window.is_boolean() && !req.window.get<bool>()) return std::nullopt;
  if (!req.window.is_null()) {
    auto window = parse_send_window(req.window, catalog.named);
    if (!window) {
      return make_error(ErrorCode::kInvalidArgument, "step '" + req.step_name + "': " + window.error().message);
    }
    return std::optional<SendWindow>(std::move(*window));
  }
  if (!r.send_window.is_null()) {
    auto window = parse_send_window(r.send_window);
    if (!window) return make_error(ErrorCode::kInternal, "the instance's send window: " + window.error().message);
    return std::optional<SendWindow>(std::move(*window));
  }
  if (const SendWindow* of_type = catalog.for_type(r.type)) return std::optional<SendWindow>(*of_type);
  return std::nullopt;
}

Result<std::optional<StepDeferral>> step_deferral(const SendWindowCatalog& catalog, const InstanceRecord& r,
                                                  const AwaitRequest& req, TimeMs now) {
  SUNDIAL_ASSIGN_OR_RETURN(std::optional<SendWindow> window, step_window(catalog, r, req));
  if (!window) return std::nullopt;
  std::string note;
  TimeZone zone = window_zone(*window, r.input, &note);
  TimeMs opens = next_opening(*window, zone, now);
  if (opens <= now) return std::nullopt;
  StepDeferral deferral;
  deferral.opens_at = opens;
  deferral.data = {{"window", to_json(*window)}, {"timezone", zone.name()}};
  if (!note.empty()) deferral.data["note"] = note;
  deferral.detail = "until " + format_local(opens, zone) + " (" + describe(*window, zone.name()) + ")";
  return std::optional<StepDeferral>(std::move(deferral));
}

}  // namespace sundial
