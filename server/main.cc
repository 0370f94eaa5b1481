// sundiald: the Sundial server. All logic lives in server/daemon.cc.
#include <string>
#include <vector>

#include "server/daemon.h"

int main(int argc, char** argv) {
  return sundial::run_daemon(std::vector<std::string>(argv + 1, argv + argc));
}
