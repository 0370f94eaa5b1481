#include "engine/runtime/context.h"

#include <algorithm>
#include <cstdio>

#include "engine/base/check.h"

namespace sundial {
namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

// ---- Awaiters ---------------------------------------------------------------

bool StepAwaiter::await_ready() { return ctx_.try_consume(req_); }
void StepAwaiter::await_suspend(std::coroutine_handle<> h) {
  req_.handle = h;
  ctx_.set_pending(std::move(req_));
}
nlohmann::json StepAwaiter::await_resume() { return ctx_.take_step_result(); }

bool SleepAwaiter::await_ready() { return ctx_.try_consume(req_); }
void SleepAwaiter::await_suspend(std::coroutine_handle<> h) {
  req_.handle = h;
  ctx_.set_pending(std::move(req_));
}

bool SignalAwaiter::await_ready() { return ctx_.try_consume(req_); }
void SignalAwaiter::await_suspend(std::coroutine_handle<> h) {
  req_.handle = h;
  ctx_.set_pending(std::move(req_));
}
SignalResult SignalAwaiter::await_resume() { return ctx_.take_signal_result(); }

// ---- Context ----------------------------------------------------------------

Context::Context(std::string instance_id, nlohmann::json input, std::vector<JournalEntry> journal,
                 uint32_t run)
    : instance_id_(std::move(instance_id)), input_(std::move(input)), journal_(std::move(journal)) {
  SUNDIAL_CHECK(!journal_.empty() && journal_[0].kind == EntryKind::kStarted);
  started_at_ = journal_[0].at;
  now_ = started_at_;
  rng_state_ = fnv1a(run_scoped_id(instance_id_, run));
  advance_to(1);
}

AwaitRequest Context::request(AwaitKind kind) {
  AwaitRequest req;
  req.kind = kind;
  req.origin = std::exchange(origin_, {});
  if (kind == AwaitKind::kStep) req.window = std::exchange(step_window_, nullptr);
  return req;
}

namespace {

// A step await; the caller sets which of its functions runs it.
AwaitRequest step_request(AwaitRequest req, std::string name, RetryPolicy policy) {
  req.step_name = std::move(name);
  req.policy = policy;
  return req;
}

}  // namespace

StepAwaiter Context::step(std::string name, SyncStepFn fn, RetryPolicy policy) {
  AwaitRequest req = step_request(request(AwaitKind::kStep), std::move(name), policy);
  req.step_fn = [fn](const StepInfo& info, StepDone done) { done(fn(info)); };
  req.sync_fn = std::move(fn);
  return StepAwaiter(*this, std::move(req));
}

StepAwaiter Context::step_async(std::string name, AsyncStepFn fn, RetryPolicy policy) {
  AwaitRequest req = step_request(request(AwaitKind::kStep), std::move(name), policy);
  req.step_fn = std::move(fn);
  return StepAwaiter(*this, std::move(req));
}

StepAwaiter Context::task(std::string name, TaskSpec spec) {
  AsyncStepFn fn = [runner = task_runner_, spec = std::move(spec)](const StepInfo& info, StepDone done) {
    if (!runner) return done(make_error(ErrorCode::kStepFailed, "task queues are not available here"));
    runner(info, spec, std::move(done));
  };
  // One attempt: the task's own attempts and backoff are the retries.
  RetryPolicy once;
  once.max_attempts = 1;
  return step_async(std::move(name), std::move(fn), once);
}

AsyncStepFn Context::command_fn(InstanceCommand cmd) const {
  return [runner = command_runner_, cmd = std::move(cmd)](const StepInfo& info, StepDone done) {
    if (!runner)
      return done(make_error(ErrorCode::kStepFailed, "commands to other instances are not available here"));
    runner(info, cmd, std::move(done));
  };
}

StepAwaiter Context::start_child(std::string name, ChildStart spec) {
  return step_async(std::move(name), command_fn(std::move(spec)));
}

StepAwaiter Context::signal(std::string name, SignalOut signal) {
  return step_async(std::move(name), command_fn(std::move(signal)));
}

StepAwaiter Context::step_blocking(std::string name, SyncStepFn fn, RetryPolicy policy) {
  AwaitRequest req = step_request(request(AwaitKind::kStep), std::move(name), policy);
  req.blocking_fn = std::move(fn);
  return StepAwaiter(*this, std::move(req));
}

SleepAwaiter Context::sleep_for(DurationMs d) {
  AwaitRequest req = request(AwaitKind::kSleep);
  req.sleep_until = now_ + std::max<DurationMs>(0, d);
  return SleepAwaiter(*this, std::move(req));
}

SleepAwaiter Context::sleep_until(TimeMs t) {
  AwaitRequest req = request(AwaitKind::kSleep);
  req.sleep_until = shifted(t);
  return SleepAwaiter(*this, std::move(req));
}

SignalAwaiter Context::wait_signal(std::string name, std::optional<DurationMs> timeout) {
  return wait_any({std::move(name)}, timeout);
}

SignalAwaiter Context::wait_any(std::vector<std::string> names, std::optional<DurationMs> timeout) {
  AwaitRequest req = request(AwaitKind::kSignal);
  req.signals = std::move(names);
  req.timeout = timeout;
  return SignalAwaiter(*this, std::move(req));
}

SignalAwaiter Context::wait_any_until(std::vector<std::string> names, TimeMs t) {
  AwaitRequest req = request(AwaitKind::kSignal);
  req.signals = std::move(names);
  req.deadline = shifted(t);
  return SignalAwaiter(*this, std::move(req));
}

bool Context::has_signal(std::string_view name) const {
  for (size_t i = 0; i < pos_; ++i) {
    if (journal_[i].kind == EntryKind::kSignalReceived && journal_[i].name == name) return true;
  }
  return false;
}

bool Context::patched(std::string_view change_id) {
  if (auto it = patches_.find(change_id); it != patches_.end()) return it->second;
  // A marker journaled at this point sits between the workflow's position
  // and its next outcome (after a pause, a `resumed` entry may precede it).
  std::optional<size_t> next = next_outcome();
  size_t end = next.value_or(journal_.size());
  bool answer = false;
  for (size_t i = pos_; i < end && !answer; ++i) {
    answer = journal_[i].kind == EntryKind::kPatch && journal_[i].name == change_id;
  }
  if (!answer && !next && !await_registered_ && !failure_) {
    // Past the end of the history: this is new code; remember the choice.
    JournalEntry marker;
    marker.kind = EntryKind::kPatch;
    marker.name = std::string(change_id);
    markers_.push_back(std::move(marker));
    answer = true;
  }
  patches_.emplace(std::string(change_id), answer);
  return answer;
}

uint64_t Context::random_u64() {
  // splitmix64: a fixed sequence per instance, identical on every replay.
  uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double Context::random01() { return static_cast<double>(random_u64() >> 11) * 0x1.0p-53; }

std::string Context::uuid() {
  uint64_t hi = random_u64();
  uint64_t lo = random_u64();
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffull));
  return buf;
}

