#include "engine/tasks/task_service.h"
#include "engine/base/text.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

#include <spdlog/spdlog.h>

#include "engine/base/check.h"
#include "engine/base/coding.h"
#include "engine/codec/slot_rows.h"
#include "engine/tasks/task_codec.h"
#include "engine/tasks/task_keys.h"

namespace sundial {

// A claim waiting for tasks (long poll).
struct TaskService::Waiter {
  ClaimRequest request;
  Reply<std::vector<TaskRecord>> reply;
  std::unique_ptr<UvTimer> deadline;
  // A claim that does not wait, parked only until the ready-index scans it
  // depends on have answered (after a restart memory starts empty while
  // the disk holds ready tasks): it must not answer "none" for tasks that
  // are merely not loaded yet.
  bool until_loaded = false;
};

namespace {
// How long a claim that does not wait may wait for the disk at most.
constexpr DurationMs kLoadWaitMs = 5 * kSecondMs;
}  // namespace

struct TaskService::Queue {
  QueueRecord record;
  bool stored = false;  // a record is on disk (or committing)
  std::map<std::string, std::unique_ptr<ReadyWindow>, std::less<>> windows;  // by type
  std::list<Waiter> waiters;
  std::vector<std::pair<TimeMs, uint64_t>> completions;  // (second, count), the last minute
  std::unique_ptr<UvTimer> limit_timer;                  // armed while its limiter holds claims back
  bool limit_warned = false;                             // its limiter is gone: said once
  uint64_t running() const { return record.counts[status_slot(TaskStatus::kRunning)]; }
};

struct TaskService::Pinned {
  std::optional<TaskRecord> record;  // none while its read runs
  bool stale = false;                // changed while it was being read: read again
  uint32_t busy = 0;                 // commands decided and not yet durable
  std::vector<WithTask> waiters;
  // Queued behind a concurrency key and kept in memory while it waits
  // (keeps()): its admission, and the coalescing enqueues that fold into
  // a follow-up, read nothing.
  bool kept = false;
};

// A change decided for one task and written into a transition, not yet
// durable: what settle() needs once it is.
struct TaskService::Staged {
  std::string id;
  TaskRecord after;
  size_t size = 0;
  bool running = false;
  bool was_ready = false;
};

namespace {

// Whether a coalescing enqueue of `spec` may fold into `follow_up`: the
// same queue, type and merge (anything else would change what another
// producer enqueued).
bool takes_fold(const TaskRecord& follow_up, const TaskSpec& spec) {
  return follow_up.status == TaskStatus::kQueued && follow_up.follow_up && follow_up.concurrency &&
         spec.concurrency && follow_up.queue == spec.queue && follow_up.type == spec.type &&
         follow_up.concurrency->merge == spec.concurrency->merge;
}

Error not_found(const std::string& id) {
  return Error{ErrorCode::kNotFound, "task '" + id + "' does not exist"};
}

Result<std::optional<TaskRecord>> read_task(Store& store, const std::string& id) {
  SUNDIAL_ASSIGN_OR_RETURN(auto bytes, store.get(Cf::kTasks, id));
  if (!bytes) return std::optional<TaskRecord>();
  SUNDIAL_ASSIGN_OR_RETURN(TaskRecord t, decode_task(*bytes));
  return std::optional<TaskRecord>(std::move(t));
}

struct ScanAnswer {
  std::vector<std::pair<TaskRecord, size_t>> found;
  bool exhausted = true;
};

Result<std::shared_ptr<ScanAnswer>> read_ready(Store& store, const std::string& queue,
                                               const std::string& type, const ReadyScan& scan) {
  std::string prefix = task_keys::ready_prefix(queue, type);
  std::string begin =
      scan.after ? task_keys::ready_key(queue, type, *scan.after) + std::string(1, '\0') : prefix;
  std::vector<std::string> ids;
  ScanAnswer out;
  SUNDIAL_TRY(
      store.scan(Cf::kIndex, begin, prefix_successor(prefix), [&](std::string_view key, std::string_view) {
        if (ids.size() == scan.limit) {
          out.exhausted = false;
          return false;
        }
        if (auto order = task_keys::parse_ready_key(key, prefix.size())) ids.push_back(order->id);
        return true;
      }));
  size_t read = 0;
  for (const auto& id : ids) {
    if (!out.found.empty() && read >= scan.max_bytes) {  // the window's byte budget: the rest stays on disk
      out.exhausted = false;
      break;
    }
    SUNDIAL_ASSIGN_OR_RETURN(auto bytes, store.get(Cf::kTasks, id));
    if (!bytes) continue;
    SUNDIAL_ASSIGN_OR_RETURN(TaskRecord t, decode_task(*bytes));
    if (!is_ready(t)) continue;
    size_t size = bytes->size();
    read += size;
    out.found.emplace_back(std::move(t), size);
  }
  return std::make_shared<ScanAnswer>(std::move(out));
}

// The task types that have ready tasks in `queue`: one seek per type.
// Behind a shared_ptr for the same GCC 12 warning as read_state.
Result<std::shared_ptr<std::vector<std::string>>> ready_types_of(Store& store, const std::string& queue) {
  auto types = std::make_shared<std::vector<std::string>>();
  std::string all = task_keys::ready_queue_prefix(queue);
  std::string from = all;
  while (true) {
    std::optional<std::string> type;
    SUNDIAL_TRY(
        store.scan(Cf::kIndex, from, prefix_successor(all), [&](std::string_view key, std::string_view) {
          if (auto t = task_keys::ready_key_type(key, all.size())) type = std::string(*t);
          return false;
        }));
    if (!type) break;
    from = prefix_successor(task_keys::ready_prefix(queue, *type));
    types->push_back(std::move(*type));
  }
  return types;
}

struct Recovered {
  std::vector<QueueRecord> queues;
  std::vector<TaskRecord> running;
  std::vector<SlotEntry> slots;
  std::vector<TaskRecord> follow_ups;  // the last waiter of each key, when a follow-up
  std::vector<std::pair<std::string, std::string>> ready_types;  // (queue, type)
};

// Behind a shared_ptr: GCC 12 warns falsely (maybe-uninitialized) on
// moving a Result holding vectors.
Result<std::shared_ptr<Recovered>> read_state(Store& store) {
  auto shared = std::make_shared<Recovered>();
  Recovered& out = *shared;
  SUNDIAL_TRY(scan_prefix(store, Cf::kMeta, task_keys::queue_meta_prefix(),
                          [&](std::string_view, std::string_view v) {
                            if (auto q = decode_queue(v)) out.queues.push_back(std::move(*q));
                            return true;
                          }));
  for (const auto& q : out.queues) {
    std::string running = task_keys::status_prefix(q.name, TaskStatus::kRunning);
    std::vector<std::string> ids;
    SUNDIAL_TRY(scan_prefix(store, Cf::kIndex, running, [&](std::string_view key, std::string_view) {
      ids.emplace_back(task_keys::status_key_id(key, running.size()));
      return true;
    }));
    for (const auto& id : ids) {
      SUNDIAL_ASSIGN_OR_RETURN(auto t, read_task(store, id));
      if (t && t->status == TaskStatus::kRunning) out.running.push_back(std::move(*t));
    }
    SUNDIAL_ASSIGN_OR_RETURN(auto types, ready_types_of(store, q.name));
    for (auto& type : *types) out.ready_types.emplace_back(q.name, std::move(type));
  }
  SUNDIAL_ASSIGN_OR_RETURN(out.slots, read_slot_rows(store, keys::SlotSpace::kTasks));
  // Only a key's last waiter can take folds: read those, keep the follow-ups.
  std::map<std::string_view, const SlotEntry*> last;
  for (const SlotEntry& e : out.slots) {
    if (e.state != SlotState::kQueued) continue;
    auto [it, fresh] = last.try_emplace(e.key, &e);
    if (!fresh && it->second->seq < e.seq) it->second = &e;
  }
  for (const auto& [key, e] : last) {
    SUNDIAL_ASSIGN_OR_RETURN(auto t, read_task(store, e->id));
    if (t && t->status == TaskStatus::kQueued && t->follow_up) out.follow_ups.push_back(std::move(*t));
  }
  return shared;
}

}  // namespace

TaskService::TaskService(Loop& loop, Store& store, WorkPool& pool, Runtime& runtime,
                         TaskServiceOptions options)
    : loop_(loop), store_(store), runtime_(runtime), options_(options), reads_(pool) {}

TaskService::~TaskService() = default;

std::string TaskService::new_lease() { return random_hex128(); }

// ---- Queues ------------------------------------------------------------------

TaskService::Queue& TaskService::queue_state(const std::string& name) {
  auto it = queues_.find(name);
  if (it != queues_.end()) return *it->second;
  auto q = std::make_unique<Queue>();
  q->record.name = name;
  q->record.created_at = runtime_.now();
  return *queues_.emplace(name, std::move(q)).first->second;
}

ReadyWindow& TaskService::window(Queue& q, const std::string& type, bool complete) {
  auto it = q.windows.find(type);
  if (it == q.windows.end()) {
    it = q.windows.emplace(type, std::make_unique<ReadyWindow>(options_.window, complete)).first;
  }
  return *it->second;
}

void TaskService::count(Queue& q, const TaskRecord* before, const TaskRecord& after) {
  if (before != nullptr) q.record.counts[status_slot(before->status)]--;
  q.record.counts[status_slot(after.status)]++;
  if (after.status == TaskStatus::kCompleted &&
      (before == nullptr || before->status != TaskStatus::kCompleted)) {
    TimeMs second = runtime_.now() / kSecondMs;
    if (q.completions.empty() || q.completions.back().first != second) q.completions.emplace_back(second, 0);
    q.completions.back().second++;
    std::erase_if(q.completions, [&](const auto& c) { return c.first <= second - 60; });
  }
}

void TaskService::write_queue(Queue& q, Transition& tx) {
  q.stored = true;
  tx.batch.put(Cf::kMeta, task_keys::queue_meta_key(q.record.name), encode_queue(q.record));
}

std::vector<QueueView> TaskService::queues() const {
  std::vector<QueueView> out;
  for (const auto& [name, q] : queues_) {
    if (auto v = queue(name)) out.push_back(std::move(*v));
  }
  return out;
}

std::optional<QueueView> TaskService::queue(const std::string& name) const {
  auto it = queues_.find(name);
  if (it == queues_.end() || !it->second->stored) return std::nullopt;
  const Queue& q = *it->second;
  QueueView v{q.record, 0, q.waiters.size()};
  TimeMs second = runtime_.now() / kSecondMs;
  for (const auto& [at, n] : q.completions) {
    if (at > second - 60) v.completed_last_minute += n;
  }
  return v;
}

size_t TaskService::waiting_claims() const {
  size_t n = 0;
  for (const auto& [name, q] : queues_) n += q->waiters.size();
  return n;
}

void TaskService::configure(const std::string& name, QueueSettings settings, Reply<QueueView> reply) {
  if (!accepting_) {
    return runtime_.defer(
        [reply = std::move(reply), e = unavailable()]() mutable { reply(std::unexpected(e)); });
  }
  if (settings.limit && !settings.limit->empty()) {
    Result<void> known = limiters_ != nullptr
                             ? limiters_->validate(*settings.limit)
                             : make_error(ErrorCode::kInvalidArgument, "no rate limiter is declared");
    if (!known) {
      Error e{ErrorCode::kInvalidArgument, "'limit': " + known.error().message};
      return runtime_.defer([reply = std::move(reply), e]() mutable { reply(std::unexpected(e)); });
    }
  }
  Queue& q = queue_state(name);
  if (settings.paused) q.record.paused = *settings.paused;
  if (settings.max_in_flight) q.record.max_in_flight = *settings.max_in_flight;
  if (settings.limit) {
    q.record.limit = *settings.limit;
    q.limit_warned = false;
  }
  Transition tx(runtime_.now());
  write_queue(q, tx);
  commit(std::move(tx), {}, [this, name, reply = std::move(reply)](const Result<void>& r) mutable {
    if (!r) return reply(std::unexpected(r.error()));
    auto it = queues_.find(name);
    if (it == queues_.end()) return reply(std::unexpected(unavailable()));
    serve(*it->second);
    reply(*queue(name));
  });
}

// ---- Commit ------------------------------------------------------------------

void TaskService::commit(Transition&& tx, std::vector<std::string> ids,
                         std::move_only_function<void(const Result<void>&)> then) {
  for (const auto& id : ids) commits_in_flight_[id]++;
  for (const auto& id : ids) changes_.note(id);
  uint64_t generation = generation_;
  tx.on_done.push_back(
      [this, generation, ids = std::move(ids), then = std::move(then)](const Result<void>& r) mutable {
        if (generation == generation_) {
          for (const auto& id : ids) {
            auto it = commits_in_flight_.find(id);
            if (it != commits_in_flight_.end() && --it->second == 0) {
              commits_in_flight_.erase(it);
              if (auto p = pinned_.find(id); p != pinned_.end() && !p->second.record)
                load(id);  // a read waited for it
            }
          }
        }
        then(r);
      });
  runtime_.commit_detached(std::move(tx));
}

// ---- Enqueue -----------------------------------------------------------------

void TaskService::enqueue(std::vector<TaskSpec> specs, Reply<std::vector<EnqueueResult>> reply) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (!accepting_) {
    return runtime_.defer(
        [reply = std::move(reply), e = unavailable()]() mutable { reply(std::unexpected(e)); });
  }
  std::vector<std::string> keys;
  for (const auto& s : specs) {
    if (auto k = lookup_key(s); !k.empty()) keys.push_back(std::move(k));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const auto& k : keys) {
    if (auto busy = dedupe_busy_.find(k); busy != dedupe_busy_.end()) {
      // Another enqueue is deciding this key: go after it.
      busy->second.push_back([this, specs = std::move(specs), reply = std::move(reply)]() mutable {
        enqueue(std::move(specs), std::move(reply));
      });
      return;
    }
  }
  for (const auto& k : keys) dedupe_busy_[k];
  // Which keys are held: from memory when RocksDB can say so (bloom
  // filters, memtables), else one read on the pool for all of them.
  std::vector<std::optional<std::string>> existing(specs.size());
  std::vector<size_t> uncached;
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string key = lookup_key(specs[i]);
    if (key.empty()) continue;
    auto cached = store_.get_if_cached(Cf::kTasks, key);
    if (cached && cached->state == CachedRead::kFound) existing[i] = cached->value;
    if (!cached || cached->state == CachedRead::kNotCached) uncached.push_back(i);
  }
  if (uncached.empty()) {
    return runtime_.defer([this, specs = std::move(specs), existing = std::move(existing),
                           reply = std::move(reply), generation = generation_]() mutable {
      if (generation != generation_) return reply(std::unexpected(unavailable()));
      enqueue_checked(std::move(specs), std::move(existing), std::move(reply));
    });
  }
  std::vector<std::string> lookups;
  for (size_t i : uncached) lookups.push_back(lookup_key(specs[i]));
  reads_.run(
      [&store = store_, lookups = std::move(lookups)]() -> Result<std::vector<std::optional<std::string>>> {
        std::vector<std::optional<std::string>> out;
        for (const auto& k : lookups) {
          SUNDIAL_ASSIGN_OR_RETURN(auto v, store.get(Cf::kTasks, k));
          out.push_back(std::move(v));
        }
        return out;
      },
      [this, specs = std::move(specs), existing = std::move(existing), uncached = std::move(uncached),
       reply = std::move(reply),
       generation = generation_](Result<std::vector<std::optional<std::string>>> read) mutable {
        if (generation != generation_) return reply(std::unexpected(unavailable()));
        if (!read) {
          std::vector<std::string> held;
          for (const auto& s : specs) held.push_back(lookup_key(s));
          release_dedupe(held);
          return reply(std::unexpected(read.error()));
        }
        for (size_t j = 0; j < uncached.size(); ++j) existing[uncached[j]] = std::move((*read)[j]);
        enqueue_checked(std::move(specs), std::move(existing), std::move(reply));
      });
}

