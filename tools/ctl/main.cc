// sundialctl: all logic lives in tools/ctl/ctl.cc; --version, the same in
// every binary, comes from the generated sundial_version.h.
#include <iostream>
#include <string>
#include <vector>

#include "sundial_version.h"
#include "tools/ctl/ctl.h"

int main(int argc, char** argv) {
  if (sundial::answer_version_flag("sundialctl", argc, argv)) return 0;
  try {
    return sundial::ctl::run_ctl(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
  } catch (const std::exception& e) {
    // An answer of an unexpected shape (a field of another type): say so
    // rather than abort.
    std::cerr << "sundialctl: cannot read the server's answer: " << e.what() << "\n";
    return 1;
  }
}
