#include "workflows/email/email_counts.h"

namespace sundial {

EmailCounts& EmailCounts::process() {
  static EmailCounts* counts = new EmailCounts();  // never destroyed: sends may complete during exit
  return *counts;
}

void EmailCounts::count(std::string_view template_name, Outcome outcome) {
  std::lock_guard lock(mutex_);
  ++counts_[{std::string(template_name), outcome}];
}

std::vector<EmailCounts::Row> EmailCounts::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<Row> rows;
  rows.reserve(counts_.size());
  for (const auto& [key, n] : counts_) rows.push_back(Row{key.first, key.second, n});
  return rows;
}

std::string_view outcome_name(EmailCounts::Outcome outcome) {
  switch (outcome) {
    case EmailCounts::Outcome::kSent:
      return "sent";
    case EmailCounts::Outcome::kLogged:
      return "logged";
    case EmailCounts::Outcome::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace sundial
