#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/dispatch/dispatcher.h"
#include "core/redrive/redrive_report.h"

namespace dispatcher::core::observability {

/// Where an invocation's metrics go and what they are attached to.
struct MetricsContext {
  std::string metrics_namespace;  ///< POWERTOOLS_METRICS_NAMESPACE
  std::string service;            ///< POWERTOOLS_SERVICE_NAME: the one dimension, "service"
  std::string function_name;      ///< AWS_LAMBDA_FUNCTION_NAME; a property, left out when empty
  std::string request_id;  ///< a property, to find the invocation's logs; left out when empty
  std::chrono::system_clock::time_point timestamp;  ///< when the invocation ended
  std::chrono::nanoseconds invocation_duration{0};  ///< the whole handle(), parsing included
};

/// The name of a phase's duration metric: "PhaseWriteMarkersDuration", "PhasePublishDuration"...
[[nodiscard]] std::string phase_metric_name(dispatch::Phase phase);

/// One CloudWatch Embedded Metric Format document for one invocation: the `_aws` metadata
/// (Timestamp in epoch milliseconds, one CloudWatchMetrics directive with the namespace, the
/// dimension set [["service"]] and every metric's Name and Unit) and each metric's value as a
/// top-level member. Always present (Count): StreamRecords, EventsDispatched, AggregatesDispatched,
/// AggregatesPublished, MarkersWritten, OffsetsCommitted, Continuations, AggregatesHeldAtGap,
/// AggregatesHeldAtPoison, EventsDeadLettered, AggregatesFailed; InvocationDuration
/// (Milliseconds). Only when they carry information (Milliseconds): DispatchLagMax and
/// DispatchLagAverage when an event with a readable timestamp was delivered; one
/// Phase<Name>Duration per wave that ran (a wave that did not run has no sample, so averages are
/// over the invocations that ran it). Pure; never fails.
[[nodiscard]] nlohmann::json invocation_metrics(const dispatch::DispatchReport& report,
                                                const MetricsContext& context);

/// The EMF document of a self-healing invocation (on-failure queue or scheduled sweep), in the
/// same namespace and dimension (Count): RedriveRecords, RedriveRangesRung, RedriveAggregatesRung,
/// RedriveRangesTrimmed, RedriveFailures, SweepAggregatesRung, SweepWaves, SweepPassesCompleted;
/// InvocationDuration (Milliseconds). Pure; never fails.
[[nodiscard]] nlohmann::json self_healing_metrics(const redrive::RedriveReport& report,
                                                  const MetricsContext& context);

/// The document as one line (no newline), invalid UTF-8 in names replaced rather than thrown.
[[nodiscard]] std::string to_emf_line(const nlohmann::json& document);

}  // namespace dispatcher::core::observability
