#include "workflows/email/email_template.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace sundial {

Result<EmailTemplate> parse_email_template(std::string name, std::string_view file_text) {
  EmailTemplate t;
  t.name = std::move(name);
  std::string* section = nullptr;
  bool seen_subject = false, seen_html = false;
  size_t pos = 0;
  while (pos <= file_text.size()) {
    size_t nl = file_text.find('\n', pos);
    std::string_view line =
        file_text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (line.starts_with("--- ")) {
      std::string_view which = line.substr(4);
      while (!which.empty() && (which.back() == ' ' || which.back() == '\r')) which.remove_suffix(1);
      if (which == "subject")
        section = &t.subject, seen_subject = true;
      else if (which == "html")
        section = &t.html, seen_html = true;
      else if (which == "text")
        section = &t.text;
      else
        return make_error(ErrorCode::kInvalidArgument,
                          "template " + t.name + ": unknown section '" + std::string(which) + "'");
    } else if (section != nullptr) {
      section->append(line);
      section->push_back('\n');
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  auto trim = [](std::string& s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  };
  trim(t.subject);
  trim(t.html);
  trim(t.text);
  if (!seen_subject || !seen_html || t.subject.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "template " + t.name + " needs '--- subject' and '--- html' sections");
  }
  return t;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// At most `max_bytes` of `text` from `pos`, never ending inside a UTF-8
// character: the quote goes into an error message that is journaled as
// JSON, which must be valid UTF-8.
std::string utf8_excerpt(const std::string& text, size_t pos, size_t max_bytes) {
  size_t end = std::min(text.size(), pos + max_bytes);
  while (end > pos && end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(pos, end - pos);
}

// Fills every {{name}} of the template text from `vars`. Only the
// template is scanned for placeholders, never the values put in, so a value
// that itself contains "{{" (a name typed into a public form) is sent as
// text. A placeholder without a value, or a "{{" that never closes, fails.
Result<std::string> fill(const std::string& template_name, const char* part, const std::string& text,
                         const nlohmann::json& vars, bool escape, size_t max_bytes = SIZE_MAX) {
  auto missing = [&](const std::string& variable) {
    return make_error(ErrorCode::kInvalidArgument, "template " + template_name + " (" + part +
                                                       "): no value for placeholder {{" + variable +
                                                       "}}; not sent");
  };
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument, "template " + template_name + " (" + part + "): '{{" +
                                                         utf8_excerpt(text, open + 2, 20) +
                                                         "' is never closed with }}; not sent");
    }
    std::string name = text.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (!vars.is_object() || !vars.contains(name) || vars[name].is_null()) return missing(name);
    out.append(text, pos, open - pos);
    std::string value = vars[name].is_string() ? vars[name].get<std::string>() : vars[name].dump();
    out += escape ? html_escape(value) : value;
    pos = close + 2;
    if (out.size() > max_bytes) break;
  }
  out.append(text, pos, std::string::npos);
  if (out.size() > max_bytes) {
    return make_error(ErrorCode::kInvalidArgument, "template " + template_name + " (" + part +
                                                       "): the rendered text would exceed " +
                                                       std::to_string(max_bytes) + " bytes");
  }
  return out;
}

}  // namespace

Result<RenderedEmail> render_email(const EmailTemplate& tmpl, const nlohmann::json& vars) {
  RenderedEmail r;
  SUNDIAL_ASSIGN_OR_RETURN(r.subject, fill(tmpl.name, "subject", tmpl.subject, vars, false));
  SUNDIAL_ASSIGN_OR_RETURN(r.html, fill(tmpl.name, "html", tmpl.html, vars, true));
  SUNDIAL_ASSIGN_OR_RETURN(r.text, fill(tmpl.name, "text", tmpl.text, vars, false));
  return r;
}

Result<std::string> render_template_text(const std::string& name, const std::string& text,
                                         const nlohmann::json& vars, bool escape_html, size_t max_bytes) {
  return fill(name, escape_html ? "html" : "text", text, vars, escape_html, max_bytes);
}

Result<std::vector<std::string>> template_placeholders(const EmailTemplate& tmpl) {
  std::set<std::string> names;
  for (auto [part, text] :
       {std::pair{"subject", &tmpl.subject}, std::pair{"html", &tmpl.html}, std::pair{"text", &tmpl.text}}) {
    size_t pos = 0;
    while ((pos = text->find("{{", pos)) != std::string::npos) {
      size_t close = text->find("}}", pos + 2);
      if (close == std::string::npos) {
        return make_error(ErrorCode::kInvalidArgument, "template " + tmpl.name + " (" + part + "): '{{" +
                                                           utf8_excerpt(*text, pos + 2, 20) +
                                                           "' is never closed with }}");
      }
      // Trimmed of spaces as fill() trims them.
      std::string_view name = std::string_view(*text).substr(pos + 2, close - pos - 2);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
      names.insert(std::string(name));
      pos = close + 2;
    }
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<TemplateSet> TemplateSet::load_directory(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return make_error(ErrorCode::kNotFound, "template directory '" + dir + "' does not exist");
  }
  TemplateSet set;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".tmpl") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    SUNDIAL_ASSIGN_OR_RETURN(auto t, parse_email_template(entry.path().stem().string(), text.str()));
    set.add(std::move(t));
  }
  return set;
}

const EmailTemplate* TemplateSet::find_first(const std::vector<std::string>& names) const {
  for (const auto& n : names) {
    if (auto it = templates_.find(n); it != templates_.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace sundial
