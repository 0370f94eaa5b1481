// KeySlots, the admission rule behind concurrency keys: unit cases, then a
// property test that drives it through 10,000 random schedules the way the
// Runtime does (starts, completions, cancels, admissions in a later turn,
// commits that become durable in order, kill -9 at any point and recovery
// from what was durable) and checks that no key ever runs more instances
// than its limit, that waiters run in arrival order and that none is left
// waiting.
#include "engine/flow/key_slots.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace sundial {
namespace {

TEST(KeySlotsTest, ArrivalsRunUntilTheLimitThenWaitInOrder) {
  KeySlots slots;
  EXPECT_TRUE(slots.can_run_now("k", 2));
  slots.hold("k", "a", 2);
  EXPECT_TRUE(slots.can_run_now("k", 2));
  slots.hold("k", "b", 2);
  EXPECT_FALSE(slots.can_run_now("k", 2));
  slots.enqueue("k", "c", slots.next_seq(), 2);
  slots.enqueue("k", "d", slots.next_seq(), 2);
  EXPECT_EQ(slots.position("k", "c"), 1u);
  EXPECT_EQ(slots.position("k", "d"), 2u);
  EXPECT_EQ(slots.last_waiter("k"), "d");
  EXPECT_TRUE(slots.is_head("k", "c"));
  EXPECT_FALSE(slots.is_head("k", "d"));
  EXPECT_EQ(slots.waiters("k"), 2u);
  EXPECT_EQ(slots.forget("k", "a"), std::vector<std::string>{"c"});
  EXPECT_EQ(slots.state("k", "c"), SlotState::kHolding);
  EXPECT_EQ(slots.position("k", "d"), 1u);
  EXPECT_TRUE(slots.can_run_now("other", 1));  // keys are independent
}

TEST(KeySlotsTest, AWaiterThatLeavesGivesUpItsPlace) {
  KeySlots slots;
  slots.hold("k", "a", 1);
  slots.enqueue("k", "b", slots.next_seq(), 1);
  slots.enqueue("k", "c", slots.next_seq(), 1);
  EXPECT_TRUE(slots.forget("k", "b").empty());
  EXPECT_EQ(slots.state("k", "b"), SlotState::kNone);
  EXPECT_EQ(slots.forget("k", "a"), std::vector<std::string>{"c"});
  EXPECT_TRUE(slots.forget("k", "c").empty());
  EXPECT_EQ(slots.key_count(), 0u);  // an idle key takes no memory
}

TEST(KeySlotsTest, ADebouncingRunHoldsNothingAndBlocksNobodyUntilItArrives) {
  KeySlots slots;
  slots.debounce("k", "burst");
  EXPECT_EQ(slots.state("k", "burst"), SlotState::kDebouncing);
  EXPECT_EQ(slots.debouncing("k"), "burst");
  EXPECT_TRUE(slots.can_run_now("k", 1));  // not a holder, not a waiter
  slots.hold("k", "a", 1);
  EXPECT_EQ(slots.waiters("k"), 0u);
  // Its quiet period ends while "a" runs: it arrives as a waiter.
  EXPECT_TRUE(slots.forget("k", "burst").empty());
  EXPECT_FALSE(slots.debouncing("k"));
  slots.enqueue("k", "burst", slots.next_seq(), 1);
  EXPECT_EQ(slots.forget("k", "a"), std::vector<std::string>{"burst"});
  EXPECT_TRUE(slots.forget("k", "burst").empty());
  EXPECT_EQ(slots.key_count(), 0u);
  // A cancelled debouncing run leaves nothing behind.
  slots.debounce("k", "next");
  EXPECT_TRUE(slots.forget("k", "next").empty());
  EXPECT_EQ(slots.key_count(), 0u);
  // Restored from its stored row.
  slots.restore({SlotEntry{"k", "again", SlotState::kDebouncing, 0, 1}});
  EXPECT_EQ(slots.debouncing("k"), "again");
}

TEST(KeySlotsTest, TheHeadWaitsForRoomUnderItsOwnLimit) {
  KeySlots slots;
  slots.hold("k", "a", 2);
  slots.hold("k", "b", 2);
  slots.enqueue("k", "one", slots.next_seq(), 1);  // wants to run alone
  slots.enqueue("k", "three", slots.next_seq(), 3);
  EXPECT_TRUE(slots.forget("k", "a").empty());  // "b" still holds: "one" may not run
  EXPECT_EQ(slots.forget("k", "b"), std::vector<std::string>{"one"});
  EXPECT_TRUE(slots.forget("k", "zzz").empty());  // unknown ids change nothing
  // "three" may not run beside "one", whose limit is 1; it runs once "one" is done.
  EXPECT_FALSE(slots.can_run_now("k", 3));
  EXPECT_EQ(slots.forget("k", "one"), std::vector<std::string>{"three"});
  // Nor does a new arrival with a larger limit crowd a holder with a smaller one.
  slots.hold("k", "x", 1);
  EXPECT_FALSE(slots.can_run_now("k", 5));
}

TEST(KeySlotsTest, RestoreAdmitsWaitersWhoseSlotFreedBeforeACrash) {
  KeySlots slots;
  std::vector<SlotEntry> stored = {
      {"k", "w2", SlotState::kQueued, 9, 1},
      {"k", "w1", SlotState::kQueued, 4, 1},
      {"busy", "h", SlotState::kHolding, 1, 1},
      {"busy", "w", SlotState::kQueued, 2, 1},
  };
  EXPECT_EQ(slots.restore(stored), std::vector<std::string>{"w1"});
  EXPECT_EQ(slots.state("k", "w2"), SlotState::kQueued);
  EXPECT_EQ(slots.state("busy", "w"), SlotState::kQueued);
  EXPECT_GT(slots.next_seq(), 9u);  // new arrivals queue behind the stored ones
}

// ---- The property test ---------------------------------------------------------

// One instance as the Runtime sees it: the record in memory, and the `C`
// row storage holds for it.
struct Instance {
  std::string key;
  uint32_t limit = 1;
  uint64_t seq = 0;
  enum Record { kQueued, kRunning, kDone } record = kQueued;
};

struct Row {
  SlotState state = SlotState::kNone;
  uint64_t seq = 0;
};

class Simulation {
 public:
  explicit Simulation(uint64_t seed) : rng_(seed) {
    size_t keys = pick(1, 3);
    for (size_t k = 0; k < keys; ++k)
      limits_["k" + std::to_string(k)] = std::array<uint32_t, 5>{1, 1, 1, 2, 3}[pick(0, 4)];
    mixed_ = pick(0, 4) == 0;  // one schedule in five: each start asks for its own limit
  }

