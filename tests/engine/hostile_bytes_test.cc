// Bytes the engine cannot store (text that is not UTF-8, values nested too
// deep) and inputs a workflow type cannot use are refused before anything
// changes, in memory or on disk, and the next command works. Once a signal
// named "\xff" changed the in-memory journal and then failed to encode (a
// throw), so the next signal aborted the process; a start with such an
// idempotency key left a ghost instance in memory that was never stored.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"

namespace sundial {
namespace {

using testing::EngineHarness;
using testing::StepLog;

nlohmann::json nested_arrays(size_t depth) {
  nlohmann::json v = 1;
  for (size_t i = 0; i < depth; ++i) v = nlohmann::json::array({std::move(v)});
  return v;
}

class HostileBytesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::register_test_workflows(h.registry, log);
    // "test.checked": input {"n": integer} required; "filled" is added.
    auto added = h.registry.add(
        "test.checked", "", [](Context&) -> Workflow<void> { co_return; },
        [](const nlohmann::json& input) -> Result<nlohmann::json> {
          if (!input.is_object() || !input.contains("n") || !input["n"].is_number_integer()) {
            return make_error(ErrorCode::kInvalidArgument, "input field 'n' is required");
          }
          if (input["n"] == 13) throw std::runtime_error("unlucky");
          nlohmann::json out = input;
          out["filled"] = true;
          return out;
        });
    ASSERT_TRUE(added);
    h.open();
  }

  void expect_invalid(const Result<CommandReply>& r, std::string_view mentions) {
    ASSERT_FALSE(r) << "accepted";
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().to_string();
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
  }
  void expect_invalid(const Result<StartReply>& r, std::string_view mentions) {
    ASSERT_FALSE(r) << "accepted";
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().to_string();
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
  }

  EngineHarness h;
  StepLog log{h.clock};
};

TEST_F(HostileBytesTest, ASignalNameThatIsNotUtf8IsRefusedAndTheNextSignalWorks) {
  ASSERT_TRUE(h.start("test.wait", "w", {{"timeout_ms", kHourMs}}));
  size_t before = h.history("w").size();
  expect_invalid(h.signal("w", "\xff"), "signal name is not valid UTF-8");
  expect_invalid(h.signal("w", "go\xfe", nullptr, "key-1"), "not valid UTF-8");
  EXPECT_EQ(h.history("w").size(), before);  // nothing journaled
  auto next = h.signal("w", "go");
  ASSERT_TRUE(next) << next.error().to_string();
  EXPECT_EQ(log.count("w", "after-go"), 1u);
  h.reopen();  // what is on disk replays to the same place
  EXPECT_EQ(h.status("w"), InstanceStatus::kCompleted);
}

TEST_F(HostileBytesTest, APayloadThatCannotBeStoredIsRefusedBeforeAnythingChanges) {
  ASSERT_TRUE(h.start("test.wait", "p", {{"timeout_ms", kHourMs}}));
  size_t before = h.history("p").size();
  expect_invalid(h.signal("p", "go", {{"text", "bad \xff byte"}}),
                 "signal payload holds text that is not valid UTF-8");
  expect_invalid(h.signal("p", "go", {{"k\xc3", 1}}), "not valid UTF-8");
  expect_invalid(h.signal("p", "go", nested_arrays(1000)), "nested deeper than");
  // An idempotency key that is refused is not remembered either.
  expect_invalid(h.signal("p", "go", nullptr, "\xff\xfe"), "idempotency key is not valid UTF-8");
  EXPECT_EQ(h.history("p").size(), before);
  auto next = h.signal("p", "go", {{"text", "caf\xc3\xa9"}}, "\xc3\xa9-key");
  ASSERT_TRUE(next) << next.error().to_string();
  EXPECT_EQ(h.status("p"), InstanceStatus::kCompleted);
  h.reopen();
  auto history = h.history("p");
  ASSERT_GT(history.size(), before);
  EXPECT_EQ(history[before].kind, EntryKind::kSignalReceived);
  EXPECT_EQ(history[before].data["text"], "caf\xc3\xa9");
}

TEST_F(HostileBytesTest, AnIdempotencyKeyThatIsNotUtf8LeavesNoGhost) {
  expect_invalid(h.start("test.wait", "ghost", {{"timeout_ms", kHourMs}}, "\xff\xfe"),
                 "idempotency key is not valid UTF-8");
  EXPECT_FALSE(h.describe("ghost"));
  auto plain = h.start("test.wait", "ghost", {{"timeout_ms", kHourMs}});
  ASSERT_TRUE(plain) << plain.error().to_string();
  EXPECT_TRUE(plain->created);  // not "created: false" for an instance never stored
  EXPECT_EQ(plain->status, InstanceStatus::kWaiting);
  h.reopen();
  EXPECT_EQ(h.status("ghost"), InstanceStatus::kWaiting);
}

TEST_F(HostileBytesTest, AStartInputThatCannotBeStoredIsRefused) {
  expect_invalid(h.start("test.wait", "bad-input", {{"name", "\xff"}}), "start input holds text");
  expect_invalid(h.start("test.wait", "deep-input", {{"v", nested_arrays(1000)}}), "nested deeper than");
  EXPECT_FALSE(h.describe("bad-input"));
  EXPECT_FALSE(h.describe("deep-input"));
  ASSERT_TRUE(h.start("test.wait", "bad-input", {{"timeout_ms", kHourMs}}).value().created);
}

TEST_F(HostileBytesTest, TheTypesInputCheckRefusesOrFillsInBeforeAnythingIsStored) {
  expect_invalid(h.start("test.checked", "c1", nlohmann::json::object()), "input field 'n' is required");
  EXPECT_FALSE(h.describe("c1"));
  auto started = h.start("test.checked", "c1", {{"n", 1}});
  ASSERT_TRUE(started) << started.error().to_string();
  EXPECT_TRUE(started->created);
  auto described = h.describe("c1");
  ASSERT_TRUE(described);
  EXPECT_EQ(described->input, (nlohmann::json{{"n", 1}, {"filled", true}}));
  // A check that throws refuses the start; nothing is stored, nothing crashes.
  auto thrown = h.start("test.checked", "c2", {{"n", 13}});
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().code, ErrorCode::kInternal);
  EXPECT_NE(thrown.error().message.find("unlucky"), std::string::npos);
  EXPECT_FALSE(h.describe("c2"));
}

}  // namespace
}  // namespace sundial