void Context::append(const JournalEntry& entry) {
  SUNDIAL_CHECK(entry.seq == journal_.size());
  journal_.push_back(entry);
}

void Context::advance_to(size_t end) {
  for (; pos_ < end; ++pos_) {
    const JournalEntry& e = journal_[pos_];
    shift_ += e.shift_ms;  // resumed or retried with policy shift
  }
}

TimeMs Context::shifted(TimeMs t) const {
  DurationMs shift = shift_;
  for (size_t i = pos_; i < journal_.size() && !journal_[i].is_outcome(); ++i) {
    shift += journal_[i].shift_ms;
  }
  return t + shift;
}

std::optional<size_t> Context::next_outcome() const {
  for (size_t i = pos_; i < journal_.size(); ++i) {
    if (journal_[i].is_outcome()) return i;
  }
  return std::nullopt;
}

bool Context::has_unconsumed_outcomes() const { return next_outcome().has_value(); }

bool Context::consume_inbox(const AwaitRequest& req) {
  for (size_t i = 0; i < pos_; ++i) {
    const JournalEntry& e = journal_[i];
    if (e.kind == EntryKind::kSignalReceived && !e.delivered && contains(req.signals, e.name) &&
        !consumed_signals_.contains(e.seq)) {
      consumed_signals_.insert(e.seq);
      signal_result_ = SignalResult{false, e.name, e.data};
      return true;
    }
  }
  return false;
}

