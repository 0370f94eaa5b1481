// libFuzzer target: the email templates (workflows/email/email_template):
// parsing a template file and rendering it with variables. Input: the
// template text, a line "=====", then the variables as JSON (anything else
// becomes {"first_name": <the bytes>}). Nothing may crash; with valid UTF-8
// in, the rendered parts and every error message are valid UTF-8 (an error
// is journaled as the step's error); values are never scanned for
// placeholders; the HTML part never carries a value's '<' unescaped.
#include <string>

#include "tests/fuzz/fuzz_support.h"
#include "workflows/email/email_template.h"

namespace {

using nlohmann::json;
using sundial::fuzz::encodable;
using sundial::fuzz::encodable_json;

// `vars` with every string value replaced by `text`.
json with_strings(const json& vars, const std::string& text) {
  json out = vars;
  if (out.is_object()) {
    for (auto& [key, value] : out.items()) {
      if (value.is_string()) value = text;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sundial::fuzz::FuzzInput in(data, size);
  std::string_view template_text = in.until("\n=====\n");
  std::string_view vars_text = in.rest();
  json vars = json::parse(vars_text, nullptr, /*allow_exceptions=*/false);
  if (vars.is_discarded()) vars = json{{"first_name", std::string(vars_text)}, {"email", "a@example.com"}};
  const bool utf8_in = encodable(template_text) && encodable_json(vars);

  auto tmpl = sundial::parse_email_template("fuzz", template_text);
  if (!tmpl) {
    FUZZ_CHECK(tmpl.error().code == sundial::ErrorCode::kInvalidArgument);
    if (utf8_in) FUZZ_CHECK(encodable(tmpl.error().message));
    return 0;
  }
  auto rendered = sundial::render_email(*tmpl, vars);
  if (!rendered) {
    FUZZ_CHECK(rendered.error().code == sundial::ErrorCode::kInvalidArgument);
    if (utf8_in) FUZZ_CHECK(encodable(rendered.error().message));
    return 0;
  }
  if (utf8_in)
    FUZZ_CHECK(encodable(rendered->subject) && encodable(rendered->html) && encodable(rendered->text));

  // Values that look like placeholders or markup render as text.
  auto hostile = sundial::render_email(*tmpl, with_strings(vars, "{{missing}}<b>"));
  FUZZ_CHECK(hostile.has_value());
  auto marked = sundial::render_email(*tmpl, with_strings(vars, "<"));
  FUZZ_CHECK(marked.has_value());
  if (tmpl->html.find('<') == std::string::npos) FUZZ_CHECK(marked->html.find('<') == std::string::npos);
  return 0;
}
