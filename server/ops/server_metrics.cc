#include "server/ops/server_metrics.h"

#include "engine/topics/subscription_service.h"
#include "engine/topics/topic_service.h"
#include "server/ops/process_metrics.h"

namespace sundial::ops {

namespace {

std::vector<double> log_bounds(double unit, size_t count) {
  std::vector<double> out;
  for (size_t i = 0; i < count; ++i) out.push_back(static_cast<double>(LogHistogram::bound(i)) * unit);
  return out;
}

}  // namespace

ServerMetrics::ServerMetrics(MetricsRegistry& registry, Engine& engine,
                             std::function<ConnectionCounts()> connections,
                             std::function<std::vector<LimiterView>()> limiters)
    : registry_(registry),
      engine_(engine),
      connections_(std::move(connections)),
      limiters_(std::move(limiters)),
      workflows_(registry, engine.events()),
      requests_(registry.counter("sundial_http_requests_total",
                                 "HTTP requests answered, by route and status.",
                                 {"method", "route", "status"})),
      request_seconds_(registry.histogram("sundial_http_request_duration_seconds",
                                          "Time from a request's first byte to its answer.",
                                          exponential_buckets(0.0005, 2, 14), {"route"})),
      connections_open_(registry.gauge("sundial_http_connections_open", "Open HTTP connections.")),
      connections_rejected_(registry.counter(
          "sundial_http_connections_rejected_total",
          "Connections refused at accept: 503 over the connection limit, 429 over the per-client cap.")),
      connections_shed_(
          registry.counter("sundial_http_connections_shed_total",
                           "Idle keep-alive connections closed to make room near the connection limit.")),
      output_queued_(registry.gauge("sundial_http_output_queued_bytes",
                                    "Bytes of answers queued for clients that have not taken them yet.")),
      bodies_in_flight_(registry.gauge("sundial_http_request_body_bytes_in_flight",
                                       "Bytes of request bodies being received, all connections.")),
      commit_writes_(
          registry.counter("sundial_commit_writes_total", "Synced RocksDB writes (group commits).")),
      commit_transitions_(registry.counter("sundial_commit_transitions_total", "Transitions made durable.")),
      commit_group_size_(registry.histogram("sundial_commit_group_size", "Transitions per synced write.",
                                            log_bounds(1, 13))),
      commit_seconds_(registry.histogram("sundial_commit_duration_seconds", "Time inside one synced write.",
                                         log_bounds(1e-6, 24))),
      timers_pending_(registry.gauge("sundial_timers_pending", "Durable timers scheduled.")),
      timers_in_memory_(registry.gauge(
          "sundial_timers_in_memory",
          "Timers held in memory: the near window of stored timers, and running tasks' lease ends.")),
      timers_fired_(registry.counter("sundial_timers_fired_total", "Durable timers fired.")),
      timer_lateness_(registry.histogram("sundial_timer_lateness_seconds",
                                         "How late timers fired after their due time.",
                                         log_bounds(1e-3, 20))),
      instances_(registry.gauge("sundial_instances", "Workflow instances by status.", {"status"})),
      instances_by_type_(registry.gauge("sundial_workflow_instances",
                                        "Workflow instances by workflow type and status.", {"type", "status"})),
      loop_thread_store_reads_(registry.counter(
          "sundial_loop_thread_store_reads_total",
          "Storage reads (point reads, scans) made on the loop thread, which should not wait on the disk.")),
      storage_memtable_bytes_(
          registry.gauge("sundial_storage_memtable_bytes",
                         "RocksDB memtables in memory, all column families (written, not yet flushed).")),
      storage_block_cache_bytes_(registry.gauge(
          "sundial_storage_block_cache_bytes", "RocksDB block cache usage (data, index and filter blocks).")),
      storage_table_readers_bytes_(
          registry.gauge("sundial_storage_table_readers_bytes",
                         "RocksDB index and filter blocks held outside the block cache.")),
      storage_unavailable_(registry.gauge(
          "sundial_storage_unavailable",
          "1 while the storage cannot write (disk full, I/O error: writes answer 503 and it is being "
          "reopened), else 0.")),
      tasks_(registry.gauge("sundial_tasks", "Tasks by queue and status.", {"queue", "status"})),
      task_claims_(registry.counter("sundial_task_claims_total", "Tasks leased to workers.")),
      task_completions_(registry.counter("sundial_task_completions_total", "Tasks completed.")),
      task_failures_(registry.counter("sundial_task_failures_total",
                                      "Failed task attempts: fail calls and expired leases.")),
      task_dead_(registry.counter("sundial_task_dead_total", "Tasks that ended failed.")),
      task_lease_expiries_(registry.counter("sundial_task_lease_expiries_total",
                                            "Leases that ran out before the task ended.")),
      task_claim_to_complete_(registry.histogram("sundial_task_claim_to_complete_seconds",
                                                 "From a claim to its task's completion.",
                                                 log_bounds(1e-3, 24))),
      task_waiting_claims_(registry.gauge("sundial_task_waiting_claims", "Claims waiting for a task.")),
      schedules_(registry.gauge("sundial_schedules", "Schedules, by whether they are paused.", {"state"})),
      schedule_fires_(
          registry.counter("sundial_schedule_fires_total",
                           "Schedule fires by outcome: fired (a run started, enqueued or signalled), "
                           "skipped (overlap), error (the action was refused), retried (the engine "
                           "could not take it then).",
                           {"outcome"})),
      schedule_misfires_(
          registry.counter("sundial_schedule_misfires_total",
                           "Times a schedule found fire times missed (downtime, a stalled loop).")),
      schedule_missed_dropped_(registry.counter("sundial_schedule_missed_dropped_total",
                                                "Missed fire times the misfire policy did not fire.")),
      schedule_lateness_(registry.histogram(
          "sundial_schedule_fire_lateness_seconds",
          "From a fire's moment (nominal time + jitter) to its action's submission.", log_bounds(1e-3, 20))),
      limiter_tokens_(registry.gauge("sundial_limiter_tokens",
                                     "The fewest tokens in any bucket of a shared rate limiter.",
                                     {"limiter"})),
      limiter_waiting_(registry.gauge("sundial_limiter_waiting",
                                      "Calls waiting behind a shared rate limiter.", {"limiter"})),
      limiter_sub_keys_(registry.gauge("sundial_limiter_sub_keys",
                                       "Buckets (one per sub-key in use) of a shared rate limiter.",
                                       {"limiter"})),
      limiter_holds_(registry.counter(
          "sundial_limiter_holds_total",
          "Times a provider's Retry-After paused a bucket of a shared rate limiter.", {"limiter"})),
      kv_ops_(registry.counter("sundial_kv_operations_total",
                               "Key-value operations by outcome: read, written, conflict (a compare-and-set "
                               "refused), replayed (a retried step found its own write).",
                               {"outcome"})),
      topic_events_(registry.counter("sundial_topic_events_total",
                                     "Event-bus events by outcome: published, duplicate (an id already kept: "
                                     "nothing published), trimmed (deleted by retention). Since this start.",
                                     {"outcome"})),
      subscription_lag_(registry.gauge("sundial_subscription_lag",
                                       "Events published to a subscription's topic after its cursor.",
                                       {"subscription"})),
      subscription_deliveries_(registry.counter(
          "sundial_subscription_deliveries_total",
          "Events a subscription handled, by outcome: delivered (the action was taken), skipped (the "
          "filter passed over it), failed (the engine refused the action), missed (deleted by retention "
          "first).",
          {"subscription", "outcome"})) {
  registry.add_collector([this] { collect(); });
  add_process_metrics(registry);
}

void ServerMetrics::observe_request(const std::string& method, const std::string& route, int status,
                                    double seconds) {
  requests_.inc({method, route, std::to_string(status)});
  request_seconds_.observe({route}, seconds);
}

void ServerMetrics::collect() {
  ConnectionCounts c = connections_();
  connections_open_.set({}, static_cast<double>(c.open));
  connections_rejected_.set({}, static_cast<double>(c.rejected));
  connections_shed_.set({}, static_cast<double>(c.shed));
  output_queued_.set({}, static_cast<double>(c.queued_output_bytes));
  bodies_in_flight_.set({}, static_cast<double>(c.body_bytes_in_flight));
  auto commits = engine_.commit_stats();
  commit_writes_.set({}, static_cast<double>(commits.writes));
  commit_transitions_.set({}, static_cast<double>(commits.batches));
  commit_group_size_.load({}, commits.group_sizes.buckets, commits.group_sizes.count,
                          static_cast<double>(commits.group_sizes.sum));
  commit_seconds_.load({}, commits.write_latency_micros.buckets, commits.write_latency_micros.count,
                       static_cast<double>(commits.write_latency_micros.sum) * 1e-6);
  auto timers = engine_.timer_stats();
  timers_fired_.set({}, static_cast<double>(timers.fired));
  timer_lateness_.load({}, timers.lateness_ms.buckets, timers.lateness_ms.count,
                       static_cast<double>(timers.lateness_ms.sum) * 1e-3);
  timers_in_memory_.set({}, static_cast<double>(engine_.timers_in_memory()));
  loop_thread_store_reads_.set({}, static_cast<double>(engine_.loop_thread_store_reads()));
  StorageMemory memory = engine_.storage_memory();
  storage_memtable_bytes_.set({}, static_cast<double>(memory.memtable_bytes));
  storage_block_cache_bytes_.set({}, static_cast<double>(memory.block_cache_bytes));
  storage_table_readers_bytes_.set({}, static_cast<double>(memory.table_readers_bytes));
  auto not_ready = engine_.not_ready_reason();
  storage_unavailable_.set({}, not_ready && not_ready->code == ErrorCode::kStorageUnavailable ? 1 : 0);
  TaskService& tasks = engine_.tasks();
  tasks_.clear();
  for (const QueueView& q : tasks.queues()) {
    for (TaskStatus s : kAllTaskStatuses) {
      tasks_.set({q.record.name, std::string(task_status_name(s))},
                 static_cast<double>(q.record.counts[status_slot(s)]));
    }
  }
  const TaskStats& t = tasks.stats();
  task_claims_.set({}, static_cast<double>(t.claimed));
  task_completions_.set({}, static_cast<double>(t.completed));
  task_failures_.set({}, static_cast<double>(t.failed_attempts));
  task_dead_.set({}, static_cast<double>(t.dead));
  task_lease_expiries_.set({}, static_cast<double>(t.lease_expiries));
  task_claim_to_complete_.load({}, t.claim_to_complete_ms.buckets, t.claim_to_complete_ms.count,
                               static_cast<double>(t.claim_to_complete_ms.sum) * 1e-3);
  task_waiting_claims_.set({}, static_cast<double>(tasks.waiting_claims()));
  const ScheduleService& schedules = engine_.schedules();
  const ScheduleStats& st = schedules.stats();
  size_t active = schedules.active_count();
  schedules_.set({"active"}, static_cast<double>(active));
  schedules_.set({"paused"}, static_cast<double>(schedules.size() - active));
  schedule_fires_.set({"fired"}, static_cast<double>(st.fires));
  schedule_fires_.set({"skipped"}, static_cast<double>(st.skipped));
  schedule_fires_.set({"error"}, static_cast<double>(st.errors));
  schedule_fires_.set({"retried"}, static_cast<double>(st.retries));
  schedule_misfires_.set({}, static_cast<double>(st.misfires));
  schedule_missed_dropped_.set({}, static_cast<double>(st.missed_dropped));
  schedule_lateness_.load({}, st.lateness_ms.buckets, st.lateness_ms.count,
                          static_cast<double>(st.lateness_ms.sum) * 1e-3);
  const KvService::Stats& kv = engine_.kv().stats();
  kv_ops_.set({"read"}, static_cast<double>(kv.reads));
  kv_ops_.set({"written"}, static_cast<double>(kv.writes));
  kv_ops_.set({"conflict"}, static_cast<double>(kv.conflicts));
  kv_ops_.set({"replayed"}, static_cast<double>(kv.replays));
  const TopicService::Stats& topics = engine_.topics().stats();
  topic_events_.set({"published"}, static_cast<double>(topics.published));
  topic_events_.set({"duplicate"}, static_cast<double>(topics.duplicates));
  topic_events_.set({"trimmed"}, static_cast<double>(topics.trimmed));
  // Deleted subscriptions leave the series.
  subscription_lag_.clear();
  subscription_deliveries_.clear();
  for (const SubscriptionService::View& v : engine_.subscriptions().list()) {
    const std::string& id = v.record.spec.id;
    subscription_lag_.set({id}, static_cast<double>(v.lag));
    subscription_deliveries_.set({id, "delivered"}, static_cast<double>(v.record.delivered));
    subscription_deliveries_.set({id, "skipped"}, static_cast<double>(v.record.skipped));
    subscription_deliveries_.set({id, "failed"}, static_cast<double>(v.record.failed));
    subscription_deliveries_.set({id, "missed"}, static_cast<double>(v.record.missed));
  }
  if (limiters_) {
    for (const LimiterView& v : limiters_()) {
      limiter_tokens_.set({v.name}, v.tokens);
      limiter_waiting_.set({v.name}, static_cast<double>(v.waiting));
      limiter_sub_keys_.set({v.name}, static_cast<double>(v.sub_keys));
      limiter_holds_.set({v.name}, static_cast<double>(v.holds));
    }
  }
}

void ServerMetrics::scrape(std::move_only_function<void(std::string)> done) {
  engine_.stats([this, alive = alive_, done = std::move(done)](Result<InstanceStats> counted) mutable {
    if (!*alive) return;
    if (counted) {
      instances_.clear();
      for (const auto& [status, count] : counted->by_status) {
        instances_.set({std::string(status_name(status))}, static_cast<double>(count));
      }
      instances_by_type_.clear();
      for (const auto& [type, counts] : counted->by_type) {
        for (const auto& [status, count] : counts) {
          instances_by_type_.set({type, std::string(status_name(status))}, static_cast<double>(count));
        }
      }
      timers_pending_.set({}, static_cast<double>(counted->pending_timers));
    }
    done(registry_.render());
  });
}

}  // namespace sundial::ops
