// engine/base/text.h: ordered ids.
#include "engine/base/text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace sundial {
namespace {

TEST(OrderedHex128Test, IdsSortInTheOrderTheyWereMadeEvenWhenTheClockStepsBack) {
  uint64_t state = 0;
  std::vector<std::string> made;
  for (int i = 0; i < 1000; ++i) made.push_back(ordered_hex128(state, 1'000));  // one millisecond
  made.push_back(ordered_hex128(state, 5'000));
  made.push_back(ordered_hex128(state, 4'000));  // the clock stepped back
  for (const auto& id : made) {
    ASSERT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
  EXPECT_TRUE(std::is_sorted(made.begin(), made.end()));
  EXPECT_EQ(std::set<std::string>(made.begin(), made.end()).size(), made.size());
  // A fresh state (a restart) starts from the clock: later than the ids
  // made at an earlier millisecond.
  uint64_t restarted = 0;
  EXPECT_GT(ordered_hex128(restarted, 6'000), made.back());
}

}  // namespace
}  // namespace sundial
