#include "engine/topics/topic_service.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "engine/base/coding.h"

namespace sundial {

namespace {

std::string seq_bytes(uint64_t seq) {
  std::string v;
  put_u64_be(v, seq);
  return v;
}

// The sequence number at the end of an event row key of `topic`.
std::optional<uint64_t> seq_of_event_key(std::string_view topic, std::string_view row) {
  size_t prefix = 1 + topic.size() + 1;  // 'e' <topic> 0x00
  if (row.size() != prefix + 8) return std::nullopt;
  return get_u64_be(row, prefix);
}

}  // namespace

// An event row as a trim sees it.
struct TopicService::TrimRow {
  uint64_t seq = 0;
  uint64_t bytes = 0;
  TimeMs at = 0;
  std::string id;
};

Result<TopicBacklog> read_topic_backlog(Store& store, const std::string& topic, uint64_t after,
                                        size_t limit) {
  TopicBacklog backlog;
  std::optional<Error> bad;
  const std::string begin = topic_events_begin(topic);
  const std::string end = topic_events_end(topic);
  SUNDIAL_TRY(store.scan(Cf::kTopics, begin, end, [&](std::string_view row, std::string_view) {
    backlog.first_seq = seq_of_event_key(topic, row);
    return false;
  }));
  SUNDIAL_ASSIGN_OR_RETURN(auto head_bytes, store.get(Cf::kTopics, topic_head_key(topic)));
  if (head_bytes) {
    SUNDIAL_ASSIGN_OR_RETURN(TopicHead head, decode_topic_head(topic, *head_bytes));
    backlog.last_seq = head.last_seq;
  }
  if (limit == 0) return backlog;
  std::string from = topic_event_key(topic, after == UINT64_MAX ? after : after + 1);
  SUNDIAL_TRY(store.scan(Cf::kTopics, from, end, [&](std::string_view row, std::string_view value) {
    auto seq = seq_of_event_key(topic, row);
    if (!seq || *seq <= after) return true;
    auto event = decode_topic_event(topic, *seq, value);
    if (!event) {
      bad = event.error();
      return false;
    }
    backlog.events.push_back(std::move(*event));
    return backlog.events.size() < limit;
  }));
  if (bad) return std::unexpected(*bad);
  return backlog;
}

Result<std::map<std::string, TopicHead>> read_topic_heads(Store& store) {
  std::map<std::string, TopicHead> heads;
  std::optional<Error> bad;
  SUNDIAL_TRY(
      scan_prefix(store, Cf::kTopics, kTopicHeadPrefix, [&](std::string_view row, std::string_view v) {
        auto name = topic_of_head_key(row);
        if (!name) return true;
        auto head = decode_topic_head(*name, v);
        if (!head) {
          bad = head.error();
          return false;
        }
        heads.emplace(std::string(*name), *head);
        return true;
      }));
  if (bad) return std::unexpected(*bad);
  return heads;
}

TopicService::TopicService(Loop& loop, Clock& clock, Store& store, CommitQueue& commits, WorkPool& pool,
                           TopicOptions options)
    : loop_(loop),
      clock_(clock),
      store_(store),
      commits_(commits),
      options_(std::move(options)),
      age_timer_(loop, [this] { check_ages(); }) {
  scope_.emplace(pool);
  age_timer_.set_keeps_loop_alive(false);
}

TopicService::~TopicService() { close(); }

Result<void> TopicService::open() {
  SUNDIAL_ASSIGN_OR_RETURN(auto heads, read_topic_heads(store_));
  for (auto& [name, head] : heads) {
    Topic& t = topics_[name];
    t.head = head;
    t.last_published = head.last_seq;
  }
  if (options_.age_check_interval > 0) age_timer_.start(static_cast<uint64_t>(options_.age_check_interval));
  return ok();
}

void TopicService::close() {
  age_timer_.stop();
  scope_.reset();  // skips the reads not started, waits for running ones, drops their answers
  by_id_.clear();
  watchers_.clear();
  for (auto& [name, t] : topics_) t.after_trim.clear();
  alive_.reset();  // commits in flight answer nobody
}

TopicService::Topic& TopicService::topic(const std::string& name) { return topics_[name]; }

void TopicService::publish(PublishRequest request, Done<PublishResult> done) {
  if (!scope_) return;  // closed: dropped
  // Answers come in a later loop turn, never inside the call.
  auto refuse = [this](Done<PublishResult> refused, Error error) {
    scope_->run([] {}, [refused = std::move(refused),
                        error = std::move(error)]() mutable { refused(std::unexpected(error)); });
  };
  if (auto valid = check_publish(request); !valid) return refuse(std::move(done), valid.error());
  if (request.id.empty()) {
    std::vector<Done<PublishResult>> answers;
    answers.push_back(std::move(done));
    return append(std::move(request), std::move(answers), "");
  }
  std::string row = topic_id_key(request.topic, request.id);
  auto [it, fresh] = by_id_.try_emplace(row);
  if (!fresh) {
    if (it->second.waiting.size() > kMaxWaitingPerId) {
      return refuse(std::move(done),
                    Error{ErrorCode::kUnavailable, "event id '" + request.id + "' of topic '" +
                                                       request.topic + "' has too many publishes waiting"});
    }
    it->second.waiting.push_back(std::move(done));
    return;
  }
  it->second.request = std::move(request);
  it->second.waiting.push_back(std::move(done));
  look_up_id(row);
}

void TopicService::look_up_id(std::string row) {
  scope_->run(
      [store = &store_, row] { return store->get(Cf::kTopics, row); },
      [this, row](Result<std::optional<std::string>> found) {
        auto it = by_id_.find(row);
        if (it == by_id_.end()) return;
        if (found && !*found) {
          // New: commit it; later repeats keep waiting on the entry.
          return append(std::move(it->second.request), {}, row);
        }
        Publish p = std::move(it->second);
        by_id_.erase(it);
        std::optional<uint64_t> seq;
        if (found) seq = get_u64_be(**found);
        for (auto& answer : p.waiting) {
          if (!found) {
            answer(std::unexpected(found.error()));
          } else if (!seq) {
            answer(make_error(ErrorCode::kCorruption, "a stored event id row is not a sequence number"));
          } else {
            ++stats_.duplicates;
            answer(PublishResult{*seq, true, 0});
          }
        }
      });
}

void TopicService::append(PublishRequest request, std::vector<Done<PublishResult>> answers,
                          std::string id_row) {
  Topic& t = topic(request.topic);
  TopicEvent e;
  e.topic = std::move(request.topic);
  e.seq = t.head.last_seq + 1;
  e.type = std::move(request.type);
  e.data = std::move(request.data);
  e.key = std::move(request.key);
  e.id = std::move(request.id);
  e.published_at = clock_.now_ms();
  std::string value = encode_topic_event(e);
  const uint64_t bytes = value.size();

  t.head.last_seq = e.seq;
  t.head.count += 1;
  t.head.bytes += bytes;
  if (t.head.first_seq == 0) {
    t.head.first_seq = e.seq;
    t.head.first_at = e.published_at;
  }
  Batch batch;
  batch.put(Cf::kTopics, topic_event_key(e.topic, e.seq), std::move(value));
  if (!id_row.empty()) batch.put(Cf::kTopics, id_row, seq_bytes(e.seq));
  batch.put(Cf::kTopics, topic_head_key(e.topic), encode_topic_head(t.head));

  commits_.submit(std::move(batch),
                  [this, alive = std::weak_ptr<char>(alive_), e = std::move(e), bytes,
                   answers = std::move(answers), id_row = std::move(id_row)](Result<void> committed) mutable {
                    if (alive.expired()) return;
                    Topic& topic = topics_.at(e.topic);
                    if (!id_row.empty()) {
                      auto it = by_id_.find(id_row);
                      if (it != by_id_.end()) {
                        for (auto& a : it->second.waiting) answers.push_back(std::move(a));
                        by_id_.erase(it);
                      }
                    }
                    if (!committed) {
                      // Take this event back out of the counters (docs in the header).
                      topic.head.last_seq = std::min(topic.head.last_seq, e.seq - 1);
                      topic.head.count -= 1;
                      topic.head.bytes -= bytes;
                      if (topic.head.count == 0) {
                        topic.head.first_seq = 0;
                        topic.head.first_at = 0;
                      } else if (topic.head.first_seq == e.seq) {
                        // It was the oldest kept; later ones, in flight, fail after it.
                        topic.head.first_seq = e.seq + 1;
                      }
                      for (auto& answer : answers) answer(std::unexpected(committed.error()));
                      return;
                    }
                    topic.last_published = e.seq;
                    ++stats_.published;
                    published(e);
                    bool first = true;
                    for (auto& answer : answers) {
                      if (!first) ++stats_.duplicates;
                      answer(PublishResult{e.seq, !first, e.published_at});
                      first = false;
                    }
                    maybe_trim(e.topic, /*with_slack=*/true);
                  });
}

void TopicService::published(const TopicEvent& event) {
  // A watcher may unwatch (or watch) while being called: look each up again.
  std::vector<uint64_t> ids;
  for (const auto& [id, w] : watchers_) {
    if (w.first.empty() || w.first == event.topic) ids.push_back(id);
  }
  for (uint64_t id : ids) {
    auto it = watchers_.find(id);
    if (it != watchers_.end()) it->second.second(event);
  }
}

uint64_t TopicService::watch(std::string topic, Watcher fn) {
  uint64_t id = next_watcher_++;
  watchers_.emplace(id, std::make_pair(std::move(topic), std::move(fn)));
  return id;
}

void TopicService::unwatch(uint64_t id) { watchers_.erase(id); }

uint64_t TopicService::last_seq(const std::string& name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? 0 : it->second.head.last_seq;
}

uint64_t TopicService::last_published_seq(const std::string& name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? 0 : it->second.last_published;
}

std::map<std::string, TopicHead> TopicService::heads() const {
  std::map<std::string, TopicHead> out;
  for (const auto& [name, t] : topics_) {
    if (t.head.last_seq > 0) out.emplace(name, t.head);  // not one whose only publish failed
  }
  return out;
}

std::optional<TopicHead> TopicService::head(const std::string& name) const {
  auto it = topics_.find(name);
  if (it == topics_.end() || it->second.head.last_seq == 0) return std::nullopt;
  return it->second.head;
}

// ---- Retention ----------------------------------------------------------------

bool TopicService::over_bounds(const std::string& name, const Topic& t, bool with_slack) const {
  const TopicRetention r = options_.retention_of(name);
  // With slack, a topic at its bound is trimmed once per 1% of growth,
  // not once per publish.
  auto slack = [with_slack](uint64_t bound) { return with_slack ? std::max<uint64_t>(1, bound / 100) : 0; };
  if (t.head.count > r.max_events + slack(r.max_events)) return true;
  if (t.head.bytes > r.max_bytes + slack(r.max_bytes)) return true;
  return t.head.count > 0 && r.max_age > 0 && t.head.first_at < clock_.now_ms() - r.max_age;
}

void TopicService::maybe_trim(const std::string& name, bool with_slack) {
  Topic& t = topics_.at(name);
  if (!t.trimming && over_bounds(name, t, with_slack)) trim(name);
}

void TopicService::trim(const std::string& name) {
  if (!scope_) return;
  Topic& t = topics_.at(name);
  t.trimming = true;
  const uint64_t from = t.head.first_seq;
  const uint64_t to = t.last_published;  // only committed rows
  scope_->run(
      [store = &store_, name, from, to]() -> Result<std::vector<TrimRow>> {
        std::vector<TrimRow> rows;
        std::optional<Error> bad;
        SUNDIAL_TRY(
            store->scan(Cf::kTopics, topic_event_key(name, from), topic_event_key(name, to + 1),
                        [&](std::string_view row, std::string_view value) {
                          auto seq = seq_of_event_key(name, row);
                          if (!seq) return true;
                          auto e = decode_topic_event(name, *seq, value);
                          if (!e) {
                            bad = e.error();
                            return false;
                          }
                          rows.push_back(TrimRow{*seq, value.size(), e->published_at, std::move(e->id)});
                          return rows.size() < kTrimChunk;
                        }));
        if (bad) return std::unexpected(*bad);
        return rows;
      },
      [this, name](Result<std::vector<TrimRow>> rows) { trimmed(name, std::move(rows)); });
}

void TopicService::trimmed(const std::string& name, Result<std::vector<TrimRow>> rows) {
  Topic& t = topics_.at(name);
  if (!rows) {
    spdlog::warn("topic '{}': retention could not read its oldest events: {}", name,
                 rows.error().to_string());
    return finish_trim(name);
  }
  const TopicRetention r = options_.retention_of(name);
  const TimeMs too_old = r.max_age > 0 ? clock_.now_ms() - r.max_age : INT64_MIN;
  size_t n = 0;
  uint64_t bytes = 0;
  for (const TrimRow& row : *rows) {
    if (row.seq < t.head.first_seq) continue;  // deleted meanwhile
    bool over = t.head.count - n > r.max_events || t.head.bytes - bytes > r.max_bytes || row.at < too_old;
    if (!over) break;
    ++n;
    bytes += row.bytes;
  }
  // What the oldest kept event is; unknown when this chunk was all deleted
  // and more follow (the next round reads it).
  const TopicHead before = t.head;
  auto kept = std::find_if(rows->begin(), rows->end(),
                           [&](const TrimRow& row) { return row.seq >= before.first_seq; }) +
              static_cast<std::ptrdiff_t>(n);
  if (n == 0) {
    if (kept != rows->end()) t.head.first_at = kept->at;  // the age check's next answer
    return finish_trim(name);
  }
  const uint64_t last_deleted = (kept - 1)->seq;
  t.head.count -= n;
  t.head.bytes -= bytes;
  if (t.head.count == 0) {
    t.head.first_seq = 0;
    t.head.first_at = 0;
  } else {
    t.head.first_seq = kept != rows->end() ? kept->seq : last_deleted + 1;
    t.head.first_at = kept != rows->end() ? kept->at : (kept - 1)->at;
  }
  Batch batch;
  batch.delete_range(Cf::kTopics, topic_event_key(name, before.first_seq),
                     topic_event_key(name, last_deleted + 1));
  for (auto it = kept - static_cast<std::ptrdiff_t>(n); it != kept; ++it) {
    if (!it->id.empty()) batch.del(Cf::kTopics, topic_id_key(name, it->id));
  }
  batch.put(Cf::kTopics, topic_head_key(name), encode_topic_head(t.head));
  const bool more = kept == rows->end();
  commits_.submit(std::move(batch), [this, alive = std::weak_ptr<char>(alive_), name, n, bytes, before,
                                     more](Result<void> committed) {
    if (alive.expired()) return;
    Topic& topic = topics_.at(name);
    if (!committed) {
      topic.head.count += n;
      topic.head.bytes += bytes;
      topic.head.first_seq = before.first_seq;
      topic.head.first_at = before.first_at;
      return finish_trim(name);
    }
    stats_.trimmed += n;
    if (more && over_bounds(name, topic, /*with_slack=*/false)) return trim(name);
    finish_trim(name);
  });
}

void TopicService::finish_trim(const std::string& name) {
  Topic& t = topics_.at(name);
  t.trimming = false;
  for (auto& fn : std::exchange(t.after_trim, {})) fn();
}

void TopicService::trim_now(std::move_only_function<void()> done) {
  if (!scope_) return;  // closed: dropped
  auto remaining = std::make_shared<size_t>(1);
  auto shared_done = std::make_shared<std::move_only_function<void()>>(std::move(done));
  auto one_done = [remaining, shared_done] {
    if (--*remaining == 0) (*shared_done)();
  };
  for (auto& [name, t] : topics_) {
    if (!t.trimming && !over_bounds(name, t, /*with_slack=*/false)) continue;
    ++*remaining;
    t.after_trim.push_back(one_done);
    if (!t.trimming) trim(name);
  }
  scope_->run([] {}, one_done);  // answered in a later turn even when nothing needs a trim
}

void TopicService::check_ages() {
  for (auto& [name, t] : topics_) {
    const TopicRetention r = options_.retention_of(name);
    if (!t.trimming && r.max_age > 0 && t.head.count > 0 && t.head.first_at < clock_.now_ms() - r.max_age) {
      trim(name);
    }
  }
  age_timer_.start(static_cast<uint64_t>(options_.age_check_interval));
}

}  // namespace sundial
