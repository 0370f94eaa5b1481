#include "engine/kv/kv_step.h"

namespace sundial {

Result<void> check_kv_step(const KvStepRequest& r) {
  SUNDIAL_TRY(check_kv_namespace(r.ns));
  SUNDIAL_TRY(check_kv_key(r.key));
  if (r.kind == KvStepRequest::Kind::kPut) SUNDIAL_TRY(check_kv_value(r.value));
  return ok();
}

AsyncStepFn kv_step(KvService& kv, KvStepRequest request) {
  return [&kv, request = std::move(request)](const StepInfo& info, StepDone done) {
    if (request.kind == KvStepRequest::Kind::kGet) {
      return kv.get(request.ns, request.key,
                    [key = request.key, done = std::move(done)](Result<std::optional<KvEntry>> got) mutable {
                      if (!got) return done(std::unexpected(got.error()));
                      if (!*got) return done(nlohmann::json{{"found", false}, {"key", key}, {"version", 0}});
                      nlohmann::json j = kv_entry_to_json(**got, false);
                      j["found"] = true;
                      done(std::move(j));
                    });
    }
    KvWrite write;
    write.op = request.kind == KvStepRequest::Kind::kPut ? KvOp::kPut : KvOp::kDelete;
    write.ns = request.ns;
    write.key = request.key;
    write.value = request.value;
    write.if_version = request.if_version;
    write.by = info.idempotency_key;
    kv.write(std::move(write), [done = std::move(done)](Result<KvWriteResult> wrote) mutable {
      if (!wrote) return done(std::unexpected(wrote.error()));
      done(kv_write_result_to_json(*wrote));
    });
  };
}

}  // namespace sundial
