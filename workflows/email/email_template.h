// Email templates: a subject, an HTML part and a text part with
// {{placeholder}} variables, loaded from files at start-up. Values are
// HTML-escaped in the HTML part and never scanned for placeholders. A
// template placeholder left without a value is an invalid_argument error
// naming the template and the variable, so a step fails for good rather
// than send it.
//
// File format (one file per email): sections introduced by a line
// "--- subject", "--- html" and "--- text".
//
// Threading: a TemplateSet is immutable after loading; any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/base/error.h"

namespace sundial {

struct EmailTemplate {
  std::string name;  // "email-3.critical"
  std::string subject;
  std::string html;
  std::string text;
};

struct RenderedEmail {
  std::string subject;
  std::string html;
  std::string text;
};

Result<EmailTemplate> parse_email_template(std::string name, std::string_view file_text);

// `vars` is a flat JSON object; strings as they are, other values dumped.
Result<RenderedEmail> render_email(const EmailTemplate& tmpl, const nlohmann::json& vars);

std::string html_escape(std::string_view s);

// One text filled the same way (Lua's template.render): values HTML-escaped
// when `escape_html`; invalid_argument when a placeholder has no value, a
// "{{" is never closed, or the result would exceed `max_bytes`.
Result<std::string> render_template_text(const std::string& name, const std::string& text,
                                         const nlohmann::json& vars, bool escape_html, size_t max_bytes);

// The placeholder names of `tmpl` (subject, html and text parts), each
// once, sorted: what render_email asks `vars` for, so a family can check
// its templates at start-up. invalid_argument naming the template and part
// when a "{{" is never closed (render_email would fail the same way).
Result<std::vector<std::string>> template_placeholders(const EmailTemplate& tmpl);

// The templates of one directory, by name (file name without ".tmpl").
class TemplateSet {
 public:
  static Result<TemplateSet> load_directory(const std::string& dir);
  void add(EmailTemplate t) { templates_[t.name] = std::move(t); }
  // The first of `names` that exists.
  const EmailTemplate* find_first(const std::vector<std::string>& names) const;
  size_t size() const { return templates_.size(); }
  // Every template, by name (sorted).
  const std::map<std::string, EmailTemplate>& all() const { return templates_; }

 private:
  std::map<std::string, EmailTemplate> templates_;
};

}  // namespace sundial
