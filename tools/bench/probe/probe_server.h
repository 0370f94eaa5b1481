// The probe server (`sundial-bench-probe`): the ceiling Sundial's starts
// are measured against (docs/benchmarks.md, `probe` scenario). Raw libuv +
// llhttp + RocksDB, nothing else: keep-alive HTTP/1.1 on loopback; each
// `POST` writes one key (a generated id) holding the request body; the
// puts of one loop turn go to ProbeWriter as one group, which commits
// everything waiting as one synced WriteBatch; the 201 `{"id":"..."}`
// goes out only after that write returned. Pipelined requests are
// answered in order. `GET /stats` answers {"keys":K,"writes":W}; anything
// else 404. It does not parse JSON, route, log or check input: what it
// measures is the loop, the parser and the fsync'd group commit.
//
// Usage: sundial-bench-probe --listen 127.0.0.1:PORT --data-dir DIR
// (PORT 0 picks a free one); prints "listening on http://127.0.0.1:PORT"
// and runs until SIGTERM or SIGINT.
//
// Threading: the libuv loop on the calling thread, plus ProbeWriter's
// writer thread. Ownership: run_probe_server owns everything it makes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sundial::bench::probe {

int run_probe_server(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sundial::bench::probe
