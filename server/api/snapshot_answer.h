// answer_from_snapshot: how the admin API answers a read. The query reads
// one storage snapshot and its answer is encoded as JSON on the engine's
// work pool, so the loop only hands the finished bytes to the connection:
// a page of 1,000 instances costs the loop no disk read and no encoding.
//
// Threading: call on the loop; `read` and `to_json` run on a pool thread
// and must only use what they own (copies of the request's parameters).
// Ownership: the Responder travels with the job; if the client is gone by
// the answer, sending is a no-op; if the engine closes first, the answer is
// dropped.
#pragma once

#include <utility>

#include "engine/engine.h"
#include "server/http/error_response.h"
#include "server/http/responder.h"

namespace sundial::api {

// `read(Store&)` returns Result<T>; `to_json(const T&)` its JSON (200).
// An error is answered through http::error_response.
template <typename Read, typename ToJson>
void answer_from_snapshot(Engine& engine, http::Responder responder, Read read, ToJson to_json) {
  engine.read<http::HttpResponse>(
      [read = std::move(read),
       to_json = std::move(to_json)](Store& snapshot) mutable -> Result<http::HttpResponse> {
        auto value = read(snapshot);
        if (!value) return http::error_response(value.error());
        return http::HttpResponse::json(200, to_json(*value));
      },
      [responder = std::move(responder)](Result<http::HttpResponse> response) mutable {
        responder.send(response ? std::move(*response) : http::error_response(response.error()));
      });
}

}  // namespace sundial::api
