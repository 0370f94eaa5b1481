// sundiald: the Sundial server. All logic lives in server/daemon.cc.
#include <string>
#include <vector>

#include "engine/storage/heap_tuning.h"
#include "server/daemon.h"

int main(int argc, char** argv) {
  // Before any thread starts: memory freed by RocksDB's flushes goes back to
  // the OS (engine/storage/heap_tuning.h).
  sundial::keep_large_blocks_off_the_heap();
  return sundial::run_daemon(std::vector<std::string>(argv + 1, argv + argc));
}
