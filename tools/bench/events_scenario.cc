// The `events` scenario: the event bus (docs/events.md) end to end.
//  1. A reader follows GET /api/v1/topics/bench-events/stream (Server-Sent
//     Events) from the topic's head before the run, on its own socket and
//     thread.
//  2. N events are published to `bench-events` closed loop, C in flight on
//     keep-alive connections, each {"type": "BenchEvent", "data": {"i",
//     "sent_us"}} (no id): publishes/s and ack p50/p99/p99.9.
//  3. Delivery: each event's time from its publish's send (`sent_us`, the
//     steady clock; the reader shares it, being in the same process) to the
//     reader seeing it, p50/p99/max. Every acknowledged event must reach
//     the reader once, with the seq its publish was answered, in seq order,
//     within 60 s of the last acknowledgement.
//  4. Lag drain: a subscription made afterwards from the run's first event,
//     enqueueing a task per event into a queue no worker reads, works off
//     that backlog one event at a time: the time until its cursor reaches
//     the last event, and deliveries/s.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tools/bench/load_client.h"
#include "tools/bench/scenario_support.h"
#include "tools/bench/scenarios.h"

namespace sundial::bench {

namespace {

constexpr const char* kEventsTopic = "bench-events";  // also the subscription's queue
constexpr const char* kEventType = "BenchEvent";
constexpr int64_t kCatchUpUs = 60'000'000;  // the reader's time after the last ack
constexpr int64_t kDrainUs = 600'000'000;   // the subscription's

// What the reader saw, by the events' data.i.
struct Delivered {
  std::vector<uint64_t> seq_of;    // 0: never seen
  std::vector<double> latency_ms;  // one per event seen: sent_us → read
  size_t duplicates = 0;           // an event seen again
  size_t out_of_order = 0;         // a seq not above the previous one
  size_t unexpected = 0;           // any other frame: gap, reset, not a BenchEvent of this run
};

// Follows an SSE stream on a plain socket on its own thread, polled every
// 100 ms so that it stops when told to. (ApiClient::stream blocks in curl
// until the next chunk, and keep-alives come 15 s apart.)
class EventStreamReader {
 public:
  explicit EventStreamReader(size_t n) { got_.seq_of.assign(n, 0); }
  ~EventStreamReader() { finish(); }
  EventStreamReader(const EventStreamReader&) = delete;
  EventStreamReader& operator=(const EventStreamReader&) = delete;

  // Connects, sends GET `path` and starts the thread.
  Result<void> start(int port, const std::string& path);
  // The answer's status once its head is in (-1: the connection ended
  // before it; 0: nothing within 10 s).
  int wait_for_head() const;
  // The highest seq seen so far.
  uint64_t last_seq() const { return last_seq_.load(); }
  bool reading() const { return !ended_.load(); }
  // Stops the thread and closes the socket: what it saw.
  Delivered finish();

 private:
  void run();
  void take_frame(std::string_view frame, int64_t read_us);

  int fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  std::atomic<int> status_{0};
  std::atomic<uint64_t> last_seq_{0};
  Delivered got_;  // the thread's until finish()
};

Result<void> EventStreamReader::start(int port, const std::string& path) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string request = get_request(path);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    return make_error(ErrorCode::kUnavailable, "cannot open GET " + path);
  }
  thread_ = std::thread([this] { run(); });
  return ok();
}

int EventStreamReader::wait_for_head() const {
  int64_t deadline = now_us() + 10'000'000;
  while (status_.load() == 0 && now_us() < deadline) ::usleep(1000);
  return status_.load();
}

Delivered EventStreamReader::finish() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  return std::move(got_);
}

// The stream has no Content-Length: the head, then frames until the server
// closes ("id: <seq>\nevent: <type>\ndata: <json>\n\n", and ": ..." comments).
void EventStreamReader::run() {
  std::string in;
  bool head_read = false;
  char buf[65536];
  while (!stop_.load()) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;  // the server ended the stream
    int64_t read_us = now_us();
    in.append(buf, static_cast<size_t>(n));
    if (!head_read) {
      size_t head_end = in.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      status_ = std::atoi(in.c_str() + 9);
      in.erase(0, head_end + 4);
      head_read = true;
    }
    size_t from = 0;
    for (size_t end = in.find("\n\n"); end != std::string::npos; end = in.find("\n\n", from)) {
      take_frame(std::string_view(in).substr(from, end - from), read_us);
      from = end + 2;
    }
    in.erase(0, from);
  }
  if (!head_read) status_ = -1;
  ended_ = true;
}

