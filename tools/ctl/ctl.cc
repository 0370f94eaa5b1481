#include "tools/ctl/ctl.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "tools/ctl/table.h"
#include "tools/ctl/verbs.h"

namespace sundial::ctl {

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

}  // namespace

int run_ctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto inv = parse_ctl_args(args);
  if (!inv) {
    err << "sundialctl: " << inv.error().message << "\n(see sundialctl --help)\n";
    return kExitUsage;
  }
  if (inv->help) {
    out << help_text(inv->verb);
    return kExitOk;
  }
  std::unique_ptr<ApiClient> api;
  std::unique_ptr<InstanceSource> source;
  if (inv->data_dir) {
    auto opened = data_dir_source(*inv->data_dir);
    if (!opened) {
      err << "sundialctl: " << opened.error().message << "\n";
      return opened.error().code == ErrorCode::kNotFound ? kExitNotFound : kExitFailure;
    }
    source = std::move(*opened);
  } else {
    std::string server = inv->server.value_or(env("SUNDIAL_SERVER").value_or("http://127.0.0.1:8080"));
    api = std::make_unique<ApiClient>(server, inv->token ? inv->token : env("SUNDIAL_ADMIN_TOKEN"));
    source = http_source(*api);
  }
  bool colour = !inv->json_output && use_colour();
  // -o wide never cuts a cell: the table is as wide as it needs.
  size_t width = inv->wide_output ? 0 : terminal_width();
  std::istream* terminal_in = ::isatty(STDIN_FILENO) ? &std::cin : nullptr;
  VerbContext ctx{*inv, *source, api.get(), out, err, SystemClock().now_ms(), colour, width, terminal_in};
  // parse_ctl_args accepted the verb, so the table has its row.
  return find_verb(inv->verb)->run(ctx);
}

}  // namespace sundial::ctl
