#include "server/api/sse_stream.h"

#include <charconv>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/loop/timer.h"

namespace sundial::api {

namespace {

constexpr size_t kReplayChunk = 500;

class SseStream : public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(Loop& loop, std::shared_ptr<SseSource> source, SseOptions options,
            std::shared_ptr<http::ResponseStream> out)
      : source_(std::move(source)),
        options_(std::move(options)),
        out_(std::move(out)),
        last_seen_(source_->last_published()),
        keepalive_(loop, [this] { send_keepalive(); }),
        expiry_(loop, [this] { expire(); }) {}

  // `resume_after`: the client's Last-Event-ID; nullopt for a fresh client.
  void start(std::optional<uint64_t> resume_after) {
    if (resume_after) resume_from(*resume_after);
    auto self = shared_from_this();
    watch_ = source_->watch([self](const SseFrame& f) { self->live(f); });
    out_->on_close([self] { self->stop(); });
    keepalive_.start(options_.keepalive_ms);
    if (options_.close_after_ms) expiry_.start(*options_.close_after_ms);
    replay_some();
  }

 private:
  // An id the log never assigned (say, from before the data directory was
  // replaced) would hold back every entry until the sequence passed it:
  // reset to "from now on" instead.
  void resume_from(uint64_t after) {
    if (after <= source_->last_assigned()) {
      last_seen_ = after;
      return;
    }
    send_control("reset", after, last_seen_);
  }

  void live(const SseFrame& f) {
    if (caught_up_) {
      send(f);
    } else {
      held_.push_back(f);
    }
  }

  // Asks for the next chunk of the log.
  void replay_some() {
    if (!out_->is_open()) return;
    // Published, so committed: the read asked for now sees them.
    held_.clear();
    source_->backlog(last_seen_, kReplayChunk, [self = shared_from_this()](Result<SseBacklog> read) {
      self->replayed(std::move(read));
    });
  }

  void replayed(Result<SseBacklog> backlog) {
    if (!out_->is_open()) return;
    if (!backlog) return fail(backlog.error());
    // Retention may trim the log while a long replay is under way.
    if (backlog->first_seq && *backlog->first_seq > last_seen_ + 1) {
      send_control("gap", last_seen_, *backlog->first_seq - 1);
    }
    for (const auto& f : backlog->frames) send(f);
    if (backlog->frames.size() == kReplayChunk) return replay_some();
    caught_up_ = true;
    for (const auto& f : std::exchange(held_, {})) send(f);
  }

  void send(const SseFrame& f) {
    if (f.seq <= last_seen_ || !out_->is_open()) return;
    last_seen_ = f.seq;
    if (options_.wanted && !options_.wanted(f)) return;
    write_frame(f.seq, f.type, f.data);
  }

  // `gap` or `reset`: the stream goes on after `resume_after`, not after
  // the client's `last_event_id`.
  void send_control(std::string_view type, uint64_t last_event_id, uint64_t resume_after) {
    nlohmann::json data = {
        {"type", std::string(type)}, {"last_event_id", last_event_id}, {"resume_after", resume_after}};
    last_seen_ = resume_after;
    write_frame(resume_after, type, data.dump());
  }

  void write_frame(uint64_t id, std::string_view type, std::string_view data) {
    std::string frame;
    frame.reserve(data.size() + type.size() + 40);
    frame.append("id: ").append(std::to_string(id));
    if (!options_.unnamed) frame.append("\nevent: ").append(type);
    frame.append("\ndata: ").append(data).append("\n\n");
    out_->write(frame);
  }

  void fail(const Error& error) {
    out_->write(": log unreadable: " + error.to_string() + "\n\n");
    out_->close();
  }

  void expire() {
    if (!out_->is_open()) return;
    out_->write(": the access token expired\n\n");
    out_->close();
  }

  void send_keepalive() {
    if (!out_->is_open()) return;
    out_->write(": keep-alive\n\n");
    keepalive_.start(options_.keepalive_ms);
  }

  void stop() {
    keepalive_.stop();
    expiry_.stop();
    if (watch_ != 0) source_->unwatch(std::exchange(watch_, 0));
  }

  std::shared_ptr<SseSource> source_;
  SseOptions options_;
  std::shared_ptr<http::ResponseStream> out_;
  uint64_t last_seen_;
  bool caught_up_ = false;
  std::vector<SseFrame> held_;  // live entries while a chunk is read
  uint64_t watch_ = 0;
  UvTimer keepalive_;
  UvTimer expiry_;
};

std::optional<uint64_t> parse_seq(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<std::optional<uint64_t>> sse_resume_id(const http::HttpRequest& request) {
  std::optional<std::string> id;
  if (const std::string* h = request.header("last-event-id")) {
    id = *h;
  } else {
    id = request.query_param("since");
  }
  if (!id) return std::optional<uint64_t>();
  auto seq = parse_seq(*id);
  if (!seq)
    return make_error(ErrorCode::kInvalidArgument, "Last-Event-ID / since must be an event sequence number");
  return std::optional<uint64_t>(*seq);
}

void serve_sse(Loop& loop, std::shared_ptr<SseSource> source, SseOptions options,
               std::optional<uint64_t> resume_after, http::Responder responder) {
  http::HttpResponse head = http::HttpResponse::text(200, ": connected\n\n", "text/event-stream");
  head.with_header("Cache-Control", "no-cache").with_header("X-Accel-Buffering", "no");
  auto out = responder.start_stream(std::move(head));
  if (!out) return;
  std::make_shared<SseStream>(loop, std::move(source), std::move(options), std::move(out))
      ->start(resume_after);
}

}  // namespace sundial::api
