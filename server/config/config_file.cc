#include "server/config/config_file.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <variant>

#include <spdlog/fmt/fmt.h>
#include <toml++/toml.h>

#include "connectors/http/outbound_policy.h"
#include "engine/base/duration.h"
#include "engine/base/json_parse.h"
#include "engine/base/text.h"
#include "engine/schedules/schedule_spec.h"
#include "engine/schedules/send_window.h"
#include "engine/topics/subscription_spec.h"
#include "server/http/cors.h"
#include "engine/tasks/task_model.h"
#include "server/http/client_address.h"

namespace sundial {

namespace {

// Applies one key's value, or says what is wrong with it.
using Setter = std::function<Result<void>(const toml::node&, DaemonConfig&)>;

Error bad_value(std::string_view key, std::string_view expected) {
  return Error{ErrorCode::kInvalidArgument,
               "config key '" + std::string(key) + "' must be " + std::string(expected)};
}

template <typename Field>
Setter string_key(std::string key, Field field) {
  return [key, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    auto v = n.value<std::string>();
    if (!v || !n.is_string()) return std::unexpected(bad_value(key, "a string"));
    field(c) = *v;
    return ok();
  };
}

template <typename Field>
Setter duration_key(std::string key, Field field) {
  return [key, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    if (!n.is_string())
      return std::unexpected(bad_value(key, "a duration string such as \"90s\" or \"1d12h\""));
    auto d = parse_duration(*n.value<std::string>());
    if (!d)
      return std::unexpected(
          bad_value(key, "a duration such as \"90s\" or \"1d12h\" (" + d.error().message + ")"));
    field(c) = *d;
    return ok();
  };
}

template <typename Field>
Setter duration_list_key(std::string key, Field field) {
  return [key, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    const toml::array* a = n.as_array();
    if (a == nullptr) return std::unexpected(bad_value(key, "an array of durations"));
    std::vector<DurationMs> out;
    for (const auto& item : *a) {
      auto text = item.value<std::string>();
      auto d = text && item.is_string() ? parse_duration(*text) : make_error(ErrorCode::kInvalidArgument, "");
      if (!d) return std::unexpected(bad_value(key, "an array of durations such as [\"0s\", \"1d\"]"));
      out.push_back(*d);
    }
    field(c) = std::move(out);
    return ok();
  };
}

// An integer in [min, max].
template <typename Field>
Setter count_key(std::string key, int64_t min, int64_t max, Field field) {
  return [key, min, max, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    // Only an integer node is read: toml++'s value<int64_t>() casts a float
    // such as 8e192 out of range (undefined behaviour).
    auto v = n.is_integer() ? n.value<int64_t>() : std::nullopt;
    if (!v || *v < min || *v > max) {
      return std::unexpected(
          bad_value(key, "an integer from " + std::to_string(min) + " to " + std::to_string(max)));
    }
    field(c) = static_cast<std::remove_reference_t<decltype(field(c))>>(*v);
    return ok();
  };
}

// An array of CIDR strings (trusted proxies), each checked.
template <typename Field>
Setter cidr_list_key(std::string key, Field field) {
  return [key, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    const toml::array* a = n.as_array();
    if (a == nullptr)
      return std::unexpected(bad_value(key, "an array of CIDRs such as [\"10.0.0.0/8\", \"::1\"]"));
    std::vector<std::string> out;
    for (const auto& item : *a) {
      auto text = item.value<std::string>();
      if (!text || !item.is_string()) return std::unexpected(bad_value(key, "an array of CIDR strings"));
      out.push_back(*text);
    }
    if (auto parsed = http::TrustedProxies::parse(out); !parsed) {
      return std::unexpected(bad_value(key, "an array of CIDRs: " + parsed.error().message));
    }
    field(c) = std::move(out);
    return ok();
  };
}

// An array of strings; `check` (may be empty) validates the whole list.
template <typename Field>
Setter string_list_key(std::string key, Field field,
                       std::function<Result<void>(const std::vector<std::string>&)> check = {}) {
  return [key, field, check](const toml::node& n, DaemonConfig& c) -> Result<void> {
    const toml::array* a = n.as_array();
    if (a == nullptr) return std::unexpected(bad_value(key, "an array of strings"));
    std::vector<std::string> out;
    for (const auto& item : *a) {
      auto text = item.value<std::string>();
      if (!text || !item.is_string()) return std::unexpected(bad_value(key, "an array of strings"));
      out.push_back(*text);
    }
    if (check) {
      if (auto checked = check(out); !checked)
        return std::unexpected(bad_value(key, checked.error().message));
    }
    field(c) = std::move(out);
    return ok();
  };
}

template <typename Field>
Setter bool_key(std::string key, Field field) {
  return [key, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    if (!n.is_boolean()) return std::unexpected(bad_value(key, "true or false"));
    field(c) = *n.value<bool>();
    return ok();
  };
}

template <typename Field>
Setter positive_number_key(std::string key, Field field) {
  return [key, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    auto v = n.value<double>();
    if (!(n.is_integer() || n.is_floating_point()) || !v || *v <= 0) {
      return std::unexpected(bad_value(key, "a positive number"));
    }
    field(c) = *v;
    return ok();
  };
}

// A number (integer or float) in [min, max]: a limiter's burst, at least 1.
template <typename Field>
Setter number_key(std::string key, double min, double max, Field field) {
  return [key, min, max, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    auto v = n.value<double>();
    if (!(n.is_integer() || n.is_floating_point()) || !v || *v < min || *v > max) {
      return std::unexpected(bad_value(key, fmt::format("a number from {} to {}", min, max)));
    }
    field(c) = *v;
    return ok();
  };
}

template <typename Field>
Setter one_of_key(std::string key, std::vector<std::string> allowed, Field field) {
  return [key, allowed, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    auto v = n.value<std::string>();
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + ("\"" + a + "\"");
    if (!v || !n.is_string() || std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
      return std::unexpected(bad_value(key, "one of " + list));
    }
    field(c) = *v;
    return ok();
  };
}

// An [alerts] key: `setter`, and the table counts as configured.
Setter alerts_key(Setter setter) {
  return [setter = std::move(setter)](const toml::node& n, DaemonConfig& c) -> Result<void> {
    c.alerts.configured = true;
    return setter(n, c);
  };
}

// A URL with scheme http or https and a host.
Result<void> check_http_url(const std::string& url) {
  std::string lower = ascii_lower(url);
  size_t host = lower.starts_with("https://") ? 8 : lower.starts_with("http://") ? 7 : 0;
  if (host == 0 || host >= url.size() || url[host] == '/' ||
      url.find_first_of(" \t\r\n") != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "an http:// or https:// URL with a host, e.g. "
                                                   "\"https://hooks.example.com/sundial\"");
  }
  return ok();
}

// A duration of at least `min` (in seconds or milliseconds as given).
template <typename Field>
Setter min_duration_key(std::string key, DurationMs min, Field field) {
  return [key, min, field](const toml::node& n, DaemonConfig& c) -> Result<void> {
    Result<DurationMs> d = make_error(ErrorCode::kInvalidArgument, "not a string");
    if (n.is_string()) d = parse_duration(*n.value<std::string>());
    if (!d || *d < min) {
      std::string least = min % kSecondMs == 0 ? std::to_string(min / kSecondMs) + "s" : std::to_string(min) + "ms";
      return std::unexpected(bad_value(key, "a duration of at least " + least + ", such as \"60s\""));
    }
    field(c) = *d;
    return ok();
  };
}

// The keys of the server's own tables; the workflow families and the
// webhook secrets declare theirs (tables_for).
const std::map<std::string, std::map<std::string, Setter>>& schema() {
  static const auto* table = new std::map<std::string, std::map<std::string, Setter>>{
      {"server",
       {
           {"listen",
            [](const toml::node& n, DaemonConfig& c) -> Result<void> {
              if (!n.is_string())
                return std::unexpected(bad_value("server.listen", "a string \"host:port\""));
              auto r =
                  parse_listen_address(*n.value<std::string>(), c.server.listen_host, c.server.listen_port);
              if (!r) return std::unexpected(bad_value("server.listen", r.error().message));
              return ok();
            }},
           {"admin_token_env", string_key(
                                   "server.admin_token_env",
                                   [](DaemonConfig & c) -> auto& { return c.server.admin_token_env; })},
           {"worker_token_env", string_key(
                                    "server.worker_token_env",
                                    [](DaemonConfig & c) -> auto& { return c.server.worker_token_env; })},
           {"viewer_token_env", string_key(
                                    "server.viewer_token_env",
                                    [](DaemonConfig & c) -> auto& { return c.server.viewer_token_env; })},
           {"admin_token_name", string_key(
                                    "server.admin_token_name",
                                    [](DaemonConfig & c) -> auto& { return c.server.admin_token_name; })},
           {"viewer_token_name", string_key(
                                     "server.viewer_token_name",
                                     [](DaemonConfig & c) -> auto& { return c.server.viewer_token_name; })},
           {"worker_token_name", string_key(
                                     "server.worker_token_name",
                                     [](DaemonConfig & c) -> auto& { return c.server.worker_token_name; })},
           {"max_body_bytes", count_key(
                                  "server.max_body_bytes", 1, int64_t{1} << 30,
                                  [](DaemonConfig & c) -> auto& { return c.server.max_body_bytes; })},
           {"max_header_bytes", count_key(
                                    "server.max_header_bytes", 1024, 1 << 20,
                                    [](DaemonConfig & c) -> auto& { return c.server.max_header_bytes; })},
           {"max_connections", count_key(
                                   "server.max_connections", 1, 1 << 20,
                                   [](DaemonConfig & c) -> auto& { return c.server.max_connections; })},
           {"idle_timeout",
            duration_key(
                "server.idle_timeout", [](DaemonConfig & c) -> auto& { return c.server.idle_timeout; })},
           {"read_timeout",
            duration_key(
                "server.read_timeout", [](DaemonConfig & c) -> auto& { return c.server.read_timeout; })},
           {"shutdown_timeout", duration_key(
                                    "server.shutdown_timeout",
                                    [](DaemonConfig & c) -> auto& { return c.server.shutdown_timeout; })},
           {"log_format", one_of_key(
                              "server.log_format", {"text", "json"},
                              [](DaemonConfig & c) -> auto& { return c.server.log_format; })},
           {"access_log",
            bool_key(
                "server.access_log", [](DaemonConfig & c) -> auto& { return c.server.access_log; })},
           {"log_level",
            [](const toml::node& n, DaemonConfig& c) -> Result<void> {
              Result<std::string> level = make_error(ErrorCode::kInvalidArgument, "not a string");
              if (n.is_string()) level = parse_log_level(*n.value<std::string>());
              if (!level) {
                return std::unexpected(bad_value("server.log_level",
                                                 "one of \"trace\", \"debug\", \"info\", \"warn\" (or "
                                                 "\"warning\"), \"error\""));
              }
              c.server.log_level = *level;
              return ok();
            }},
           {"webhook_rate_per_second", positive_number_key(
                                           "server.webhook_rate_per_second", [](DaemonConfig & c) -> auto& {
                                             return c.server.webhook_rate_per_second;
                                           })},
           {"webhook_burst",
            positive_number_key(
                "server.webhook_burst", [](DaemonConfig & c) -> auto& { return c.server.webhook_burst; })},
           {"max_json_depth", count_key(
                                  "server.max_json_depth", 1, static_cast<int64_t>(kMaxJsonDepthSetting),
                                  [](DaemonConfig & c) -> auto& { return c.server.max_json_depth; })},
           {"max_queued_output_bytes",
            count_key(
                "server.max_queued_output_bytes", 4096, int64_t{1} << 30,
                [](DaemonConfig & c) -> auto& { return c.server.max_queued_output_bytes; })},
           {"max_connections_per_client",
            count_key(
                "server.max_connections_per_client", 1, 1 << 20,
                [](DaemonConfig & c) -> auto& { return c.server.max_connections_per_client; })},
           {"reserved_connections",
            count_key(
                "server.reserved_connections", 0, 1 << 20,
                [](DaemonConfig & c) -> auto& { return c.server.reserved_connections; })},
           {"max_body_bytes_in_flight",
            count_key(
                "server.max_body_bytes_in_flight", 1, int64_t{1} << 40,
                [](DaemonConfig & c) -> auto& { return c.server.max_body_bytes_in_flight; })},
           {"trusted_proxies", cidr_list_key(
                                   "server.trusted_proxies",
                                   [](DaemonConfig & c) -> auto& { return c.server.trusted_proxies; })},
           {"cors_origins",
            string_list_key(
                "server.cors_origins", [](DaemonConfig & c) -> auto& { return c.server.cors_origins; },
                http::check_cors_origins)},
       }},
      {"alerts",
       {
           {"url", alerts_key([](const toml::node& n, DaemonConfig& c) -> Result<void> {
              auto v = n.value<std::string>();
              if (!v || !n.is_string()) return std::unexpected(bad_value("alerts.url", "a string"));
              if (auto checked = check_http_url(*v); !checked)
                return std::unexpected(bad_value("alerts.url", checked.error().message));
              c.alerts.url = *v;
              return ok();
            })},
           {"secret_env", alerts_key(string_key(
                              "alerts.secret_env", [](DaemonConfig & c) -> auto& { return c.alerts.secret_env; }))},
           {"interval", alerts_key(min_duration_key(
                            "alerts.interval", kSecondMs,
                            [](DaemonConfig & c) -> auto& { return c.alerts.interval; }))},
           {"max_attempts", alerts_key(count_key(
                                "alerts.max_attempts", 1, 20,
                                [](DaemonConfig & c) -> auto& { return c.alerts.max_attempts; }))},
           {"retry_backoff", alerts_key(min_duration_key(
                                 "alerts.retry_backoff", 100,
                                 [](DaemonConfig & c) -> auto& { return c.alerts.retry_backoff; }))},
           {"timeout", alerts_key(min_duration_key(
                           "alerts.timeout", kSecondMs,
                           [](DaemonConfig & c) -> auto& { return c.alerts.timeout; }))},
           {"max_pending", alerts_key(count_key(
                               "alerts.max_pending", 1, 1000,
                               [](DaemonConfig & c) -> auto& { return c.alerts.max_pending; }))},
       }},
      {"storage",
       {
           {"path", string_key(
                        "storage.path", [](DaemonConfig & c) -> auto& { return c.engine.data_dir; })},
           {"retention",
            duration_key(
                "storage.retention", [](DaemonConfig & c) -> auto& { return c.engine.retention.retention; })},
           {"idempotency_window", duration_key(
                                      "storage.idempotency_window",
                                      [](DaemonConfig & c) -> auto& { return c.engine.idempotency_window; })},
           {"event_log_capacity", count_key(
                                      "storage.event_log_capacity", 1, int64_t{1} << 40,
                                      [](DaemonConfig & c) -> auto& { return c.engine.event_log_capacity; })},
       }},
      {"audit",
       {
           {"retention",
            duration_key(
                "audit.retention", [](DaemonConfig & c) -> auto& { return c.engine.audit.retention; })},
           {"max_entries", count_key(
                               "audit.max_entries", 1, int64_t{1} << 40,
                               [](DaemonConfig & c) -> auto& { return c.engine.audit.max_entries; })},
       }},
      {"workflows",
       {
           {"dir", string_key(
                       "workflows.dir", [](DaemonConfig & c) -> auto& { return c.workflows.dir; })},
           {"shipped",
            bool_key(
                "workflows.shipped", [](DaemonConfig & c) -> auto& { return c.workflows.shipped; })},
           {"http_allow",
            string_list_key(
                "workflows.http_allow", [](DaemonConfig & c) -> auto& { return c.workflows.http_allow; },
                [](const std::vector<std::string>& entries) -> Result<void> {
                  SUNDIAL_TRY(OutboundPolicy::parse(entries));
                  return ok();
                })},
           {"http_max_response_bytes",
            count_key(
                "workflows.http_max_response_bytes", 1024, int64_t{1} << 30,
                [](DaemonConfig & c) -> auto& { return c.workflows.http_max_response_bytes; })},
           {"secrets",
            string_list_key(
                "workflows.secrets", [](DaemonConfig & c) -> auto& { return c.workflows.secrets; })},
           {"templates_dir", string_key(
                                 "workflows.templates_dir",
                                 [](DaemonConfig & c) -> auto& { return c.workflows.templates_dir; })},
           {"email_from",
            string_key(
                "workflows.email_from", [](DaemonConfig & c) -> auto& { return c.workflows.email_from; })},
           {"instructions_per_activation",
            count_key(
                "workflows.instructions_per_activation", 10'000, int64_t{1} << 40,
                [](DaemonConfig & c) -> auto& { return c.workflows.limits.instructions_per_activation; })},
           {"memory_per_activation",
            count_key(
                "workflows.memory_per_activation", int64_t{1} << 20, int64_t{1} << 36,
                [](DaemonConfig & c) -> auto& { return c.workflows.limits.memory_per_activation; })},
           {"memory_per_state",
            count_key(
                "workflows.memory_per_state", int64_t{1} << 20, int64_t{1} << 40,
                [](DaemonConfig & c) -> auto& { return c.workflows.limits.memory_per_state; })},
           {"max_json_bytes",
            count_key(
                "workflows.max_json_bytes", 1024, int64_t{1} << 30,
                [](DaemonConfig & c) -> auto& { return c.workflows.limits.max_json_bytes; })},
           {"max_journal_entries",
            count_key(
                "workflows.max_journal_entries", 10, 10'000'000,
                [](DaemonConfig & c) -> auto& { return c.workflows.limits.max_journal_entries; })},
           {"warm_memory_per_state",
            count_key(
                "workflows.warm_memory_per_state", 0, int64_t{1} << 40,
                [](DaemonConfig & c) -> auto& { return c.workflows.limits.warm_memory_per_state; })},
           {"map_instructions", count_key(
                                    "workflows.map_instructions", 1'000, int64_t{1} << 32,
                                    [](DaemonConfig & c) -> auto& { return c.workflows.map_instructions; })},
       }},
      {"notion",
       {
           {"base_url", string_key(
                            "notion.base_url", [](DaemonConfig & c) -> auto& { return c.notion.base_url; })},
           {"token_env",
            string_key(
                "notion.token_env", [](DaemonConfig & c) -> auto& { return c.notion.token_env; })},
           {"version", string_key(
                           "notion.version", [](DaemonConfig & c) -> auto& { return c.notion.version; })},
           {"rate_per_second", positive_number_key(
                                   "notion.rate_per_second",
                                   [](DaemonConfig & c) -> auto& { return c.notion.rate_per_second; })},
           {"burst", number_key(
                         "notion.burst", 1, kMaxLimiterBurst,
                         [](DaemonConfig & c) -> auto& { return c.notion.burst; })},
           {"timeout", duration_key(
                           "notion.timeout", [](DaemonConfig & c) -> auto& { return c.notion.timeout; })},
       }},
      {"github",
       {
           {"base_url", string_key(
                            "github.base_url", [](DaemonConfig & c) -> auto& { return c.github.base_url; })},
           {"token_env",
            string_key(
                "github.token_env", [](DaemonConfig & c) -> auto& { return c.github.token_env; })},
           {"api_version",
            string_key(
                "github.api_version", [](DaemonConfig & c) -> auto& { return c.github.api_version; })},
           {"user_agent",
            string_key(
                "github.user_agent", [](DaemonConfig & c) -> auto& { return c.github.user_agent; })},
           {"rate_per_second", positive_number_key(
                                   "github.rate_per_second",
                                   [](DaemonConfig & c) -> auto& { return c.github.rate_per_second; })},
           {"burst", number_key(
                         "github.burst", 1, kMaxLimiterBurst,
                         [](DaemonConfig & c) -> auto& { return c.github.burst; })},
           {"timeout", duration_key(
                           "github.timeout", [](DaemonConfig & c) -> auto& { return c.github.timeout; })},
       }},
      {"resend",
       {
           {"base_url",
            string_key(
                "resend.base_url", [](DaemonConfig & c) -> auto& { return c.resend.client.base_url; })},
           {"api_key_env",
            string_key(
                "resend.api_key_env", [](DaemonConfig & c) -> auto& { return c.resend.api_key_env; })},
           {"from", string_key(
                        "resend.from", [](DaemonConfig & c) -> auto& { return c.resend.from; })},
           {"rate_per_second", positive_number_key(
                                   "resend.rate_per_second", [](DaemonConfig & c) -> auto& {
                                     return c.resend.client.rate_per_second;
                                   })},
           {"burst", number_key(
                         "resend.burst", 1, kMaxLimiterBurst,
                         [](DaemonConfig & c) -> auto& { return c.resend.client.burst; })},
           {"timeout",
            duration_key(
                "resend.timeout", [](DaemonConfig & c) -> auto& { return c.resend.client.timeout; })},
       }},
  };
  return *table;
}

// A key declared elsewhere (a workflow family, the webhook secrets), bound
// to its field in the DaemonConfig being filled.
Setter declared_key(const std::string& key, const ConfigKey& declared) {
  struct {
    const std::string& key;
    Setter operator()(StringField f) const {
      return string_key(key, [p = f.target](DaemonConfig&) -> std::string& { return *p; });
    }
    Setter operator()(DurationField f) const {
      return duration_key(key, [p = f.target](DaemonConfig&) -> DurationMs& { return *p; });
    }
    Setter operator()(DurationListField f) const {
      return duration_list_key(key, [p = f.target](DaemonConfig&) -> std::vector<DurationMs>& { return *p; });
    }
    Setter operator()(StringListField f) const {
      return string_list_key(key, [p = f.target](DaemonConfig&) -> std::vector<std::string>& { return *p; });
    }
    Setter operator()(NumberField f) const {
      return number_key(key, f.min, f.max, [p = f.target](DaemonConfig&) -> double& { return *p; });
    }
    Setter operator()(BoolField f) const {
      return bool_key(key, [p = f.target](DaemonConfig&) -> bool& { return *p; });
    }
  } make{key};
  return std::visit(make, declared.field);
}

// Every table the file may hold for `config`: the server's own (schema())
// and those the families and the webhook secrets declare, bound to `config`.
// [<section>.<name>] as a table, once `valid` (the name's own check) holds.
Result<const toml::table*> named_table(const std::string& section, const std::string& name,
                                       const toml::node& node, const Result<void>& valid) {
  if (!valid) {
    return make_error(ErrorCode::kInvalidArgument,
                      "[" + section + "." + name + "]: " + valid.error().message);
  }
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      section + "." + name + " must be a table [" + section + "." + name + "]");
  }
  return t;
}

