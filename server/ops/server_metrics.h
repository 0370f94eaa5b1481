// ServerMetrics: Sundial's metrics on a MetricsRegistry — HTTP requests by
// route and status with a latency histogram, open and refused connections,
// commit batch sizes and latency, timers pending / fired / lateness,
// instances by status and by workflow type and status, what the
// workflows did (workflow_metrics.h), the build and the process
// (process_metrics.h),
// and the storage reads made on the loop thread
// (docs/threading.md rule 1). Engine figures are read at scrape time from the
// engine's cumulative stats; instance and pending-timer counts come from
// the engine's StatsReader, counted off the loop, so a scrape is answered
// asynchronously.
//
// Threading: loop thread only. Ownership: borrows the registry and the
// engine, which outlive it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/flow/limiters.h"
#include "server/ops/metrics.h"
#include "server/ops/workflow_metrics.h"

namespace sundial::ops {

struct ConnectionCounts {
  size_t open = 0;
  uint64_t rejected = 0;
  uint64_t shed = 0;                // idle connections closed to make room
  size_t queued_output_bytes = 0;   // answers not yet taken by clients
  size_t body_bytes_in_flight = 0;  // request bodies being received
};

class ServerMetrics {
 public:
  // `limiters` reads the shared rate limiters (engine/flow/limiters.h).
  ServerMetrics(MetricsRegistry& registry, Engine& engine, std::function<ConnectionCounts()> connections,
                std::function<std::vector<LimiterView>()> limiters = {});
  ~ServerMetrics() { *alive_ = false; }
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  void observe_request(const std::string& method, const std::string& route, int status, double seconds);
  // The registry in the Prometheus text format, once the engine's counts
  // are in. `done` runs on the loop; never after this object is gone.
  void scrape(std::move_only_function<void(std::string)> done);

 private:
  void collect();

  MetricsRegistry& registry_;
  Engine& engine_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::function<ConnectionCounts()> connections_;
  std::function<std::vector<LimiterView>()> limiters_;
  WorkflowMetrics workflows_;
  MetricFamily& requests_;
  MetricFamily& request_seconds_;
  MetricFamily& connections_open_;
  MetricFamily& connections_rejected_;
  MetricFamily& connections_shed_;
  MetricFamily& output_queued_;
  MetricFamily& bodies_in_flight_;
  MetricFamily& commit_writes_;
  MetricFamily& commit_transitions_;
  MetricFamily& commit_group_size_;
  MetricFamily& commit_seconds_;
  MetricFamily& timers_pending_;
  MetricFamily& timers_in_memory_;
  MetricFamily& timers_fired_;
  MetricFamily& timer_lateness_;
  MetricFamily& instances_;
  MetricFamily& instances_by_type_;
  MetricFamily& loop_thread_store_reads_;
  MetricFamily& storage_memtable_bytes_;
  MetricFamily& storage_block_cache_bytes_;
  MetricFamily& storage_table_readers_bytes_;
  MetricFamily& storage_unavailable_;
  MetricFamily& tasks_;
  MetricFamily& task_claims_;
  MetricFamily& task_completions_;
  MetricFamily& task_failures_;
  MetricFamily& task_dead_;
  MetricFamily& task_lease_expiries_;
  MetricFamily& task_claim_to_complete_;
  MetricFamily& task_waiting_claims_;
  MetricFamily& schedules_;
  MetricFamily& schedule_fires_;
  MetricFamily& schedule_misfires_;
  MetricFamily& schedule_missed_dropped_;
  MetricFamily& schedule_lateness_;
  MetricFamily& limiter_tokens_;
  MetricFamily& limiter_waiting_;
  MetricFamily& limiter_sub_keys_;
  MetricFamily& limiter_holds_;
  MetricFamily& kv_ops_;
  MetricFamily& topic_events_;
  MetricFamily& subscription_lag_;
  MetricFamily& subscription_deliveries_;
};

}  // namespace sundial::ops
