// sundial-bench-probe: all logic lives in tools/bench/probe/probe_server.cc;
// --version, the same in every binary, comes from the generated sundial_version.h.
#include <iostream>
#include <string>
#include <vector>

#include "sundial_version.h"
#include "tools/bench/probe/probe_server.h"

int main(int argc, char** argv) {
  if (sundial::answer_version_flag("sundial-bench-probe", argc, argv)) return 0;
  return sundial::bench::probe::run_probe_server(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                                 std::cerr);
}