// [queues.<name>]: a valid queue name holding `max_in_flight`.
Result<void> apply_queue_table(const std::string& name, const toml::node& node, DaemonConfig& config) {
  SUNDIAL_ASSIGN_OR_RETURN(const toml::table* t,
                           named_table("queues", name, node, validate_queue_name(name)));
  for (auto&& [key, value] : *t) {
    if (key.str() != "max_in_flight") {
      return make_error(ErrorCode::kInvalidArgument, "unknown key 'queues." + name + "." +
                                                         std::string(key.str()) +
                                                         "'; known keys of [queues.<name>]: max_in_flight");
    }
    auto v = value.is_integer() ? value.value<int64_t>() : std::nullopt;
    if (!v || *v < 1 || *v > 1'000'000) {
      return std::unexpected(bad_value("queues." + name + ".max_in_flight", "an integer from 1 to 1000000"));
    }
    config.queue_max_in_flight[name] = static_cast<uint32_t>(*v);
  }
  return ok();
}

// [limits.<name>]: a valid limiter name holding `rate` (per second, > 0)
// and `burst` (at least 1; default: the rate, rounded up).
Result<void> apply_limit_table(const std::string& name, const toml::node& node, DaemonConfig& config) {
  SUNDIAL_ASSIGN_OR_RETURN(const toml::table* t,
                           named_table("limits", name, node, validate_limiter_name(name)));
  std::optional<double> rate, burst;
  for (auto&& [key, value] : *t) {
    std::string k(key.str());
    if (k != "rate" && k != "burst") {
      return make_error(ErrorCode::kInvalidArgument, "unknown key 'limits." + name + "." + k +
                                                         "'; known keys of [limits.<name>]: burst, rate");
    }
    bool number = value.is_integer() || value.is_floating_point();
    double v = number ? value.value_or(0.0) : 0.0;
    double max = k == "rate" ? 1e6 : 1e9;
    if (!(v > 0) || v > max || (k == "burst" && v < 1)) {
      return std::unexpected(bad_value("limits." + name + "." + k,
                                       k == "rate" ? "a number of calls per second above 0, at most 1000000"
                                                   : "a number of calls from 1 to 1000000000"));
    }
    (k == "rate" ? rate : burst) = v;
  }
  if (!rate) return std::unexpected(bad_value("limits." + name + ".rate", "given (calls per second)"));
  config.limits[name] = LimiterSpec{*rate, burst.value_or(std::max(1.0, std::ceil(*rate)))};
  return ok();
}

