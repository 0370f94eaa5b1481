// sundial-bench: all logic lives in tools/bench/bench.cc; --version, the same
// in every binary, comes from the generated sundial_version.h.
#include <iostream>
#include <string>
#include <vector>

#include "sundial_version.h"
#include "tools/bench/bench.h"

int main(int argc, char** argv) {
  if (sundial::answer_version_flag("sundial-bench", argc, argv)) return 0;
  return sundial::bench::run_bench(std::vector<std::string>(argv + 1, argv + argc), argv[0], std::cout,
                                   std::cerr);
}
