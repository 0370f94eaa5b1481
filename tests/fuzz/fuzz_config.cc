// libFuzzer target: sundiald's TOML configuration (server/config). Any
// file must either apply or be refused with an invalid_argument naming
// where, never crash or throw; a refused file changes nothing, and an
// accepted one leaves every setting inside its documented range.
#include <string>

#include "server/config/config_file.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sundial::DaemonConfig config;
  config.server.listen_port = 1234;  // a value no file is likely to set
  auto applied = sundial::apply_config_text(text, "fuzz.toml", config);
  if (!applied) {
    FUZZ_CHECK(applied.error().code == sundial::ErrorCode::kInvalidArgument);
    FUZZ_CHECK(applied.error().message.starts_with("fuzz.toml:"));
    FUZZ_CHECK(config.server.listen_port == 1234);
    return 0;
  }
  const auto& s = config.server;
  FUZZ_CHECK(s.listen_port >= 0 && s.listen_port <= 65535);
  FUZZ_CHECK(s.max_body_bytes >= 1 && s.max_header_bytes >= 1024 && s.max_connections >= 1);
  FUZZ_CHECK(s.idle_timeout >= 0 && s.read_timeout >= 0 && s.shutdown_timeout >= 0);
  FUZZ_CHECK(s.webhook_rate_per_second > 0 && s.webhook_burst > 0);
  FUZZ_CHECK(config.resend.client.rate_per_second > 0 && config.resend.client.burst > 0);
  for (auto offset : config.nurture.offsets) FUZZ_CHECK(offset >= 0);
  for (auto before : config.reminders.before) FUZZ_CHECK(before >= 0);
  return 0;
}