void TaskService::enqueue_checked(std::vector<TaskSpec> specs,
                                  std::vector<std::optional<std::string>> existing,
                                  Reply<std::vector<EnqueueResult>> reply) {
  Transition tx(runtime_.now());
  std::vector<EnqueueResult> results;
  std::vector<std::string> keys, ids;
  std::unordered_map<std::string, std::string> claimed_in_batch;  // dedupe key → id
  std::vector<TaskRecord> made;                                   // decided, not yet encoded
  std::vector<std::pair<TaskRecord, size_t>> created;             // with its encoded size
  std::vector<std::pair<std::string, std::string>> arrived;       // (key, id) KeySlots took in
  std::unordered_map<std::string, size_t> batch_follow_ups;       // key → index in `made`
  std::map<std::string, TaskRecord> folds;                        // kept follow-up id → its next record
  for (size_t i = 0; i < specs.size(); ++i) {
    TaskSpec& s = specs[i];
    std::string stored_key = lookup_key(s);
    if (!stored_key.empty()) {
      keys.push_back(stored_key);
      // The task that holds the id or dedupe key already.
      std::optional<std::string> holder;
      TaskStatus status = TaskStatus::kPending;
      if (existing[i]) {
        holder = s.id ? *s.id : *existing[i];
        if (s.id) {
          if (auto stored = decode_task(*existing[i])) status = stored->status;
        }
      }
      if (auto b = claimed_in_batch.find(stored_key); b != claimed_in_batch.end()) holder = b->second;
      if (holder && s.id) {  // the id is taken: that task, whatever its status
        if (running_.contains(*holder) || pinned_.contains(*holder)) status = live_status(*holder);
        results.push_back(EnqueueResult{*holder, status, false});
        continue;
      }
      // A holder whose end (complete, fail, cancel) is decided and being
      // committed, ahead of this enqueue, no longer holds the key.
      if (holder && !is_task_finished(live_status(*holder))) {
        results.push_back(EnqueueResult{*holder, live_status(*holder), false});
        continue;
      }
    }
    std::string id = s.id ? *s.id : ordered_hex128(last_id_, tx.now);
    TaskRecord t = decide_enqueue(s, id, tx.now, next_seq());
    if (arrives_now(t)) {
      const ConcurrencySpec& c = *t.concurrency;
      bool busy = !slots_.can_run_now(c.key, c.limit);
      if (busy && c.on_busy == OnBusy::kDrop) {
        std::string holder = slots_.any_holder(c.key).value_or(slots_.last_waiter(c.key).value_or(""));
        results.push_back(EnqueueResult{holder, live_status(holder), false, false, true});
        continue;
      }
      bool follow_up = busy && c.on_busy == OnBusy::kCoalesce;
      if (follow_up) {
        // Into the follow-up this batch made, else the one kept in memory.
        // (A kept record is folded into a copy in `folds`, staged below.)
        const TaskRecord* target = nullptr;
        TaskRecord* made_target = nullptr;
        auto made_here = batch_follow_ups.find(c.key);
        if (made_here != batch_follow_ups.end() && slots_.last_waiter(c.key) == made[made_here->second].id) {
          target = made_target = &made[made_here->second];
        } else if (const TaskRecord* kept = foldable_follow_up(s)) {
          auto earlier = folds.find(kept->id);  // folded into already by this batch
          target = earlier != folds.end() ? &earlier->second : kept;
        }
        if (target != nullptr && takes_fold(*target, s)) {
          if (auto folded = decide_fold(*target, s.payload, tx.now)) {
            results.push_back(EnqueueResult{folded->id, TaskStatus::kQueued, false, true, false});
            if (made_target != nullptr) {
              *made_target = std::move(*folded);
            } else {
              std::string target_id = folded->id;
              folds.insert_or_assign(std::move(target_id), std::move(*folded));
            }
            continue;
          }  // its list is full: this enqueue queues a follow-up of its own
        }
      }
      arrive(t, follow_up);
      sync_slot(t);
      arrived.emplace_back(c.key, id);
      if (t.follow_up) batch_follow_ups[c.key] = made.size();
    }
    if (!stored_key.empty()) claimed_in_batch[stored_key] = id;
    results.push_back(EnqueueResult{id, t.status, true});
    ids.push_back(id);
    made.push_back(std::move(t));
  }
  // Encode everything before memory changes; if anything cannot be
  // written, the slots this batch took are given back (newest first, which
  // restores them exactly) and nothing else changed.
  auto abandon = [&](const Error& e) {
    for (auto it = arrived.rbegin(); it != arrived.rend(); ++it) slots_.forget(it->first, it->second);
    release_dedupe(keys);
    runtime_.defer([reply = std::move(reply), e]() mutable { reply(std::unexpected(e)); });
  };
  for (TaskRecord& t : made) {
    auto written = write_task_change(nullptr, t, tx);
    if (!written) return abandon(written.error());
    created.emplace_back(std::move(t), *written);
  }
  for (const auto& [id, next] : folds) {
    if (auto encodable = encode_task(next); !encodable) return abandon(encodable.error());
  }
  // Everything encoded: now change memory.
  std::set<Queue*> touched_queues;
  for (auto& [t, size] : created) {
    Queue* q = &queue_state(t.queue);
    count(*q, nullptr, t);
    touched_queues.insert(q);
  }
  for (auto& [t, size] : created) {
    if (!keeps(t, false)) continue;
    Pinned& p = pinned_[t.id];
    p.record = t;
    set_kept(p, true);
  }
  std::vector<Staged> staged_folds;
  std::set<Queue*> fold_queues;
  for (auto& [id, next] : folds) {
    auto p = pinned_.find(id);
    auto st = stage(&*p->second.record, std::move(next), tx, fold_queues);
    if (st) {
      staged_folds.push_back(std::move(*st));
      ids.push_back(id);
    }
  }
  touched_queues.insert(fold_queues.begin(), fold_queues.end());
  for (Queue* q : touched_queues) write_queue(*q, tx);
  stats_.enqueued += created.size();
  commit(std::move(tx), ids,
         [this, keys = std::move(keys), created = std::move(created), results = std::move(results),
          staged_folds = std::move(staged_folds), reply = std::move(reply),
          generation = generation_](const Result<void>& r) mutable {
           if (generation == generation_) {
             release_dedupe(keys);
             for (Staged& st : staged_folds) settle(st, r);
           }
           if (!r) return reply(std::unexpected(r.error()));
           if (generation == generation_) {
             for (auto& [t, size] : created) {
               if (is_ready(t)) became_ready(t, size);
             }
           }
           reply(std::move(results));
         });
}

