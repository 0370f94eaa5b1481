#include "workflows/lua/loader.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

#include "engine/base/utf8.h"
#include "engine/storage/keys.h"

namespace sundial::lua {

Result<std::vector<std::filesystem::path>> list_script_files(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".lua" && it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument, "workflows dir " + dir.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<void> check_script_text(std::string_view chunkname, std::string_view source) {
  if (source.size() > kMaxScriptBytes) {
    return make_error(ErrorCode::kInvalidArgument, std::string(chunkname) + ": the script is larger than " +
                                                       std::to_string(kMaxScriptBytes) + " bytes");
  }
  if (auto bad = find_invalid_utf8(source)) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(chunkname) + ": " + describe_invalid_utf8(source, *bad));
  }
  return ok();
}

Result<ScriptFile> read_script_file(const std::filesystem::path& path) {
  ScriptFile file{path, path.stem().string(), path.filename().string(), {}};
  auto named = keys::validate_type_name(file.type);
  if (!named) return make_error(ErrorCode::kInvalidArgument, file.chunkname + ": " + named.error().message);
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return make_error(ErrorCode::kInvalidArgument, file.chunkname + ": " + ec.message());
  if (size > kMaxScriptBytes) {
    return make_error(ErrorCode::kInvalidArgument, file.chunkname + ": the script is larger than " +
                                                       std::to_string(kMaxScriptBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return make_error(ErrorCode::kInvalidArgument, file.chunkname + ": cannot read the file");
  file.source = std::move(text).str();
  SUNDIAL_TRY(check_script_text(file.chunkname, file.source));
  return file;
}

Result<std::vector<std::string>> load_lua_workflows(const std::filesystem::path& dir, Registry& registry,
                                                    const LuaOptions& options) {
  SUNDIAL_ASSIGN_OR_RETURN(auto paths, list_script_files(dir));
  std::vector<std::shared_ptr<const LuaScript>> scripts;
  for (const auto& path : paths) {
    SUNDIAL_ASSIGN_OR_RETURN(ScriptFile file, read_script_file(path));
    if (registry.find(file.type) != nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        file.chunkname + ": workflow type '" + file.type + "' already exists");
    }
    auto script = LuaScript::load(file.type, file.source, file.chunkname, options);
    if (!script) return std::unexpected(script.error());
    scripts.push_back(std::move(*script));
  }
  std::vector<std::string> types;
  for (auto& script : scripts) {
    SUNDIAL_TRY(register_lua_script(registry, script));
    types.push_back(script->type());
  }
  return types;
}

}  // namespace sundial::lua
