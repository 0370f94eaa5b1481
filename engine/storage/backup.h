// Backups of a data directory, as files: where a new one may go, the
// manifest that marks a finished one, and putting one back into an empty
// data directory (docs/operations.md, "Backups and restore").
//
// A backup is a directory holding a RocksDB checkpoint (taken by
// RocksDbStore::checkpoint while the database serves) and, written last,
// `sundial-backup.json`. It is made under DEST.partial and renamed to DEST
// once whole, so a directory named DEST is always a finished backup.
//
// A restore copies the backup's files into the data directory behind a
// `RESTORING` marker that is removed only once every file is durable; a
// data directory that still has the marker (the restore was interrupted)
// is refused by RocksDbStore::open.
//
// Threading: blocking file I/O; never on the loop thread (a pool thread,
// or start-up). Ownership: plain functions and values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/clock.h"
#include "engine/base/error.h"

namespace sundial {

inline constexpr std::string_view kBackupManifestName = "sundial-backup.json";
inline constexpr std::string_view kRestoringMarkerName = "RESTORING";

// What a backup holds, as its manifest records it.
struct BackupInfo {
  std::string path;             // where it is (absolute)
  TimeMs created_at = 0;        // when the checkpoint was taken
  uint64_t sequence = 0;        // the last RocksDB write sequence number it holds
  int schema_version = 0;       // the storage format of its data
  uint64_t bytes = 0;           // the size of its files
  uint64_t files = 0;           // how many files it has (the manifest included)
  int64_t took_ms = 0;          // how long taking it took (not in the manifest)
};

// A new backup may go to `dest`: an absolute path that does not exist,
// whose parent is a directory, and without a DEST.partial left by an
// interrupted backup. kInvalidArgument or kConflict otherwise, saying why.
Result<void> check_backup_destination(const std::string& dest);

// `dest` + ".partial": where a backup is made before it is whole.
std::string partial_backup_path(const std::string& dest);

// Writes `info`'s manifest into `partial` (durably: the file and the
// directory are synced), counting the directory's files and bytes into
// it, then renames `partial` to `info.path` and syncs the parent.
Result<void> finish_backup(const std::string& partial, BackupInfo& info);

// The manifest of the backup at `dir`. kInvalidArgument when `dir` is not a
// finished Sundial backup (no manifest, an unreadable one).
Result<BackupInfo> read_backup_manifest(const std::string& dir);

// Copies the backup at `backup` into `data_dir`, which may be missing or
// hold only files named in `ignore` (the data-directory lock). Refuses a
// backup whose schema version is newer than `readable_schema`. Leaves the
// RESTORING marker behind if it fails part way.
Result<BackupInfo> restore_backup(const std::string& backup, const std::string& data_dir,
                                  int readable_schema, const std::vector<std::string>& ignore);

// kCorruption when `data_dir` holds a RESTORING marker, naming the remedy.
Result<void> check_no_interrupted_restore(const std::string& data_dir);

}  // namespace sundial
