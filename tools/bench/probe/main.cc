// sundial-bench-probe: all logic lives in tools/bench/probe/probe_server.cc.
#include <iostream>
#include <string>
#include <vector>

#include "tools/bench/probe/probe_server.h"

int main(int argc, char** argv) {
  return sundial::bench::probe::run_probe_server(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                                 std::cerr);
}
