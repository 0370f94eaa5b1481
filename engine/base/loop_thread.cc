#include "engine/base/loop_thread.h"

namespace sundial::loop_thread {
namespace {

thread_local int loops_on_this_thread = 0;

}  // namespace

void enter() { ++loops_on_this_thread; }
void leave() {
  if (loops_on_this_thread > 0) --loops_on_this_thread;
}
bool is_current() { return loops_on_this_thread > 0; }

}  // namespace sundial::loop_thread
