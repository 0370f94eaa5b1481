// sundiald's program: parses the command line, opens the engine with the
// workflow families of workflows/modules.h (their types and webhook routes)
// on the embedded default (RocksDB in ./sundial-data), runs the loop, and
// shuts down cleanly on SIGTERM or SIGINT: it stops taking work, waits for
// every commit in flight to be answered, closes storage and exits 0.
//
// Threading: runs the loop on the calling thread until shutdown.
#pragma once

#include <string>
#include <vector>

namespace sundial {

// Returns the process exit code: 0 after a clean shutdown, 1 when the
// engine cannot start, 2 for a usage error.
int run_daemon(const std::vector<std::string>& args);

}  // namespace sundial
