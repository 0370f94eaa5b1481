#include "server/api/bulk_run.h"

#include <algorithm>
#include <deque>
#include <memory>

namespace sundial::api {

std::optional<BulkVerb> parse_bulk_verb(std::string_view name) {
  for (BulkVerb verb : {BulkVerb::kPause, BulkVerb::kResume, BulkVerb::kCancel, BulkVerb::kRetry}) {
    if (bulk_verb_name(verb) == name) return verb;
  }
  return std::nullopt;
}

std::string_view bulk_verb_name(BulkVerb verb) {
  switch (verb) {
    case BulkVerb::kPause:
      return "pause";
    case BulkVerb::kResume:
      return "resume";
    case BulkVerb::kCancel:
      return "cancel";
    case BulkVerb::kRetry:
      return "retry";
  }
  return "?";
}

std::vector<InstanceStatus> bulk_statuses(BulkVerb verb) {
  using S = InstanceStatus;
  switch (verb) {
    case BulkVerb::kPause:
      return {S::kRunning, S::kWaiting};
    case BulkVerb::kResume:
      return {S::kPaused};
    case BulkVerb::kCancel:
      return {S::kQueued, S::kRunning, S::kWaiting, S::kPaused};
    case BulkVerb::kRetry:
      return {S::kFailed};
  }
  return {};
}

Result<void> check_bulk(const BulkRequest& request) {
  if (!request.filter.status) return {};
  std::vector<InstanceStatus> statuses = bulk_statuses(request.verb);
  if (std::ranges::find(statuses, *request.filter.status) != statuses.end()) return {};
  std::string names;
  for (InstanceStatus s : statuses) names += (names.empty() ? "" : ", ") + std::string(status_name(s));
  return make_error(ErrorCode::kInvalidArgument, std::string(bulk_verb_name(request.verb)) + " changes only " +
                                                     names + " instances; status '" +
                                                     std::string(status_name(*request.filter.status)) +
                                                     "' would match none");
}

namespace {

class BulkState : public std::enable_shared_from_this<BulkState> {
 public:
  BulkState(Engine& engine, BulkRequest request, std::move_only_function<void(Result<BulkOutcome>)> done)
      : engine_(engine), request_(std::move(request)), done_(std::move(done)) {
    if (request_.filter.status) {
      statuses_ = {*request_.filter.status};
    } else {
      statuses_ = bulk_statuses(request_.verb);
    }
  }

  void read_next_page() {
    if (next_status_ == statuses_.size()) return finish();
    ListQuery query;
    query.status = statuses_[next_status_];
    query.type = request_.filter.type;
    query.id_prefix = request_.filter.id_prefix;
    query.limit = kBulkPageSize;
    query.cursor = cursor_;
    engine_.list(std::move(query), [self = shared_from_this()](Result<ListPage> page) { self->on_page(std::move(page)); });
  }

 private:
  void on_page(Result<ListPage> page) {
    if (!page) {
      Error error = page.error();
      error.message = "reading the instances failed after " + std::to_string(outcome_.matched) + " matched (" +
                      std::to_string(outcome_.changed) + " changed): " + error.message;
      return finish(std::move(error));
    }
    outcome_.matched += page->instances.size();
    if (!request_.dry_run) {
      for (InstanceRecord& r : page->instances) pending_.push_back({std::move(r.id), AsRead{r.status, r.run}});
    }
    cursor_ = std::move(page->next_cursor);
    if (cursor_.empty()) ++next_status_;
    send_more();
  }

  void send_more() {
    while (in_flight_ < kBulkInFlight && !pending_.empty()) {
      auto [id, as_read] = std::move(pending_.front());
      pending_.pop_front();
      ++in_flight_;
      engine_.steer(id, command(), as_read,
                    [self = shared_from_this(), id](Result<CommandReply> reply) { self->on_reply(id, std::move(reply)); });
    }
    if (in_flight_ == 0 && pending_.empty()) read_next_page();
  }

  SteerCommand command() const {
    switch (request_.verb) {
      case BulkVerb::kPause:
        return PauseCommand{};
      case BulkVerb::kResume:
        return ResumeCommand{request_.policy};
      case BulkVerb::kCancel:
        return CancelCommand{request_.reason};
      case BulkVerb::kRetry:
        return RetryCommand{request_.policy};
    }
    return PauseCommand{};
  }

  void on_reply(const std::string& id, Result<CommandReply> reply) {
    --in_flight_;
    if (reply) {
      ++outcome_.changed;
    } else {
      ++outcome_.refused;
      if (outcome_.errors.size() < kBulkErrorSamples) outcome_.errors.emplace_back(id, reply.error());
    }
    send_more();
  }

  void finish(std::optional<Error> error = std::nullopt) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    if (error) return done(std::unexpected(std::move(*error)));
    done(std::move(outcome_));
  }

  Engine& engine_;
  BulkRequest request_;
  std::move_only_function<void(Result<BulkOutcome>)> done_;
  std::vector<InstanceStatus> statuses_;
  size_t next_status_ = 0;
  std::string cursor_;
  std::deque<std::pair<std::string, AsRead>> pending_;  // read, not yet sent
  size_t in_flight_ = 0;
  BulkOutcome outcome_;
};

}  // namespace

void run_bulk(Engine& engine, BulkRequest request, std::move_only_function<void(Result<BulkOutcome>)> done) {
  if (auto valid = check_bulk(request); !valid) return done(std::unexpected(valid.error()));
  auto state = std::make_shared<BulkState>(engine, std::move(request), std::move(done));
  state->read_next_page();
}

}  // namespace sundial::api