Result<void> apply_schedule_table(const std::string& name, const toml::node& node, DaemonConfig& config);
Result<void> apply_send_window_table(const std::string& name, const toml::node& node, DaemonConfig& config);
Result<void> apply_subscription_table(const std::string& name, const toml::node& node, DaemonConfig& config);

// One retention bound of [topics] or [topics.<name>] (docs/events.md).
Result<void> apply_retention_key(const std::string& where, const std::string& key, const toml::node& value,
                                 TopicRetentionOverride& r) {
  if (key == "max_events" || key == "max_bytes") {
    auto v = value.is_integer() ? value.value<int64_t>() : std::nullopt;
    if (!v || *v < 1) return std::unexpected(bad_value(where + "." + key, "an integer of at least 1"));
    (key == "max_events" ? r.max_events : r.max_bytes) = static_cast<uint64_t>(*v);
    return ok();
  }
  if (key == "max_age") {
    auto bad = [&where] { return std::unexpected(bad_value(where + ".max_age", "a duration of at least 1s, e.g. \"7d\"")); };
    if (!value.is_string()) return bad();
    auto d = parse_duration(*value.value<std::string>());
    if (!d || *d < kSecondMs) return bad();
    r.max_age = *d;
    return ok();
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown key '" + where + "." + key + "'; known keys: max_age, max_bytes, max_events");
}

// [topics]: the default bounds (max_events, max_bytes, max_age), and
// [topics.<name>]: one topic's own; what it leaves out is the defaults'.
Result<void> apply_topics_table(const std::string& name, const toml::node& node, DaemonConfig& config) {
  TopicOptions& topics = config.engine.topics;
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    TopicRetentionOverride given;
    SUNDIAL_TRY(apply_retention_key("topics", name, node, given));
    TopicRetention& r = topics.retention;
    r = TopicRetention{given.max_events.value_or(r.max_events), given.max_bytes.value_or(r.max_bytes),
                       given.max_age.value_or(r.max_age)};
    return ok();
  }
  if (auto valid = check_topic_name(name); !valid) {
    return make_error(ErrorCode::kInvalidArgument, "[topics." + name + "]: " + valid.error().message);
  }
  TopicRetentionOverride r;
  for (auto&& [key, value] : *t) SUNDIAL_TRY(apply_retention_key("topics." + name, std::string(key.str()), value, r));
  topics.per_topic[name] = r;
  return ok();
}