// ---- Concurrency keys ---------------------------------------------------------

bool TaskService::keeps(const TaskRecord& t, bool kept_now) const {
  if (t.status != TaskStatus::kQueued) return false;
  return t.follow_up || kept_now || kept_ < options_.max_kept_waiters;
}

void TaskService::set_kept(Pinned& p, bool kept) {
  if (p.kept == kept) return;
  p.kept = kept;
  kept ? ++kept_ : --kept_;
}

TaskRecord* TaskService::foldable_follow_up(const TaskSpec& spec) {
  auto last = slots_.last_waiter(spec.concurrency->key);
  if (!last) return nullptr;
  auto p = pinned_.find(*last);
  if (p == pinned_.end() || !p->second.kept || !p->second.record) return nullptr;
  return takes_fold(*p->second.record, spec) ? &*p->second.record : nullptr;
}

void TaskService::arrive(TaskRecord& t, bool follow_up) {
  const ConcurrencySpec& c = *t.concurrency;
  if (slots_.can_run_now(c.key, c.limit)) {
    hold_slot(t, slots_.next_seq());
  } else {
    wait_for_slot(t, slots_.next_seq(), follow_up);
  }
}

void TaskService::sync_slot(const TaskRecord& t) {
  if (!t.concurrency) return;
  const std::string& key = t.concurrency->key;
  SlotState have = slots_.state(key, t.id);
  if (have == t.slot) return;
  if (t.slot == SlotState::kNone) {
    // Finished, or cancelled while it waited: the next waiters take the slot.
    for (std::string& next : slots_.forget(key, t.id)) {
      runtime_.defer([this, key, next = std::move(next), generation = generation_] {
        if (generation == generation_) admit(key, next);
      });
    }
  } else if (have == SlotState::kNone) {
    if (t.slot == SlotState::kHolding) {
      slots_.hold(key, t.id, t.concurrency->limit);
    } else {
      slots_.enqueue(key, t.id, t.slot_seq, t.concurrency->limit);
    }
  }
  // Holding while the record still says queued: its admission is on the way.
}

