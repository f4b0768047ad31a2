#include "core/dispatch/dispatcher.h"

#include <utility>

#include "core/dispatch/batch_dispatch.h"

namespace dispatcher::core::dispatch {

Dispatcher::Dispatcher(EventStore& event_store, Publisher& publisher, const Clock& clock,
                       DispatcherOptions options)
    : event_store_(event_store),
      publisher_(publisher),
      clock_(clock),
      options_(std::move(options)),
      run_planner_(make_run_planner(options_)) {}

DispatchReport Dispatcher::handle(const StreamBatch& batch, Deadline deadline) {
  return handle(batch, TimeBudget(deadline, options_.deadline_safety_margin));
}

DispatchReport Dispatcher::handle(const StreamBatch& batch, TimeBudget budget) {
  return BatchDispatch(event_store_, publisher_, clock_, options_, run_planner_, budget).run(batch);
}

}  // namespace dispatcher::core::dispatch
