// ScheduleService: cron and interval schedules (docs/schedules.md). Each
// schedule fires its action (schedule_action.h) at its nominal times, in
// its time zone, with its misfire and overlap policies, and logs each run.
//
// Every schedule lives in memory (its record: the spec and what it has
// done), and the soonest fire moment of each active one is in one ordered
// set; one libuv timer is armed for the first. Nothing is written for a
// schedule between fires: its next time follows from its spec and its
// cursor (every nominal time at or before the cursor is decided). A fire
// first carries out the action (durable when it answers), then writes the
// schedule's record and its run-log entries in one commit; a kill -9
// between the two fires the same nominal time again after the restart,
// and its derived target id finds what the first fire made. So a nominal
// time is never fired twice, and none is skipped except by the misfire
// policy. At start-up (open) the schedules are read back and every one
// whose times passed while the server was down goes by its misfire policy.
//
// Fires of one schedule run one after another; different schedules fire
// side by side. A fire the engine cannot take (storage recovering) is
// tried again a second later, for the same nominal time.
//
// Changes through the API (create, replace, delete, pause, resume) are
// applied to memory when submitted and answered once durable; a schedule
// declared in sundiald.toml or a Lua script (declare(), at start-up) can
// be paused, resumed and triggered, but not changed or deleted (conflict).
//
// Threading: open() and declare() at start-up, before the loop runs and
// before anything is served; everything else on the loop thread. Run-log
// pages are read on a storage snapshot (schedule_runs.h).
// Ownership: owned by the Engine; borrows the Loop, the Clock, the Store,
// the CommitQueue and the Engine, which outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/base/error.h"
#include "engine/base/log_histogram.h"
#include "engine/loop/loop.h"
#include "engine/loop/timer.h"
#include "engine/schedules/schedule_action.h"
#include "engine/schedules/schedule_codec.h"
#include "engine/schedules/schedule_options.h"
#include "engine/storage/commit_queue.h"
#include "engine/storage/store.h"

namespace sundial {

class Engine;

// A schedule as the API shows it.
struct ScheduleView {
  ScheduleRecord record;
  std::vector<TimeMs> next;  // the next three nominal times (none while paused)
  bool firing = false;
};

struct ScheduleStats {
  uint64_t fires = 0;           // actions carried out (started, enqueued, signalled, queued)
  uint64_t skipped = 0;         // fires the overlap policy skipped
  uint64_t errors = 0;          // fires whose action the engine refused
  uint64_t misfires = 0;        // times a schedule found fire times missed
  uint64_t missed_dropped = 0;  // missed fire times the misfire policy did not fire
  uint64_t retries = 0;         // fires tried again because the engine could not take them
  LogHistogram lateness_ms;     // fire moment → action submitted (misfire catch-ups excluded)
};

// A schedule declared outside the API, and which declaration made it.
struct DeclaredSchedule {
  ScheduleSpec spec;
  std::string owner;  // a Lua script's workflow type; empty for sundiald.toml
};

class ScheduleService {
 public:
  template <typename T>
  using Done = std::move_only_function<void(Result<T>)>;

  ScheduleService(Loop& loop, Clock& clock, Store& store, CommitQueue& commits, Engine& engine,
                  ScheduleServiceOptions options = {});
  ~ScheduleService();
  ScheduleService(const ScheduleService&) = delete;
  ScheduleService& operator=(const ScheduleService&) = delete;

  // Start-up: reads every schedule back (a record that does not decode is
  // logged and left alone).
  Result<void> open();
  // Start-up, after open(): makes the stored schedules of `source` exactly
  // `declared` (new ones created, changed ones replaced, the others
  // deleted with their run logs), written at once. An id another source
  // (or, at run time, another owner) holds is refused (conflict), as is
  // the same id twice; then nothing changes.
  Result<void> declare(std::vector<DeclaredSchedule> declared, ScheduleSource source);
  // At run time: the same for the schedules of one owner of `source` (a
  // Lua script changed, added or deleted); `done` once durable.
  void declare_owned(std::vector<ScheduleSpec> specs, ScheduleSource source, const std::string& owner,
                     Done<void> done);
  // Arms the timer: fires what is due (misfires first). Called once the
  // engine is open and the declarations are in.
  void start();
  // Stops firing; fires under way finish, their writes still go in.
  void close();