void TaskService::admit(const std::string& key, const std::string& id) {
  if (!accepting_) return;  // recovery restores the slots and admits again
  with_task(id, [this, key, id](Result<TaskRecord*> t) {
    if (!t) {
      if (t.error().code == ErrorCode::kNotFound) {
        for (std::string& next : slots_.forget(key, id)) admit(key, next);  // gone: the slot passes on
      } else if (accepting_) {
        spdlog::error(
            "task '{}' took a slot of concurrency key '{}' but cannot be read ({}); it stays "
            "queued until the next restart",
            id, key, t.error().to_string());
      }
      return;
    }
    TaskRecord& task = **t;
    if (task.status != TaskStatus::kQueued || slots_.state(key, id) != SlotState::kHolding) return;
    apply(&task, decide_admit(task, runtime_.now(), next_seq()), [id](Result<TaskRecord> r) {
      if (!r) spdlog::error("task '{}': its admission failed: {}", id, r.error().to_string());
    });
  });
}

TaskStatus TaskService::live_status(const std::string& id) const {
  if (running_.contains(id)) return TaskStatus::kRunning;
  if (auto p = pinned_.find(id); p != pinned_.end() && p->second.record) return p->second.record->status;
  return TaskStatus::kPending;  // not in memory: pending (or just created by this batch)
}

void TaskService::release_dedupe(const std::vector<std::string>& keys) {
  std::vector<std::move_only_function<void()>> resume;
  for (const auto& k : keys) {
    auto it = dedupe_busy_.find(k);
    if (it == dedupe_busy_.end()) continue;
    for (auto& fn : it->second) resume.push_back(std::move(fn));
    dedupe_busy_.erase(it);
  }
  for (auto& fn : resume) fn();
}

// An enqueue's key in the tasks family that may exist already: its id when
// the caller chose one (a workflow's or webhook's task), else its dedupe key.
std::string TaskService::lookup_key(const TaskSpec& s) {
  if (s.id) return *s.id;
  return s.dedupe_key.empty() ? std::string() : task_keys::dedupe_key(s.queue, s.dedupe_key);
}

// ---- Claims ------------------------------------------------------------------

void TaskService::became_ready(const TaskRecord& task, size_t bytes) {
  Queue& q = queue_state(task.queue);
  ReadyWindow& w = window(q, task.type, /*complete=*/true);
  w.add(task, bytes);
  serve(q);
}

void TaskService::scan_if_needed(Queue& q, const std::string& type, ReadyWindow& w) {
  auto scan = w.next_scan();
  if (!scan) return;
  std::string queue = q.record.name;
  reads_.run(
      [&store = store_, queue, type, s = *scan] { return read_ready(store, queue, type, s); },
      [this, queue, type, s = *scan, generation = generation_](Result<std::shared_ptr<ScanAnswer>> answer) {
        if (generation != generation_) return;
        auto qi = queues_.find(queue);
        if (qi == queues_.end()) return;
        auto wi = qi->second->windows.find(type);
        if (wi == qi->second->windows.end()) return;
        if (!answer) {
          spdlog::error("reading the ready tasks of queue '{}' failed: {}", queue,
                        answer.error().to_string());
          wi->second->scan_failed(s);
          end_loaded_claims(*qi->second);  // not served again until the next event: no retry storm
          return;
        }
        wi->second->scan_done(s, std::move((*answer)->found), (*answer)->exhausted);
        serve(*qi->second);
      });
}

std::vector<TaskRecord> TaskService::take_ready(Queue& q, uint32_t max,
                                                const std::vector<std::string>& types) {
  std::vector<TaskRecord> out;
  if (q.record.paused) return out;
  uint64_t room = max;
  if (q.record.max_in_flight) {
    room = q.running() >= q.record.max_in_flight
               ? 0
               : std::min<uint64_t>(room, q.record.max_in_flight - q.running());
  }
  auto wanted = [&](const std::string& type) {
    return types.empty() || std::find(types.begin(), types.end(), type) != types.end();
  };
  RateGate* gate = limit_gate(q);
  while (out.size() < room) {
    ReadyWindow* best = nullptr;
    for (auto& [type, w] : q.windows) {
      if (!wanted(type) || w->empty()) continue;
      if (best == nullptr || w->front_order() < best->front_order()) best = w.get();
    }
    if (best == nullptr) break;
    if (gate != nullptr && gate->try_take(1) == 0) {
      wake_when_limited(q, *gate);
      break;
    }
    out.push_back(best->pop_front());
  }
  for (auto& [type, w] : q.windows) {
    if (wanted(type)) scan_if_needed(q, type, *w);
  }
  return out;
}

RateGate* TaskService::limit_gate(Queue& q) {
  if (q.record.limit.empty() || limiters_ == nullptr) return nullptr;
  auto gate = limiters_->gate_for(q.record.limit);
  if (gate) return *gate;
  if (!std::exchange(q.limit_warned, true)) {
    spdlog::warn(
        "queue '{}' names the rate limit '{}', which cannot be used ({}): its tasks are handed out "
        "without it",
        q.record.name, q.record.limit, gate.error().message);
  }
  return nullptr;
}

void TaskService::wake_when_limited(Queue& q, RateGate& gate) {
  if (!q.limit_timer) {
    std::string name = q.record.name;
    q.limit_timer = std::make_unique<UvTimer>(loop_, [this, name] {
      if (auto qi = queues_.find(name); qi != queues_.end() && accepting_) serve(*qi->second);
    });
    q.limit_timer->set_keeps_loop_alive(false);
  }
  if (q.limit_timer->armed()) return;
  q.limit_timer->start(static_cast<uint64_t>(std::max<DurationMs>(1, gate.until_token())));
}

