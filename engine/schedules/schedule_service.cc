#include "engine/schedules/schedule_service.h"

#include <algorithm>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/engine.h"
#include "engine/schedules/schedule_timing.h"

namespace sundial {

namespace {

// A fire the engine could not take is tried again after this.
constexpr DurationMs kRetryAfterMs = 1000;
// Most due schedules one poll fires before it lets the loop do other work.
constexpr size_t kMaxFiresPerPoll = 2000;
// Fires under way at once: a restart that finds many schedules due (each
// within its grace) fires them a thousand at a time, so the burst's
// memory stays bounded; the rest fire as these finish.
constexpr size_t kMaxFiresInFlight = 1000;
// How often (in run-log entries) the log of a schedule is trimmed.
constexpr uint64_t kTrimEvery = 100;

bool same_timing(const ScheduleSpec& a, const ScheduleSpec& b) {
  bool same_cron = a.cron.has_value() == b.cron.has_value() && (!a.cron || a.cron->text() == b.cron->text());
  return same_cron && a.every == b.every && a.zone.name() == b.zone.name() && a.start_at == b.start_at &&
         a.end_at == b.end_at && a.jitter == b.jitter;
}

bool same_spec(const ScheduleSpec& a, const ScheduleSpec& b) {
  return schedule_spec_json(a) == schedule_spec_json(b);
}

bool made_a_run(const std::string& fired) {
  return fired == "started" || fired == "queued" || fired == "enqueued" || fired == "signalled";
}

}  // namespace

struct ScheduleService::Entry {
  ScheduleRecord rec;
  uint64_t generation = 0;
  std::optional<TimeMs> due;  // its key in due_
  TimeMs not_before = 0;      // after a fire the engine could not take
  bool firing = false;
};

// One fire of a schedule: the nominal times it carries out, in order.
struct ScheduleService::Fire {
  std::string id;
  uint64_t generation = 0;
  std::vector<std::pair<TimeMs, RunTrigger>> items;
  size_t next = 0;
  std::vector<ScheduleRun> runs;
  TimeMs cursor_after = 0;        // the plan's cursor, once every item is done
  bool stopped = false;           // the engine could not take an item: try again later
  Done<ScheduleRun> manual_done;  // a trigger's answer
};

ScheduleService::ScheduleService(Loop& loop, Clock& clock, Store& store, CommitQueue& commits, Engine& engine,
                                 ScheduleServiceOptions options)
    : loop_(loop),
      clock_(clock),
      store_(store),
      commits_(commits),
      engine_(engine),
      options_(options),
      timer_(loop, [this] { poll(); }) {
  timer_.set_keeps_loop_alive(false);
}

ScheduleService::~ScheduleService() = default;

ScheduleService::Entry* ScheduleService::find(const std::string& id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second.get();
}

const ScheduleService::Entry* ScheduleService::find(const std::string& id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second.get();
}

Result<void> ScheduleService::open() {
  return scan_prefix(store_, Cf::kSchedules, schedule_keys::kRecordPrefix,
                     [this](std::string_view key, std::string_view value) {
                       auto rec = decode_schedule(value);
                       if (!rec) {
                         spdlog::error("schedule record '{}' cannot be read ({}); it is left alone",
                                       key.substr(1), rec.error().message);
                         return true;
                       }
                       install(std::move(*rec));
                       return true;
                     });
}

Result<Batch> ScheduleService::apply_declaration(std::vector<DeclaredSchedule> declared,
                                                 ScheduleSource source,
                                                 const std::optional<std::string>& owner) {
  TimeMs now = clock_.now_ms();
  std::unordered_set<std::string> seen;
  auto ours = [&](const Entry& e) {
    return e.rec.state.source == source && (!owner || e.rec.state.owner == *owner);
  };
  for (const auto& d : declared) {
    if (!seen.insert(d.spec.id).second) {
      return make_error(ErrorCode::kConflict, "schedule '" + d.spec.id + "' is declared twice");
    }
    // Whole-source declarations may move a schedule between owners (a
    // script renamed while the server was down); one owner's may not take
    // another's.
    if (const Entry* e = find(d.spec.id); e && !ours(*e)) {
      std::string by(schedule_source_name(e->rec.state.source));
      if (!e->rec.state.owner.empty()) by += " " + e->rec.state.owner;
      return make_error(ErrorCode::kConflict,
                        "schedule '" + d.spec.id + "' is already declared by " + by + "; rename one of them");
    }
  }
  Batch batch;
  for (auto& d : declared) {
    ScheduleRecord rec;
    if (Entry* e = find(d.spec.id)) {
      if (same_spec(e->rec.spec, d.spec) && e->rec.state.owner == d.owner) continue;
      rec = e->rec;
      if (!same_timing(rec.spec, d.spec)) rec.state.cursor = std::max(rec.state.cursor, now);
      if (rec.spec.paused != d.spec.paused) rec.state.paused = d.spec.paused;
      rec.state.updated_at = now;
    } else {
      rec.state = ScheduleState{source, d.spec.paused, now, now, now, 0, 0, 0, "", ""};
    }
    rec.state.owner = d.owner;
    rec.spec = std::move(d.spec);
    batch.put(Cf::kSchedules, schedule_keys::record(rec.spec.id), encode_schedule(rec));
    install(std::move(rec));
  }
  std::vector<std::string> gone;
  for (const auto& [id, e] : entries_) {
    if (ours(*e) && !seen.contains(id)) gone.push_back(id);
  }
  for (const auto& id : gone) {
    batch.del(Cf::kSchedules, schedule_keys::record(id));
    batch.delete_range(Cf::kSchedules, schedule_keys::runs_begin(id), schedule_keys::runs_end(id));
    spdlog::info("schedule '{}' is no longer declared by {}: deleted", id, schedule_source_name(source));
    erase(*find(id));
  }
  return batch;
}

Result<void> ScheduleService::declare(std::vector<DeclaredSchedule> declared, ScheduleSource source) {
  SUNDIAL_ASSIGN_OR_RETURN(Batch batch, apply_declaration(std::move(declared), source, std::nullopt));
  if (batch.empty()) return ok();
  const Batch* batches[] = {&batch};
  return store_.write(batches);
}

void ScheduleService::declare_owned(std::vector<ScheduleSpec> specs, ScheduleSource source,
                                    const std::string& owner, Done<void> done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  std::vector<DeclaredSchedule> declared;
  for (auto& spec : specs) declared.push_back({std::move(spec), owner});
  auto batch = apply_declaration(std::move(declared), source, owner);
  if (!batch)
    return engine_.defer([done = std::move(done), e = batch.error()]() mutable { done(std::unexpected(e)); });
  if (batch->empty()) return engine_.defer([done = std::move(done)]() mutable { done(ok()); });
  commits_.submit(std::move(*batch), std::move(done));
}

void ScheduleService::start() {
  running_ = true;
  for (auto& [id, e] : entries_) reschedule(*e);
  arm_timer();
}

void ScheduleService::close() {
  running_ = false;
  timer_.stop();
  for (auto& [at, e] : due_) e->due.reset();
  due_.clear();
}

ScheduleService::Entry& ScheduleService::install(ScheduleRecord record) {
  auto& slot = entries_[record.spec.id];
  if (!slot) {
    slot = std::make_unique<Entry>();
    slot->generation = ++next_generation_;
  }
  slot->rec = std::move(record);
  reschedule(*slot);
  return *slot;
}

void ScheduleService::erase(Entry& e) {
  unschedule(e);
  entries_.erase(e.rec.spec.id);
}

void ScheduleService::unschedule(Entry& e) {
  if (!e.due) return;
  due_.erase({*e.due, &e});
  e.due.reset();
}

void ScheduleService::reschedule(Entry& e) {
  unschedule(e);
  if (!running_ || e.rec.state.paused || e.firing) return;
  auto next = next_nominal(e.rec.spec, e.rec.state.cursor);
  if (!next) return;  // ended
  TimeMs at = std::max(*next + jitter_offset(e.rec.spec, *next), e.not_before);
  e.due = at;
  due_.insert({at, &e});
  if (due_.begin()->second == &e) arm_timer();
}

void ScheduleService::arm_timer() {
  // At the cap, the next fire to finish arms it again.
  if (!running_ || due_.empty() || fires_in_flight_ >= kMaxFiresInFlight) return timer_.stop();
  TimeMs first = due_.begin()->first;
  TimeMs now = clock_.now_ms();
  timer_.start(first > now ? static_cast<uint64_t>(first - now) : 0);
}

void ScheduleService::poll() {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (!running_) return;
  TimeMs now = clock_.now_ms();
  uint64_t misfires = stats_.misfires, dropped = stats_.missed_dropped;
  for (size_t n = 0; n < kMaxFiresPerPoll && fires_in_flight_ < kMaxFiresInFlight && !due_.empty() &&
                     due_.begin()->first <= now;
       ++n) {
    Entry* e = due_.begin()->second;
    due_.erase(due_.begin());
    e->due.reset();
    fire_due(*e, now);
  }
  // One line for all the schedules a restart finds behind, not one each.
  if (stats_.misfires > misfires) {
    spdlog::warn("{} schedules missed fire times (downtime or a stalled server); their misfire policies "
                 "dropped {} of them (sundialctl schedules list shows which)",
                 stats_.misfires - misfires, stats_.missed_dropped - dropped);
  }
  arm_timer();
}

void ScheduleService::fire_due(Entry& e, TimeMs now) {
  if (e.rec.state.paused || e.firing) return;
  const ScheduleSpec& spec = e.rec.spec;
  FirePlan plan = plan_fires(spec, e.rec.state.cursor, now);
  if (plan.missed) {
    ++e.rec.state.misfires;
    ++stats_.misfires;
    stats_.missed_dropped += plan.dropped;
  }
  if (plan.fire.empty()) {
    bool moved = plan.cursor != e.rec.state.cursor;
    e.rec.state.cursor = plan.cursor;
    if (moved) write(e, {}, [](Result<void>) {});
    return reschedule(e);
  }
  auto fire = std::make_shared<Fire>();
  fire->id = spec.id;
  fire->generation = e.generation;
  fire->cursor_after = plan.cursor;
  TimeMs late_limit = now - spec.misfire_grace - spec.jitter;
  for (TimeMs nominal : plan.fire) {
    fire->items.emplace_back(nominal, nominal <= late_limit ? RunTrigger::kCatchUp : RunTrigger::kSchedule);
  }
  e.firing = true;
  ++fires_in_flight_;
  fire_next(std::move(fire));
}

void ScheduleService::fire_next(std::shared_ptr<Fire> fire) {
  Entry* e = find(fire->id);
  if (e == nullptr || e->generation != fire->generation || fire->next == fire->items.size()) {
    return finish_fire(std::move(fire));
  }
  auto [nominal, trigger] = fire->items[fire->next];
  TimeMs at = clock_.now_ms();
  if (trigger == RunTrigger::kSchedule) {
    TimeMs moment = nominal + jitter_offset(e->rec.spec, nominal);
    stats_.lateness_ms.add(static_cast<uint64_t>(std::max<TimeMs>(0, at - moment)));
  }
  fire_schedule_action(
      engine_, e->rec.spec, nominal, e->rec.state.last_target,
      [this, alive = std::weak_ptr<char>(alive_), fire, nominal, trigger, at](Result<FireOutcome> r) mutable {
        if (alive.expired()) return;
        if (!r) {
          // Logged once per 1,000 (storage recovering stops every schedule).
          if (stats_.retries++ % 1000 == 0) {
            spdlog::warn("schedule '{}': the engine could not take its fire ({}); trying again in {} ms",
                         fire->id, r.error().message, kRetryAfterMs);
          }
          fire->stopped = true;
          return finish_fire(std::move(fire));
        }
        Entry* owner = find(fire->id);
        bool live = owner != nullptr && owner->generation == fire->generation;
        if (made_a_run(r->fired)) {
          ++stats_.fires;
          if (live) {
            ++owner->rec.state.fires;
            if (!r->target_id.empty()) owner->rec.state.last_target = r->target_id;
          }
        } else if (r->fired == "skipped") {
          ++stats_.skipped;
        } else {
          ++stats_.errors;
          spdlog::warn("schedule '{}': its action was refused: {}", fire->id, r->error);
        }
        fire->runs.push_back(ScheduleRun{0, nominal, at, std::move(r->target_id), std::move(r->fired),
                                         std::move(r->error), trigger});
        ++fire->next;
        fire_next(std::move(fire));
      });
}

void ScheduleService::finish_fire(std::shared_ptr<Fire> fire) {
  bool manual = static_cast<bool>(fire->manual_done);
  if (!manual && fires_in_flight_-- == kMaxFiresInFlight) arm_timer();
  Entry* e = find(fire->id);
  if (e == nullptr || e->generation != fire->generation) {
    // Deleted (or replaced by a new one of the same id) meanwhile.
    if (manual)
      fire->manual_done(make_error(ErrorCode::kNotFound, "schedule '" + fire->id + "' was deleted"));
    return;
  }
  if (!manual) {
    e->firing = false;
    if (!fire->stopped) {
      e->rec.state.cursor = std::max(e->rec.state.cursor, fire->cursor_after);
    } else if (fire->next > 0) {
      e->rec.state.cursor = std::max(e->rec.state.cursor, fire->items[fire->next - 1].first);
    }
    e->not_before = fire->stopped ? clock_.now_ms() + kRetryAfterMs : 0;
  }
  for (auto& run : fire->runs) run.seq = ++e->rec.state.run_seq;
  std::optional<ScheduleRun> answer;
  if (manual && !fire->runs.empty()) answer = fire->runs.back();
  write(
      *e, std::move(fire->runs),
      [id = fire->id, done = std::move(fire->manual_done), answer = std::move(answer),
       stopped = fire->stopped](Result<void> written) mutable {
        if (!written)
          spdlog::error("schedule '{}': its run log could not be written: {}", id, written.error().message);
        if (!done) return;
        if (!written) return done(std::unexpected(written.error()));
        if (stopped || !answer) {
          return done(make_error(ErrorCode::kUnavailable, "the engine cannot take the fire now; try again"));
        }
        done(std::move(*answer));
      });
  if (!manual) reschedule(*e);
}

void ScheduleService::write_batch(Batch& batch, Entry& e, const std::vector<ScheduleRun>& runs) {
  const std::string& id = e.rec.spec.id;
  batch.put(Cf::kSchedules, schedule_keys::record(id), encode_schedule(e.rec));
  for (const auto& run : runs)
    batch.put(Cf::kSchedules, schedule_keys::run(id, run.seq), encode_schedule_run(run));
  uint64_t seq = e.rec.state.run_seq;
  uint64_t before = seq - runs.size();
  if (seq > options_.runs_kept && seq / kTrimEvery != before / kTrimEvery) {
    batch.delete_range(Cf::kSchedules, schedule_keys::runs_begin(id),
                       schedule_keys::run(id, seq - options_.runs_kept + 1));
  }
}

void ScheduleService::write(Entry& e, std::vector<ScheduleRun> runs, CommitQueue::Done done) {
  Batch batch;
  write_batch(batch, e, runs);
  commits_.submit(std::move(batch), std::move(done));
}

void ScheduleService::write_and_answer(Entry& e, Done<ScheduleView> done) {
  write(e, {},
        [this, alive = std::weak_ptr<char>(alive_), id = e.rec.spec.id, generation = e.generation,
         done = std::move(done)](Result<void> written) mutable {
          if (!written) return done(std::unexpected(written.error()));
          if (alive.expired()) return done(make_error(ErrorCode::kUnavailable, "the engine is closing"));
          const Entry* now = find(id);
          if (now == nullptr || now->generation != generation) {
            return done(make_error(ErrorCode::kNotFound, "schedule '" + id + "' was deleted meanwhile"));
          }
          done(view_of(*now));
        });
}

std::optional<Error> ScheduleService::refuse_change(const Entry& e, std::string_view verb) const {
  ScheduleSource source = e.rec.state.source;
  if (source == ScheduleSource::kApi) return std::nullopt;
  std::string where = source == ScheduleSource::kConfig ? "sundiald.toml" : "a Lua script";
  return Error{ErrorCode::kConflict, "schedule '" + e.rec.spec.id + "' is declared in " + where + "; " +
                                         std::string(verb) +
                                         " it there (pause, resume and trigger work here)"};
}

void ScheduleService::create(ScheduleSpec spec, Done<Changed> done) {
  if (Entry* e = find(spec.id)) {
    if (!same_spec(e->rec.spec, spec)) {
      return engine_.defer([done = std::move(done), id = spec.id]() mutable {
        done(make_error(
            ErrorCode::kConflict,
            "schedule '" + id + "' exists with another spec; PUT /api/v1/schedules/" + id + " replaces it"));
      });
    }
    return engine_.defer([done = std::move(done), view = view_of(*e)]() mutable {
      done(Changed{view, false});
    });
  }
  replace(std::move(spec), std::move(done));
}

void ScheduleService::replace(ScheduleSpec spec, Done<Changed> done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  TimeMs now = clock_.now_ms();
  Entry* e = find(spec.id);
  if (e != nullptr) {
    if (auto refused = refuse_change(*e, "change")) {
      return engine_.defer(
          [done = std::move(done), err = *refused]() mutable { done(std::unexpected(err)); });
    }
  } else if (entries_.size() >= options_.max_schedules) {
    return engine_.defer([done = std::move(done), max = options_.max_schedules]() mutable {
      done(make_error(ErrorCode::kConflict, "at most " + std::to_string(max) + " schedules can exist"));
    });
  }
  ScheduleRecord rec;
  bool created = e == nullptr;
  if (created) {
    rec.state = ScheduleState{ScheduleSource::kApi, spec.paused, now, now, now, 0, 0, 0, "", ""};
  } else {
    rec = e->rec;
    if (!same_timing(rec.spec, spec)) rec.state.cursor = std::max(rec.state.cursor, now);
    if (rec.spec.paused != spec.paused) rec.state.paused = spec.paused;
    rec.state.updated_at = now;
  }
  rec.spec = std::move(spec);
  Entry& installed = install(std::move(rec));
  write_and_answer(installed, [done = std::move(done), created](Result<ScheduleView> v) mutable {
    if (!v) return done(std::unexpected(v.error()));
    done(Changed{std::move(*v), created});
  });
}

void ScheduleService::remove(const std::string& id, Done<ScheduleView> done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  Entry* e = find(id);
  std::optional<Error> refused;
  if (e == nullptr) {
    refused = Error{ErrorCode::kNotFound, "no schedule '" + id + "'"};
  } else {
    refused = refuse_change(*e, "delete");
  }
  if (refused)
    return engine_.defer([done = std::move(done), err = *refused]() mutable { done(std::unexpected(err)); });
  ScheduleView view = view_of(*e);
  erase(*e);
  Batch batch;
  batch.del(Cf::kSchedules, schedule_keys::record(id));
  batch.delete_range(Cf::kSchedules, schedule_keys::runs_begin(id), schedule_keys::runs_end(id));
  commits_.submit(std::move(batch), [done = std::move(done), view = std::move(view)](Result<void> r) mutable {
    if (!r) return done(std::unexpected(r.error()));
    done(std::move(view));
  });
}

void ScheduleService::pause(const std::string& id, Done<ScheduleView> done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  Entry* e = find(id);
  if (e == nullptr) {
    return engine_.defer([done = std::move(done), id]() mutable {
      done(make_error(ErrorCode::kNotFound, "no schedule '" + id + "'"));
    });
  }
  e->rec.state.paused = true;
  e->rec.state.updated_at = clock_.now_ms();
  unschedule(*e);
  write_and_answer(*e, std::move(done));
}

void ScheduleService::resume(const std::string& id, Done<ScheduleView> done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  Entry* e = find(id);
  if (e == nullptr) {
    return engine_.defer([done = std::move(done), id]() mutable {
      done(make_error(ErrorCode::kNotFound, "no schedule '" + id + "'"));
    });
  }
  TimeMs now = clock_.now_ms();
  if (e->rec.state.paused) {
    e->rec.state.paused = false;
    e->rec.state.cursor = std::max(e->rec.state.cursor, now);
    e->rec.state.updated_at = now;
  }
  reschedule(*e);
  write_and_answer(*e, std::move(done));
}

void ScheduleService::trigger(const std::string& id, Done<ScheduleRun> done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  Entry* e = find(id);
  if (e == nullptr) {
    return engine_.defer([done = std::move(done), id]() mutable {
      done(make_error(ErrorCode::kNotFound, "no schedule '" + id + "'"));
    });
  }
  auto fire = std::make_shared<Fire>();
  fire->id = id;
  fire->generation = e->generation;
  fire->items.emplace_back(clock_.now_ms(), RunTrigger::kManual);
  fire->manual_done = std::move(done);
  fire_next(std::move(fire));
}

size_t ScheduleService::paused_count() const {
  size_t n = 0;
  for (const auto& [id, e] : entries_) n += e->rec.state.paused ? 1 : 0;
  return n;
}

ScheduleView ScheduleService::view_of(const Entry& e) const {
  ScheduleView v{e.rec, {}, e.firing};
  if (!e.rec.state.paused) v.next = upcoming(e.rec.spec, e.rec.state.cursor, 3);
  return v;
}

std::optional<ScheduleView> ScheduleService::view(const std::string& id) const {
  const Entry* e = find(id);
  if (e == nullptr) return std::nullopt;
  return view_of(*e);
}

std::vector<ScheduleView> ScheduleService::list(const std::string& after, size_t limit) const {
  std::vector<ScheduleView> out;
  for (auto it = entries_.upper_bound(after); it != entries_.end() && out.size() < limit; ++it) {
    out.push_back(view_of(*it->second));
  }
  return out;
}

}  // namespace sundial
