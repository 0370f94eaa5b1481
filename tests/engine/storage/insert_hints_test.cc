// The insert-hint prefixes of index keys (engine/storage/insert_hints.h):
// each kind of entry, built by the real key functions, is named by its tag
// and the fields before its first time, so its keys share one stream.
#include "engine/storage/insert_hints.h"

#include <gtest/gtest.h>

#include "engine/storage/keys.h"
#include "engine/tasks/task_keys.h"

namespace sundial {
namespace {

// The prefix `key` gets, as text.
std::string prefix_of(const std::string& key) {
  auto n = index_insert_hint_prefix(key);
  return n ? key.substr(0, *n) : "<none>";
}

TEST(InsertHintsTest, EachIndexKindIsItsOwnStreamUpToItsFirstTime) {
  using task_keys::ReadyOrder;
  auto ready = [](int64_t priority, TimeMs at, std::string id) {
    return task_keys::ready_key("emails", "send", ReadyOrder{priority, at, 1, std::move(id)});
  };
  // Keys of one stream differ in time and id only.
  EXPECT_EQ(prefix_of(ready(0, 5, "a")), prefix_of(ready(0, 900, "b")));
  EXPECT_EQ(prefix_of(ready(0, 5, "a")), task_keys::ready_prefix("emails", "send")) << "queue and type";
  EXPECT_EQ(prefix_of(ready(0, 5, "a")), prefix_of(ready(7, 5, "a")))
      << "priorities share a stream: there may be a million of them";
  EXPECT_NE(prefix_of(ready(0, 5, "a")),
            prefix_of(task_keys::ready_key("emails", "other", ReadyOrder{0, 5, 1, "a"})));

  auto pending = [](TimeMs created, std::string id) {
    return task_keys::status_key("emails", TaskStatus::kPending, created, id);
  };
  EXPECT_EQ(prefix_of(pending(1, "a")), prefix_of(pending(99, "z")));
  EXPECT_EQ(prefix_of(pending(1, "a")), task_keys::status_prefix("emails", TaskStatus::kPending));
  EXPECT_NE(prefix_of(pending(1, "a")),
            prefix_of(task_keys::status_key("emails", TaskStatus::kRunning, 1, "a")));
  EXPECT_EQ(prefix_of(task_keys::finished_key(5, "a")), task_keys::finished_prefix());

  EXPECT_EQ(prefix_of(keys::status_index_key(2, 5, "i")), keys::status_index_prefix(2));
  EXPECT_EQ(prefix_of(keys::type_index_key("nurture", 5, "i")), keys::type_index_prefix("nurture"));
  EXPECT_EQ(prefix_of(keys::type_status_index_key("nurture", 2, 5, "i")),
            keys::type_status_index_prefix("nurture", 2));
  EXPECT_EQ(prefix_of(keys::finished_index_key(5, "i")), keys::finished_index_prefix());
  EXPECT_EQ(prefix_of(keys::idempotency_expiry_key(5, "k")), keys::idempotency_expiry_prefix());
}

TEST(InsertHintsTest, KeysWithoutAKnownLayoutGetNoHint) {
  EXPECT_FALSE(index_insert_hint_prefix(""));
  EXPECT_FALSE(index_insert_hint_prefix("?anything"));
  EXPECT_FALSE(index_insert_hint_prefix("Remails")) << "no end to the queue name";
  EXPECT_FALSE(index_insert_hint_prefix(std::string("Remails\0send", 12))) << "no end to the type";
  auto hints = index_insert_hints();
  EXPECT_FALSE(hints->InDomain("?x"));
  EXPECT_TRUE(hints->InDomain(task_keys::finished_key(5, "a")));
}

}  // namespace
}  // namespace sundial
