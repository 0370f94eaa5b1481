// sundial-bench: drives a real sundiald over HTTP and reports what users
// feel (docs/benchmarks.md). run_bench is the whole program; main() only
// calls it. Prints a table and one JSON line per scenario.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sundial::bench {

int run_bench(const std::vector<std::string>& args, const std::string& self_path, std::ostream& out,
              std::ostream& err);

}  // namespace sundial::bench
