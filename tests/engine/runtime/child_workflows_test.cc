// Child workflows and signals between instances (Context::start_child,
// Context::signal) through the engine, on RocksDB with a ManualClock: a
// parent starts children under derived ids, is told of each one's end
// (the signal "child:<id>", from the outbox) and gathers their results in
// order, across restarts; a workflow signals another instance.
#include <gtest/gtest.h>

#include "engine/base/coding.h"
#include "engine/runtime/outbox.h"
#include "engine/storage/rocksdb_store.h"
#include "tests/engine/flow/flow_fixture.h"

namespace sundial {
namespace {

class ChildWorkflowsTest : public testing::FlowTest {
 protected:
  // The data directory's store, with the engine closed.
  std::unique_ptr<Store> open_store() {
    h.close();
    RocksDbOptions storage = h.options.storage;
    storage.path = h.options.data_dir;
    auto store = RocksDbStore::open(storage);
    EXPECT_TRUE(store) << store.error().to_string();
    return store ? std::move(*store) : nullptr;
  }
  size_t rows(Store& store, const std::string& prefix) {
    size_t n = 0;
    EXPECT_TRUE(
        store.scan(Cf::kIndex, prefix, prefix_successor(prefix), [&](std::string_view, std::string_view) {
          ++n;
          return true;
        }));
    return n;
  }
};

TEST_F(ChildWorkflowsTest, AParentGathersItsChildrensEndsInOrder) {
  ASSERT_TRUE(h.start("test.parent", "p", {{"children", 2}}));
  EXPECT_EQ(h.status("p"), InstanceStatus::kWaiting);
  auto first = h.describe("p.start-1");
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(first->parent_id, "p");
  EXPECT_EQ(first->status, InstanceStatus::kWaiting);
  ASSERT_TRUE(h.describe("p.start-2"));
  // The second ends first: the parent waits for the first all the same.
  ASSERT_TRUE(h.signal("p.start-2", "stop"));
  EXPECT_EQ(h.status("p.start-2"), InstanceStatus::kCompleted);
  EXPECT_EQ(h.status("p"), InstanceStatus::kWaiting);
  h.reopen();
  ASSERT_TRUE(h.signal("p.start-1", "go"));
  auto parent = h.describe("p");
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->status, InstanceStatus::kCompleted) << parent->last_error;
  ASSERT_EQ(parent->result.size(), 2u) << parent->result.dump();
  EXPECT_EQ(parent->result[0]["instance_id"], "p.start-1");
  EXPECT_EQ(parent->result[0]["status"], "completed");
  EXPECT_EQ(parent->result[1]["instance_id"], "p.start-2");
  EXPECT_EQ(log.count("p.start-1", "after-go"), 1u);
}

TEST_F(ChildWorkflowsTest, ANoticeLeftInTheOutboxIsDeliveredAtRecovery) {
  ASSERT_TRUE(h.start("test.parent", "p", {{"children", 1}}));
  ASSERT_TRUE(h.signal("p.start-1", "go"));
  ASSERT_EQ(h.status("p"), InstanceStatus::kCompleted);
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_EQ(rows(*store, keys::notice_prefix()), 0u) << "a delivered notice stays in the outbox";
    EXPECT_EQ(rows(*store, keys::child_prefix("p")), 1u);
  }
  h.open();
  // A kill -9 after a child's end was committed and before its notice was
  // delivered leaves the row: recovery delivers it.
  ASSERT_TRUE(h.start("test.parent", "q", {{"children", 1}}));
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    InstanceRecord child;
    child.id = "q.start-1";
    child.parent_id = "q";
    child.status = InstanceStatus::kCompleted;
    child.result = "from the outbox";
    Batch batch;
    batch.put(Cf::kIndex, keys::notice_key(child.id, 1, 7, 's'), encode_notice(child_done_notice(child)));
    const Batch* batches[] = {&batch};
    ASSERT_TRUE(store->write(batches));
  }
  h.open();
  auto parent = h.describe("q");
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->status, InstanceStatus::kCompleted) << parent->last_error;
  EXPECT_EQ(parent->result[0]["result"], "from the outbox");
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_EQ(rows(*store, keys::notice_prefix()), 0u);
}