  struct Changed {
    ScheduleView view;
    bool created = false;
  };
  // POST: creates `spec`; the same spec again answers the schedule
  // (created false); another schedule with the id is a conflict.
  void create(ScheduleSpec spec, Done<Changed> done);
  // PUT: creates or replaces. A replaced schedule keeps its run log and
  // counters; a changed timing starts from now (no catch-up for the old one).
  void replace(ScheduleSpec spec, Done<Changed> done);
  void remove(const std::string& id, Done<ScheduleView> done);
  // Paused: no fires; resumed: the times passed while paused are not
  // caught up (it goes on from now).
  void pause(const std::string& id, Done<ScheduleView> done);
  void resume(const std::string& id, Done<ScheduleView> done);
  // Fires now, outside the schedule (nominal time: now), through the
  // overlap policy; answers the run once its log entry is durable.
  void trigger(const std::string& id, Done<ScheduleRun> done);

  // ---- In-memory views (loop thread) ----
  std::optional<ScheduleView> view(const std::string& id) const;
  // Up to `limit` schedules with ids after `after`, in id order.
  std::vector<ScheduleView> list(const std::string& after, size_t limit) const;
  size_t size() const { return entries_.size(); }
  // Schedules not paused (ended ones included).
  size_t active_count() const { return entries_.size() - paused_count(); }
  size_t due_count() const { return due_.size(); }
  const ScheduleStats& stats() const { return stats_; }
  // Fires what is due by the clock now (tests drive a ManualClock).
  void poll();
  // Fires under way (tests drain until zero).
  size_t fires_in_flight() const { return fires_in_flight_; }

 private:
  struct Entry;
  struct Fire;

  Entry* find(const std::string& id);
  const Entry* find(const std::string& id) const;
  ScheduleView view_of(const Entry& e) const;
  // Puts `e` in the due set at its next fire moment after its cursor (or
  // takes it out: paused, ended, firing).
  void reschedule(Entry& e);
  void unschedule(Entry& e);
  void arm_timer();
  void fire_due(Entry& e, TimeMs now);
  // Carries out `fire`'s next run, one after another, then writes.
  void fire_next(std::shared_ptr<Fire> fire);
  void finish_fire(std::shared_ptr<Fire> fire);
  // A new entry, or the replaced one, put in memory with its record.
  Entry& install(ScheduleRecord record);
  void erase(Entry& e);
  // Writes `e`'s record (and `runs`, trimming the log) in one commit;
  // `done` runs once durable.
  void write(Entry& e, std::vector<ScheduleRun> runs, CommitQueue::Done done);
  void write_batch(Batch& batch, Entry& e, const std::vector<ScheduleRun>& runs);
  // Answers `done` with e's view once `write` is durable.
  void write_and_answer(Entry& e, Done<ScheduleView> done);
  std::optional<Error> refuse_change(const Entry& e, std::string_view verb) const;
  // declare() and declare_owned(): checks `declared` against the others,
  // then applies it to memory and returns the writes (nothing applied on
  // an error). `owner`: only that owner's schedules are replaced.
  Result<Batch> apply_declaration(std::vector<DeclaredSchedule> declared, ScheduleSource source,
                                  const std::optional<std::string>& owner);
  size_t paused_count() const;

  Loop& loop_;
  Clock& clock_;
  Store& store_;
  CommitQueue& commits_;
  Engine& engine_;
  ScheduleServiceOptions options_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
  // (fire moment, entry) of every active schedule not firing now.
  std::set<std::pair<TimeMs, Entry*>> due_;
  UvTimer timer_;
  ScheduleStats stats_;
  uint64_t next_generation_ = 0;
  size_t fires_in_flight_ = 0;
  bool running_ = false;
  // Expires with the service; callbacks of commits and fires hold a weak reference.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace sundial
