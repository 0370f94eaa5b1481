#include "engine/storage/backup.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sundial {

namespace {

namespace fs = std::filesystem;

Error io_error(const std::string& what, const std::string& path, int err) {
  return Error{ErrorCode::kIoError, what + " '" + path + "': " + std::strerror(err)};
}

Error io_error(const std::string& what, const std::string& path, const std::error_code& ec) {
  return Error{ErrorCode::kIoError, what + " '" + path + "': " + ec.message()};
}

// fsync(2) of a file or a directory: what a rename or a new file needs to
// survive a power cut.
Result<void> sync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("cannot open", path, errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return std::unexpected(io_error("cannot sync", path, err));
  return ok();
}

Result<void> write_synced(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(io_error("cannot create", path, errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return std::unexpected(io_error("cannot write", path, err));
    }
    done += static_cast<size_t>(n);
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return std::unexpected(io_error("cannot sync", path, err));
  return ok();
}

std::string parent_of(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string("/") : parent.string();
}

nlohmann::json manifest_json(const BackupInfo& info) {
  return {{"format", "sundial-backup"},
          {"created_at", info.created_at},
          {"sequence", info.sequence},
          {"schema_version", info.schema_version},
          {"bytes", info.bytes},
          {"files", info.files}};
}

}  // namespace

std::string partial_backup_path(const std::string& dest) { return dest + ".partial"; }

Result<void> check_backup_destination(const std::string& dest) {
  if (dest.empty() || dest.front() != '/') {
    return make_error(ErrorCode::kInvalidArgument,
                      "a backup destination must be an absolute path on the server's host, not '" + dest + "'");
  }
  for (char c : dest) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return make_error(ErrorCode::kInvalidArgument, "a backup destination must not hold control characters");
    }
  }
  for (const auto& part : fs::path(dest)) {
    if (part == "..") {
      return make_error(ErrorCode::kInvalidArgument, "a backup destination must not go up with '..': '" + dest + "'");
    }
  }
  if (fs::path(dest).filename().empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a backup destination names a new directory, not '" + dest + "'");
  }
  std::error_code ec;
  if (fs::exists(dest, ec)) {
    return make_error(ErrorCode::kConflict,
                      "'" + dest + "' already exists; a backup goes to a new directory (it never overwrites)");
  }
  std::string parent = parent_of(dest);
  if (!fs::is_directory(parent, ec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + parent + "' is not a directory on the server's host; create it first");
  }
  if (fs::exists(partial_backup_path(dest), ec)) {
    return make_error(ErrorCode::kConflict, "'" + partial_backup_path(dest) +
                                                "' exists: an interrupted backup (or one running now); "
                                                "remove it, or back up to another path");
  }
  return ok();
}

static Result<void> finish_backup_unguarded(const std::string& partial, BackupInfo& info) {
  std::error_code ec;
  info.files = 1;  // the manifest
  info.bytes = 0;
  for (const auto& entry : fs::directory_iterator(partial, ec)) {
    if (!entry.is_regular_file()) continue;
    info.files++;
    info.bytes += entry.file_size();
  }
  if (ec) return std::unexpected(io_error("cannot list", partial, ec));
  std::string manifest = manifest_json(info).dump(2) + "\n";
  info.bytes += manifest.size();
  // The manifest records the final size, its own included.
  manifest = manifest_json(info).dump(2) + "\n";
  // Only the server's user may read it: it holds every customer's data.
  if (::chmod(partial.c_str(), 0700) != 0) return std::unexpected(io_error("cannot restrict", partial, errno));
  SUNDIAL_TRY(write_synced(partial + "/" + std::string(kBackupManifestName), manifest));
  SUNDIAL_TRY(sync_path(partial, /*directory=*/true));
  // Never over a DEST made since the check.
  if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, info.path.c_str(), RENAME_NOREPLACE) != 0) {
    return std::unexpected(io_error("cannot rename the finished backup to", info.path, errno));
  }
  return sync_path(parent_of(info.path), /*directory=*/true);
}

