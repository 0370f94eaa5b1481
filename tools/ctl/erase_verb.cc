// erase --attr NAME=VALUE [--dry-run] [--yes]: erases every instance a
// search attribute finds, and everything they hold (POST /api/v1/erasure;
// docs/operations.md, "Erasure"). A dry run first lists what would go;
// then "Proceed? [y/N]" on a terminal, or --yes. Repeats the request while
// the server says more instances match.
#include "tools/ctl/plural.h"
#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

Result<nlohmann::json> post_erasure(VerbContext& ctx, const std::string& name, const std::string& value,
                                    bool dry_run) {
  nlohmann::json body = {{"attr", {{name, value}}}, {"dry_run", dry_run}};
  return api_result(ctx.api->request("POST", "/api/v1/erasure", body.dump()));
}

void print_instances(VerbContext& ctx, const nlohmann::json& answer) {
  Table t{{"ID", "TYPE", "STATUS"}, {}};
  for (const auto& i : answer.value("instances", nlohmann::json::array())) {
    t.rows.push_back({text(i.value("id", nlohmann::json())), text(i.value("type", nlohmann::json())),
                      text(i.value("status", nlohmann::json()))});
  }
  ctx.out << t.render(ctx.width, ctx.colour);
}

}  // namespace

int erase_verb(VerbContext& ctx) {
  auto flag = ctx.inv.flags.find("--attr");
  if (flag == ctx.inv.flags.end()) return usage_error(ctx, "erase needs --attr NAME=VALUE, e.g. --attr email=ada@example.com");
  size_t eq = flag->second.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == flag->second.size()) {
    return usage_error(ctx, "--attr takes NAME=VALUE, e.g. --attr email=ada@example.com");
  }
  const std::string name = flag->second.substr(0, eq), value = flag->second.substr(eq + 1);
  const bool dry_run = ctx.inv.flags.contains("--dry-run");
  const bool yes = ctx.inv.flags.contains("--yes");
  if (dry_run || !yes) {
    auto dry = post_erasure(ctx, name, value, true);
    if (!dry) return fail(ctx, dry.error());
    if (ctx.inv.json_output && dry_run) {
      ctx.out << dry->dump(2) << "\n";
      return 0;
    }
    size_t matched = dry->value("instances", nlohmann::json::array()).size();
    if (!ctx.inv.json_output) print_instances(ctx, *dry);
    (ctx.inv.json_output ? ctx.err : ctx.out)
        << "would erase " << count_of(matched, "instance") << (dry->value("more", false) ? " (and more)" : "")
        << " and everything they hold\n";
    if (dry_run) return 0;
    if (matched == 0) {
      ctx.err << "nothing to erase\n";
      return 0;
    }
    if (ctx.terminal_in == nullptr) {
      ctx.err << "sundialctl: stdin is not a terminal, so nothing was asked and nothing changed; add --yes to "
                 "erase them\n";
      return 2;
    }
    if (!ask_to_proceed(ctx)) {
      ctx.err << "nothing changed\n";
      return 1;
    }
  }
  size_t erased = 0, cancelled = 0, skipped = 0;
  nlohmann::json last;
  for (int round = 0; round < 1000; ++round) {
    auto done = post_erasure(ctx, name, value, false);
    if (!done) return fail(ctx, done.error());
    erased += done->value("erased", size_t{0});
    cancelled += done->value("cancelled", size_t{0});
    for (const auto& s : done->value("skipped", nlohmann::json::array())) {
      ++skipped;
      ctx.err << "skipped " << text(s.value("id", nlohmann::json())) << ": " << text(s.value("reason", nlohmann::json()))
              << "\n";
    }
    last = std::move(*done);
    if (!last.value("more", false) || last.value("erased", size_t{0}) == 0) break;
  }
  if (ctx.inv.json_output) {
    ctx.out << last.dump(2) << "\n";
  } else {
    ctx.out << "erased " << count_of(erased, "instance") << " (" << cancelled << " cancelled first)"
            << (skipped ? ", skipped " + std::to_string(skipped) : "") << "\n";
  }
  return skipped > 0 ? 1 : 0;
}

}  // namespace sundial::ctl
