// GET /api/v1/events: engine events as Server-Sent Events, replayed from
// the capped event log after Last-Event-ID (or ?since=), then live
// (sse_stream.h has the rules, docs/http-api.md the contract).
//
// Threading: loop thread only. Ownership: each stream shares its
// EngineEventSource, which borrows the Engine.
#include <memory>

#include "engine/codec/codec.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"
#include "server/api/sse_stream.h"

namespace sundial::api {

namespace {

SseFrame frame_of(const EngineEvent& e) {
  return SseFrame{e.seq, std::string(event_type_name(e.type)),
                  event_to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

class EngineEventSource final : public SseSource {
 public:
  explicit EngineEventSource(Engine& engine) : engine_(engine) {}

  uint64_t last_assigned() const override { return engine_.events().last_seq(); }
  uint64_t last_published() const override { return engine_.events().last_published_seq(); }
  uint64_t watch(std::function<void(const SseFrame&)> fn) override {
    return engine_.events().subscribe([fn = std::move(fn)](const EngineEvent& e) { fn(frame_of(e)); });
  }
  void unwatch(uint64_t id) override { engine_.events().unsubscribe(id); }
  void backlog(uint64_t after, size_t limit,
               std::move_only_function<void(Result<SseBacklog>)> done) override {
    // Encoded on the query pool, off the loop.
    engine_.read<SseBacklog>(
        [after, limit](Store& snapshot) -> Result<SseBacklog> {
          SUNDIAL_ASSIGN_OR_RETURN(EventBacklog read, read_event_backlog(snapshot, after, limit));
          SseBacklog out{read.first_seq, {}};
          out.frames.reserve(read.events.size());
          for (const auto& e : read.events) out.frames.push_back(frame_of(e));
          return out;
        },
        std::move(done));
  }

 private:
  Engine& engine_;
};

}  // namespace

void add_event_routes(Router& router, const AdminApi& api) {
  router.add("GET", "/api/v1/events", [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
    auto resume = sse_resume_id(req);
    if (!resume) return r.send(bad_argument(resume.error().message));
    SseOptions options;
    options.keepalive_ms = api.sse_keepalive_ms;
    serve_sse(api.loop, std::make_shared<EngineEventSource>(api.engine), std::move(options), *resume,
              std::move(r));
  });
}

}  // namespace sundial::api