void TaskService::claim(ClaimRequest request, Reply<std::vector<TaskRecord>> reply) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (!accepting_) {
    return runtime_.defer(
        [reply = std::move(reply), e = unavailable()]() mutable { reply(std::unexpected(e)); });
  }
  Queue& q = queue_state(request.queue);
  // Earlier waiters go first; what none of them takes (another type) is this claim's.
  if (!q.waiters.empty()) serve(q);
  std::vector<TaskRecord> ready = take_ready(q, request.max, request.types);
  if (!ready.empty()) return lease(q, std::move(ready), request.worker, std::move(reply));
  bool until_loaded = request.wait <= 0;
  if (until_loaded && !loading(q, request.types)) {
    return runtime_.defer([reply = std::move(reply)]() mutable { reply(std::vector<TaskRecord>{}); });
  }
  DurationMs wait = std::min(until_loaded ? kLoadWaitMs : request.wait, options_.max_claim_wait);
  q.waiters.push_back(Waiter{std::move(request), std::move(reply), nullptr, until_loaded});
  auto it = std::prev(q.waiters.end());
  std::string name = q.record.name;
  it->deadline = std::make_unique<UvTimer>(loop_, [this, name, it] {
    auto qi = queues_.find(name);
    if (qi == queues_.end()) return;
    answer_waiter(it, *qi->second, {});
  });
  it->deadline->start(static_cast<uint64_t>(wait));
  serve(q);  // windows may need a scan before anything shows
}

void TaskService::answer_waiter(std::list<Waiter>::iterator it, Queue& q, std::vector<TaskRecord> tasks) {
  Waiter w = std::move(*it);
  q.waiters.erase(it);
  // Stopped now (its callback names the erased waiter); closed on a later
  // turn, since the uv timer may be the one calling.
  if (w.deadline) w.deadline->stop();
  runtime_.defer([deadline = std::move(w.deadline)]() mutable { deadline.reset(); });
  if (tasks.empty()) {
    // On a later turn, as a lease's answer comes after its commit: a reply
    // may dispatch the connection's next request (pipelined), a claim that
    // would re-enter serve() while it walks this queue's waiters.
    return runtime_.defer([reply = std::move(w.reply)]() mutable { reply(std::vector<TaskRecord>{}); });
  }
  lease(q, std::move(tasks), w.request.worker, std::move(w.reply));
}

bool TaskService::loading(const Queue& q, const std::vector<std::string>& types) const {
  for (const auto& [type, w] : q.windows) {
    bool wanted = types.empty() || std::find(types.begin(), types.end(), type) != types.end();
    if (wanted && w->empty() && w->scanning()) return true;
  }
  return false;
}

void TaskService::serve(Queue& q) {
  serve_waiters(q);
  end_loaded_claims(q);
}

void TaskService::end_loaded_claims(Queue& q) {
  // Claims that do not wait end once what they could take has been loaded.
  for (auto it = q.waiters.begin(); it != q.waiters.end();) {
    auto next = std::next(it);
    if (it->until_loaded && !loading(q, it->request.types)) answer_waiter(it, q, {});
    it = next;
  }
}

void TaskService::serve_waiters(Queue& q) {
  if (q.waiters.empty()) {
    for (auto& [type, w] : q.windows) scan_if_needed(q, type, *w);
    return;
  }
  // Claims whose client left are dropped, not served.
  for (auto it = q.waiters.begin(); it != q.waiters.end();) {
    auto next = std::next(it);
    if (it->request.client_gone && it->request.client_gone()) answer_waiter(it, q, {});
    it = next;
  }
  while (!q.waiters.empty()) {
    auto it = q.waiters.begin();
    std::vector<TaskRecord> ready = take_ready(q, it->request.max, it->request.types);
    if (ready.empty()) {
      // The first waiter may want types others do not: try the rest once.
      bool served = false;
      for (auto other = std::next(q.waiters.begin()); other != q.waiters.end(); ++other) {
        auto got = take_ready(q, other->request.max, other->request.types);
        if (!got.empty()) {
          answer_waiter(other, q, std::move(got));
          served = true;
          break;
        }
      }
      if (!served) return;
      continue;
    }
    answer_waiter(it, q, std::move(ready));
  }
}

void TaskService::lease(Queue& q, std::vector<TaskRecord> ready, const std::string& worker,
                        Reply<std::vector<TaskRecord>> reply) {
  Transition tx(runtime_.now());
  std::vector<TaskRecord> leased;
  std::vector<std::string> ids;
  for (TaskRecord& t : ready) {
    auto next = decide_claim(t, worker, new_lease(), tx.now);
    if (!next) continue;  // cannot happen for a window's task; skip rather than hand out
    if (auto w = write_task_change(&t, *next, tx); !w) {
      spdlog::error("task '{}' cannot be leased: {}", t.id, w.error().to_string());
      continue;
    }
    touched(t.id);
    count(q, &t, *next);
    ids.push_back(t.id);
    leased.push_back(std::move(*next));
  }
  for (const auto& t : leased) put_running(t);
  write_queue(q, tx);
  stats_.claimed += leased.size();
  commit(std::move(tx), ids,
         [leased = std::move(leased), reply = std::move(reply)](const Result<void>& r) mutable {
           if (!r) return reply(std::unexpected(r.error()));
           reply(std::move(leased));
         });
}

// ---- Lease calls ---------------------------------------------------------------

void TaskService::heartbeat(const std::string& id, const std::string& lease, Reply<TaskRecord> reply) {
  with_task(id, [this, lease, reply = std::move(reply)](Result<TaskRecord*> t) mutable {
    if (!t) return reply(std::unexpected(t.error()));
    apply(*t, decide_heartbeat(**t, lease, runtime_.now()), std::move(reply));
  });
}

void TaskService::complete(const std::string& id, const std::string& lease, nlohmann::json result,
                           Reply<TaskRecord> reply) {
  with_task(
      id, [this, lease, result = std::move(result), reply = std::move(reply)](Result<TaskRecord*> t) mutable {
        if (!t) return reply(std::unexpected(t.error()));
        apply(*t, decide_complete(**t, lease, std::move(result), runtime_.now()), std::move(reply));
      });
}

void TaskService::fail(const std::string& id, const std::string& lease, TaskFailure failure,
                       Reply<TaskRecord> reply) {
  with_task(id, [this, lease, failure = std::move(failure),
                 reply = std::move(reply)](Result<TaskRecord*> t) mutable {
    if (!t) return reply(std::unexpected(t.error()));
    apply(*t, decide_fail(**t, lease, failure, runtime_.now(), runtime_.jitter01(), next_seq()),
          std::move(reply));
  });
}

void TaskService::retry(const std::string& id, Reply<TaskRecord> reply) {
  with_task(id, [this, reply = std::move(reply)](Result<TaskRecord*> t) mutable {
    if (!t) return reply(std::unexpected(t.error()));
    TaskRecord& task = **t;
    // A finished task gave up its dedupe key, which a newer task may hold
    // now: the revived one runs without a key.
    TaskRecord without_key = task;
    without_key.dedupe_key.clear();
    auto next = decide_retry(without_key, runtime_.now(), next_seq());
    if (next && arrives_now(*next)) arrive(*next);  // it takes a slot again, or queues
    return apply(&task, std::move(next), std::move(reply));
  });
}

