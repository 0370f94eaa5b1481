// Value encoding of stored records: InstanceRecord, JournalEntry and
// EngineEvent as compact JSON objects (docs/storage-format.md lists the
// fields). Decoding is strict about types and returns a corruption error
// naming the record; fields at their default value are omitted.
//
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"
#include "engine/model/event.h"
#include "engine/model/instance.h"
#include "engine/model/journal_entry.h"

namespace sundial {

std::string encode_record(const InstanceRecord& record);
Result<InstanceRecord> decode_record(std::string_view bytes);

std::string encode_entry(const JournalEntry& entry);
Result<JournalEntry> decode_entry(std::string_view bytes);

std::string encode_event(const EngineEvent& event);
Result<EngineEvent> decode_event(std::string_view bytes);

// The API's JSON views, shared by the HTTP server and the CLI.
nlohmann::json entry_to_json(const JournalEntry& entry);
nlohmann::json event_to_json(const EngineEvent& event);

}  // namespace sundial
