#include "workflows/lua/trigger_declaration.h"

#include <cctype>
#include <initializer_list>
#include <string_view>

#include "engine/base/duration.h"

namespace sundial::lua {

namespace {

using nlohmann::json;

Error bad(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

Result<void> only(const json& fields, const std::string& where,
                  std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : fields.items()) {
    bool known = false;
    for (auto a : allowed) known |= key == a;
    if (known) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return std::unexpected(bad(where + "unknown field '" + key + "' (expected " + list + ")"));
  }
  return ok();
}

// A string field: nullopt when absent, an error when present with another type or empty.
Result<std::optional<std::string>> text(const json& fields, const char* key, const std::string& where) {
  auto it = fields.find(key);
  if (it == fields.end()) return std::optional<std::string>{};
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::unexpected(bad(where + "'" + key + "' must be a non-empty string"));
  }
  return std::optional<std::string>{it->get<std::string>()};
}

bool is_token(std::string_view s, std::string_view extra) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<void> read_signature(const json& sig, TriggerDeclaration& out) {
  const std::string where = "signature: ";
  if (sig.is_string() && sig.get<std::string>() == "none") return ok();
  if (!sig.is_object()) return std::unexpected(bad("signature must be a table (or \"none\")"));
  SUNDIAL_TRY(only(sig, where, {"scheme", "secret_env", "header", "encoding", "prefix", "tolerance"}));
  SUNDIAL_ASSIGN_OR_RETURN(auto scheme, text(sig, "scheme", where));
  if (!scheme) return std::unexpected(bad(where + "'scheme' is required"));
  SUNDIAL_ASSIGN_OR_RETURN(auto header, text(sig, "header", where));
  SUNDIAL_ASSIGN_OR_RETURN(auto secret_env, text(sig, "secret_env", where));
  SUNDIAL_ASSIGN_OR_RETURN(auto encoding, text(sig, "encoding", where));
  auto prefix_it = sig.find("prefix");
  if (prefix_it != sig.end() && !prefix_it->is_string()) {
    return std::unexpected(bad(where + "'prefix' must be a string"));
  }
  bool hmac = *scheme == "hmac-sha256";
  if (*scheme == "none") {
    if (sig.size() > 1) return std::unexpected(bad(where + "scheme \"none\" takes no other field"));
    return ok();
  }
  if (!hmac && *scheme != "stripe" && *scheme != "standard-webhooks") {
    return std::unexpected(bad(where + "unknown scheme '" + *scheme +
                               "' (expected hmac-sha256, stripe, standard-webhooks or none)"));
  }
  if (!secret_env)
    return std::unexpected(bad(where + "'secret_env' is required (the variable holding the secret)"));
  if (!is_token(*secret_env, "_")) {
    return std::unexpected(bad(where + "'secret_env' must be an environment variable name (A-Z a-z 0-9 _)"));
  }
  out.secret_env = *secret_env;
  DurationMs tolerance = kDefaultSignatureTolerance;
  if (auto t = sig.find("tolerance"); t != sig.end()) {
    if (hmac) return std::unexpected(bad(where + "'tolerance' applies to stripe and standard-webhooks only"));
    if (t->is_number_integer()) {
      tolerance = t->get<int64_t>();
    } else if (t->is_string()) {
      SUNDIAL_ASSIGN_OR_RETURN(tolerance, parse_duration(t->get<std::string>()));
    } else {
      return std::unexpected(bad(where + "'tolerance' must be a duration (\"5m\") or milliseconds"));
    }
    if (tolerance < kSecondMs || tolerance > kDayMs) {
      return std::unexpected(bad(where + "'tolerance' must be between 1s and 1d"));
    }
  }
  if (!hmac) {
    if (header || encoding || prefix_it != sig.end()) {
      return std::unexpected(bad(where + "'header', 'encoding' and 'prefix' apply to hmac-sha256 only"));
    }
    out.verification = *scheme == "stripe" ? stripe_verification(std::nullopt, tolerance)
                                           : standard_webhooks_verification(std::nullopt, tolerance);
    return ok();
  }
  if (!header) return std::unexpected(bad(where + "'header' is required for hmac-sha256"));
  if (!is_token(*header, "-_")) return std::unexpected(bad(where + "'header' is not a header name"));
  SignatureEncoding enc = SignatureEncoding::kHex;
  if (encoding && *encoding == "base64") {
    enc = SignatureEncoding::kBase64;
  } else if (encoding && *encoding != "hex") {
    return std::unexpected(bad(where + "'encoding' must be \"hex\" or \"base64\""));
  }
  std::string prefix = prefix_it != sig.end() ? prefix_it->get<std::string>() : "";
  if (prefix.size() > 32) return std::unexpected(bad(where + "'prefix' is longer than 32 characters"));
  out.verification = hmac_verification(lower(*header), std::nullopt, std::move(prefix), enc);
  return ok();
}

Result<void> read_delivery_id(const json& d, TriggerDeclaration& out) {
  const std::string where = "delivery_id: ";
  if (!d.is_object())
    return std::unexpected(bad("delivery_id must be a table: { header = ... } or { field = ... }"));
  SUNDIAL_TRY(only(d, where, {"header", "field"}));
  SUNDIAL_ASSIGN_OR_RETURN(auto header, text(d, "header", where));
  SUNDIAL_ASSIGN_OR_RETURN(auto field, text(d, "field", where));
  if (header.has_value() == field.has_value()) {
    return std::unexpected(bad(where + "give either 'header' or 'field'"));
  }
  if (header) {
    if (!is_token(*header, "-_")) return std::unexpected(bad(where + "'header' is not a header name"));
    out.delivery_header = lower(*header);
    return ok();
  }
  try {
    nlohmann::json::json_pointer pointer(*field);
  } catch (const nlohmann::json::exception&) {
    return std::unexpected(bad(where + "'field' must be a JSON pointer such as \"/id\" or \"/data/id\""));
  }
  out.delivery_field = *field;
  return ok();
}

}  // namespace