// Tables of named sub-tables ([queues.<name>], [limits.<name>],
// [schedules.<id>]): each sub-table is applied whole by its table's function.
using NamedTableFn = Result<void> (*)(const std::string& name, const toml::node& node, DaemonConfig& config);
const std::map<std::string, NamedTableFn>& named_tables() {
  static const std::map<std::string, NamedTableFn> tables{
      {"queues", apply_queue_table},         {"limits", apply_limit_table},
      {"schedules", apply_schedule_table},   {"subscriptions", apply_subscription_table},
      {"topics", apply_topics_table},         {"send_windows", apply_send_window_table}};
  return tables;
}

std::map<std::string, std::map<std::string, Setter>> tables_for(DaemonConfig& config) {
  auto tables = schema();
  for (const auto& [name, fn] : named_tables()) tables[name];  // known, with no keys of their own
  std::vector<ConfigTable> declared = BuiltinModules::config_tables(config);
  for (auto& t : webhook_secret_tables(config.webhooks)) declared.push_back(std::move(t));
  for (const ConfigTable& table : declared) {
    auto& keys = tables[table.name];
    for (const ConfigKey& key : table.keys) keys[key.name] = declared_key(table.name + "." + key.name, key);
  }
  return tables;
}

template <typename Map>
std::string key_list(const Map& m) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : ", ") + k;
  return out;
}

