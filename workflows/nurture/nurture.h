// The nurture: a signup gets a sequence of emails (seven over eleven days
// by default) at fixed offsets from the signup, each one a step that sends
// through Resend with the step's stable idempotency key, so no email goes
// twice across retries, crashes and restarts. Between emails it waits for
// the signal "booked" or "unsubscribed" until the next email's time; either
// signal completes the instance at once. Pausing holds it;
// resuming with "shift" moves the rest of the schedule by the pause.
//
// Input: {"email", "first_name", "red", "orange", "segment",
// "offsets_ms": [...]} — the offsets are copied in at signup, so changing
// [nurture] offsets affects new signups only. check_nurture_input refuses
// a start without a plausible email or with a field it does not know, and
// fills in what is left out: the configured offsets, the segment.
//
// Threading: loop thread (a workflow). Ownership: EmailDeps are borrowed
// for the daemon's life.
#pragma once

#include <string>
#include <vector>

#include "engine/runtime/registry.h"
#include "workflows/email/email_step.h"
#include "workflows/nurture/signup.h"

namespace sundial {

inline constexpr const char* kNurtureWorkflow = "nurture";

Workflow<void> nurture_workflow(Context& ctx, const EmailDeps& deps);

// The start input for a signup.
nlohmann::json nurture_input(const Signup& signup, const std::vector<DurationMs>& offsets);

// The nurture's InputCheck: "email" required (stored normalized);
// "first_name" a string; "red", "orange" counts 0..9999; "segment" one of
// critical, urgent, optimize (default: from red and orange); "offsets_ms"
// delays from the start (default: `default_offsets`, [nurture] offsets).
Result<nlohmann::json> check_nurture_input(const nlohmann::json& input,
                                           const std::vector<DurationMs>& default_offsets);

}  // namespace sundial
