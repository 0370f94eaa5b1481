#include "engine/codec/stored_instance.h"

#include "engine/codec/codec.h"
#include "engine/codec/scan_decoded.h"
#include "engine/storage/keys.h"

namespace sundial {

Result<std::vector<JournalEntry>> read_journal(Store& store, const std::string& id, uint32_t run) {
  std::vector<JournalEntry> journal;
  SUNDIAL_TRY(scan_decoded_prefix<JournalEntry>(
      store, Cf::kJournal, keys::journal_prefix(id, run),
      [&](std::string_view key, std::string_view value) -> Result<JournalEntry> {
        auto entry = decode_entry(value);
        auto seq = keys::journal_seq(key);
        if (!entry || !seq || *seq != journal.size()) {
          return make_error(ErrorCode::kCorruption, "journal of instance '" + id + "' is damaged at entry " +
                                                        std::to_string(journal.size()));
        }
        entry->seq = *seq;
        return entry;
      },
      [&](JournalEntry&& entry) {
        journal.push_back(std::move(entry));
        return true;
      }));
  return journal;
}

Result<StoredInstance> read_stored_instance(Store& store, const std::string& id) {
  SUNDIAL_ASSIGN_OR_RETURN(auto bytes, store.get(Cf::kInstances, id));
  if (!bytes) return make_error(ErrorCode::kNotFound, "instance '" + id + "' does not exist");
  StoredInstance out;
  SUNDIAL_ASSIGN_OR_RETURN(out.record, decode_record(*bytes));
  SUNDIAL_ASSIGN_OR_RETURN(out.journal, read_journal(store, id, out.record.run));
  if (out.journal.empty() || out.journal.size() != out.record.next_seq ||
      out.journal[0].kind != EntryKind::kStarted) {
    return make_error(ErrorCode::kCorruption, "journal of instance '" + id + "' does not match its record (" +
                                                  std::to_string(out.journal.size()) + " entries, " +
                                                  std::to_string(out.record.next_seq) + " expected)");
  }
  return out;
}

}  // namespace sundial
