// The bulk forms of pause, resume, cancel and retry: a dry run, then
// "Proceed? [y/N]" on a terminal (or --yes), then the real run, through
// POST /api/v1/instances:{verb} (the request and texts: bulk_request.h).
// With -o json, stdout holds only the API's answer (the dry run's with
// --dry-run); the count and the question go to stderr.
#include <string>

#include "tools/ctl/bulk_request.h"
#include "tools/ctl/plural.h"
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

Result<nlohmann::json> post_bulk(VerbContext& ctx, const BulkRequest& request, bool dry_run) {
  return api_result(ctx.api->request("POST", bulk_path(request.verb), bulk_body(request, dry_run).dump()));
}

// The sampled errors of an answer ({"instance_id","error":{"code","message"}})
// as a table; not with -o json, whose answer holds them.
void print_bulk_errors(VerbContext& ctx, const nlohmann::json& answer) {
  const nlohmann::json& errors = answer.value("errors", nlohmann::json::array());
  if (!errors.is_array() || errors.empty()) return;
  Table t{{"INSTANCE", "ERROR", "MESSAGE"}, {}};
  for (const auto& e : errors) {
    const nlohmann::json& error = e.value("error", nlohmann::json::object());
    t.rows.push_back({text(e.value("instance_id", nlohmann::json())),
                      text(error.value("code", nlohmann::json())),
                      text(error.value("message", nlohmann::json()))});
  }
  ctx.out << t.render(ctx.width, ctx.colour);
  size_t refused = answer.value("refused", size_t{0});
  if (refused > errors.size())
    ctx.out << "(the first " << count_of(errors.size(), "error") << " of " << refused << ")\n";
}

}  // namespace

bool ask_to_proceed(VerbContext& ctx) {
  ctx.err << "Proceed? [y/N] ";
  ctx.err.flush();
  std::string line;
  if (!std::getline(*ctx.terminal_in, line)) return false;
  return line == "y" || line == "Y" || line == "yes" || line == "YES";
}

int bulk_steer_verb(VerbContext& ctx) {
  auto request = bulk_request(ctx.inv);
  if (!request) return usage_error(ctx, request.error().message);
  if (request->dry_run || !request->yes) {
    auto dry = post_bulk(ctx, *request, true);
    if (!dry) return fail(ctx, dry.error());
    if (request->dry_run && ctx.inv.json_output) {
      ctx.out << dry->dump(2) << "\n";
      return 0;
    }
    (ctx.inv.json_output ? ctx.err : ctx.out) << would_text(*request, *dry) << "\n";
    if (request->dry_run) {
      print_bulk_errors(ctx, *dry);
      return 0;
    }
    if (would_change(*dry) == 0) {
      ctx.err << "nothing to " << request->verb << "\n";
      return 0;
    }
    if (ctx.terminal_in == nullptr) {
      ctx.err
          << "sundialctl: stdin is not a terminal, so nothing was asked and nothing changed; add --yes to "
          << request->verb << " them\n";
      return 2;
    }
    if (!ask_to_proceed(ctx)) {
      ctx.err << "nothing changed\n";
      return 1;
    }
  }
  auto done = post_bulk(ctx, *request, false);
  if (!done) return fail(ctx, done.error());
  if (ctx.inv.json_output) {
    ctx.out << done->dump(2) << "\n";
  } else {
    ctx.out << done_text(*request, *done) << "\n";
    print_bulk_errors(ctx, *done);
  }
  return done->value("refused", size_t{0}) > 0 ? 1 : 0;
}

}  // namespace sundial::ctl
