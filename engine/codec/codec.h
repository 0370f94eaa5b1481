// Value encoding of stored records: InstanceRecord, JournalEntry and
// EngineEvent as compact JSON objects (docs/storage-format.md lists the
// fields). Decoding is strict about types and returns a corruption error
// naming the record; fields at their default value are omitted.
//
// Nothing here throws. JSON text must be valid UTF-8, so a record or entry
// holding other bytes, or a value nested deeper than kMaxStoredValueDepth,
// cannot be encoded: encode_record and encode_entry return invalid_argument
// instead, and callers encode BEFORE they change anything in memory (see
// engine/transitions/record_ops.h). Events are a log of messages:
// encode_event replaces invalid bytes with U+FFFD and always succeeds.
// Stored values are parsed with a bounded depth (engine/base/json_parse.h).
//
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/base/json_parse.h"
#include "engine/model/event.h"
#include "engine/model/instance.h"
#include "engine/model/journal_entry.h"

namespace sundial {

// The deepest JSON value (an input, a payload, a step result) a record or
// entry can hold. Above every accepted `[server] max_json_depth`.
inline constexpr size_t kMaxStoredValueDepth = kMaxJsonDepthSetting;

// ok() when `value` can be stored: every string and key is valid UTF-8 and
// it is nested at most kMaxStoredValueDepth deep. Else invalid_argument
// "<what> holds text that is not valid UTF-8 (...)" or "<what> is nested
// deeper than ...". Iterative: safe on values of any depth.
Result<void> check_storable(const nlohmann::json& value, std::string_view what);

// `value` made storable: invalid bytes in strings and keys replaced by
// U+FFFD; null when it is nested too deep. A last resort for values the
// engine must store although nobody checked them; logs nothing.
nlohmann::json storable_copy(const nlohmann::json& value);

Result<std::string> encode_record(const InstanceRecord& record);
Result<InstanceRecord> decode_record(std::string_view bytes);

Result<std::string> encode_entry(const JournalEntry& entry);
Result<JournalEntry> decode_entry(std::string_view bytes);

std::string encode_event(const EngineEvent& event);
Result<EngineEvent> decode_event(std::string_view bytes);

// The API's JSON views, shared by the HTTP server and the CLI.
nlohmann::json entry_to_json(const JournalEntry& entry);
nlohmann::json event_to_json(const EngineEvent& event);

}  // namespace sundial
