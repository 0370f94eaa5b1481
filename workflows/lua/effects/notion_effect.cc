// ctx:notion(name, {...}): one Notion operation as a durable step, through
// the Notion connector (connectors/notion/notion_client.h: the integration
// token, Notion-Version, the shared limiter `notion`, Notion's errors):
//
//   { query = <database id>, filter =, sorts =, properties = { names } }
//       every page matching, all pages of results followed:
//       { pages = { <simplified page>, ... }, count =, requests = }
//       (`data_source = <id>` instead of `query` names a data source)
//   { page = <page id>, properties = { names } }   one page, simplified
//   { update = <page id>, properties = { Name = <Notion write value> } }
//       sets those properties: { id =, updated = { names } }
//
// A simplified page is {id, created_time, last_edited_time, parent,
// in_trash, properties = {name: plain value}} (notion_properties.h);
// `properties` as a list of names keeps only those (smaller journals).
// See effect.h for the convention, docs/lua.md for the contract.
#include <lua.hpp>

#include "connectors/notion/notion_client.h"
#include "connectors/notion/notion_properties.h"
#include "workflows/lua/effects/effect.h"
#include "workflows/lua/lua_json.h"

namespace sundial::lua {
namespace {

enum class NotionOp { kQuery, kPage, kUpdate };

struct NotionSpec {
  NotionOp op = NotionOp::kQuery;
  NotionQuery query;
  std::string page_id;
  std::vector<std::string> names;  // kQuery, kPage: the properties kept (none: all)
  nlohmann::json properties;       // kUpdate: the values written
};

std::string string_arg(lua_State* L, const std::string& what) {
  if (lua_type(L, -1) != LUA_TSTRING) throw LuaValueError(what + " must be a string");
  std::string s = lua_tostring(L, -1);
  if (auto valid = check_notion_id(s, what); !valid) throw LuaValueError(valid.error().message);
  return s;
}

std::vector<std::string> name_list(lua_State* L, const std::string& what) {
  nlohmann::json list = to_json(L, -1);
  std::vector<std::string> out;
  if (!list.is_array()) throw LuaValueError(what + " must be a list of property names");
  for (const auto& name : list) {
    if (!name.is_string()) throw LuaValueError(what + " must be a list of property names");
    out.push_back(name.get<std::string>());
  }
  return out;
}

NotionSpec read_notion_spec(lua_State* L) {
  const std::string m = "ctx:notion";
  check_known_fields(L, 3, m, {"query", "data_source", "page", "update", "filter", "sorts", "properties"});
  NotionSpec spec;
  int ops = 0;
  if (raw_field(L, 3, "query") != LUA_TNIL) {
    spec.query.id = string_arg(L, m + ": query (a database id)");
    ++ops;
  }
  lua_pop(L, 1);
  if (raw_field(L, 3, "data_source") != LUA_TNIL) {
    spec.query.id = string_arg(L, m + ": data_source");
    spec.query.data_source = true;
    ++ops;
  }
  lua_pop(L, 1);
  if (raw_field(L, 3, "page") != LUA_TNIL) {
    spec.op = NotionOp::kPage;
    spec.page_id = string_arg(L, m + ": page");
    ++ops;
  }
  lua_pop(L, 1);
  if (raw_field(L, 3, "update") != LUA_TNIL) {
    spec.op = NotionOp::kUpdate;
    spec.page_id = string_arg(L, m + ": update");
    ++ops;
  }
  lua_pop(L, 1);
  if (ops != 1) throw LuaValueError(m + ": give one of query, data_source, page or update");
  bool query = spec.op == NotionOp::kQuery;
  for (const char* field : {"filter", "sorts"}) {
    if (raw_field(L, 3, field) != LUA_TNIL) {
      if (!query) throw LuaValueError(m + ": " + field + " belongs to a query");
      (std::string(field) == "filter" ? spec.query.filter : spec.query.sorts) = to_json(L, -1);
    }
    lua_pop(L, 1);
  }
  if (raw_field(L, 3, "properties") != LUA_TNIL) {
    if (spec.op == NotionOp::kUpdate) {
      spec.properties = to_json(L, -1);
      if (!spec.properties.is_object() || spec.properties.empty())
        throw LuaValueError(m + ": update: properties must be a table of name = Notion value");
    } else {
      spec.names = name_list(L, m + ": properties");
    }
  } else if (spec.op == NotionOp::kUpdate) {
    throw LuaValueError(m + ": update: properties is required");
  }
  lua_pop(L, 1);
  return spec;
}

AsyncStepFn build_notion(lua_State* L, const EffectEnv& env) {
  NotionSpec spec = read_notion_spec(L);
  NotionClient* client = env.effects.notion;
  return [spec = std::move(spec), client](const StepInfo&, StepDone done) {
    if (client == nullptr) {
      return done(make_error(ErrorCode::kInvalidArgument, "ctx:notion is not available: no Notion client"));
    }
    switch (spec.op) {
      case NotionOp::kQuery:
        return client->query_all(
            spec.query, [names = spec.names, done = std::move(done)](Result<NotionQueryResult> r) mutable {
              if (!r) return done(std::unexpected(r.error()));
              nlohmann::json pages = nlohmann::json::array();
              for (const auto& page : r->pages) pages.push_back(notion::simplify_page(page, names));
              size_t count = pages.size();
              done(nlohmann::json{{"pages", std::move(pages)}, {"count", count}, {"requests", r->requests}});
            });
      case NotionOp::kPage:
        return client->retrieve_page(
            spec.page_id, [names = spec.names, done = std::move(done)](Result<nlohmann::json> r) mutable {
              if (!r) return done(std::unexpected(r.error()));
              done(notion::simplify_page(*r, names));
            });
      case NotionOp::kUpdate: {
        nlohmann::json updated = nlohmann::json::array();
        for (const auto& [name, value] : spec.properties.items()) updated.push_back(name);
        return client->update_page(spec.page_id, spec.properties,
                                   [id = spec.page_id, updated = std::move(updated),
                                    done = std::move(done)](Result<nlohmann::json> r) mutable {
                                     if (!r) return done(std::unexpected(r.error()));
                                     done(nlohmann::json{{"id", id}, {"updated", std::move(updated)}});
                                   });
      }
    }
  };
}

}  // namespace

const Effect kNotionEffect{"notion", &build_notion};

}  // namespace sundial::lua
