#include "engine/stats_reader.h"

#include "engine/snapshot_reader.h"

namespace sundial {

StatsReader::StatsReader(WorkPool& pool, Store& store) : store_(store), scope_(pool) {}

StatsReader::~StatsReader() {
  while (running_) scope_.pool().make_progress();
}

void StatsReader::read(Done done) {
  next_.push_back(std::move(done));
  if (!running_) start_read();
}

void StatsReader::start_read() {
  running_ = true;
  std::vector<Done> waiters;
  waiters.swap(next_);
  scope_.run([store = &store_] { return read_snapshot(*store, instance_stats); },
             [this, waiters = std::move(waiters)](Result<InstanceStats> counted) mutable {
               running_ = false;
               if (!next_.empty()) start_read();
               for (Done& done : waiters) done(counted);
             });
}

}  // namespace sundial
