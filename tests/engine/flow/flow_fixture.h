// The engine on RocksDB with a ManualClock and the test workflows
// (tests/engine/test_workflows.h), for the concurrency key and debounce
// tests, with a count of an instance's journal entries by kind.
//
// Threading: the test's thread (the harness runs the loop).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "engine/engine.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"

namespace sundial::testing {

class FlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_test_workflows(h.registry, log);
    h.open();
  }
  size_t count(const std::string& id, EntryKind kind) {
    auto kinds = h.kinds(id);
    return static_cast<size_t>(std::count(kinds.begin(), kinds.end(), kind));
  }
  bool has(const std::string& id, EntryKind kind) { return count(id, kind) > 0; }

  EngineHarness h;
  StepLog log{h.clock};
};

}  // namespace sundial::testing
