// A steering command that applies only to the instance as a bulk run read
// it (commands.h, SteerCommand): the guard, then the command's own decide.
#include "engine/transitions/commands.h"
#include "engine/transitions/record_ops.h"

namespace sundial {

Result<Decision> decide(const InstanceView& view, const SteerCommand& cmd, const AsRead& as_read, TimeMs now) {
  const InstanceRecord& r = view.record;
  if (r.run != as_read.run) {
    return std::unexpected(make_error(ErrorCode::kConflict, "instance '" + r.id + "' was started again (run " +
                                                                std::to_string(r.run) +
                                                                ") since it matched; left alone"));
  }
  if (r.status != as_read.status) {
    return std::unexpected(wrong_status(
        r, "it was " + std::string(status_name(as_read.status)) + " when it matched; left alone"));
  }
  return std::visit([&](const auto& command) { return decide(view, command, now); }, cmd);
}

}  // namespace sundial