// A [workflows.<type>] table as the JSON of that workflow's ctx.config,
// read node by node (toml++'s json_formatter indents each level, so its
// text grows with the square of the depth). Dates and times become their
// TOML text; tables and arrays at most kDefaultMaxJsonDepth levels deep
// (counted as JSON counts them: the section itself is level 1).
Result<nlohmann::json> toml_to_json(const toml::node& n, size_t depth = 1) {
  if (depth > kDefaultMaxJsonDepth && (n.is_table() || n.is_array())) {
    return make_error(ErrorCode::kInvalidArgument,
                      "is nested deeper than " + std::to_string(kDefaultMaxJsonDepth) + " levels");
  }
  if (const toml::table* t = n.as_table()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto&& [key, value] : *t) {
      SUNDIAL_ASSIGN_OR_RETURN(out[std::string(key.str())], toml_to_json(value, depth + 1));
    }
    return out;
  }
  if (const toml::array* a = n.as_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const toml::node& item : *a) {
      SUNDIAL_ASSIGN_OR_RETURN(out.emplace_back(), toml_to_json(item, depth + 1));
    }
    return out;
  }
  if (n.is_string()) return nlohmann::json(*n.value<std::string>());
  if (n.is_integer()) return nlohmann::json(*n.value<int64_t>());
  if (n.is_boolean()) return nlohmann::json(*n.value<bool>());
  if (n.is_floating_point()) {
    double v = *n.value<double>();
    if (!std::isfinite(v))
      return make_error(ErrorCode::kInvalidArgument, "holds inf or nan, which JSON cannot");
    return nlohmann::json(v);
  }
  std::ostringstream text;  // a date, a time or a date-time
  n.visit([&text](auto&& v) {
    if constexpr (toml::is_date<decltype(v)> || toml::is_time<decltype(v)> || toml::is_date_time<decltype(v)>)
      text << v.get();
  });
  return nlohmann::json(text.str());
}