  void run(size_t steps) {
    for (size_t i = 0; i < steps && !HasFailure(); ++i) {
      switch (pick(0, 9)) {
        case 0:
        case 1:
        case 2:
          start();
          break;
        case 3:
        case 4:
          finish_one();
          break;
        case 5:
          cancel_one();
          break;
        case 6:
        case 7:
          admit_pending();
          break;
        case 8:
          make_durable(pick(0, log_.size()));
          break;
        case 9:
          if (pick(0, 3) == 0) crash();
          break;
      }
      check();
    }
    // Let everything settle: every waiter that was acknowledged must run.
    make_durable(log_.size());
    for (int round = 0; round < 10'000 && !HasFailure(); ++round) {
      admit_pending();
      bool any = false;
      for (auto& [id, inst] : instances_) {
        if (inst.record == Instance::kRunning) {
          finish(id);
          any = true;
          break;
        }
      }
      check();
      if (!any && pending_.empty()) break;
    }
    for (const auto& [id, inst] : instances_) {
      EXPECT_EQ(inst.record, Instance::kDone) << id << " was left waiting under " << inst.key;
    }
  }

 private:
  static bool HasFailure() { return ::testing::Test::HasFailure(); }
  size_t pick(size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(rng_); }

  void commit(const std::string& id, Row row) { log_.emplace_back(id, row); }
  Row row_of(const Instance& inst) const {
    if (inst.record == Instance::kDone) return {};
    return {inst.record == Instance::kQueued ? SlotState::kQueued : SlotState::kHolding, inst.seq};
  }

  void start() {
    auto it = limits_.begin();
    std::advance(it, static_cast<long>(pick(0, limits_.size() - 1)));
    std::string id = "i" + std::to_string(next_id_++);
    Instance inst{it->first, mixed_ ? static_cast<uint32_t>(pick(1, 3)) : it->second};
    if (slots_.can_run_now(inst.key, inst.limit)) {
      slots_.hold(inst.key, id, inst.limit);
      inst.record = Instance::kRunning;
      note_admitted(inst.key, id, slots_.next_seq());
    } else {
      inst.seq = slots_.next_seq();
      slots_.enqueue(inst.key, id, inst.seq, inst.limit);
    }
    commit(id, row_of(inst));
    instances_.emplace(id, inst);
  }