void EventStreamReader::take_frame(std::string_view frame, int64_t read_us) {
  uint64_t seq = 0;
  std::string_view type, data;
  while (!frame.empty()) {
    size_t eol = std::min(frame.find('\n'), frame.size());
    std::string_view line = frame.substr(0, eol);
    frame.remove_prefix(std::min(eol + 1, frame.size()));
    if (line.starts_with("id: ")) std::from_chars(line.data() + 4, line.data() + line.size(), seq);
    if (line.starts_with("event: ")) type = line.substr(7);
    if (line.starts_with("data: ")) data = line.substr(6);
  }
  if (data.empty()) return;  // a comment: ": connected", ": keep-alive"
  auto event = nlohmann::json::parse(data, nullptr, false);
  auto fields = event.find("data");
  bool ours = type == kEventType && fields != event.end() && fields->is_object() && fields->contains("i") &&
              (*fields)["i"].is_number_unsigned() && fields->contains("sent_us") &&
              (*fields)["sent_us"].is_number_integer();
  size_t i = ours ? (*fields)["i"].get<size_t>() : got_.seq_of.size();
  if (i >= got_.seq_of.size()) {
    ++got_.unexpected;
    return;
  }
  if (seq <= last_seq_.load()) {
    ++got_.out_of_order;
  } else {
    last_seq_ = seq;
  }
  if (got_.seq_of[i] != 0) {
    ++got_.duplicates;
    return;
  }
  got_.seq_of[i] = seq;
  got_.latency_ms.push_back(static_cast<double>(read_us - (*fields)["sent_us"].get<int64_t>()) / 1000.0);
}

// The topic's last seq before the run (0 for a topic never published to),
// so that the reader and the subscription skip what earlier runs against
// --server left.
Result<uint64_t> topic_last_seq(ApiClient& api) {
  std::string path = std::string("/api/v1/topics/") + kEventsTopic;
  SUNDIAL_ASSIGN_OR_RETURN(auto r, api.request("GET", path));
  if (r.status == 404) return uint64_t{0};
  auto head = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !head.is_object())
    return make_error(ErrorCode::kInternal, path + " answered " + std::to_string(r.status));
  return head.value("last_seq", uint64_t{0});
}

// Step 4: a subscription from `from` until its cursor reaches `last`.
// Returns the errors: actions refused, events missed (trimmed first), or
// a count of deliveries other than last − from + 1.
Result<size_t> drain_subscription(Context& ctx, uint64_t from, uint64_t last, nlohmann::json& report) {
  const std::string id = run_prefix(kEventsTopic) + "sub";
  const nlohmann::json spec = {{"id", id},
                               {"topic", kEventsTopic},
                               {"from", from},
                               {"action", {{"enqueue", {{"queue", kEventsTopic}}}}}};
  int64_t t0 = now_us();
  SUNDIAL_ASSIGN_OR_RETURN(auto made, ctx.api.request("POST", "/api/v1/subscriptions", spec.dump()));
  if (made.status != 201) {
    return make_error(ErrorCode::kInternal, "POST /api/v1/subscriptions answered " +
                                                std::to_string(made.status) + ": " + made.body);
  }
  nlohmann::json view;
  do {
    ::usleep(5000);
    SUNDIAL_ASSIGN_OR_RETURN(view, get_json(ctx.api, "/api/v1/subscriptions/" + id));
  } while (view.value("cursor", uint64_t{0}) < last && now_us() - t0 < kDrainUs);
  double seconds = static_cast<double>(now_us() - t0) / 1e6;
  uint64_t delivered = view.value("delivered", uint64_t{0});
  report["subscription_delivered"] = delivered;
  report["subscription_drain_s"] = seconds;
  report["subscription_deliveries_per_s"] = static_cast<double>(delivered) / seconds;
  // Against --server, it would go on enqueueing the next runs' events.
  (void)ctx.api.request("DELETE", "/api/v1/subscriptions/" + id);
  size_t errors = view.value("failed", size_t{0}) + view.value("missed", size_t{0}) +
                  (delivered == last - from + 1 ? 0 : 1);
  if (errors > 0) {
    ctx.err << "events: the subscription delivered " << delivered << " of " << last - from + 1
            << " events in " << seconds << " s (failed " << view.value("failed", 0) << ", missed "
            << view.value("missed", 0) << ")\n";
  }
  return errors;
}

}  // namespace

