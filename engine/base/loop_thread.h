// loop_thread: a thread-local mark that the calling thread runs a libuv
// loop (docs/threading.md). Loop sets it on the thread that constructs it
// and clears it when destroyed; code below engine/loop (the RocksDB store,
// which counts reads made on a loop thread) reads it without depending on
// the loop.
//
// Threading: each thread sees and changes only its own mark. Nested loops
// on one thread (tests) are counted: the mark stays until the last is gone.
#pragma once

namespace sundial::loop_thread {

// Called by Loop's constructor and destructor, on the loop thread.
void enter();
void leave();
// Whether the calling thread owns a live Loop.
bool is_current();

}  // namespace sundial::loop_thread
