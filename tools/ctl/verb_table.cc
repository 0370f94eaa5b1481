// sundialctl's verb table: each verb's arguments, flags, summary and the
// function that runs it. parse_ctl_args checks a command line against it
// and run_ctl calls the row's handler; nothing else names verbs.
#include "tools/ctl/ctl_args.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

const std::vector<VerbSpec>& verb_specs() {
  static const std::vector<VerbSpec> verbs = {
      {"list",
       list_verb,
       {},
       {{"--status", "STATUS", "running, waiting, paused, completed, failed or cancelled"},
        {"--type", "TYPE", "workflow type"},
        {"--limit", "N", "most instances to show (default 100; pages are followed)"}},
       "list instances, oldest first",
       true},
      {"show",
       show_verb,
       {"ID"},
       {},
       "an instance: status, type, input, current step, next timer, attempts, last error",
       true},
      {"history", history_verb, {"ID"}, {}, "an instance's journal: time, event, step, attempt, error", true},
      {"timers",
       timers_verb,
       {},
       {{"--due-within", "DURATION", "only timers due within it, e.g. 24h"},
        {"--limit", "N", "most timers to show (default 100)"}},
       "pending durable timers, soonest first",
       true},
      {"start",
       start_verb,
       {"TYPE"},
       {{"--id", "ID", "instance id (generated when absent)"},
        {"--input", "JSON", "the workflow's input (default {})"},
        {"--idempotency-key", "KEY", "repeat-safe start"}},
       "start a workflow instance"},
      {"pause", steer_verb, {"ID"}, {}, "pause an instance"},
      {"resume",
       steer_verb,
       {"ID"},
       {{"--policy", "POLICY", "shift (default: remaining timers move by the pause) or fire"}},
       "resume a paused instance"},
      {"cancel", steer_verb, {"ID"}, {{"--reason", "TEXT", "why"}}, "cancel an instance"},
      {"retry", steer_verb, {"ID"}, {}, "resume a failed instance at its failed step"},
      {"signal",
       signal_verb,
       {"ID", "NAME"},
       {{"--data", "JSON", "the signal's payload"}},
       "send a signal to an instance"},
      {"workflows",
       workflows_verb,
       {},
       {},
       "workflow types: built-in and Lua scripts, their versions and running instances"},
      {"upgrade",
       upgrade_verb,
       {"TYPE"},
       {{"--from", "VERSION",
         "the version (or a unique prefix of it) whose instances move to the current one"}},
       "move a Lua type's running instances to its current version where it replays their history"},
      {"stats", stats_verb, {}, {}, "instances by status, pending timers, next due", true},
      {"events",
       events_verb,
       {},
       {{"--since", "ID", "start after this event id (default: from now on)"},
        {"--max", "N", "stop after N events"}},
       "follow engine events (Server-Sent Events)"},
  };
  return verbs;
}

}  // namespace sundial::ctl