void TaskService::cancel(const std::string& id, Reply<TaskRecord> reply) {
  with_task(id, [this, reply = std::move(reply)](Result<TaskRecord*> t) mutable {
    if (!t) return reply(std::unexpected(t.error()));
    apply(*t, decide_cancel(**t, runtime_.now()), std::move(reply));
  });
}

Result<TaskService::Staged> TaskService::stage(TaskRecord* current, TaskRecord next, Transition& tx,
                                               std::set<Queue*>& queues) {
  TaskRecord before = *current;
  SUNDIAL_ASSIGN_OR_RETURN(size_t size, write_task_change(&before, next, tx));
  // Encoded: now memory changes.
  Staged st;
  st.id = before.id;
  st.size = size;
  Queue& q = queue_state(before.queue);
  count(q, &before, next);
  queues.insert(&q);
  touched(st.id);
  st.was_ready = is_ready(before);
  if (st.was_ready) {
    if (auto wi = q.windows.find(before.type); wi != q.windows.end())
      wi->second->remove(task_keys::ready_order(before));
  }
  // Statistics.
  if (before.status == TaskStatus::kRunning && next.status != TaskStatus::kRunning) {
    if (next.status == TaskStatus::kCompleted) {
      stats_.completed++;
      if (!before.attempts.empty()) {
        stats_.claim_to_complete_ms.add(
            static_cast<uint64_t>(std::max<TimeMs>(0, tx.now - before.attempts.back().started_at)));
      }
    } else {
      stats_.failed_attempts++;
    }
    if (next.status == TaskStatus::kFailed) stats_.dead++;
  }
  sync_slot(next);
  // Where the record lives in memory now.
  st.running = next.status == TaskStatus::kRunning;
  if (st.running) {
    put_running(next);
  } else {
    erase_running(st.id);
    auto& p = pinned_[st.id];
    set_kept(p, keeps(next, p.kept));
    p.record = next;
    p.busy++;
  }
  st.after = std::move(next);
  return st;
}

void TaskService::settle(Staged& st, const Result<void>& r) {
  // Ready now, unless a later command decided over this change before it
  // was durable (a cancel, then maybe a retry under a new ready order):
  // the task's latest record decides.
  bool ready = r && is_ready(st.after);
  if (!st.running) {
    if (auto p = pinned_.find(st.id); p != pinned_.end()) {
      const std::optional<TaskRecord>& latest = p->second.record;
      ready = ready && latest && is_ready(*latest) &&
              task_keys::ready_order(*latest) == task_keys::ready_order(st.after);
      p->second.busy--;
    }
    unpin_if_idle(st.id);
  }
  if (r && st.was_ready) {
    auto qi = queues_.find(st.after.queue);
    if (qi != queues_.end()) {
      if (auto wi = qi->second->windows.find(st.after.type); wi != qi->second->windows.end()) {
        wi->second->removal_committed(st.id);
      }
    }
  }
  if (ready) became_ready(st.after, st.size);
  if (r && is_task_finished(st.after.status)) notify_watchers(st.after);
}

void TaskService::apply(TaskRecord* current, Result<TaskRecord> next, Reply<TaskRecord> reply) {
  if (!next) {
    return runtime_.defer(
        [reply = std::move(reply), e = next.error()]() mutable { reply(std::unexpected(e)); });
  }
  Transition tx(runtime_.now());
  std::set<Queue*> queues;
  auto staged = stage(current, std::move(*next), tx, queues);
  if (!staged) {
    return runtime_.defer(
        [reply = std::move(reply), e = staged.error()]() mutable { reply(std::unexpected(e)); });
  }
  for (Queue* q : queues) write_queue(*q, tx);
  std::string id = staged->id;
  commit(std::move(tx), {id},
         [this, st = std::move(*staged), reply = std::move(reply),
          generation = generation_](const Result<void>& r) mutable {
           if (generation == generation_) {
             settle(st, r);
             if (r) {
               if (auto qi = queues_.find(st.after.queue); qi != queues_.end())
                 serve(*qi->second);  // a slot freed
             }
           }
           if (!r) return reply(std::unexpected(r.error()));
           reply(std::move(st.after));
         });
}

void TaskService::complete_many(std::vector<TaskCompletion> completions,
                                Reply<std::vector<Result<TaskRecord>>> reply) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  // Running tasks are all in memory: their completions are decided now,
  // into one transition (one record per task, each queue's record once).
  // Anything else (unknown, finished, being changed) goes the way of
  // complete(), which answers what a single completion would.
  struct Gather {
    std::vector<std::optional<Result<TaskRecord>>> results;
    size_t left;
    Reply<std::vector<Result<TaskRecord>>> reply;
  };
  if (completions.empty()) {
    return runtime_.defer([reply = std::move(reply)]() mutable { reply(std::vector<Result<TaskRecord>>{}); });
  }
  auto gather = std::make_shared<Gather>(Gather{{}, completions.size(), std::move(reply)});
  gather->results.resize(completions.size());
  auto answer = [gather](size_t i, Result<TaskRecord> r) {
    gather->results[i] = std::move(r);
    if (--gather->left > 0) return;
    std::vector<Result<TaskRecord>> all;
    all.reserve(gather->results.size());
    for (auto& one : gather->results) all.push_back(std::move(*one));
    gather->reply(std::move(all));
  };
  Transition tx(runtime_.now());
  std::set<Queue*> queues;
  std::vector<std::pair<size_t, Staged>> staged;
  std::vector<std::string> ids;
  std::set<std::string> seen;  // a task named twice: the later ones go the way of complete()
  for (size_t i = 0; i < completions.size(); ++i) {
    TaskCompletion& c = completions[i];
    auto it = accepting_ ? running_.find(c.id) : running_.end();
    if (it == running_.end() || !seen.insert(c.id).second) {
      complete(c.id, c.lease, std::move(c.result),
               [answer, i](Result<TaskRecord> r) { answer(i, std::move(r)); });
      continue;
    }
    auto next = decide_complete(it->second, c.lease, std::move(c.result), tx.now);
    if (!next) {
      runtime_.defer([answer, i, e = next.error()] { answer(i, std::unexpected(e)); });
      continue;
    }
    auto st = stage(&it->second, std::move(*next), tx, queues);
    if (!st) {
      runtime_.defer([answer, i, e = st.error()] { answer(i, std::unexpected(e)); });
      continue;
    }
    ids.push_back(st->id);
    staged.emplace_back(i, std::move(*st));
  }
  if (staged.empty()) return;
  for (Queue* q : queues) write_queue(*q, tx);
  commit(std::move(tx), std::move(ids),
         [this, staged = std::move(staged), answer, generation = generation_](const Result<void>& r) mutable {
           std::set<std::string> touched_queues;
           for (auto& [i, st] : staged) {
             if (generation == generation_) settle(st, r);
             touched_queues.insert(st.after.queue);
           }
           if (r && generation == generation_) {
             for (const auto& name : touched_queues) {
               if (auto qi = queues_.find(name); qi != queues_.end()) serve(*qi->second);  // slots freed
             }
           }
           for (auto& [i, st] : staged) {
             if (!r) {
               answer(i, std::unexpected(r.error()));
             } else {
               answer(i, std::move(st.after));
             }
           }
         });
}

// ---- Tasks in memory -------------------------------------------------------------

void TaskService::with_task(const std::string& id, WithTask fn) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  if (!accepting_) {
    return runtime_.defer([fn = std::move(fn), e = unavailable()]() mutable { fn(std::unexpected(e)); });
  }
  if (auto r = running_.find(id); r != running_.end()) return fn(&r->second);
  auto [it, inserted] = pinned_.try_emplace(id);
  Pinned& p = it->second;
  if (p.record && p.waiters.empty()) return fn(&*p.record);
  p.waiters.push_back(std::move(fn));
  if (inserted && !commits_in_flight_.contains(id)) load(id);
  // else: a read is under way, or starts when the commits in flight are durable
}

