// SseStream: a Server-Sent Events stream over a sequenced log, replayed
// then live, with no repeat and no loss. Two logs use it: the engine's
// event log (GET /api/v1/events) and each event-bus topic
// (GET /api/v1/topics/{topic}/stream). An SseSource adapts a log.
//
// A client that reconnects with Last-Event-ID (or ?since=<seq>) first gets
// the committed entries after it, read in chunks on a work pool (each
// chunk with the log's first sequence from one storage snapshot, so the
// loop never waits on it), then live entries. Live entries that arrive
// while a chunk is read are held. An entry published before a read was
// asked for is durable, so in that read's snapshot: asking for a read
// drops what is held, and after the last chunk the held entries follow.
// Anything at or below the last seen sequence is skipped, which removes
// what a chunk and the held entries both have. Without a resume id the
// stream starts after the last *published* entry, so entries whose commit
// is in flight when the client connects still reach it.
//
// Nothing is skipped silently: a resume id the log cannot continue from is
// answered with a control event before the stream goes on (docs/http-api.md):
//   `event: gap`   entries after it were trimmed from the log;
//   `event: reset` it is beyond any sequence the log assigned.
// Both carry `id:` = the sequence the stream continues after, so a client
// that reconnects right away does not hear the same news twice.
//
// A stream may send only some entries (a topic stream's ?type=): the
// others advance what it has seen but are not written.
//
// Threading: loop thread only. Ownership: each stream keeps itself alive
// through its watch, the response's on_close and a chunk read in flight
// until either side closes (a read answered after that is ignored); it
// shares its source.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/error.h"
#include "engine/loop/loop.h"
#include "server/http/responder.h"

namespace sundial::api {

// One entry as the stream writes it.
struct SseFrame {
  uint64_t seq = 0;
  std::string type;  // the `event:` field
  std::string data;  // one line of JSON
};

struct SseBacklog {
  std::optional<uint64_t> first_seq;  // the oldest entry kept; nullopt when none is
  std::vector<SseFrame> frames;       // entries after the asked-for sequence, oldest first
};

class SseSource {
 public:
  virtual ~SseSource() = default;
  // The last sequence number assigned (its commit may be in flight).
  virtual uint64_t last_assigned() const = 0;
  // The last one published to watchers.
  virtual uint64_t last_published() const = 0;
  // `fn` gets every entry published from now on, in order.
  virtual uint64_t watch(std::function<void(const SseFrame&)> fn) = 0;
  virtual void unwatch(uint64_t id) = 0;
  // Up to `limit` committed entries after `after`, read off the loop;
  // `done` runs on the loop, later.
  virtual void backlog(uint64_t after, size_t limit,
                       std::move_only_function<void(Result<SseBacklog>)> done) = 0;
};

struct SseOptions {
  uint64_t keepalive_ms = 15000;
  // Which entries are written; none: all.
  std::function<bool(const SseFrame&)> wanted;
  // Frames without the `event:` line, so an EventSource hands every one to
  // onmessage (a client that does not know the types in advance); the
  // type is in the data.
  bool unnamed = false;
  // Closes the stream after this long (a stream token's remaining life):
  // the client reconnects and must show a fresh token. None: open until
  // either side closes.
  std::optional<uint64_t> close_after_ms;
};

// Last-Event-ID, else ?since= (a reconnecting EventSource keeps the URL it
// started with and sends the header, which is the newer of the two);
// nullopt for a fresh client, an error response for one that is not a
// sequence number.
Result<std::optional<uint64_t>> sse_resume_id(const http::HttpRequest& request);

// Answers `request` with a stream of `source` (200, text/event-stream).
void serve_sse(Loop& loop, std::shared_ptr<SseSource> source, SseOptions options,
               std::optional<uint64_t> resume_after, http::Responder responder);

}  // namespace sundial::api
