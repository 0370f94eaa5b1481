// EmailCounts: how many templated emails each template produced, by
// outcome, since the process started: the source of the
// sundial_emails_total{template,outcome} metric (server/ops). Every
// templated email (the nurture, the reminders, Lua's ctx:email) goes
// through send_templated_email (email_step.h), which counts each attempt:
//   sent    Resend accepted it
//   logged  log mode (no API key): journaled and logged, not sent
//   failed  the attempt failed (a retry may follow); a template that does
//           not render counts under its name, one that is missing under
//           "(missing)" (the names asked for come from scripts: unbounded)
//
// Threading: any thread (a mutex guards the counts; sends complete on the
// loop, the metrics scrape reads from wherever it runs). Ownership: one
// per process, EmailCounts::process(), like a metrics library's default
// registry; it lives until exit.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sundial {

class EmailCounts {
 public:
  enum class Outcome { kSent, kLogged, kFailed };
  struct Row {
    std::string template_name;
    Outcome outcome;
    uint64_t count;
  };

  static EmailCounts& process();

  void count(std::string_view template_name, Outcome outcome);
  // Every (template, outcome) counted so far, by template name.
  std::vector<Row> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, Outcome>, uint64_t> counts_;  // guarded by mutex_
};

std::string_view outcome_name(EmailCounts::Outcome outcome);

}  // namespace sundial
