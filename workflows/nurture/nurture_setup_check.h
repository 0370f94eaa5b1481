// The nurture's start-up check: its [nurture] offsets against the
// templates of its templates_dir, so a mistake shows when sundiald starts
// rather than at email 8, eleven days after a signup. NurtureModule::start
// runs it once the templates are loaded and logs what it reports.
//
// Errors (sundiald does not start; each names its key and what to do):
// - more than 100 offsets, or one beyond 10 years (the nurture's input
//   check would refuse every signup: workflows/input_check.h);
// - offsets out of sending order (each must be at or after the one
//   before);
// - an email without a template: email N (N <= the number of offsets)
//   needs email-N.tmpl, or email-N.<segment>.tmpl for every segment.
// Warnings (sundiald starts): a template that is never sent (email-K past
// the offsets, a variant for a segment the signup never picks, a file that
// is not email-<n>[.<segment>].tmpl), and a template that would fail when
// sent: a placeholder the nurture does not fill, or a "{{" never closed.
// Placeholders warn rather than refuse: the variables are nurture.lua's,
// which a deployment may replace with its own script that fills more
// ([workflows] dir), and such an email fails safe — it is never sent with
// a hole (workflows/email/email_step.h) — while a refused start would stop
// every workflow (docs/workflows.md, "Checked at start-up").
// Info: the emails, their offsets and the segment variants present.
//
// Threading: a pure function.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/clock.h"
#include "engine/base/error.h"
#include "workflows/email/email_template.h"

namespace sundial {

// The variables nurture.lua fills for every email (its `vars`); a test
// keeps the two lists equal.
inline constexpr std::array<std::string_view, 5> kNurtureVariables = {"email", "first_name", "orange", "red",
                                                                      "segment"};

struct NurtureSetupReport {
  std::vector<std::string> warnings;  // one sentence each, naming the file
  std::string summary;                // "7 emails at 0s, 1d, ...; segment variants: ..."
};

// invalid_argument "[nurture] offsets: ..." for an error above; otherwise
// the warnings and the summary. `templates_dir` is only quoted.
Result<NurtureSetupReport> check_nurture_setup(const std::vector<DurationMs>& offsets,
                                               const TemplateSet& templates, std::string_view templates_dir);

}  // namespace sundial