// [schedules.<id>]: a schedule, its keys those of the API's JSON
// (docs/schedules.md), read by the one parser of schedules.
Result<void> apply_schedule_table(const std::string& name, const toml::node& node, DaemonConfig& config) {
  SUNDIAL_ASSIGN_OR_RETURN(const toml::table* t,
                           named_table("schedules", name, node, validate_schedule_id(name)));
  auto json = toml_to_json(*t);
  if (!json)
    return make_error(ErrorCode::kInvalidArgument, "[schedules." + name + "] " + json.error().message);
  auto spec = parse_schedule_spec(*json, name);
  if (!spec)
    return make_error(ErrorCode::kInvalidArgument, "[schedules." + name + "] " + spec.error().message);
  config.schedules.push_back(std::move(*spec));
  return ok();
}

// [send_windows.<name>]: a send window that steps, starts and workflow
// types name (engine/schedules/send_window.h, docs/send-windows.md).
Result<void> apply_send_window_table(const std::string& name, const toml::node& node, DaemonConfig& config) {
  bool valid_name = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  SUNDIAL_ASSIGN_OR_RETURN(
      const toml::table* t,
      named_table("send_windows", name, node,
                  valid_name ? ok()
                             : make_error(ErrorCode::kInvalidArgument,
                                          "a window's name is 1 to 64 letters, digits, '_' or '-'")));
  auto json = toml_to_json(*t);
  if (!json) return make_error(ErrorCode::kInvalidArgument, "[send_windows." + name + "] " + json.error().message);
  if (json->contains("name")) {
    return make_error(ErrorCode::kInvalidArgument, "[send_windows." + name + "] name: the table's name is the name");
  }
  auto window = parse_send_window(*json);
  if (!window) return make_error(ErrorCode::kInvalidArgument, "[send_windows." + name + "] " + window.error().message);
  window->name = name;
  config.engine.send_windows.named[name] = std::move(*window);
  return ok();
}

