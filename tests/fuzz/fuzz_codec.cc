// libFuzzer target: engine/codec, the bytes of stored records read back
// from RocksDB (a corrupted or foreign value must decode to a corruption
// error, never crash), and the storage keys parsed from iterators. What
// decodes must re-encode and decode to the same bytes (a round trip that
// changed a record would rewrite history at the next save), and the API
// views of it must dump.
#include <string>
#include <utility>

#include "engine/codec/codec.h"
#include "engine/storage/keys.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using sundial::fuzz::encodable;
using sundial::fuzz::encodable_json;

// Encoded bytes: encode_record/encode_entry return a Result (they refuse
// values that cannot be stored), encode_event a string. What decoded from
// stored bytes must always encode again.
std::string bytes_of(std::string s) { return s; }
std::string bytes_of(sundial::Result<std::string> r) {
  FUZZ_CHECK(r.has_value());
  return std::move(*r);
}

template <typename Decode, typename Encode>
void round_trip(std::string_view bytes, Decode decode, Encode encode) {
  auto first = decode(bytes);
  if (!first) {
    FUZZ_CHECK(first.error().code == sundial::ErrorCode::kCorruption);
    FUZZ_CHECK(encodable(first.error().message));
    return;
  }
  std::string encoded = bytes_of(encode(*first));
  auto second = decode(encoded);
  FUZZ_CHECK(second.has_value());
  FUZZ_CHECK(bytes_of(encode(*second)) == encoded);
}

void keys(std::string_view bytes) {
  namespace keys = sundial::keys;
  if (auto seq = keys::parse_event_key(bytes)) FUZZ_CHECK(keys::event_key(*seq) == bytes);
  // Times are written clamped at 0; a key past 2^63 ms reads as negative.
  if (auto timer = keys::parse_timer_key(bytes); timer && timer->due >= 0) {
    FUZZ_CHECK(keys::timer_key(timer->due, timer->instance_id) == bytes);
  }
  (void)keys::journal_seq(bytes);
  (void)keys::index_key_id(bytes, 2);
  (void)keys::index_key_time(bytes, 2);
  (void)keys::validate_instance_id(bytes);
  (void)keys::validate_type_name(bytes);
  (void)keys::validate_name("signal", bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  round_trip(bytes, sundial::decode_record,
             [](const sundial::InstanceRecord& r) { return sundial::encode_record(r); });
  round_trip(bytes, sundial::decode_entry, [](const sundial::JournalEntry& e) {
    FUZZ_CHECK(encodable_json(sundial::entry_to_json(e)));
    return sundial::encode_entry(e);
  });
  round_trip(bytes, sundial::decode_event, [](const sundial::EngineEvent& e) {
    FUZZ_CHECK(encodable_json(sundial::event_to_json(e)));
    return sundial::encode_event(e);
  });
  keys(bytes);
  return 0;
}
