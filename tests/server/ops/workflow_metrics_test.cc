// WorkflowMetrics counts step outcomes and instance events by workflow type
// from the engine's events; a step error's own words never change the outcome.
#include <gtest/gtest.h>

#include "server/ops/workflow_metrics.h"
#include "workflows/email/email_counts.h"
#include "tests/engine/test_workflows.h"
#include "tests/support/engine_harness.h"

namespace sundial::testing {
namespace {

EngineEvent event(EventType type, std::string workflow_type, std::string detail = {}) {
  EngineEvent e;
  e.type = type;
  e.workflow_type = std::move(workflow_type);
  e.detail = std::move(detail);
  return e;
}

TEST(WorkflowMetricsTest, CountsStepsAndInstancesByType) {
  EngineHarness h;
  h.open();
  ops::MetricsRegistry registry;
  ops::WorkflowMetrics metrics(registry, h.engine->events());
  metrics.count(event(EventType::kInstanceStarted, "nurture"));
  metrics.count(event(EventType::kStepCompleted, "nurture"));
  metrics.count(event(EventType::kStepFailed, "nurture", "attempt 1 failed, will retry: 503 failed for good?"));
  metrics.count(event(EventType::kStepFailed, "nurture", "attempt 12 failed for good: 422 invalid recipient"));
  metrics.count(event(EventType::kStepSkipped, "nurture", "bounced"));
  metrics.count(event(EventType::kStepDeferred, "nurture", "until 2026-03-30 09:00 Europe/Paris"));
  metrics.count(event(EventType::kFailed, "reminders"));
  metrics.count(event(EventType::kTimerFired, "reminders"));  // not counted here
  std::string text = registry.render();
  for (const char* series : {"sundial_workflow_steps_total{type=\"nurture\",outcome=\"completed\"} 1",
                             "sundial_workflow_steps_total{type=\"nurture\",outcome=\"retried\"} 1",
                             "sundial_workflow_steps_total{type=\"nurture\",outcome=\"failed\"} 1",
                             "sundial_workflow_steps_total{type=\"nurture\",outcome=\"skipped\"} 1",
                             "sundial_workflow_steps_total{type=\"nurture\",outcome=\"deferred\"} 1",
                             "sundial_workflow_instances_total{type=\"nurture\",event=\"started\"} 1",
                             "sundial_workflow_instances_total{type=\"reminders\",event=\"failed\"} 1"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
}

TEST(WorkflowMetricsTest, CountsEmailsByTemplateAndOutcome) {
  EngineHarness h;
  h.open();
  ops::MetricsRegistry registry;
  ops::WorkflowMetrics metrics(registry, h.engine->events());
  // Process-wide counts: names no other test sends.
  EmailCounts::process().count("metrics-test.welcome", EmailCounts::Outcome::kSent);
  EmailCounts::process().count("metrics-test.welcome", EmailCounts::Outcome::kSent);
  EmailCounts::process().count("metrics-test.welcome", EmailCounts::Outcome::kFailed);
  EmailCounts::process().count("metrics-test.logged", EmailCounts::Outcome::kLogged);
  std::string text = registry.render();
  for (const char* series : {"sundial_emails_total{template=\"metrics-test.welcome\",outcome=\"sent\"} 2",
                             "sundial_emails_total{template=\"metrics-test.welcome\",outcome=\"failed\"} 1",
                             "sundial_emails_total{template=\"metrics-test.logged\",outcome=\"logged\"} 1"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
}

TEST(WorkflowMetricsTest, CountsWhatTheEngineCommits) {
  EngineHarness h;
  StepLog log{h.clock};
  register_test_workflows(h.registry, log);
  h.open();
  ops::MetricsRegistry registry;
  ops::WorkflowMetrics metrics(registry, h.engine->events());
  ASSERT_TRUE(h.start("test.sequence", "m1", {{"offsets_ms", {0, 0}}}));
  std::string text = registry.render();
  EXPECT_NE(text.find("sundial_workflow_steps_total{type=\"test.sequence\",outcome=\"completed\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sundial_workflow_instances_total{type=\"test.sequence\",event=\"completed\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace sundial::testing
