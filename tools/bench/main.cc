// sundial-bench: all logic lives in tools/bench/bench.cc.
#include <iostream>
#include <string>
#include <vector>

#include "tools/bench/bench.h"

int main(int argc, char** argv) {
  return sundial::bench::run_bench(std::vector<std::string>(argv + 1, argv + argc), argv[0], std::cout,
                                   std::cerr);
}
