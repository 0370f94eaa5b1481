// libFuzzer target: server/http RequestParser on hostile bytes. The same
// bytes are parsed in one piece and again cut into pieces chosen by the
// first input byte (a peer decides where TCP segments end): both must give
// the same requests and the same verdict (accepted, or refused with a 4xx),
// and nothing may crash.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "server/http/request_parser.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using sundial::http::HttpRequest;
using sundial::http::ParserLimits;
using sundial::http::RequestParser;

// Small limits, so the fuzzer reaches them with short inputs.
const ParserLimits kLimits = [] {
  ParserLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_body_bytes = 2048;
  return limits;
}();

// What a connection sees of a request (timing fields left out).
using RequestView =
    std::tuple<std::string, std::string, std::string, std::vector<std::pair<std::string, std::string>>,
               sundial::http::HeaderList, std::string, bool>;

struct Outcome {
  std::vector<RequestView> requests;
  std::optional<std::pair<int, std::string>> failure;  // status, code
  int continues = 0;
  // The same requests and the same verdict. Which 4xx may differ: a request
  // line both over the size limit and malformed is 431 or 400 depending on
  // whether llhttp handed over the bytes before the bad one (it does at the
  // end of each piece).
  bool operator==(const Outcome& o) const {
    return requests == o.requests && failure.has_value() == o.failure.has_value() && continues == o.continues;
  }
};

RequestView view(const HttpRequest& r) {
  return {r.method, r.target, r.path, r.query, r.headers, r.body, r.keep_alive};
}

// Feeds `bytes` in pieces of the given sizes (the last piece takes the
// rest), draining requests after each piece as Connection does.
Outcome parse(std::string_view bytes, const std::vector<size_t>& cuts) {
  Outcome out;
  RequestParser parser(kLimits, "192.0.2.1");
  parser.on_expect_continue = [&out] { ++out.continues; };
  size_t pos = 0;
  for (size_t i = 0; pos < bytes.size(); ++i) {
    size_t n = i < cuts.size() ? std::min(cuts[i], bytes.size() - pos) : bytes.size() - pos;
    bool ok = parser.feed(bytes.data() + pos, n);
    pos += n;
    while (auto request = parser.next()) {
      // The accessors handlers use on every request.
      (void)request->header("content-type");
      (void)request->content_type();
      (void)request->query_param("limit");
      out.requests.push_back(view(*request));
    }
    if (!ok) break;
  }
  parser.finish();
  while (auto request = parser.next()) out.requests.push_back(view(*request));
  if (parser.failure()) {
    FUZZ_CHECK(parser.failure()->status >= 400 && parser.failure()->status < 500);
    FUZZ_CHECK(!parser.failure()->code.empty());
    out.failure = std::make_pair(parser.failure()->status, parser.failure()->code);
  }
  for (const auto& r : out.requests) {
    FUZZ_CHECK(std::get<5>(r).size() <= kLimits.max_body_bytes);
    FUZZ_CHECK(!std::get<2>(r).empty() && std::get<2>(r)[0] == '/');
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sundial::fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.byte();
  std::string_view bytes = in.rest();

  Outcome whole = parse(bytes, {});
  // Mode 0 cuts into single bytes; any other mode seeds a small LCG that
  // picks pieces of 1..16 bytes.
  std::vector<size_t> cuts;
  uint32_t state = mode;
  for (size_t covered = 0; covered < bytes.size();) {
    state = state * 1103515245u + 12345u;
    size_t n = mode == 0 ? 1 : 1 + (state >> 16) % 16;
    cuts.push_back(n);
    covered += n;
  }
  Outcome split = parse(bytes, cuts);
  FUZZ_CHECK(whole == split);
  return 0;
}
