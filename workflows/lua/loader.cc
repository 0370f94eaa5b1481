#include "workflows/lua/loader.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

#include "engine/storage/keys.h"

namespace sundial::lua {

Result<std::vector<std::string>> load_lua_workflows(const std::filesystem::path& dir, Registry& registry,
                                                    const LuaOptions& options) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".lua" && it->is_regular_file()) files.push_back(it->path());
  }
  if (ec)
    return make_error(ErrorCode::kInvalidArgument, "workflows dir " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());

  std::vector<std::shared_ptr<const LuaScript>> scripts;
  for (const auto& path : files) {
    std::string name = path.filename().string();
    auto size = std::filesystem::file_size(path, ec);
    if (ec) return make_error(ErrorCode::kInvalidArgument, name + ": " + ec.message());
    if (size > kMaxScriptBytes) {
      return make_error(ErrorCode::kInvalidArgument,
                        name + ": the script is larger than " + std::to_string(kMaxScriptBytes) + " bytes");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return make_error(ErrorCode::kInvalidArgument, name + ": cannot read the file");
    auto named = keys::validate_type_name(path.stem().string());
    if (!named) return make_error(ErrorCode::kInvalidArgument, name + ": " + named.error().message);
    auto script = LuaScript::load(path.stem().string(), text.str(), name, options);
    if (!script) return std::unexpected(script.error());
    if (registry.find(path.stem().string()) != nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        name + ": workflow type '" + path.stem().string() + "' already exists");
    }
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
