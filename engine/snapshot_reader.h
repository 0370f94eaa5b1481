// SnapshotReader: runs the engine's read-only queries (describe, list,
// history, pending timers, the SSE backlog) on the WorkPool, each against
// one RocksDB snapshot, and answers on the loop. The loop thread never
// waits on these reads (docs/threading.md rule 1), and a query that scans
// an index and then reads the records it names sees one consistent state
// however many commits land meanwhile.
//
// read_snapshot() is the synchronous core: any thread, the calling one.
//
// Threading: run() and the destructor on the loop thread; `read` runs on a
// pool thread and may touch only the snapshot and values it owns; `done` on
// the loop. Ownership: owned by Engine; borrows the WorkPool and the Store,
// which must outlive it. Answers still pending when it is destroyed are
// dropped (`done` is destroyed, never called): a Responder in it answers a
// client that is gone, which is a no-op.
#pragma once

#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

#include "engine/base/error.h"
#include "engine/loop/work_pool.h"
#include "engine/storage/store.h"

namespace sundial {

// The answer to a query, on the loop thread.
template <typename T>
using QueryDone = std::move_only_function<void(Result<T>)>;

// Runs `read(view)` against a snapshot of `store` on the calling thread;
// the snapshot is released before it returns. `read` returns Result<T>.
template <typename Read>
auto read_snapshot(Store& store, Read&& read) -> std::invoke_result_t<Read&, Store&> {
  auto view = store.snapshot();
  if (!view) return std::unexpected(view.error());
  return read(**view);
}

class SnapshotReader {
 public:
  SnapshotReader(WorkPool& pool, Store& store) : store_(store), scope_(pool) {}
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

  // Runs `read(snapshot)` (returning Result<T>) on the pool, then
  // `done(result)` on the loop.
  template <typename T, typename Read>
  void run(Read read, QueryDone<T> done) {
    scope_.run([store = &store_,
                read = std::move(read)]() mutable -> Result<T> { return read_snapshot(*store, read); },
               [done = std::move(done)](Result<T> result) mutable { done(std::move(result)); });
  }

  // Queries submitted and not yet answered.
  size_t in_flight() const { return scope_.outstanding(); }

 private:
  Store& store_;
  WorkScope scope_;
};

}  // namespace sundial
