#include "engine/flow/key_slots.h"

#include <algorithm>

namespace sundial {

const KeySlots::Key* KeySlots::find(std::string_view key) const {
  auto it = keys_.find(std::string(key));
  return it == keys_.end() ? nullptr : &it->second;
}

bool KeySlots::can_run_now(std::string_view key, uint32_t limit) const {
  const Key* k = find(key);
  return k == nullptr || (k->queue.empty() && k->has_room(limit));
}

SlotState KeySlots::state(std::string_view key, std::string_view id) const {
  const Key* k = find(key);
  if (k == nullptr) return SlotState::kNone;
  std::string name(id);
  if (k->holders.contains(name)) return SlotState::kHolding;
  if (k->seq_of.contains(name)) return SlotState::kQueued;
  if (!k->debouncing.empty() && k->debouncing == name) return SlotState::kDebouncing;
  return SlotState::kNone;
}

void KeySlots::hold(const std::string& key, const std::string& id, uint32_t limit) {
  Key& k = keys_[key];
  if (k.holders.emplace(id, limit).second) k.holder_limits.insert(limit);
}

void KeySlots::enqueue(const std::string& key, const std::string& id, uint64_t seq, uint32_t limit) {
  Key& k = keys_[key];
  if (k.seq_of.contains(id)) return;
  k.queue.emplace(seq, Waiter{id, limit});
  k.seq_of.emplace(id, seq);
  last_seq_ = std::max(last_seq_, seq);
}

void KeySlots::debounce(const std::string& key, const std::string& id) { keys_[key].debouncing = id; }

std::optional<std::string> KeySlots::debouncing(std::string_view key) const {
  const Key* k = find(key);
  if (k == nullptr || k->debouncing.empty()) return std::nullopt;
  return k->debouncing;
}

void KeySlots::admit(Key& k, std::vector<std::string>& admitted) {
  while (!k.queue.empty() && k.has_room(k.queue.begin()->second.limit)) {
    auto head = k.queue.begin();
    k.seq_of.erase(head->second.id);
    k.holders.emplace(head->second.id, head->second.limit);
    k.holder_limits.insert(head->second.limit);
    admitted.push_back(std::move(head->second.id));
    k.queue.erase(head);
  }
}

std::vector<std::string> KeySlots::forget(const std::string& key, const std::string& id) {
  std::vector<std::string> admitted;
  auto it = keys_.find(key);
  if (it == keys_.end()) return admitted;
  Key& k = it->second;
  if (auto holder = k.holders.find(id); holder != k.holders.end()) {
    k.holder_limits.erase(k.holder_limits.find(holder->second));
    k.holders.erase(holder);
  } else if (!k.debouncing.empty() && k.debouncing == id) {
    k.debouncing.clear();  // it held nothing and blocked nobody
    if (k.empty()) keys_.erase(it);
    return admitted;
  } else {
    auto seq = k.seq_of.find(id);
    if (seq == k.seq_of.end()) return admitted;
    k.queue.erase(seq->second);
    k.seq_of.erase(seq);
  }
  // A waiter leaving can free the head too (a head with a small limit
  // behind which a larger one waited), so admit either way.
  admit(k, admitted);
  if (k.empty()) keys_.erase(it);
  return admitted;
}

size_t KeySlots::position(std::string_view key, std::string_view id) const {
  const Key* k = find(key);
  if (k == nullptr) return 0;
  auto seq = k->seq_of.find(std::string(id));
  if (seq == k->seq_of.end()) return 0;
  return static_cast<size_t>(std::distance(k->queue.begin(), k->queue.find(seq->second))) + 1;
}

bool KeySlots::is_head(std::string_view key, std::string_view id) const {
  const Key* k = find(key);
  return k != nullptr && !k->queue.empty() && k->queue.begin()->second.id == id;
}

size_t KeySlots::waiters(std::string_view key) const {
  const Key* k = find(key);
  return k == nullptr ? 0 : k->queue.size();
}

std::optional<std::string> KeySlots::last_waiter(std::string_view key) const {
  const Key* k = find(key);
  if (k == nullptr || k->queue.empty()) return std::nullopt;
  return k->queue.rbegin()->second.id;
}

std::optional<std::string> KeySlots::any_holder(std::string_view key) const {
  const Key* k = find(key);
  if (k == nullptr || k->holders.empty()) return std::nullopt;
  return k->holders.begin()->first;
}

std::vector<std::string> KeySlots::restore(const std::vector<SlotEntry>& entries) {
  clear();
  for (const SlotEntry& e : entries) {
    if (e.state == SlotState::kHolding) {
      hold(e.key, e.id, e.limit);
    } else if (e.state == SlotState::kQueued) {
      enqueue(e.key, e.id, e.seq, e.limit);
    } else if (e.state == SlotState::kDebouncing) {
      debounce(e.key, e.id);
    }
    last_seq_ = std::max(last_seq_, e.seq);
  }
  std::vector<std::string> admitted;
  for (auto& [key, k] : keys_) admit(k, admitted);
  return admitted;
}

void KeySlots::clear() {
  keys_.clear();
  last_seq_ = 0;
}

size_t KeySlots::holder_count() const {
  size_t n = 0;
  for (const auto& [key, k] : keys_) n += k.holders.size();
  return n;
}

size_t KeySlots::waiter_count() const {
  size_t n = 0;
  for (const auto& [key, k] : keys_) n += k.queue.size();
  return n;
}

}  // namespace sundial
