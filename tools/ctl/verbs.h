// The verbs of sundialctl (their table: tools/ctl/verb_table.cc), over a VerbContext that
// holds where to read from (InstanceSource), the API client for commands,
// and how to print. Each returns an exit code.
//
// Threading: one thread. Ownership: the VerbContext borrows everything it
// names for one verb's run.
#pragma once

#include <istream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "engine/base/clock.h"
#include "tools/common/api_client.h"
#include "tools/ctl/ctl_args.h"
#include "tools/ctl/instance_source.h"

namespace sundial::ctl {

struct VerbContext {
  const Invocation& inv;
  InstanceSource& source;
  ApiClient* api;  // null with --data-dir
  std::ostream& out;
  std::ostream& err;
  TimeMs now;
  bool colour;
  size_t width;  // 0: no limit (not a terminal, or -o wide)
  // Where to read a confirmation ("Proceed? [y/N]"); null when stdin is
  // not a terminal, so nothing may be asked.
  std::istream* terminal_in;

  bool wide() const { return inv.wide_output; }
};

int list_verb(VerbContext& ctx);
int show_verb(VerbContext& ctx);
int history_verb(VerbContext& ctx);
// timers [--due-within D] [--limit N]: every pending timer; timers ID: the
// one instance's (tools/ctl/timer_verbs.cc).
int timers_verb(VerbContext& ctx);
int stats_verb(VerbContext& ctx);
int start_verb(VerbContext& ctx);
int signal_verb(VerbContext& ctx);
// pause, resume, cancel, retry: with an ID, POST
// /api/v1/instances/{id}/{verb} with the verb's flags (--policy, --reason)
// as the body; without, the bulk form below.
int steer_verb(VerbContext& ctx);
// pause|resume|cancel|retry --type/--status/--id-prefix ...: POST
// /api/v1/instances:{verb} for every instance matching the filters, after
// a dry run and a confirmation unless --yes (tools/ctl/bulk_verbs.cc).
int bulk_steer_verb(VerbContext& ctx);
// skip ID [--result JSON] [--reason TEXT]: POST /api/v1/instances/{id}/skip.
int skip_verb(VerbContext& ctx);
int events_verb(VerbContext& ctx);
int workflows_verb(VerbContext& ctx);
// upgrade TYPE --from VERSION: POST /api/v1/workflows/{type}/upgrade; the
// version may be a unique prefix (as `workflows` shows it).
int upgrade_verb(VerbContext& ctx);
// Task queues (tools/ctl/queue_verbs.cc): queues list; queues pause and
// resume (POST /api/v1/queues/{queue}/{sub-verb}); queues set.
int queues_list_verb(VerbContext& ctx);
int queues_pause_resume_verb(VerbContext& ctx);
int queues_set_verb(VerbContext& ctx);
// Rate limiters (tools/ctl/limit_verbs.cc): limits list; limits set NAME
// --rate R [--burst B] (PUT /api/v1/limits/{name}); limits delete NAME.
// backup DEST: POST /api/v1/backups (tools/ctl/backup_verbs.cc).
int backup_verb(VerbContext& ctx);
// erase --attr NAME=VALUE [--dry-run] [--yes]: POST /api/v1/erasure
// (tools/ctl/erase_verb.cc).
int erase_verb(VerbContext& ctx);
// Asks "Proceed? [y/N]" on ctx.terminal_in (which must be set); true for y
// or yes (tools/ctl/bulk_verbs.cc).
bool ask_to_proceed(VerbContext& ctx);
int limits_list_verb(VerbContext& ctx);
// Schedules (tools/ctl/schedule_verbs.cc): schedules list, show ID, runs ID
// [--limit N]; pause, resume and trigger ID (POST /api/v1/schedules/{id}/{sub-verb}).
int schedules_list_verb(VerbContext& ctx);
int schedules_show_verb(VerbContext& ctx);
int schedules_runs_verb(VerbContext& ctx);
int schedules_pause_resume_verb(VerbContext& ctx);
int schedules_trigger_verb(VerbContext& ctx);
int limits_set_verb(VerbContext& ctx);
int limits_delete_verb(VerbContext& ctx);
// Tasks (tools/ctl/task_verbs.cc): tasks list, show, enqueue; tasks retry
// and cancel (POST /api/v1/tasks/{id}/{sub-verb}).
int tasks_list_verb(VerbContext& ctx);
int tasks_show_verb(VerbContext& ctx);
int tasks_enqueue_verb(VerbContext& ctx);
int tasks_retry_cancel_verb(VerbContext& ctx);

// The key-value facility (tools/ctl/kv_verbs.cc): kv list NAMESPACE
// [--prefix P] [--deleted] [--conflicted]; kv get NAMESPACE KEY.
int kv_list_verb(VerbContext& ctx);
int kv_get_verb(VerbContext& ctx);
// The event bus (tools/ctl/topic_verbs.cc): topics, with each
// subscription's cursor, lag and counters.
int topics_verb(VerbContext& ctx);
// The audit log (tools/ctl/audit_verbs.cc): audit [--limit N] [--target ID]
// [--route ROUTE], newest first.
int audit_verb(VerbContext& ctx);

// Prints `error` and returns its exit code (3 for not_found, else 1).
int fail(VerbContext& ctx, const Error& error);
// Prints a usage problem and returns 2.
int usage_error(VerbContext& ctx, const std::string& message);
// The flag's value as a whole number of at least `min`; `fallback` when the
// flag is absent. invalid_argument (a usage error) names the flag.
Result<size_t> parse_count(const Invocation& inv, const std::string& flag, size_t fallback, size_t min = 1);
// The flag's value parsed as JSON; `fallback` when the flag is absent.
// invalid_argument (a usage error) names the flag.
Result<nlohmann::json> json_flag(const Invocation& inv, const std::string& flag, nlohmann::json fallback);

// Table cells: a JSON value ("-" for null, strings bare, else JSON); a
// Unix-ms time relative to `now` ("in 5m", "2h ago"); the same time in UTC
// with the relative one in parentheses. Times that are not numbers are "-".
std::string text(const nlohmann::json& v);
std::string when(const nlohmann::json& ms, TimeMs now);
std::string when_exactly(const nlohmann::json& ms, TimeMs now);

}  // namespace sundial::ctl
