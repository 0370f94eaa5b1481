// The event bus's topics (docs/events.md):
//   POST /api/v1/topics/{topic}/events   {"type", "data"?, "key"?, "id"?}
//       → 201 {"topic", "seq", "duplicate": false, "published_at"} once durable;
//         200 with "duplicate": true when an event with this id was kept
//   GET  /api/v1/topics                  every topic's head: {"topics": [...]}
//   GET  /api/v1/topics/{topic}          one head (404 for a topic never published to)
//   GET  /api/v1/topics/{topic}/events?after=&limit=
//       a page of kept events, oldest first: {"events", "first_seq", "last_seq"}
//   GET  /api/v1/topics/{topic}/stream?type=&since=&as=
//       Server-Sent Events (sse_stream.h), resumable with Last-Event-ID;
//       `type` sends only events of that type; `as=message` leaves out the
//       event names (an EventSource's onmessage gets every event); a browser passes a stream
//       token as ?access_token= (checked by the server before routing)
//   POST /api/v1/stream-tokens           {"topics": [...], "ttl"?}
//       → 201 {"token", "expires_at"} (stream_token.h)
// Reads run on a storage snapshot in the engine's read pool; a publish
// is answered by the topic service once its event is durable.
#include <memory>

#include "engine/topics/topic_service.h"
#include "server/api/admin_api.h"
#include "server/api/request_helpers.h"
#include "server/api/sse_stream.h"
#include "server/api/stream_token.h"

