#include "engine/kv/kv_service.h"

#include <spdlog/spdlog.h>

#include "engine/base/coding.h"

namespace sundial {

namespace {

Result<std::optional<KvEntry>> read_entry(Store& store, const std::string& ns, const std::string& key) {
  SUNDIAL_ASSIGN_OR_RETURN(auto bytes, store.get(Cf::kKv, kv_row_key(ns, key)));
  if (!bytes) return std::optional<KvEntry>();
  SUNDIAL_ASSIGN_OR_RETURN(KvEntry entry, decode_kv_entry(ns, key, *bytes));
  return std::optional<KvEntry>(std::move(entry));
}

bool wanted(const KvEntry& e, const KvListQuery& q) {
  if (q.deleted == KvListQuery::Deleted::kExclude && e.deleted) return false;
  if (q.deleted == KvListQuery::Deleted::kOnly && !e.deleted) return false;
  return !q.conflicted_only || e.conflicts > 0;
}

}  // namespace

Result<KvPage> list_kv_page(Store& store, const KvListQuery& q) {
  SUNDIAL_TRY(check_kv_namespace(q.ns));
  KvPage page;
  std::string prefix = kv_row_key(q.ns, q.prefix);
  std::string begin = prefix;
  if (!q.after.empty()) {
    // The row right after the cursor's: its key with a 0x00 appended.
    std::string after_row = kv_row_key(q.ns, q.after);
    after_row.push_back('\0');
    begin = std::max(begin, after_row);
  }
  std::optional<Error> bad;
  auto status =
      store.scan(Cf::kKv, begin, prefix_successor(prefix), [&](std::string_view row, std::string_view v) {
        auto key = kv_key_of_row(q.ns, row);
        if (!key) return true;  // a namespace whose name extends this one ("a" and "a.b" differ at the 0x00)
        auto entry = decode_kv_entry(q.ns, *key, v);
        if (!entry) {
          bad = entry.error();
          return false;
        }
        if (!wanted(*entry, q)) return true;
        if (page.entries.size() == q.limit) {
          page.next_cursor = page.entries.back().key;
          return false;
        }
        page.entries.push_back(std::move(*entry));
        return true;
      });
  if (!status) return std::unexpected(status.error());
  if (bad) return std::unexpected(*bad);
  return page;
}

KvService::KvService(Clock& clock, Store& store, CommitQueue& commits, WorkPool& pool)
    : clock_(clock), store_(store), commits_(commits) {
  scope_.emplace(pool);
}

void KvService::close() {
  scope_.reset();  // skips the reads not started, waits for running ones, drops their answers
  queues_.clear();
  alive_.reset();  // commits in flight answer nobody
}

void KvService::get(std::string ns, std::string key, Done<std::optional<KvEntry>> done) {
  Op op;
  op.got = std::move(done);
  submit(std::move(ns), std::move(key), std::move(op));
}

void KvService::write(KvWrite write, Done<KvWriteResult> done) {
  std::string ns = write.ns;
  std::string key = write.key;
  Op op;
  op.write = std::move(write);
  op.wrote = std::move(done);
  submit(std::move(ns), std::move(key), std::move(op));
}

void KvService::submit(std::string ns, std::string key, Op op) {
  if (!scope_) return;  // closed: dropped
  Result<void> valid = op.write ? check_kv_write(*op.write) : check_kv_namespace(ns);
  if (valid && !op.write) valid = check_kv_key(key);
  // Answers come in a later loop turn, never inside the call.
  auto refuse = [this](Op refused, Error error) {
    scope_->run([] {},
                [refused = std::move(refused), error = std::move(error)]() mutable {
                  if (refused.write) return refused.wrote(std::unexpected(error));
                  refused.got(std::unexpected(error));
                });
  };
  if (!valid) return refuse(std::move(op), valid.error());
  std::string row = kv_row_key(ns, key);
  auto& queue = queues_[row];
  if (queue.size() > kMaxWaitingPerKey) {
    return refuse(std::move(op), Error{ErrorCode::kUnavailable, "kv key '" + ns + "'/'" + key + "' has " +
                                                                    std::to_string(queue.size()) +
                                                                    " operations waiting; try again later"});
  }
  queue.push_back(std::move(op));
  if (queue.size() == 1) run_front(row);
}

void KvService::run_front(const std::string& row) {
  auto& front = queues_.at(row).front();
  std::string ns = front.write ? front.write->ns : row.substr(0, row.find('\0'));
  std::string key = row.substr(row.find('\0') + 1);
  scope_->run([store = &store_, ns, key] { return read_entry(*store, ns, key); },
              [this, row](Result<std::optional<KvEntry>> current) { decided(row, std::move(current)); });
}

void KvService::decided(const std::string& row, Result<std::optional<KvEntry>> current) {
  Op& op = queues_.at(row).front();
  if (!op.write) {
    ++stats_.reads;
    op.got(std::move(current));
    return finish_front(row);
  }
  if (!current) {
    op.wrote(std::unexpected(current.error()));
    return finish_front(row);
  }
  KvDecision d = decide_kv_write(*current, *op.write, clock_.now_ms());
  stats_.conflicts += d.result.conflict;
  stats_.replays += d.result.replayed;
  if (!d.store) {
    op.wrote(std::move(d.result));
    return finish_front(row);
  }
  Batch batch;
  batch.put(Cf::kKv, row, encode_kv_entry(*d.store));
  commits_.submit(std::move(batch), [this, alive = std::weak_ptr<char>(alive_), row,
                                     result = std::move(d.result)](Result<void> committed) mutable {
    if (alive.expired()) return;
    Op& written = queues_.at(row).front();
    if (!committed) {
      written.wrote(std::unexpected(committed.error()));
    } else {
      stats_.writes += result.ok;
      written.wrote(std::move(result));
    }
    finish_front(row);
  });
}

void KvService::finish_front(const std::string& row) {
  auto it = queues_.find(row);
  it->second.pop_front();
  if (it->second.empty()) {
    queues_.erase(it);
    return;
  }
  run_front(row);
}

}  // namespace sundial