Result<nlohmann::json> run_events(Context& ctx) {
  const auto& o = ctx.options;
  const int port = ctx.server.port();
  SUNDIAL_ASSIGN_OR_RETURN(uint64_t since, topic_last_seq(ctx.api));
  ctx.err << "events: " << o.n << " events to topic " << kEventsTopic << ", " << o.concurrency
          << " in flight, one stream reader; then a subscription drains them\n";
  EventStreamReader reader(o.n);
  const std::string topic_path = std::string("/api/v1/topics/") + kEventsTopic;
  const std::string stream_path = topic_path + "/stream?since=" + std::to_string(since);
  SUNDIAL_TRY(reader.start(port, stream_path));
  if (int status = reader.wait_for_head(); status != 200)
    return make_error(ErrorCode::kUnavailable, "GET " + stream_path + " answered " + std::to_string(status));

  std::vector<uint64_t> acked_seq(o.n, 0);  // 0: not acknowledged
  std::vector<double> ack_ms;
  uint64_t last_acked = 0;
  size_t failed = 0;
  std::optional<double> cpu0 = ctx.server.cpu_seconds();
  int64_t t0 = now_us();
  closed_loop(
      port, o.concurrency, o.n,
      [&](size_t i) {
        nlohmann::json body = {{"type", kEventType}, {"data", {{"i", i}, {"sent_us", now_us()}}}};
        return json_request("POST", topic_path + "/events", body.dump());
      },
      [&](size_t i, const Answer& a) {
        auto answer = nlohmann::json::parse(a.body, nullptr, false);
        if (a.status != 201 || !answer.is_object() || !answer["seq"].is_number_unsigned()) {
          ++failed;
          return;
        }
        acked_seq[i] = answer["seq"].get<uint64_t>();
        last_acked = std::max(last_acked, acked_seq[i]);
        ack_ms.push_back(static_cast<double>(a.latency_us) / 1000.0);
      });
  int64_t t1 = now_us();
  std::optional<double> cpu1 = ctx.server.cpu_seconds();
  while (reader.last_seq() < last_acked && reader.reading() && now_us() - t1 < kCatchUpUs) ::usleep(1000);
  double caught_up_ms = static_cast<double>(now_us() - t1) / 1000.0;
  Delivered got = reader.finish();

  size_t acked = o.n - failed, received = 0, lost = 0, wrong_seq = 0;
  for (size_t i = 0; i < o.n; ++i) {
    received += got.seq_of[i] != 0;
    if (acked_seq[i] == 0) continue;
    if (got.seq_of[i] == 0) ++lost;
    if (got.seq_of[i] != 0 && got.seq_of[i] != acked_seq[i]) ++wrong_seq;
  }
  if (lost > 0) {
    ctx.err << "events: the stream delivered " << acked - lost << " of " << acked
            << " acknowledged events within " << kCatchUpUs / 1'000'000 << " s of the last ack\n";
  }
  double seconds = static_cast<double>(t1 - t0) / 1e6;
  nlohmann::json report = {{"scenario", "events"},
                           {"n", o.n},
                           {"acked", acked},
                           {"failed", failed},
                           {"publishes_per_s", static_cast<double>(acked) / seconds}};
  if (cpu0 && cpu1 && acked > 0)
    report["server_cpu_us_per_publish"] = (*cpu1 - *cpu0) * 1e6 / static_cast<double>(acked);
  add_latencies(report, ack_ms);
  report["received"] = received;
  if (!got.latency_ms.empty()) {
    report["delivery_p50_ms"] = percentile(got.latency_ms, 0.50);
    report["delivery_p99_ms"] = percentile(got.latency_ms, 0.99);
    report["delivery_max_ms"] = got.latency_ms.back();
  }
  report["stream_caught_up_ms"] = caught_up_ms;  // last ack → the reader saw the last event
  report["out_of_order"] = got.out_of_order;
  report["wrong_seq"] = wrong_seq;
  report["unexpected_frames"] = got.unexpected;
  size_t errors = got.out_of_order + wrong_seq + got.unexpected;
  if (last_acked > since) {
    SUNDIAL_ASSIGN_OR_RETURN(size_t sub_errors, drain_subscription(ctx, since + 1, last_acked, report));
    errors += sub_errors;
  }
  report["missing"] = failed + lost;
  report["duplicates"] = got.duplicates;
  report["errors"] = errors;
  add_rss(report, ctx.server);
  return report;
}

}  // namespace sundial::bench
