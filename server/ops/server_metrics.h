// ServerMetrics: Sundial's metrics on a MetricsRegistry — HTTP requests by
// route and status with a latency histogram, open and refused connections,
// commit batch sizes and latency, timers pending / fired / lateness, and
// instances by status. Engine figures are read at scrape time from the
// engine's cumulative stats.
//
// Threading: loop thread only. Ownership: borrows the registry and the
// engine, which outlive it.
#pragma once

#include <functional>
#include <string>

#include "engine/engine.h"
#include "server/ops/metrics.h"

namespace sundial::ops {

struct ConnectionCounts {
  size_t open = 0;
  uint64_t rejected = 0;
};

class ServerMetrics {
 public:
  ServerMetrics(MetricsRegistry& registry, Engine& engine, std::function<ConnectionCounts()> connections);

  void observe_request(const std::string& method, const std::string& route, int status, double seconds);

 private:
  void collect();

  Engine& engine_;
  std::function<ConnectionCounts()> connections_;
  MetricFamily& requests_;
  MetricFamily& request_seconds_;
  MetricFamily& connections_open_;
  MetricFamily& connections_rejected_;
  MetricFamily& commit_writes_;
  MetricFamily& commit_transitions_;
  MetricFamily& commit_group_size_;
  MetricFamily& commit_seconds_;
  MetricFamily& timers_pending_;
  MetricFamily& timers_in_memory_;
  MetricFamily& timers_fired_;
  MetricFamily& timer_lateness_;
  MetricFamily& instances_;
};

}  // namespace sundial::ops