// [subscriptions.<id>]: a subscription, its keys those of the API's JSON
// (docs/events.md) without `id`, read by the one parser of subscriptions.
Result<void> apply_subscription_table(const std::string& name, const toml::node& node, DaemonConfig& config) {
  SUNDIAL_ASSIGN_OR_RETURN(const toml::table* t,
                           named_table("subscriptions", name, node, validate_subscription_id(name)));
  auto json = toml_to_json(*t);
  if (!json) return make_error(ErrorCode::kInvalidArgument, "[subscriptions." + name + "] " + json.error().message);
  if (json->contains("id") && (*json)["id"] != name) {
    return make_error(ErrorCode::kInvalidArgument,
                      "[subscriptions." + name + "] id: the table's name is the id; leave it out");
  }
  (*json)["id"] = name;
  auto spec = parse_subscription_spec(*json);
  if (!spec) return make_error(ErrorCode::kInvalidArgument, "[subscriptions." + name + "] " + spec.error().message);
  config.subscriptions.push_back(std::move(*spec));
  return ok();
}

std::string where(std::string_view source, const toml::node& n) {
  const auto& s = n.source().begin;
  return std::string(source) + ":" + std::to_string(s.line) + ":" + std::to_string(s.column) + ": ";
}

}  // namespace

Result<void> apply_config_text(std::string_view toml_text, std::string_view source_name,
                               DaemonConfig& config) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& s = e.source().begin;
    return make_error(ErrorCode::kInvalidArgument, std::string(source_name) + ":" + std::to_string(s.line) +
                                                       ":" + std::to_string(s.column) + ": " +
                                                       std::string(e.description()));
  }
  DaemonConfig updated = config;
  const auto tables = tables_for(updated);
  for (auto&& [table_key, table_node] : root) {
    std::string table_name(table_key.str());
    auto table_schema = tables.find(table_name);
    if (table_schema == tables.end()) {
      return make_error(ErrorCode::kInvalidArgument, where(source_name, table_node) + "unknown table [" +
                                                         table_name + "]; known tables: " + key_list(tables));
    }
    const toml::table* table = table_node.as_table();
    if (table == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, where(source_name, table_node) + "'" + table_name +
                                                         "' must be a table [" + table_name + "]");
    }
    for (auto&& [key, node] : *table) {
      std::string name(key.str());
      if (auto named = named_tables().find(table_name); named != named_tables().end()) {
        if (auto applied = named->second(name, node, updated); !applied) {
          return make_error(ErrorCode::kInvalidArgument, where(source_name, node) + applied.error().message);
        }
        continue;
      }
      if (table_name == "workflows" && node.is_table()) {  // [workflows.<type>]: that workflow's ctx.config
        auto value = toml_to_json(node);
        if (!value) {
          return make_error(ErrorCode::kInvalidArgument,
                            where(source_name, node) + "[workflows." + name + "] " + value.error().message);
        }
        updated.workflows.type_config[name] = std::move(*value);
        continue;
      }
      auto setter = table_schema->second.find(name);
      if (setter == table_schema->second.end()) {
        return make_error(ErrorCode::kInvalidArgument,
                          where(source_name, node) + "unknown key '" + table_name + "." + name +
                              "'; known keys of [" + table_name + "]: " + key_list(table_schema->second));
      }
      if (auto applied = setter->second(node, updated); !applied) {
        return make_error(ErrorCode::kInvalidArgument, where(source_name, node) + applied.error().message);
      }
    }
  }
  config = std::move(updated);
  return ok();
}

Result<void> apply_config_file(const std::string& path, DaemonConfig& config) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read config file '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return apply_config_text(text.str(), path, config);
}

}  // namespace sundial