Result<BackupInfo> read_backup_manifest(const std::string& dir) {
  std::string path = dir + "/" + std::string(kBackupManifestName);
  std::ifstream in(path);
  if (!in) {
    std::error_code ec;
    std::string why = fs::is_directory(dir, ec) ? "it has no " + std::string(kBackupManifestName)
                                                : "it is not a directory";
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + dir + "' is not a Sundial backup (" + why +
                          "); make one with `sundialctl backup DEST`");
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  auto number = [&](const char* key) { return j.is_object() && j.contains(key) && j[key].is_number_integer(); };
  if (!j.is_object() || j.value("format", "") != "sundial-backup" || !number("schema_version") ||
      !number("created_at") || !number("sequence")) {
    return make_error(ErrorCode::kInvalidArgument, "'" + path + "' is not a Sundial backup manifest");
  }
  BackupInfo info;
  info.path = dir;
  info.created_at = j["created_at"].get<TimeMs>();
  info.sequence = j["sequence"].get<uint64_t>();
  info.schema_version = j["schema_version"].get<int>();
  if (number("bytes")) info.bytes = j["bytes"].get<uint64_t>();
  if (number("files")) info.files = j["files"].get<uint64_t>();
  return info;
}

static Result<BackupInfo> restore_backup_unguarded(const std::string& backup, const std::string& data_dir,
                                            int readable_schema, const std::vector<std::string>& ignore) {
  SUNDIAL_ASSIGN_OR_RETURN(BackupInfo info, read_backup_manifest(backup));
  if (info.schema_version > readable_schema) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the backup at '" + backup + "' has storage format " + std::to_string(info.schema_version) +
                          ", newer than this sundiald reads (" + std::to_string(readable_schema) +
                          "); restore it with the sundiald that made it, or a newer one");
  }
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return std::unexpected(io_error("cannot create", data_dir, ec));
  for (const auto& entry : fs::directory_iterator(data_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (std::find(ignore.begin(), ignore.end(), name) != ignore.end()) continue;
    return make_error(ErrorCode::kConflict, "the data directory '" + data_dir + "' is not empty (it has '" + name +
                                                "'); a restore never overwrites data: move it aside, or "
                                                "restore into another --data-dir");
  }
  if (ec) return std::unexpected(io_error("cannot list", data_dir, ec));

  const std::string marker = data_dir + "/" + std::string(kRestoringMarkerName);
  SUNDIAL_TRY(write_synced(marker, "restoring from " + backup + "\n"));
  SUNDIAL_TRY(sync_path(data_dir, /*directory=*/true));
  for (const auto& entry : fs::directory_iterator(backup, ec)) {
    std::string name = entry.path().filename().string();
    if (name == kBackupManifestName || !entry.is_regular_file()) continue;
    std::string to = data_dir + "/" + name;
    fs::copy_file(entry.path(), to, fs::copy_options::none, ec);
    if (ec) return std::unexpected(io_error("cannot copy to", to, ec));
    SUNDIAL_TRY(sync_path(to, /*directory=*/false));
  }
  if (ec) return std::unexpected(io_error("cannot list", backup, ec));
  SUNDIAL_TRY(sync_path(data_dir, /*directory=*/true));
  fs::remove(marker, ec);
  if (ec) return std::unexpected(io_error("cannot remove", marker, ec));
  SUNDIAL_TRY(sync_path(data_dir, /*directory=*/true));
  return info;
}

// std::filesystem's iterators throw when a directory changes or fails
// under them; these run on pool threads, where nothing may throw.
template <typename Fn>
auto without_exceptions(const std::string& path, Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const fs::filesystem_error& e) {
    return make_error(ErrorCode::kIoError, "'" + path + "': " + e.what());
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, "'" + path + "': " + e.what());
  }
}

Result<void> finish_backup(const std::string& partial, BackupInfo& info) {
  return without_exceptions(partial, [&] { return finish_backup_unguarded(partial, info); });
}

Result<BackupInfo> restore_backup(const std::string& backup, const std::string& data_dir, int readable_schema,
                                  const std::vector<std::string>& ignore) {
  return without_exceptions(backup, [&] { return restore_backup_unguarded(backup, data_dir, readable_schema, ignore); });
}

Result<void> check_no_interrupted_restore(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::exists(data_dir + "/" + std::string(kRestoringMarkerName), ec)) return ok();
  return make_error(ErrorCode::kCorruption,
                    "the data directory '" + data_dir +
                        "' holds an interrupted restore (its RESTORING file); empty it and run "
                        "`sundiald --restore BACKUP` again");
}

}  // namespace sundial