void TaskService::load(const std::string& id) {
  stats_.record_reads++;
  reads_.run([&store = store_, id] { return read_task(store, id); },
             [this, id, generation = generation_](Result<std::optional<TaskRecord>> read) {
               if (generation != generation_) return;
               on_loaded(id, std::move(read));
             });
}

void TaskService::on_loaded(const std::string& id, Result<std::optional<TaskRecord>> read) {
  auto it = pinned_.find(id);
  if (it == pinned_.end()) return;
  if (std::exchange(it->second.stale, false) || commits_in_flight_.contains(id)) {
    if (!commits_in_flight_.contains(id)) load(id);
    return;  // read again once what changed it is durable (commit() starts it)
  }
  auto waiters = std::move(it->second.waiters);
  it->second.waiters.clear();
  if (!read || !*read) {
    pinned_.erase(it);
    Error e = read ? not_found(id) : read.error();
    for (auto& fn : waiters) fn(std::unexpected(e));
    return;
  }
  if (running_.contains(id)) {  // claimed meanwhile: memory is the truth
    pinned_.erase(it);
    for (auto& fn : waiters) with_task(id, std::move(fn));
    return;
  }
  it->second.record = std::move(**read);
  for (auto& fn : waiters) {
    if (auto r = running_.find(id); r != running_.end()) {
      fn(&r->second);
      continue;
    }
    auto p = pinned_.find(id);
    if (p == pinned_.end() || !p->second.record) {
      with_task(id, std::move(fn));
      continue;
    }
    fn(&*p->second.record);
  }
  unpin_if_idle(id);
}

void TaskService::touched(const std::string& id) {
  if (auto it = pinned_.find(id); it != pinned_.end() && !it->second.record) it->second.stale = true;
}

void TaskService::unpin_if_idle(const std::string& id) {
  auto it = pinned_.find(id);
  if (it != pinned_.end() && it->second.record && it->second.busy == 0 && it->second.waiters.empty() &&
      !it->second.kept)
    pinned_.erase(it);
}

// ---- Queries -----------------------------------------------------------------

OldestReadyPlan TaskService::oldest_ready_plan(const std::string& queue) const {
  OldestReadyPlan plan{queue, std::nullopt, {}};
  auto qi = queues_.find(queue);
  if (qi == queues_.end()) return plan;
  // Every type with ready tasks has a window (made at enqueue, and at
  // recovery for each type the ready index holds).
  for (const auto& [type, w] : qi->second->windows) {
    if (auto held = w->oldest_held(); held && (!plan.in_memory || *held < *plan.in_memory))
      plan.in_memory = held;
    if (w->complete()) continue;
    if (w->bound()) {
      std::string past = task_keys::ready_key(queue, type, *w->bound());
      past.push_back('\0');  // the next key after it
      plan.seek_from.emplace_back(type, std::move(past));
    } else {
      plan.seek_from.emplace_back(type, task_keys::ready_prefix(queue, type));
    }
  }
  return plan;
}

Result<std::optional<TimeMs>> TaskService::oldest_ready(Store& snapshot, const OldestReadyPlan& plan) {
  const std::string& queue = plan.queue;
  std::optional<TimeMs> oldest = plan.in_memory;
  for (const auto& [type, from] : plan.seek_from) {
    std::string prefix = task_keys::ready_prefix(queue, type);
    std::string at = from;
    while (true) {  // each priority of the type: its first key is its oldest
      std::optional<task_keys::ReadyOrder> first;
      SUNDIAL_TRY(snapshot.scan(Cf::kIndex, at, prefix_successor(prefix),
                                [&](std::string_view key, std::string_view) {
                                  first = task_keys::parse_ready_key(key, prefix.size());
                                  return false;
                                }));
      if (!first) break;
      if (!oldest || first->ready_at < *oldest) oldest = first->ready_at;
      if (first->priority == kMinTaskPriority) break;
      at = task_keys::ready_priority_end(queue, type, first->priority);
    }
  }
  return oldest;
}

// ---- Workflow steps ----------------------------------------------------------

std::string TaskService::derived_task_id(std::string_view kind, std::string_view a, std::string_view b) {
  return derived_id(kind, a, b);
}

void TaskService::run_task(const StepInfo& step, const TaskSpec& given, StepDone done) {
  if (given.concurrency && given.concurrency->on_busy != OnBusy::kQueue) {
    return done(make_error(ErrorCode::kInvalidArgument,
                           "a workflow's task step waits for its own task: its concurrency.on_busy must be "
                           "\"queue\" (coalesce and drop would leave the step nothing to wait for)"));
  }
  TaskSpec spec = given;
  std::string id = workflow_task_id(run_scoped_id(step.instance_id, step.run), step.step_name);
  spec.id = id;
  spec.instance_id = step.instance_id;
  spec.dedupe_key.clear();
  with_task(id,
            [this, id, spec = std::move(spec), done = std::move(done)](Result<TaskRecord*> found) mutable {
              if (!found && found.error().code != ErrorCode::kNotFound)
                return done(std::unexpected(found.error()));
              if (!found) {  // the first run of the step: enqueue, then wait for the end
                watchers_[id].push_back(std::move(done));
                return enqueue({std::move(spec)}, [this, id](const Result<std::vector<EnqueueResult>>& r) {
                  if (!r) fail_watchers(id, r.error());
                });
              }
              TaskRecord& task = **found;
              switch (task.status) {
                case TaskStatus::kCompleted:
                  return done(task.result);
                case TaskStatus::kPending:
                case TaskStatus::kQueued:
                case TaskStatus::kRunning:
                  watchers_[id].push_back(std::move(done));
                  return;
                case TaskStatus::kFailed:
                case TaskStatus::kCancelled:
                  // The instance is being retried: so is its task.
                  watchers_[id].push_back(std::move(done));
                  return retry(id, [this, id](Result<TaskRecord> r) {
                    if (!r) fail_watchers(id, r.error());
                  });
              }
            });
}

void TaskService::notify_watchers(const TaskRecord& task) {
  auto it = watchers_.find(task.id);
  if (it == watchers_.end()) return;
  auto waiting = std::move(it->second);
  watchers_.erase(it);
  for (auto& done : waiting) {
    if (task.status == TaskStatus::kCompleted) {
      done(task.result);
    } else {
      done(make_error(ErrorCode::kStepFailed,
                      "task '" + task.id + "' on queue '" + task.queue + "' " +
                          (task.status == TaskStatus::kCancelled ? std::string("was cancelled")
                                                                 : "failed: " + task.last_error)));
    }
  }
}

void TaskService::fail_watchers(const std::string& id, const Error& error) {
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return;
  auto waiting = std::move(it->second);
  watchers_.erase(it);
  for (auto& done : waiting) done(std::unexpected(error));
}

// ---- Timers ------------------------------------------------------------------

bool TaskService::owns_timer(std::string_view timer_id) const { return task_keys::is_task_timer(timer_id); }

void TaskService::put_running(TaskRecord record) {
  auto [it, inserted] = running_.try_emplace(record.id);
  TimerService& timers = runtime_.timers();
  if (inserted || it->second.lease_expires_at != record.lease_expires_at) {
    if (!inserted) timers.remove_in_memory(it->second.lease_expires_at, task_keys::lease_timer_id(record.id));
    timers.add_in_memory(record.lease_expires_at, task_keys::lease_timer_id(record.id));
  }
  it->second = std::move(record);
}

