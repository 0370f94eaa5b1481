#include "workflows/lua/trigger_declaration.h"

#include <cctype>
#include <initializer_list>
#include <string_view>

#include "engine/base/duration.h"
#include "engine/base/json_fields.h"

namespace sundial::lua {

namespace {

using nlohmann::json;

Error declaration_error(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}

// A string field: nullopt when absent, an error when present with another type or empty.
Result<std::optional<std::string>> optional_text(const json& fields, const char* key,
                                                 const std::string& where) {
  auto it = fields.find(key);
  if (it == fields.end()) return std::optional<std::string>{};
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::unexpected(declaration_error(where + "'" + key + "' must be a non-empty string"));
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
  if (!sig.is_object()) return std::unexpected(declaration_error("signature must be a table (or \"none\")"));
  SUNDIAL_TRY(
      check_known_fields(sig, where, {"scheme", "secret_env", "header", "encoding", "prefix", "tolerance"}));
  SUNDIAL_ASSIGN_OR_RETURN(auto scheme, optional_text(sig, "scheme", where));
  if (!scheme) return std::unexpected(declaration_error(where + "'scheme' is required"));
  SUNDIAL_ASSIGN_OR_RETURN(auto header, optional_text(sig, "header", where));
  SUNDIAL_ASSIGN_OR_RETURN(auto secret_env, optional_text(sig, "secret_env", where));
  SUNDIAL_ASSIGN_OR_RETURN(auto encoding, optional_text(sig, "encoding", where));
  auto prefix_it = sig.find("prefix");
  if (prefix_it != sig.end() && !prefix_it->is_string()) {
    return std::unexpected(declaration_error(where + "'prefix' must be a string"));
  }
  bool hmac = *scheme == "hmac-sha256";
  if (*scheme == "none") {
    if (sig.size() > 1)
      return std::unexpected(declaration_error(where + "scheme \"none\" takes no other field"));
    return ok();
  }
  if (!hmac && *scheme != "stripe" && *scheme != "standard-webhooks") {
    return std::unexpected(declaration_error(where + "unknown scheme '" + *scheme +
                                             "' (expected hmac-sha256, stripe, standard-webhooks or none)"));
  }
  if (!secret_env)
    return std::unexpected(
        declaration_error(where + "'secret_env' is required (the variable holding the secret)"));
  if (!is_token(*secret_env, "_")) {
    return std::unexpected(
        declaration_error(where + "'secret_env' must be an environment variable name (A-Z a-z 0-9 _)"));
  }
  out.secret_env = *secret_env;
  DurationMs tolerance = kDefaultSignatureTolerance;
  if (auto t = sig.find("tolerance"); t != sig.end()) {
    if (hmac)
      return std::unexpected(
          declaration_error(where + "'tolerance' applies to stripe and standard-webhooks only"));
    if (t->is_number_integer()) {
      tolerance = t->get<int64_t>();
    } else if (t->is_string()) {
      SUNDIAL_ASSIGN_OR_RETURN(tolerance, parse_duration(t->get<std::string>()));
    } else {
      return std::unexpected(
          declaration_error(where + "'tolerance' must be a duration (\"5m\") or milliseconds"));
    }
    if (tolerance < kSecondMs || tolerance > kDayMs) {
      return std::unexpected(declaration_error(where + "'tolerance' must be between 1s and 1d"));
    }
  }
  if (!hmac) {
    if (header || encoding || prefix_it != sig.end()) {
      return std::unexpected(
          declaration_error(where + "'header', 'encoding' and 'prefix' apply to hmac-sha256 only"));
    }
    out.verification = *scheme == "stripe" ? stripe_verification(std::nullopt, tolerance)
                                           : standard_webhooks_verification(std::nullopt, tolerance);
    return ok();
  }
  if (!header) return std::unexpected(declaration_error(where + "'header' is required for hmac-sha256"));
  if (!is_token(*header, "-_"))
    return std::unexpected(declaration_error(where + "'header' is not a header name"));
  SignatureEncoding enc = SignatureEncoding::kHex;
  if (encoding && *encoding == "base64") {
    enc = SignatureEncoding::kBase64;
  } else if (encoding && *encoding != "hex") {
    return std::unexpected(declaration_error(where + "'encoding' must be \"hex\" or \"base64\""));
  }
  std::string prefix = prefix_it != sig.end() ? prefix_it->get<std::string>() : "";
  if (prefix.size() > 32)
    return std::unexpected(declaration_error(where + "'prefix' is longer than 32 characters"));
  out.verification = hmac_verification(lower(*header), std::nullopt, std::move(prefix), enc);
  return ok();
}

Result<void> read_delivery_id(const json& d, TriggerDeclaration& out) {
  const std::string where = "delivery_id: ";
  if (!d.is_object())
    return std::unexpected(
        declaration_error("delivery_id must be a table: { header = ... } or { field = ... }"));
  SUNDIAL_TRY(check_known_fields(d, where, {"header", "field"}));
  SUNDIAL_ASSIGN_OR_RETURN(auto header, optional_text(d, "header", where));
  SUNDIAL_ASSIGN_OR_RETURN(auto field, optional_text(d, "field", where));
  if (header.has_value() == field.has_value()) {
    return std::unexpected(declaration_error(where + "give either 'header' or 'field'"));
  }
  if (header) {
    if (!is_token(*header, "-_"))
      return std::unexpected(declaration_error(where + "'header' is not a header name"));
    out.delivery_header = lower(*header);
    return ok();
  }
  try {
    nlohmann::json::json_pointer pointer(*field);
  } catch (const nlohmann::json::exception&) {
    return std::unexpected(
        declaration_error(where + "'field' must be a JSON pointer such as \"/id\" or \"/data/id\""));
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
  if (!fields.is_object()) return std::unexpected(declaration_error("a trigger must be a table"));
  SUNDIAL_TRY(check_known_fields(fields, "", {"path", "name", "public", "signature", "delivery_id"}));
  TriggerDeclaration out;
  SUNDIAL_ASSIGN_OR_RETURN(auto path, optional_text(fields, "path", ""));
  if (!path) return std::unexpected(declaration_error("'path' is required"));
  if (auto problem = trigger_path_problem(*path); !problem.empty()) {
    return std::unexpected(declaration_error("path '" + *path + "' " + problem));
  }
  out.path = *path;
  SUNDIAL_ASSIGN_OR_RETURN(auto name, optional_text(fields, "name", ""));
  if (name && (name->size() > 64 || !is_token(*name, "._-"))) {
    return std::unexpected(declaration_error("'name' must be 1-64 characters of A-Z a-z 0-9 . _ -"));
  }
  out.name = name ? *name : out.path;
  auto sig = fields.find("signature");
  if (sig == fields.end()) {
    return std::unexpected(
        declaration_error("'signature' is required (signature = \"none\" for an unsigned public route)"));
  }
  SUNDIAL_TRY(read_signature(*sig, out));
  out.public_route = out.verification.scheme == SignatureScheme::kNone;
  if (auto p = fields.find("public"); p != fields.end()) {
    if (!p->is_boolean()) return std::unexpected(declaration_error("'public' must be a boolean"));
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
