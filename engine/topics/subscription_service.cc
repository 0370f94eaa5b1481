#include "engine/topics/subscription_service.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "engine/codec/stored_json.h"
#include "engine/engine.h"
#include "engine/topics/subscription_action.h"

namespace sundial {

namespace {

using nlohmann::json;
namespace sj = stored_json;

constexpr std::string_view kSubscriptionPrefix = "s";
constexpr DurationMs kFirstBackoff = kSecondMs;
constexpr DurationMs kMaxBackoff = 30 * kSecondMs;

std::string subscription_key(std::string_view id) {
  return std::string(kSubscriptionPrefix) + std::string(id);
}

Error corrupt_subscription(std::string_view id, std::string_view why) {
  return Error{ErrorCode::kCorruption,
               "stored subscription '" + std::string(id) + "' cannot be decoded: " + std::string(why)};
}

}  // namespace

std::string encode_subscription(const SubscriptionRecord& r) {
  json j = {{"spec", subscription_spec_json(r.spec)},
            {"source", subscription_source_name(r.source)},
            {"owner", r.owner},
            {"cursor", r.cursor},
            {"created_at", r.created_at},
            {"delivered", r.delivered},
            {"skipped", r.skipped},
            {"failed", r.failed},
            {"missed", r.missed}};
  if (r.last_error) {
    j["last_error"] = {
        {"seq", r.last_error->seq}, {"at", r.last_error->at}, {"message", r.last_error->message}};
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<SubscriptionRecord> decode_subscription(std::string_view id, std::string_view bytes) {
  auto parsed = sj::parse_object(bytes, "subscription");
  if (!parsed) return std::unexpected(corrupt_subscription(id, parsed.error().message));
  const json& j = *parsed;
  SubscriptionRecord r;
  if (!j.contains("spec")) return std::unexpected(corrupt_subscription(id, "the spec is missing"));
  auto spec = parse_subscription_spec(j["spec"]);
  if (!spec) return std::unexpected(corrupt_subscription(id, spec.error().message));
  r.spec = std::move(*spec);
  std::string source;
  if (!sj::read(j, "source", source) || !sj::read(j, "cursor", r.cursor) ||
      !sj::read(j, "created_at", r.created_at) || !sj::read(j, "delivered", r.delivered) ||
      !sj::read(j, "skipped", r.skipped) || !sj::read(j, "failed", r.failed) ||
      !sj::read(j, "missed", r.missed)) {
    return std::unexpected(corrupt_subscription(id, "a field has the wrong type"));
  }
  auto parsed_source = parse_subscription_source(source);
  if (!parsed_source) return std::unexpected(corrupt_subscription(id, "unknown source '" + source + "'"));
  r.source = *parsed_source;
  // Written since script subscriptions (an older record has none).
  if (j.contains("owner") && !sj::read(j, "owner", r.owner)) {
    return std::unexpected(corrupt_subscription(id, "owner is not text"));
  }
  if (auto it = j.find("last_error"); it != j.end()) {
    SubscriptionRecord::LastError e;
    if (!it->is_object() || !sj::read(*it, "seq", e.seq) || !sj::read(*it, "at", e.at) ||
        !sj::read(*it, "message", e.message)) {
      return std::unexpected(corrupt_subscription(id, "last_error is malformed"));
    }
    r.last_error = std::move(e);
  }
  return r;
}

json subscription_to_json(const SubscriptionRecord& r, uint64_t lag, bool retrying) {
  json j = subscription_spec_json(r.spec);
  j["source"] = subscription_source_name(r.source);
  // As schedules show theirs: the type of the script that declares it.
  if (!r.owner.empty()) j["script"] = r.owner;
  j["cursor"] = r.cursor;
  j["lag"] = lag;
  j["retrying"] = retrying;
  j["created_at"] = r.created_at;
  j["delivered"] = r.delivered;
  j["skipped"] = r.skipped;
  j["failed"] = r.failed;
  j["missed"] = r.missed;
  if (r.last_error) {
    j["last_error"] = {
        {"seq", r.last_error->seq}, {"at", r.last_error->at}, {"message", r.last_error->message}};
  }
  return j;
}

SubscriptionService::SubscriptionService(Loop& loop, Clock& clock, Store& store, CommitQueue& commits,
                                         WorkPool& pool, TopicService& topics, Engine& engine)
    : loop_(loop), clock_(clock), store_(store), commits_(commits), topics_(topics), engine_(engine) {
  scope_.emplace(pool);
}

SubscriptionService::~SubscriptionService() { close(); }

Result<void> SubscriptionService::open() {
  std::optional<Error> bad;
  SUNDIAL_TRY(
      scan_prefix(store_, Cf::kTopics, kSubscriptionPrefix, [&](std::string_view row, std::string_view v) {
        std::string id(row.substr(kSubscriptionPrefix.size()));
        auto record = decode_subscription(id, v);
        if (!record) {
          bad = record.error();
          return false;
        }
        Sub& s = subs_[id];
        s.record = std::move(*record);
        s.generation = next_generation_++;
        return true;
      }));
  if (bad) return std::unexpected(*bad);
  return ok();
}

void SubscriptionService::start() {
  started_ = true;
  watcher_ = topics_.watch("", [this](const TopicEvent& e) {
    for (auto& [id, s] : subs_) {
      if (s.record.spec.topic == e.topic && !s.busy) pump(id);
    }
  });
  std::vector<std::string> ids;
  for (const auto& [id, s] : subs_) ids.push_back(id);
  for (const auto& id : ids) pump(id);
}

void SubscriptionService::close() {
  if (watcher_ != 0) topics_.unwatch(std::exchange(watcher_, 0));
  started_ = false;
  scope_.reset();
  for (auto& [id, s] : subs_) {
    if (s.retry) s.retry->stop();
  }
  subs_.clear();
  alive_.reset();
}

// "latest": after the last event committed (one whose commit is in flight
// comes after); a sequence number: before it, or before the oldest kept
// event when retention deleted it before the subscription existed (those
// are not its misses).
uint64_t SubscriptionService::start_cursor(const SubscriptionSpec& spec) const {
  const uint64_t last = topics_.last_published_seq(spec.topic);
  if (!spec.from) return last;
  uint64_t cursor = *spec.from == 0 ? 0 : *spec.from - 1;
  auto head = topics_.head(spec.topic);
  uint64_t kept_from = head && head->count > 0 ? head->first_seq : last + 1;
  return std::max(cursor, kept_from - 1);
}

SubscriptionService::View SubscriptionService::view_of(const Sub& s) const {
  uint64_t last = topics_.last_published_seq(s.record.spec.topic);
  return View{s.record, last > s.record.cursor ? last - s.record.cursor : 0, s.retry && s.retry->armed()};
}

std::vector<SubscriptionService::View> SubscriptionService::list() const {
  std::vector<View> out;
  out.reserve(subs_.size());
  for (const auto& [id, s] : subs_) out.push_back(view_of(s));
  return out;
}

std::optional<SubscriptionService::View> SubscriptionService::get(const std::string& id) const {
  auto it = subs_.find(id);
  if (it == subs_.end()) return std::nullopt;
  return view_of(it->second);
}

void SubscriptionService::save(const Sub& s, std::move_only_function<void(Result<void>)> done) {
  Batch batch;
  batch.put(Cf::kTopics, subscription_key(s.record.spec.id), encode_subscription(s.record));
  commits_.submit(std::move(batch),
                  [alive = std::weak_ptr<char>(alive_), done = std::move(done)](Result<void> r) mutable {
                    if (alive.expired() || !done) return;
                    done(std::move(r));
                  });
}

// ---- Delivery --------------------------------------------------------------

void SubscriptionService::pump(const std::string& id) {
  auto it = subs_.find(id);
  if (!started_ || !scope_ || it == subs_.end()) return;
  Sub& s = it->second;
  if (s.busy || !s.saved || (s.retry && s.retry->armed())) return;
  const std::string& topic = s.record.spec.topic;
  const uint64_t last = topics_.last_published_seq(topic);
  if (s.record.cursor >= last) return;
  // Events retention deleted before this subscription reached them.
  auto head = topics_.head(topic);
  uint64_t kept_from = head && head->count > 0 ? head->first_seq : last + 1;
  if (kept_from > s.record.cursor + 1) {
    uint64_t missed = kept_from - 1 - s.record.cursor;
    spdlog::warn(
        "subscription '{}': {} events of topic '{}' were deleted by retention before it reached them", id,
        missed, topic);
    s.record.missed += missed;
    s.record.cursor = kept_from - 1;
    save(s);
    if (s.record.cursor >= last) return;
  }
  s.busy = true;
  scope_->run([store = &store_, topic,
               after = s.record.cursor] { return read_topic_backlog(*store, topic, after, kReadChunk); },
              [this, id, generation = s.generation](Result<TopicBacklog> read) {
                auto found = subs_.find(id);
                if (found == subs_.end() || found->second.generation != generation) return;
                if (!read) {
                  spdlog::warn("subscription '{}': reading its topic failed: {}", id,
                               read.error().to_string());
                  found->second.busy = false;
                  return retry_later(id);
                }
                deliver(id, generation, std::move(read->events), 0);
              });
}

void SubscriptionService::deliver(const std::string& id, uint64_t generation, std::vector<TopicEvent> events,
                                  size_t next) {
  auto it = subs_.find(id);
  if (it == subs_.end() || it->second.generation != generation) return;
  Sub& s = it->second;
  size_t passed = 0;
  // Retention may trim between pump's check and the read: a jump in the
  // sequence is events this subscription never saw.
  if (next < events.size() && events[next].seq > s.record.cursor + 1) {
    uint64_t missed = events[next].seq - s.record.cursor - 1;
    spdlog::warn(
        "subscription '{}': {} events of topic '{}' were deleted by retention before it reached them", id,
        missed, s.record.spec.topic);
    s.record.missed += missed;
    ++passed;  // saved below with the cursor
  }
  while (next < events.size() && !filter_matches(s.record.spec, events[next])) {
    s.record.cursor = events[next++].seq;
    ++s.record.skipped;
    ++passed;
  }
  if (next == events.size()) {
    s.busy = false;
    if (passed > 0) save(s);
    return pump(id);
  }
  auto shared = std::make_shared<std::vector<TopicEvent>>(std::move(events));
  deliver_subscription_action(
      engine_, s.record.spec, (*shared)[next],
      [this, id, generation, shared, next,
       alive = std::weak_ptr<char>(alive_)](Result<DeliveryOutcome> r) mutable {
        if (alive.expired()) return;
        auto found = subs_.find(id);
        if (found == subs_.end() || found->second.generation != generation) return;
        Sub& sub = found->second;
        const TopicEvent& event = (*shared)[next];
        if (!r) {
          // The engine cannot take it now: this event again, later.
          sub.busy = false;
          return retry_later(id);
        }
        sub.backoff = 0;
        if (r->outcome == "failed") {
          ++sub.record.failed;
          sub.record.last_error = SubscriptionRecord::LastError{event.seq, clock_.now_ms(), r->error};
          spdlog::warn("subscription '{}': event {} of topic '{}': the {} was refused: {}", id, event.seq,
                       event.topic, subscription_action_name(sub.record.spec.kind), r->error);
        } else if (r->outcome == "skipped" || r->outcome == "dropped") {
          ++sub.record.skipped;
        } else {
          ++sub.record.delivered;
        }
        sub.record.cursor = event.seq;
        save(sub);
        deliver(id, generation, std::move(*shared), next + 1);
      });
}

void SubscriptionService::retry_later(const std::string& id) {
  Sub& s = subs_.at(id);
  s.backoff = s.backoff == 0 ? kFirstBackoff : std::min(kMaxBackoff, s.backoff * 2);
  if (!s.retry) {
    s.retry = std::make_unique<UvTimer>(loop_, [this, id] { pump(id); });
    s.retry->set_keeps_loop_alive(false);
  }
  s.retry->start(static_cast<uint64_t>(s.backoff));
}

// ---- Changes ---------------------------------------------------------------

void SubscriptionService::create(SubscriptionSpec spec, Done<Created> done) {
  if (!scope_) return;
  auto later = [this](Done<Created> d, Result<Created> r) {
    scope_->run([] {}, [d = std::move(d), r = std::move(r)]() mutable { d(std::move(r)); });
  };
  if (auto it = subs_.find(spec.id); it != subs_.end()) {
    const SubscriptionRecord& have = it->second.record;
    if (have.source == SubscriptionSource::kApi &&
        subscription_spec_json(have.spec) == subscription_spec_json(spec)) {
      return later(std::move(done), Created{view_of(it->second), false});
    }
    return later(std::move(done),
                 std::unexpected(Error{ErrorCode::kConflict,
                                       "subscription '" + spec.id + "' exists with another definition (" +
                                           std::string(subscription_source_name(have.source)) +
                                           "); delete it first"}));
  }
  if (subs_.size() >= kMaxSubscriptions) {
    return later(std::move(done), std::unexpected(Error{ErrorCode::kInvalidArgument,
                                                        "at most 10000 subscriptions may exist"}));
  }
  std::string id = spec.id;
  Sub& s = subs_[id];
  s.generation = next_generation_++;
  s.record.cursor = start_cursor(spec);
  s.record.spec = std::move(spec);
  s.record.source = SubscriptionSource::kApi;
  s.record.created_at = clock_.now_ms();
  s.saved = false;
  save(s, [this, id, generation = s.generation, done = std::move(done)](Result<void> r) mutable {
    auto it = subs_.find(id);
    if (it == subs_.end() || it->second.generation != generation) {
      return done(
          std::unexpected(Error{ErrorCode::kConflict, "subscription '" + id + "' changed meanwhile"}));
    }
    if (!r) {
      subs_.erase(it);
      return done(std::unexpected(r.error()));
    }
    it->second.saved = true;
    done(Created{view_of(it->second), true});
    pump(id);
  });
}

void SubscriptionService::remove(const std::string& id, Done<void> done) {
  if (!scope_) return;
  auto later = [this](Done<void> d, Error e) {
    scope_->run([] {}, [d = std::move(d), e = std::move(e)]() mutable { d(std::unexpected(e)); });
  };
  auto it = subs_.find(id);
  if (it == subs_.end()) {
    return later(std::move(done), Error{ErrorCode::kNotFound, "no subscription '" + id + "'"});
  }
  if (it->second.record.source != SubscriptionSource::kApi) {
    return later(std::move(done), Error{ErrorCode::kInvalidArgument,
                                        "subscription '" + id + "' is declared by the " +
                                            std::string(subscription_source_name(it->second.record.source)) +
                                            "; remove it there"});
  }
  if (it->second.retry) it->second.retry->stop();
  subs_.erase(it);  // late answers of its pump find no subscription
  Batch batch;
  batch.del(Cf::kTopics, subscription_key(id));
  commits_.submit(std::move(batch),
                  [alive = std::weak_ptr<char>(alive_), done = std::move(done)](Result<void> r) mutable {
                    if (!alive.expired()) done(std::move(r));
                  });
}

void SubscriptionService::declare(SubscriptionSource source, std::vector<SubscriptionSpec> specs,
                                  Done<void> done) {
  std::vector<Declared> declared;
  for (auto& spec : specs) declared.push_back({std::move(spec), ""});
  apply_declaration(source, std::move(declared), std::nullopt, std::move(done));
}

void SubscriptionService::declare(SubscriptionSource source, std::vector<Declared> declared, Done<void> done) {
  apply_declaration(source, std::move(declared), std::nullopt, std::move(done));
}

void SubscriptionService::declare_owned(SubscriptionSource source, const std::string& owner,
                                        std::vector<SubscriptionSpec> specs, Done<void> done) {
  std::vector<Declared> declared;
  for (auto& spec : specs) declared.push_back({std::move(spec), owner});
  apply_declaration(source, std::move(declared), owner, std::move(done));
}

void SubscriptionService::apply_declaration(SubscriptionSource source, std::vector<Declared> declared,
                                            const std::optional<std::string>& scope, Done<void> done) {
  if (!scope_) return;
  std::map<std::string, Declared> wanted;
  auto refuse = [&](Error e) {
    scope_->run([] {}, [done = std::move(done), e = std::move(e)]() mutable { done(std::unexpected(e)); });
  };
  for (auto& d : declared) {
    auto it = subs_.find(d.spec.id);
    if (it != subs_.end() && it->second.record.source != source) {
      return refuse(Error{ErrorCode::kConflict, "subscription '" + d.spec.id + "' is declared by the " +
                                                    std::string(subscription_source_name(it->second.record.source)) +
                                                    " already"});
    }
    if (it != subs_.end() && scope && it->second.record.owner != *scope) {
      return refuse(Error{ErrorCode::kConflict, "subscription '" + d.spec.id + "' is declared by '" +
                                                    it->second.record.owner + "' already"});
    }
    if (wanted.contains(d.spec.id)) {
      return refuse(Error{ErrorCode::kConflict, "subscription '" + d.spec.id + "' is declared twice (by '" +
                                                    wanted[d.spec.id].owner + "' and '" + d.owner + "')"});
    }
    std::string id = d.spec.id;
    wanted.emplace(std::move(id), std::move(d));
  }
  Batch batch;
  std::vector<std::string> changed;
  for (auto it = subs_.begin(); it != subs_.end();) {
    bool in_scope = it->second.record.source == source && (!scope || it->second.record.owner == *scope);
    if (!in_scope || wanted.contains(it->first)) {
      ++it;
      continue;
    }
    batch.del(Cf::kTopics, subscription_key(it->first));
    if (it->second.retry) it->second.retry->stop();
    it = subs_.erase(it);
  }
  for (auto& [id, d] : wanted) {
    SubscriptionSpec& spec = d.spec;
    auto it = subs_.find(id);
    if (it != subs_.end() && it->second.record.owner == d.owner &&
        subscription_spec_json(it->second.record.spec) == subscription_spec_json(spec))
      continue;
    Sub& s = subs_[id];
    bool keep_cursor = it != subs_.end() && s.record.spec.topic == spec.topic;
    if (s.retry) s.retry->stop();
    s.busy = false;
    s.backoff = 0;
    s.generation = next_generation_++;
    if (!keep_cursor) {
      s.record = SubscriptionRecord{};
      s.record.cursor = start_cursor(spec);
      s.record.created_at = clock_.now_ms();
    }
    s.record.spec = std::move(spec);
    s.record.source = source;
    s.record.owner = d.owner;
    s.saved = false;
    batch.put(Cf::kTopics, subscription_key(id), encode_subscription(s.record));
    changed.push_back(id);
  }
  commits_.submit(std::move(batch), [this, alive = std::weak_ptr<char>(alive_), changed = std::move(changed),
                                     done = std::move(done)](Result<void> r) mutable {
    if (alive.expired()) return;
    for (const auto& id : changed) {
      auto it = subs_.find(id);
      if (it == subs_.end()) continue;
      // Not durable: not delivered either (a later declare writes it again).
      if (r) {
        it->second.saved = true;
        pump(id);
      }
    }
    done(std::move(r));
  });
}

}  // namespace sundial