std::string trigger_path_problem(std::string_view path) {
  if (path.size() < 2 || path.front() != '/') return "must begin with '/' and name something";
  if (path.size() > 200) return "is longer than 200 characters";
  if (path == "/api" || path.starts_with("/api/")) return "must not be under /api/";
  std::string_view rest = path.substr(1);
  while (true) {
    size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return "has an empty, '.' or '..' segment";
    if (!is_token(segment, "._~-")) return "may hold only A-Z a-z 0-9 . _ ~ - between its slashes";
    if (slash == std::string_view::npos) return {};
    rest.remove_prefix(slash + 1);
  }
}

Result<TriggerDeclaration> parse_trigger_declaration(const json& fields) {
  if (!fields.is_object()) return std::unexpected(bad("a trigger must be a table"));
  SUNDIAL_TRY(only(fields, "", {"path", "name", "public", "signature", "delivery_id"}));
  TriggerDeclaration out;
  SUNDIAL_ASSIGN_OR_RETURN(auto path, text(fields, "path", ""));
  if (!path) return std::unexpected(bad("'path' is required"));
  if (auto problem = trigger_path_problem(*path); !problem.empty()) {
    return std::unexpected(bad("path '" + *path + "' " + problem));
  }
  out.path = *path;
  SUNDIAL_ASSIGN_OR_RETURN(auto name, text(fields, "name", ""));
  if (name && (name->size() > 64 || !is_token(*name, "._-"))) {
    return std::unexpected(bad("'name' must be 1-64 characters of A-Z a-z 0-9 . _ -"));
  }
  out.name = name ? *name : out.path;
  auto sig = fields.find("signature");
  if (sig == fields.end()) {
    return std::unexpected(
        bad("'signature' is required (signature = \"none\" for an unsigned public route)"));
  }
  SUNDIAL_TRY(read_signature(*sig, out));
  out.public_route = out.verification.scheme == SignatureScheme::kNone;
  if (auto p = fields.find("public"); p != fields.end()) {
    if (!p->is_boolean()) return std::unexpected(bad("'public' must be a boolean"));
    out.public_route = p->get<bool>();
  }
  if (auto d = fields.find("delivery_id"); d != fields.end()) {
    SUNDIAL_TRY(read_delivery_id(*d, out));
  } else if (out.verification.scheme == SignatureScheme::kStripe) {
    out.delivery_field = "/id";  // the event's id, "evt_..."
  } else if (out.verification.scheme == SignatureScheme::kStandardWebhooks) {
    out.delivery_header = "webhook-id";
  }
  return out;
}

}  // namespace sundial::lua