namespace sundial::api {

namespace {

using nlohmann::json;

json head_json(const std::string& topic, const TopicHead& h) {
  return {{"topic", topic},   {"first_seq", h.first_seq}, {"last_seq", h.last_seq},
          {"count", h.count}, {"bytes", h.bytes},         {"first_published_at", h.first_at}};
}

std::string event_text(const TopicEvent& e) {
  return topic_event_to_json(e).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<http::HttpResponse> check_topic(const PathParams& params) {
  if (auto valid = check_topic_name(params.at("topic")); !valid) return bad_argument(valid.error().message);
  return std::nullopt;
}

class TopicSource final : public SseSource {
 public:
  TopicSource(Engine& engine, std::string topic) : engine_(engine), topic_(std::move(topic)) {}

  uint64_t last_assigned() const override { return engine_.topics().last_seq(topic_); }
  uint64_t last_published() const override { return engine_.topics().last_published_seq(topic_); }
  uint64_t watch(std::function<void(const SseFrame&)> fn) override {
    return engine_.topics().watch(topic_, [fn = std::move(fn)](const TopicEvent& e) {
      fn(SseFrame{e.seq, e.type, event_text(e)});
    });
  }
  void unwatch(uint64_t id) override { engine_.topics().unwatch(id); }
  void backlog(uint64_t after, size_t limit,
               std::move_only_function<void(Result<SseBacklog>)> done) override {
    engine_.read<SseBacklog>(
        [topic = topic_, after, limit](Store& snapshot) -> Result<SseBacklog> {
          SUNDIAL_ASSIGN_OR_RETURN(TopicBacklog read, read_topic_backlog(snapshot, topic, after, limit));
          // All kept events trimmed: the next one to keep is after the last.
          std::optional<uint64_t> first = read.first_seq;
          if (!first && read.last_seq > 0) first = read.last_seq + 1;
          SseBacklog out{first, {}};
          out.frames.reserve(read.events.size());
          for (const auto& e : read.events) out.frames.push_back(SseFrame{e.seq, e.type, event_text(e)});
          return out;
        },
        std::move(done));
  }

 private:
  Engine& engine_;
  std::string topic_;
};

void publish(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
             http::Responder responder) {
  if (auto bad = check_topic(params)) return responder.send(std::move(*bad));
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  auto parsed = parse_publish_request(*body, params.at("topic"));
  if (!parsed) return responder.send(bad_argument(parsed.error().message));
  std::string topic = parsed->topic;
  api.engine.topics().publish(
      std::move(*parsed), [topic, r = std::move(responder)](Result<PublishResult> published) mutable {
        if (!published) return r.send(http::error_response(published.error()));
        json j = {{"topic", topic}, {"seq", published->seq}, {"duplicate", published->duplicate}};
        if (published->published_at != 0) j["published_at"] = published->published_at;
        r.send(http::HttpResponse::json(published->duplicate ? 200 : 201, j));
      });
}

void list_topics(const AdminApi& api, http::Responder responder) {
  json topics = json::array();
  for (const auto& [name, head] : api.engine.topics().heads()) topics.push_back(head_json(name, head));
  responder.send(http::HttpResponse::json(200, {{"topics", std::move(topics)}}));
}

void show_topic(const AdminApi& api, const PathParams& params, http::Responder responder) {
  if (auto bad = check_topic(params)) return responder.send(std::move(*bad));
  const std::string& topic = params.at("topic");
  auto head = api.engine.topics().head(topic);
  if (!head) {
    return responder.send(http::error_response(
        Error{ErrorCode::kNotFound, "topic '" + topic + "' has had no event published to it"}));
  }
  responder.send(http::HttpResponse::json(200, head_json(topic, *head)));
}

void list_events(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
                 http::Responder responder) {
  if (auto bad = check_topic(params)) return responder.send(std::move(*bad));
  auto after = query_int(request, "after", 0, 0, INT64_MAX);
  if (!after) return responder.send(std::move(after.error()));
  auto limit = query_int(request, "limit", 100, 1, 1000);
  if (!limit) return responder.send(std::move(limit.error()));
  std::string topic = params.at("topic");
  uint64_t last = api.engine.topics().last_published_seq(topic);
  api.engine.read<json>(
      [topic, after = static_cast<uint64_t>(*after), limit = static_cast<size_t>(*limit),
       last](Store& snapshot) -> Result<json> {
        SUNDIAL_ASSIGN_OR_RETURN(TopicBacklog read, read_topic_backlog(snapshot, topic, after, limit));
        json events = json::array();
        for (const auto& e : read.events) events.push_back(topic_event_to_json(e));
        return json{{"topic", topic},
                    {"first_seq", read.first_seq.value_or(0)},
                    {"last_seq", last},
                    {"events", std::move(events)}};
      },
      [r = std::move(responder)](Result<json> page) mutable {
        answer(r, page, 200, [](const json& j) { return j; });
      });
}

void stream(const AdminApi& api, const http::HttpRequest& request, const PathParams& params,
            http::Responder responder) {
  if (auto bad = check_topic(params)) return responder.send(std::move(*bad));
  auto resume = sse_resume_id(request);
  if (!resume) return responder.send(bad_argument(resume.error().message));
  SseOptions options;
  options.keepalive_ms = api.sse_keepalive_ms;
  if (auto type = request.query_param("type"); type && !type->empty()) {
    options.wanted = [type = *type](const SseFrame& f) { return f.type == type; };
  }
  // The server let a stream token in (server/sundial_server.cc): the
  // stream ends when the token does.
  if (auto token = request.query_param("access_token"); token && api.stream_tokens != nullptr) {
    TimeMs expires_at = 0;
    TimeMs now = api.engine.now();
    if (api.stream_tokens->verify(*token, params.at("topic"), now, &expires_at) != TokenCheck::kOk) {
      return responder.send(http::error_response(
          Error{ErrorCode::kUnauthorized, "the stream token is not valid for this topic"}));
    }
    options.close_after_ms = static_cast<uint64_t>(std::max<TimeMs>(1, expires_at - now));
  }
  if (auto as = request.query_param("as")) {
    if (*as != "message")
      return responder.send(bad_argument("as must be \"message\" (frames without event names)"));
    options.unnamed = true;
  }
  serve_sse(api.loop, std::make_shared<TopicSource>(api.engine, params.at("topic")), std::move(options),
            *resume, std::move(responder));
}

void mint_stream_token(const AdminApi& api, const http::HttpRequest& request, http::Responder responder) {
  if (api.stream_tokens == nullptr) {
    return responder.send(http::error_response(Error{ErrorCode::kNotFound, "stream tokens are not enabled"}));
  }
  auto body = read_json_body(request, BodyRule::kObjectOrEmpty, api.json_limits);
  if (!body) return responder.send(std::move(body.error()));
  auto parsed = parse_stream_token_request(*body);
  if (!parsed) return responder.send(bad_argument(parsed.error().message));
  auto minted = api.stream_tokens->mint(std::move(parsed->topics), api.engine.now(), parsed->ttl);
  answer(responder, minted, 201, [](const MintedToken& m) {
    return json{{"token", m.token}, {"expires_at", m.expires_at}};
  });
}

}  // namespace

void add_topic_routes(Router& router, const AdminApi& api) {
  router.add("POST", "/api/v1/topics/{topic}/events",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               publish(api, req, p, std::move(r));
             });
  router.add("POST", "/api/v1/stream-tokens",
             [api](http::HttpRequest&& req, const PathParams&, http::Responder r) {
               mint_stream_token(api, req, std::move(r));
             });
  router.add("GET", "/api/v1/topics", [api](http::HttpRequest&&, const PathParams&, http::Responder r) {
    list_topics(api, std::move(r));
  });
  router.add("GET", "/api/v1/topics/{topic}",
             [api](http::HttpRequest&&, const PathParams& p, http::Responder r) {
               show_topic(api, p, std::move(r));
             });
  router.add("GET", "/api/v1/topics/{topic}/events",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               list_events(api, req, p, std::move(r));
             });
  router.add("GET", "/api/v1/topics/{topic}/stream",
             [api](http::HttpRequest&& req, const PathParams& p, http::Responder r) {
               stream(api, req, p, std::move(r));
             });
}

}  // namespace sundial::api
