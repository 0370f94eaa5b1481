// The JSON body of an alert message (docs/operations.md, "Alerts"): the
// message id, when it was sent and which window it covers, a one-line
// summary, a count per kind, and the sampled alerts.
//
//   {"id":"…","source":"sundiald","sent_at_ms":…,"window":{"from_ms":…,"to_ms":…},
//    "summary":"3 instances failed, 1 task dead","total":4,
//    "counts":{"instance_failed":3,"task_dead":1,"schedule_misfire":0,
//              "storage_degraded":0,"storage_recovered":0},
//    "alerts":[{"kind":"instance_failed","at_ms":…,"instance_id":"…",
//               "workflow_type":"…","error":"…"}, …],
//    "omitted":0}
//
// Threading: pure functions.
#pragma once

#include <string>

#include "server/alerts/alert_batch.h"

namespace sundial::alerts {

// "3 instances failed, 1 task dead, storage cannot write".
std::string alert_summary(const AlertBatch& batch);

// The body, compact JSON (valid UTF-8: samples are repaired when added).
std::string alert_body(const AlertBatch& batch, const std::string& alert_id, TimeMs sent_at);

}  // namespace sundial::alerts
