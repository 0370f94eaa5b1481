// sundialctl: all logic lives in tools/ctl/ctl.cc.
#include <iostream>
#include <string>
#include <vector>

#include "tools/ctl/ctl.h"

int main(int argc, char** argv) {
  return sundial::ctl::run_ctl(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
