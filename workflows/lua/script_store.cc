#include "workflows/lua/script_store.h"

#include <nlohmann/json.hpp>

namespace sundial::lua {

std::string script_versions_prefix(std::string_view type) {
  std::string out(kScriptVersionPrefix);
  out.append(type);
  out.push_back('\0');
  return out;
}

std::string script_version_key(std::string_view type, std::string_view version) {
  return script_versions_prefix(type).append(version);
}

std::string api_current_key(std::string_view type) { return std::string(kApiCurrentPrefix).append(type); }

void put_script(Batch& batch, const StoredScript& script) {
  nlohmann::json value = {{"source", script.source}, {"chunkname", script.chunkname}};
  batch.put(Cf::kMeta, script_version_key(script.type, script.version), value.dump());
}

std::optional<StoredScript> decode_script(std::string_view key, std::string_view value) {
  if (!key.starts_with(kScriptVersionPrefix)) return std::nullopt;
  key.remove_prefix(kScriptVersionPrefix.size());
  size_t nul = key.find('\0');
  if (nul == std::string_view::npos || nul == 0 || nul + 1 == key.size()) return std::nullopt;
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object() || !j.contains("source") || !j["source"].is_string() || !j.contains("chunkname") ||
      !j["chunkname"].is_string()) {
    return std::nullopt;
  }
  return StoredScript{std::string(key.substr(0, nul)), std::string(key.substr(nul + 1)),
                      j["source"].get<std::string>(), j["chunkname"].get<std::string>()};
}

std::optional<std::string> decode_api_current(std::string_view value) {
  auto j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object() || !j.contains("version") || !j["version"].is_string()) return std::nullopt;
  return j["version"].get<std::string>();
}

std::string encode_api_current(std::string_view version) {
  return nlohmann::json{{"version", version}}.dump();
}

}  // namespace sundial::lua
