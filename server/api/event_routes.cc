// GET /api/v1/events: engine events as Server-Sent Events. A client that
// reconnects with Last-Event-ID (or ?since=<seq>) first gets the committed
// events after it from the event log, then live events, with no gap and no
// repeat: live events are taken only once the log replay has caught up,
// and anything at or below the last sent sequence is skipped.
#include <charconv>
#include <memory>

#include "engine/codec/codec.h"
#include "engine/loop/timer.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

constexpr size_t kReplayChunk = 500;

class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  EventStream(const AdminApi& api, std::shared_ptr<http::ResponseStream> out, uint64_t after)
      : api_(api), out_(std::move(out)), last_sent_(after),
        keepalive_(api.loop, [this] { send_keepalive(); }) {}

  void start() {
    auto self = shared_from_this();
    subscription_ = api_.engine.events().subscribe([self](const EngineEvent& e) {
      if (self->caught_up_) self->send(e);
    });
    out_->on_close([self] { self->stop(); });
    keepalive_.start(api_.sse_keepalive_ms);
    replay_some();
  }

 private:
  // One chunk of the log per loop turn, so a long replay never stalls the loop.
  void replay_some() {
    if (!out_->is_open()) return;
    auto chunk = api_.engine.events().read_since(last_sent_, kReplayChunk);
    if (!chunk) {
      out_->write(": event log unreadable: " + chunk.error().to_string() + "\n\n");
      return out_->close();
    }
    for (const auto& e : *chunk) send(e);
    if (chunk->size() < kReplayChunk) {
      caught_up_ = true;
      return;
    }
    api_.loop.defer([self = shared_from_this()] { self->replay_some(); });
  }

  void send(const EngineEvent& e) {
    if (e.seq <= last_sent_ || !out_->is_open()) return;
    last_sent_ = e.seq;
    std::string frame = "id: " + std::to_string(e.seq) + "\nevent: " +
                        std::string(event_type_name(e.type)) + "\ndata: " + event_to_json(e).dump() +
                        "\n\n";
    out_->write(frame);
  }

  void send_keepalive() {
    if (!out_->is_open()) return;
    out_->write(": keep-alive\n\n");
    keepalive_.start(api_.sse_keepalive_ms);
  }

  void stop() {
    keepalive_.stop();
    if (subscription_ != 0) api_.engine.events().unsubscribe(std::exchange(subscription_, 0));
  }

  AdminApi api_;
  std::shared_ptr<http::ResponseStream> out_;
  uint64_t last_sent_;
  bool caught_up_ = false;
  uint64_t subscription_ = 0;
  UvTimer keepalive_;
};

std::optional<uint64_t> parse_seq(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

void events(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  uint64_t after = api.engine.events().last_seq();  // by default: only what happens from now on
  std::optional<std::string> from;
  if (const std::string* h = request.header("last-event-id")) from = *h;
  if (auto since = request.query_param("since")) from = *since;
  if (from) {
    auto seq = parse_seq(*from);
    if (!seq) return responder.send(bad_argument("Last-Event-ID / since must be an event sequence number"));
    after = *seq;
  }
  http::HttpResponse head = http::HttpResponse::text(200, ": connected\n\n", "text/event-stream");
  head.with_header("Cache-Control", "no-cache").with_header("X-Accel-Buffering", "no");
  auto out = responder.start_stream(std::move(head));
  if (!out) return;
  std::make_shared<EventStream>(api, std::move(out), after)->start();
}

}  // namespace

void add_event_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/events", [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
    events(api, req, std::move(r));
  });
}

}  // namespace sundial::api
