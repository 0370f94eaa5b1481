#include "engine/tasks/task_keys.h"

#include "engine/base/coding.h"

namespace sundial::task_keys {
namespace {

constexpr char kReadyTag = 'R';
constexpr char kStatusTag = 'Q';
constexpr char kFinishedTag = 'K';
constexpr char kMarker = '%';

void put_time(std::string& out, TimeMs t) { put_u64_be(out, static_cast<uint64_t>(t < 0 ? 0 : t)); }

std::string tagged(char tag, std::string_view queue) {
  std::string k(1, tag);
  k.append(queue);
  k.push_back('\0');
  return k;
}

}  // namespace

ReadyOrder ready_order(const TaskRecord& r) { return ReadyOrder{r.priority, r.ready_at, r.ready_seq, r.id}; }

std::string ready_queue_prefix(std::string_view queue) { return tagged(kReadyTag, queue); }

std::string ready_prefix(std::string_view queue, std::string_view type) {
  std::string k = ready_queue_prefix(queue);
  k.append(type);
  k.push_back('\0');
  return k;
}

std::string ready_key(std::string_view queue, std::string_view type, const ReadyOrder& order) {
  std::string k = ready_prefix(queue, type);
  put_u32_be(k, static_cast<uint32_t>(kMaxTaskPriority - order.priority));
  put_time(k, order.ready_at);
  put_u64_be(k, order.seq);
  k.append(order.id);
  return k;
}

std::string ready_priority_end(std::string_view queue, std::string_view type, int64_t priority) {
  std::string k = ready_prefix(queue, type);
  put_u32_be(k, static_cast<uint32_t>(kMaxTaskPriority - priority) + 1);
  return k;
}

std::optional<ReadyOrder> parse_ready_key(std::string_view key, size_t prefix_len) {
  auto inverted = get_u32_be(key, prefix_len);
  auto ready_at = get_u64_be(key, prefix_len + 4);
  auto seq = get_u64_be(key, prefix_len + 12);
  if (!inverted || !ready_at || !seq || key.size() <= prefix_len + 20) return std::nullopt;
  return ReadyOrder{kMaxTaskPriority - static_cast<int64_t>(*inverted), static_cast<TimeMs>(*ready_at), *seq,
                    std::string(key.substr(prefix_len + 20))};
}

std::optional<std::string_view> ready_key_type(std::string_view key, size_t prefix_len) {
  if (key.size() <= prefix_len) return std::nullopt;
  size_t end = key.find('\0', prefix_len);
  if (end == std::string_view::npos) return std::nullopt;
  return key.substr(prefix_len, end - prefix_len);
}

std::string queue_prefix(std::string_view queue) { return tagged(kStatusTag, queue); }

std::string status_prefix(std::string_view queue, TaskStatus status) {
  std::string k = queue_prefix(queue);
  k.push_back(static_cast<char>(status));
  return k;
}

std::string status_key(std::string_view queue, TaskStatus status, TimeMs created, std::string_view id) {
  std::string k = status_prefix(queue, status);
  put_time(k, created);
  k.append(id);
  return k;
}

std::string_view status_key_id(std::string_view key, size_t prefix_len) {
  return key.size() < prefix_len + 8 ? std::string_view{} : key.substr(prefix_len + 8);
}

std::string finished_prefix() { return std::string(1, kFinishedTag); }

std::string finished_key(TimeMs finished, std::string_view id) {
  std::string k = finished_prefix();
  put_time(k, finished);
  k.append(id);
  return k;
}

std::string dedupe_key(std::string_view queue, std::string_view key) {
  std::string k{kMarker, 'd'};
  k.append(queue);
  k.push_back('\0');
  k.append(key);
  return k;
}

namespace {
constexpr char kDelayKind = 'D';
constexpr char kLeaseKind = 'E';
constexpr char kStoredLeaseKind = 'L';
bool is_kind(std::string_view timer_id, char kind) {
  return timer_id.size() > 2 && timer_id[0] == kMarker && timer_id[1] == kind;
}
}  // namespace

std::string delay_timer_id(std::string_view task_id) {
  return std::string{kMarker, kDelayKind}.append(task_id);
}
std::string lease_timer_id(std::string_view task_id) {
  return std::string{kMarker, kLeaseKind}.append(task_id);
}
bool is_task_timer(std::string_view timer_id) { return timer_id.size() > 2 && timer_id.front() == kMarker; }
bool is_delay_timer(std::string_view timer_id) { return is_kind(timer_id, kDelayKind); }
bool is_lease_timer(std::string_view timer_id) { return is_kind(timer_id, kLeaseKind); }
bool is_stored_lease_timer(std::string_view timer_id) { return is_kind(timer_id, kStoredLeaseKind); }
std::string_view task_of_timer(std::string_view timer_id) { return timer_id.substr(2); }

std::string queue_meta_prefix() { return "queue\x1f"; }
std::string queue_meta_key(std::string_view queue) { return queue_meta_prefix().append(queue); }

}  // namespace sundial::task_keys
