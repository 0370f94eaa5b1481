// The Lua workflow scripts shipped with Sundial (workflows/<family>/
// <type>.lua: nurture, reminders, ...), loaded for a test as sundiald
// loads them: found through shipped_script_dirs(), with the type's config
// section and email deps given. Registered under their own type names.
//
// Threading: the test's thread. Ownership: the returned script is shared;
// `email` must outlive it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "engine/runtime/registry.h"
#include "workflows/lua/script.h"
#include "workflows/shipped_scripts.h"

namespace sundial::testing {

// The path of the shipped `<type>.lua`; empty when there is none.
inline std::filesystem::path shipped_script_path(const std::string& type) {
  for (const auto& dir : shipped_script_dirs()) {
    if (std::filesystem::exists(dir / (type + ".lua"))) return dir / (type + ".lua");
  }
  return {};
}

inline std::shared_ptr<lua::LuaScript> load_shipped_script(const std::string& type,
                                                           std::shared_ptr<const EmailDeps> email = nullptr,
                                                           nlohmann::json config = nlohmann::json::object()) {
  std::filesystem::path path = shipped_script_path(type);
  EXPECT_FALSE(path.empty()) << "no shipped " << type << ".lua";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  lua::LuaOptions options;
  options.effects.email = std::move(email);
  options.config = std::move(config);
  auto script = lua::LuaScript::load(type, text.str(), type + ".lua", options);
  EXPECT_TRUE(script) << script.error().message;
  return script ? *script : nullptr;
}

// Loads and registers the shipped `type` in `registry`.
inline void register_shipped_script(Registry& registry, const std::string& type,
                                    std::shared_ptr<const EmailDeps> email = nullptr,
                                    nlohmann::json config = nlohmann::json::object()) {
  auto script = load_shipped_script(type, std::move(email), std::move(config));
  ASSERT_TRUE(script);
  auto registered = lua::register_lua_script(registry, script);
  ASSERT_TRUE(registered) << registered.error().message;
}

}  // namespace sundial::testing