  // The instance finished (completed, failed or cancelled): its slot or
  // its place goes; the admitted waiters run in a later loop turn.
  void end(const std::string& id) {
    Instance& inst = instances_.at(id);
    inst.record = Instance::kDone;
    commit(id, row_of(inst));
    for (std::string& next : slots_.forget(inst.key, id)) granted(std::move(next));
  }
  void finish(const std::string& id) { end(id); }
  void finish_one() {
    std::vector<std::string> running;
    for (const auto& [id, inst] : instances_)
      if (inst.record == Instance::kRunning) running.push_back(id);
    if (!running.empty()) end(running[pick(0, running.size() - 1)]);
  }
  void cancel_one() {
    std::vector<std::string> live;
    for (const auto& [id, inst] : instances_)
      if (inst.record != Instance::kDone) live.push_back(id);
    if (!live.empty()) end(live[pick(0, live.size() - 1)]);
  }

  // Runtime::admit: a waiter the slots moved into a slot starts running.
  void admit_pending() {
    std::vector<std::string> pending;
    pending.swap(pending_);
    for (const std::string& id : pending) {
      Instance& inst = instances_.at(id);
      if (inst.record != Instance::kQueued || slots_.state(inst.key, id) != SlotState::kHolding) continue;
      inst.record = Instance::kRunning;
      commit(id, row_of(inst));
    }
  }

  // Commits reach the disk in the order they were submitted.
  void make_durable(size_t n) {
    for (size_t i = 0; i < n && !log_.empty(); ++i) {
      auto& [id, row] = log_.front();
      if (row.state == SlotState::kNone) {
        durable_.erase(id);
      } else {
        durable_[id] = row;
      }
      log_.erase(log_.begin());
    }
  }

  // kill -9: what was not durable is gone; recovery rebuilds the slots
  // from the stored rows and admits whoever may run.
  void crash() {
    log_.clear();
    pending_.clear();
    std::map<std::string, Instance> survivors;
    std::vector<SlotEntry> entries;
    for (auto& [id, inst] : instances_) {
      auto row = durable_.find(id);
      // An instance whose start never became durable was never acknowledged.
      if (row == durable_.end()) {
        if (ever_durable_.contains(id))
          survivors.emplace(id, Instance{inst.key, inst.limit, inst.seq, Instance::kDone});
        continue;
      }
      Instance back{inst.key, inst.limit, row->second.seq,
                    row->second.state == SlotState::kQueued ? Instance::kQueued : Instance::kRunning};
      survivors.emplace(id, back);
      entries.push_back(SlotEntry{inst.key, id, row->second.state, row->second.seq, inst.limit});
    }
    instances_ = std::move(survivors);
    admitted_order_.clear();
    for (std::string& next : slots_.restore(entries)) granted(std::move(next));
  }

  // The slots moved a waiter into a slot; it runs in a later turn.
  void granted(std::string id) {
    const Instance& inst = instances_.at(id);
    note_admitted(inst.key, id, inst.seq);
    pending_.push_back(std::move(id));
  }

  void note_admitted(const std::string& key, const std::string& id, uint64_t seq) {
    (void)id;
    auto& last = admitted_order_[key];
    // Waiters start in arrival order (arrivals that ran at once get a fresh seq).
    EXPECT_GE(seq, last) << "key " << key << " admitted " << id << " out of arrival order";
    last = seq;
  }

  // No running instance runs beside more instances of its key than its
  // own limit allows, in memory or in what storage holds.
  void check() {
    for (const auto& [id, row] : durable_) ever_durable_.insert(id);
    std::map<std::string, uint32_t> running, stored_holders;
    for (const auto& [id, inst] : instances_) running[inst.key] += inst.record == Instance::kRunning;
    for (const auto& [id, row] : durable_) {
      if (row.state == SlotState::kHolding && instances_.contains(id))
        stored_holders[instances_.at(id).key]++;
    }
    for (const auto& [id, inst] : instances_) {
      if (inst.record == Instance::kRunning) {
        EXPECT_LE(running[inst.key], inst.limit) << id << " runs beside too many of key " << inst.key;
      }
      auto row = durable_.find(id);
      if (row != durable_.end() && row->second.state == SlotState::kHolding) {
        EXPECT_LE(stored_holders[inst.key], inst.limit) << "storage holds too many of key " << inst.key;
      }
    }
  }

  std::mt19937_64 rng_;
  std::map<std::string, uint32_t> limits_;
  std::map<std::string, Instance> instances_;
  std::vector<std::pair<std::string, Row>> log_;  // submitted, not yet durable
  std::map<std::string, Row> durable_;
  std::set<std::string> ever_durable_;
  std::vector<std::string> pending_;
  std::map<std::string, uint64_t> admitted_order_;
  KeySlots slots_;
  bool mixed_ = false;
  size_t next_id_ = 0;
};

TEST(KeySlotsPropertyTest, NoKeyEverRunsMoreThanItsLimitAcrossTenThousandSchedules) {
  for (uint64_t seed = 1; seed <= 10'000 && !::testing::Test::HasFailure(); ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Simulation(seed).run(60);
  }
}

}  // namespace
}  // namespace sundial