TEST_F(ChildWorkflowsTest, CancellingAParentCancelsItsAttachedChildren) {
  ASSERT_TRUE(h.start("test.parent", "p", {{"children", 3}}));
  ASSERT_TRUE(h.signal("p.start-3", "go"));  // ended before the cancel: untouched
  ASSERT_TRUE(h.start("test.parent", "free", {{"detached", true}}));
  ASSERT_TRUE(h.cancel("p", "the objective was deleted"));
  for (const char* child : {"p.start-1", "p.start-2"}) {
    auto c = h.describe(child);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->status, InstanceStatus::kCancelled) << child;
    EXPECT_EQ(c->cancel_reason, "parent 'p' was cancelled: the objective was deleted");
  }
  EXPECT_EQ(h.status("p.start-3"), InstanceStatus::kCompleted);
  EXPECT_EQ(h.status("free.start-1"), InstanceStatus::kWaiting);
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_EQ(rows(*store, keys::notice_prefix()), 0u) << "a delivered notice stays in the outbox";
  EXPECT_EQ(rows(*store, keys::child_prefix("free")), 0u) << "a detached child is listed under its parent";
}

TEST_F(ChildWorkflowsTest, AFailedChildIsReportedWithItsError) {
  log.failures["call"] = {10, ErrorCode::kStepFailed};
  ASSERT_TRUE(h.start("test.parent", "p", {{"child_type", "test.flaky"}}));
  auto parent = h.describe("p");
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->status, InstanceStatus::kCompleted) << parent->last_error;
  ASSERT_EQ(parent->result.size(), 1u);
  EXPECT_EQ(parent->result[0]["status"], "failed");
  EXPECT_NE(parent->result[0]["error"].get<std::string>().find("injected failure"), std::string::npos);
}

TEST_F(ChildWorkflowsTest, AnUnknownChildTypeFailsTheParentsStep) {
  ASSERT_TRUE(h.start("test.parent", "p", {{"child_type", "no.such.type"}}));
  auto parent = h.describe("p");
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->status, InstanceStatus::kFailed);
  EXPECT_NE(parent->last_error.find("not registered"), std::string::npos) << parent->last_error;
}

TEST_F(ChildWorkflowsTest, AChildIdTakenByAnotherInstanceFailsTheStepInsteadOfWaitingForever) {
  ASSERT_TRUE(h.start("test.wait", "someone-else", nullptr));
  ASSERT_TRUE(h.start("test.parent", "p", {{"child_id", "someone-else"}}));
  auto parent = h.describe("p");
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->status, InstanceStatus::kFailed);
  EXPECT_NE(parent->last_error.find("is not a child of 'p'"), std::string::npos) << parent->last_error;
  // Its own explicit id is fine.
  ASSERT_TRUE(h.start("test.parent", "q", {{"child_id", "q-child"}}));
  EXPECT_EQ(h.status("q"), InstanceStatus::kWaiting);
  ASSERT_TRUE(h.signal("q-child", "go"));
  EXPECT_EQ(h.status("q"), InstanceStatus::kCompleted);
}

TEST_F(ChildWorkflowsTest, ADetachedChildSendsNoNotice) {
  ASSERT_TRUE(h.start("test.parent", "p", {{"detached", true}}));
  EXPECT_EQ(h.status("p"), InstanceStatus::kCompleted);
  ASSERT_TRUE(h.signal("p.start-1", "go"));
  EXPECT_EQ(h.status("p.start-1"), InstanceStatus::kCompleted);
  EXPECT_EQ(count("p", EntryKind::kSignalReceived), 0u);
}

TEST_F(ChildWorkflowsTest, AWorkflowSignalsAnotherInstanceOnce) {
  ASSERT_TRUE(h.start("test.wait", "target", nlohmann::json::object()));
  ASSERT_TRUE(h.start("test.signaller", "s", {{"target", "target"}}));
  EXPECT_EQ(h.status("s"), InstanceStatus::kCompleted);
  EXPECT_EQ(h.describe("s")->result["instance_id"], "target");
  EXPECT_EQ(h.status("target"), InstanceStatus::kCompleted);
  EXPECT_EQ(log.count("target", "after-go"), 1u);
  // A signal to an instance that does not exist fails the step for good.
  ASSERT_TRUE(h.start("test.signaller", "lost", {{"target", "nobody"}}));
  EXPECT_EQ(h.status("lost"), InstanceStatus::kFailed);
}

}  // namespace
}  // namespace sundial