void TaskService::erase_running(const std::string& id) {
  auto it = running_.find(id);
  if (it == running_.end()) return;
  runtime_.timers().remove_in_memory(it->second.lease_expires_at, task_keys::lease_timer_id(id));
  running_.erase(it);
}

void TaskService::on_timer(const keys::TimerKey& key) {
  if (!accepting_) return;
  std::string id(task_keys::task_of_timer(key.instance_id));
  TimeMs due = key.due;
  if (task_keys::is_stored_lease_timer(key.instance_id)) {
    // An earlier version's lease row: the in-memory timer does its work.
    Transition tx(runtime_.now());
    tx.batch.del(Cf::kTimers, keys::timer_key(due, key.instance_id));
    return commit(std::move(tx), {}, [](const Result<void>&) {});
  }
  if (task_keys::is_lease_timer(key.instance_id)) {
    // Every running task is in memory, and its timer leaves with its lease.
    auto it = running_.find(id);
    if (it == running_.end() || it->second.lease_expires_at != due) return;
    TaskRecord& task = it->second;
    auto next = decide_expire(task, due, runtime_.now(), runtime_.jitter01(), next_seq());
    if (next) stats_.lease_expiries++;
    return apply(&task, std::move(next), [id](Result<TaskRecord> r) {
      if (!r) spdlog::error("task '{}': its lease's end failed: {}", id, r.error().to_string());
    });
  }
  std::string row = key.instance_id;
  with_task(id, [this, id, due, row](Result<TaskRecord*> t) {
    if (!t) {
      if (t.error().code == ErrorCode::kNotFound) {
        Transition tx(runtime_.now());
        tx.batch.del(Cf::kTimers, keys::timer_key(due, row));
        commit(std::move(tx), {}, [](const Result<void>&) {});
      } else {
        spdlog::error("task '{}': its timer cannot read it: {}", id, t.error().to_string());
      }
      return;
    }
    TaskRecord& task = **t;
    if (task.status != TaskStatus::kPending || task.timer_due != due) return;  // stale: the timer moved
    auto next = decide_ready(task, due, next_seq());
    if (next && arrives_now(*next)) arrive(*next);  // its delay ended: it arrives under its key
    apply(&task, std::move(next), [id](Result<TaskRecord> r) {
      if (!r && r.error().code != ErrorCode::kConflict) {
        spdlog::error("task '{}': its timer's change failed: {}", id, r.error().to_string());
      }
    });
  });
}

// ---- Retention ---------------------------------------------------------------

void TaskService::watch_changes() {
  changes_.start();
  // Changes decided before the watch and durable only after the snapshot
  // (a retry in flight) count as changed too.
  for (const auto& [id, n] : commits_in_flight_) changes_.note(id);
}

void TaskService::forget_finished(std::vector<TaskRecord> planned,
                                  std::move_only_function<void(size_t)> done) {
  SUNDIAL_CHECK_LOOP_THREAD(loop_);
  // A reset (failed commit, recovery) since watch_changes() ended the
  // watch: what changed meanwhile is unknown, so nothing is deleted.
  std::optional<ChangeWatch::Changed> changed = changes_.finish();
  if (!changed) planned.clear();
  Transition tx(runtime_.now());
  std::set<Queue*> queues;
  std::vector<std::string> ids;
  for (const TaskRecord& t : planned) {
    // In memory: in use (being read, changed, or just changed). Changed
    // since the plan's snapshot: its stored keys differ; the next sweep
    // decides. Otherwise storage holds exactly what the plan read.
    if (!accepting_ || !is_task_finished(t.status) || changed->contains(t.id) || running_.contains(t.id) ||
        pinned_.contains(t.id) || commits_in_flight_.contains(t.id)) {
      continue;
    }
    tx.batch.del(Cf::kTasks, t.id);
    tx.batch.del(Cf::kIndex, task_keys::status_key(t.queue, t.status, t.created_at, t.id));
    tx.batch.del(Cf::kIndex, task_keys::finished_key(t.finished_at, t.id));
    Queue& q = queue_state(t.queue);
    uint64_t& n = q.record.counts[status_slot(t.status)];
    if (n > 0) n--;
    queues.insert(&q);
    ids.push_back(t.id);
  }
  if (ids.empty()) {
    return runtime_.defer([done = std::move(done)]() mutable {
      if (done) done(0);
    });
  }
  for (Queue* q : queues) write_queue(*q, tx);
  size_t deleted = ids.size();
  commit(std::move(tx), std::move(ids), [done = std::move(done), deleted](const Result<void>& r) mutable {
    if (!r)
      spdlog::error("retention: deleting {} finished task(s) failed: {}", deleted, r.error().to_string());
    if (done) done(r ? deleted : 0);
  });
}

// ---- Recovery ----------------------------------------------------------------

void TaskService::close() {
  accepting_ = false;
  for (auto& [name, q] : queues_) {
    auto waiters = std::move(q->waiters);
    q->waiters.clear();
    for (auto& w : waiters) w.reply(std::vector<TaskRecord>{});
  }
}

void TaskService::reset() {
  accepting_ = false;
  generation_++;
  auto queues = std::move(queues_);
  queues_.clear();
  auto pinned = std::move(pinned_);
  pinned_.clear();
  auto dedupe = std::move(dedupe_busy_);
  dedupe_busy_.clear();
  running_.clear();
  slots_.clear();
  kept_ = 0;
  commits_in_flight_.clear();
  changes_.cancel();
  watchers_.clear();  // the runtime drops its instances too and runs their steps again
  Error e = unavailable();
  for (auto& [name, q] : queues) {
    for (auto& w : q->waiters) {
      w.reply(std::unexpected(e));
      if (w.deadline) w.deadline->stop();
      runtime_.defer([deadline = std::move(w.deadline)]() mutable { deadline.reset(); });
    }
  }
  for (auto& [id, p] : pinned) {
    for (auto& fn : p.waiters) fn(std::unexpected(e));
  }
  for (auto& [key, waiting] : dedupe) {
    for (auto& fn : waiting) fn();  // they find the service not accepting
  }
}

void TaskService::recover(std::move_only_function<void(Result<void>)> done) {
  reads_.run([&store = store_] { return read_state(store); },
             [this, done = std::move(done),
              generation = generation_](Result<std::shared_ptr<Recovered>> read) mutable {
               if (generation != generation_) return done(std::unexpected(unavailable()));
               if (!read) return done(std::unexpected(read.error()));
               Recovered* state = read->get();
               for (auto& record : state->queues) {
                 Queue& q = queue_state(record.name);
                 q.record = std::move(record);
                 q.stored = true;
               }
               for (auto& t : state->running) put_running(std::move(t));
               std::unordered_map<std::string, std::string> key_of;
               for (const SlotEntry& e : state->slots) key_of.emplace(e.id, e.key);
               std::vector<std::string> admitted = slots_.restore(state->slots);
               for (auto& t : state->follow_ups) {
                 Pinned& p = pinned_[t.id];
                 set_kept(p, true);
                 p.record = std::move(t);
               }
               for (auto& [queue, type] : state->ready_types)
                 window(queue_state(queue), type, /*complete=*/false);
               accepting_ = true;
               // After a crash between a holder's end and its successor's admission.
               for (const std::string& id : admitted) admit(key_of.at(id), id);
               for (auto& [name, q] : queues_) serve(*q);
               if (!state->running.empty())
                 spdlog::info("recovered {} running task(s)", state->running.size());
               done(ok());
             });
}

}  // namespace sundial
