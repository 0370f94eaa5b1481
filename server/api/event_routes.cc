// GET /api/v1/events: engine events as Server-Sent Events. A client that
// reconnects with Last-Event-ID (or ?since=<seq>; the header wins, since a
// reconnecting EventSource keeps its URL) first gets the committed events
// after it from the event log, then live events, with no repeat and no
// loss. The log is read in chunks on the engine's work pool, each chunk
// with the log's first sequence from one storage snapshot, so the loop
// never waits on it. Live events that arrive while a chunk is read are
// held. An event published before a read was asked for is durable, so in
// that read's snapshot: asking for a read drops what is held, and after
// the last chunk the held events follow. Anything at or below the last
// sent sequence is skipped, which removes what a chunk and the held events
// both have. Without a resume id the stream starts after the last
// *published* event, so events whose commit is in flight when the client
// connects still reach it.
//
// Nothing is skipped silently: a resume id the log cannot continue from is
// answered with a control event before the stream goes on (docs/http-api.md):
//   `event: gap`   events after it were trimmed from the capped log;
//   `event: reset` it is beyond any sequence this server assigned.
// Both carry `id:` = the sequence the stream continues after, so a client
// that reconnects right away does not hear the same news twice.
//
// Threading: loop thread only. Ownership: each EventStream keeps itself
// alive through its subscription, the stream's on_close and a chunk read in
// flight until either side closes (a read answered after that is ignored;
// one dropped because the engine closes releases it).
#include <charconv>
#include <memory>
#include <vector>

#include "engine/codec/codec.h"
#include "engine/loop/timer.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"

namespace sundial::api {

namespace {

constexpr size_t kReplayChunk = 500;

class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  EventStream(const AdminApi& api, std::shared_ptr<http::ResponseStream> out)
      : api_(api),
        out_(std::move(out)),
        last_sent_(api.engine.events().last_published_seq()),
        keepalive_(api.loop, [this] { send_keepalive(); }) {}

  // `resume_after`: the client's Last-Event-ID; nullopt for a fresh client.
  void start(std::optional<uint64_t> resume_after) {
    if (resume_after) resume_from(*resume_after);
    auto self = shared_from_this();
    subscription_ = event_log().subscribe([self](const EngineEvent& e) { self->live(e); });
    out_->on_close([self] { self->stop(); });
    keepalive_.start(api_.sse_keepalive_ms);
    replay_some();
  }

 private:
  EventLog& event_log() const { return api_.engine.events(); }

  // An id this server never assigned (say, from before the data directory
  // was replaced) would hold back every event until the sequence passed
  // it: reset to "from now on" instead.
  void resume_from(uint64_t after) {
    if (after <= event_log().last_seq()) {
      last_sent_ = after;
      return;
    }
    send_control("reset", after, last_sent_);
  }

  void live(const EngineEvent& e) {
    if (caught_up_) {
      send(e);
    } else {
      held_.push_back(e);
    }
  }

  // Asks the pool for the next chunk of the log.
  void replay_some() {
    if (!out_->is_open()) return;
    // Published, so committed: the read asked for now sees them.
    held_.clear();
    api_.engine.event_backlog(
        last_sent_, kReplayChunk,
        [self = shared_from_this()](Result<EventBacklog> read) { self->replayed(std::move(read)); });
  }

  void replayed(Result<EventBacklog> backlog) {
    if (!out_->is_open()) return;
    if (!backlog) return fail(backlog.error());
    // The retention sweep may trim the log while a long replay is under way.
    if (backlog->first_seq && *backlog->first_seq > last_sent_ + 1) {
      send_control("gap", last_sent_, *backlog->first_seq - 1);
    }
    for (const auto& e : backlog->events) send(e);
    if (backlog->events.size() == kReplayChunk) return replay_some();
    caught_up_ = true;
    for (const auto& e : std::exchange(held_, {})) send(e);
  }

  void send(const EngineEvent& e) {
    if (e.seq <= last_sent_ || !out_->is_open()) return;
    write_frame(e.seq, event_type_name(e.type), event_to_json(e));
  }

  // `gap` or `reset`: the stream goes on after `resume_after`, not after
  // the client's `last_event_id`.
  void send_control(std::string_view type, uint64_t last_event_id, uint64_t resume_after) {
    nlohmann::json data = {
        {"type", std::string(type)}, {"last_event_id", last_event_id}, {"resume_after", resume_after}};
    write_frame(resume_after, type, data);
  }

  void write_frame(uint64_t id, std::string_view type, const nlohmann::json& data) {
    last_sent_ = id;
    out_->write("id: " + std::to_string(id) + "\nevent: " + std::string(type) +
                "\ndata: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n");
  }

  void fail(const Error& error) {
    out_->write(": event log unreadable: " + error.to_string() + "\n\n");
    out_->close();
  }

  void send_keepalive() {
    if (!out_->is_open()) return;
    out_->write(": keep-alive\n\n");
    keepalive_.start(api_.sse_keepalive_ms);
  }

  void stop() {
    keepalive_.stop();
    if (subscription_ != 0) event_log().unsubscribe(std::exchange(subscription_, 0));
  }

  AdminApi api_;
  std::shared_ptr<http::ResponseStream> out_;
  uint64_t last_sent_;
  bool caught_up_ = false;
  std::vector<EngineEvent> held_;  // live events while a chunk is read
  uint64_t subscription_ = 0;
  UvTimer keepalive_;
};

std::optional<uint64_t> parse_seq(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Last-Event-ID, else ?since=: a reconnecting EventSource keeps the URL it
// started with and sends the header, which is the newer of the two.
std::optional<std::string> resume_id(const http::HttpRequest& request) {
  if (const std::string* h = request.header("last-event-id")) return *h;
  return request.query_param("since");
}

void events(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  std::optional<uint64_t> resume_after;
  if (auto id = resume_id(request)) {
    resume_after = parse_seq(*id);
    if (!resume_after) {
      return responder.send(bad_argument("Last-Event-ID / since must be an event sequence number"));
    }
  }
  http::HttpResponse head = http::HttpResponse::text(200, ": connected\n\n", "text/event-stream");
  head.with_header("Cache-Control", "no-cache").with_header("X-Accel-Buffering", "no");
  auto out = responder.start_stream(std::move(head));
  if (!out) return;
  std::make_shared<EventStream>(api, std::move(out))->start(resume_after);
}

}  // namespace

void add_event_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/events", [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
    events(api, req, std::move(r));
  });
}

}  // namespace sundial::api