std::optional<uint32_t> Context::late_signal_for(const std::vector<std::string>& names) const {
  for (size_t i = pos_; i < journal_.size(); ++i) {
    const JournalEntry& e = journal_[i];
    if (e.kind == EntryKind::kSignalReceived && !e.delivered && contains(names, e.name) &&
        !consumed_signals_.contains(e.seq)) {
      bool delivered_later = false;
      for (size_t j = i + 1; j < journal_.size(); ++j) {
        if (journal_[j].kind == EntryKind::kSignalDelivered && journal_[j].ref_seq == e.seq) {
          delivered_later = true;
        }
      }
      if (!delivered_later) return e.seq;
    }
  }
  return std::nullopt;
}

bool Context::try_consume(const AwaitRequest& req) {
  if (failure_) return false;
  if (req.kind == AwaitKind::kSignal && consume_inbox(req)) return true;
  auto index = next_outcome();
  if (!index) return false;
  const JournalEntry& e = journal_[*index];
  switch (req.kind) {
    case AwaitKind::kStep:
      if ((e.kind != EntryKind::kStepCompleted && e.kind != EntryKind::kStepSkipped) || e.name != req.step_name) {
        diverged(req, e);
        return false;
      }
      step_result_ = e.data;
      break;
    case AwaitKind::kSleep:
      if (e.kind != EntryKind::kTimerFired) {
        diverged(req, e);
        return false;
      }
      break;
    case AwaitKind::kSignal:
      if (e.kind == EntryKind::kTimerFired && (req.timeout || req.deadline)) {
        signal_result_ = SignalResult{true, {}, nullptr};
      } else if (e.kind == EntryKind::kSignalReceived && contains(req.signals, e.name)) {
        consumed_signals_.insert(e.seq);
        signal_result_ = SignalResult{false, e.name, e.data};
      } else if (e.kind == EntryKind::kSignalDelivered && e.ref_seq < journal_.size() &&
                 contains(req.signals, journal_[e.ref_seq].name)) {
        consumed_signals_.insert(e.ref_seq);
        signal_result_ = SignalResult{false, journal_[e.ref_seq].name, journal_[e.ref_seq].data};
      } else {
        diverged(req, e);
        return false;
      }
      break;
    case AwaitKind::kNone:
      diverged(req, e);
      return false;
  }
  advance_to(*index + 1);
  now_ = e.at;
  return true;
}

namespace {

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// Said after every divergence.
constexpr const char* kDivergenceHint =
    "; the workflow's code changed under a running instance (use ctx.patched() for changes that "
    "running instances must pick up) or is not deterministic (take time, randomness and anything "
    "from outside from ctx and steps)";

}  // namespace

std::string describe_request(const AwaitRequest& req) {
  switch (req.kind) {
    case AwaitKind::kStep:
      return "step " + in_quotes(req.step_name);
    case AwaitKind::kSleep:
      return "sleep";
    case AwaitKind::kSignal: {
      std::string out = req.signals.size() == 1 ? "wait for signal" : "wait for signals";
      for (size_t i = 0; i < req.signals.size(); ++i) out += (i ? ", " : " ") + in_quotes(req.signals[i]);
      return out;
    }
    case AwaitKind::kNone:
      break;
  }
  return "nothing";
}

std::string Context::describe_entry(const JournalEntry& e) const {
  std::string out(entry_kind_name(e.kind));
  std::string name = e.name;
  if (e.kind == EntryKind::kSignalDelivered && e.ref_seq < journal_.size()) name = journal_[e.ref_seq].name;
  if (!name.empty()) out += " " + in_quotes(name);
  return out;
}

void Context::diverged(const AwaitRequest& req, const JournalEntry& found) {
  std::string where = req.origin.empty() ? std::string() : req.origin + ": ";
  failure_ =
      Error{ErrorCode::kNonDeterminism, where + describe_request(req) + " does not match journal entry #" +
                                            std::to_string(found.seq) + " (" + describe_entry(found) +
                                            ") of instance '" + instance_id_ + "'" + kDivergenceHint};
}

std::optional<Error> Context::unconsumed_error() const {
  auto index = next_outcome();
  if (!index) return std::nullopt;
  const JournalEntry& e = journal_[*index];
  return Error{ErrorCode::kNonDeterminism, "the workflow finished but journal entry #" +
                                               std::to_string(e.seq) + " (" + describe_entry(e) +
                                               ") of instance '" + instance_id_ + "' was not replayed" +
                                               kDivergenceHint};
}

}  // namespace sundial
