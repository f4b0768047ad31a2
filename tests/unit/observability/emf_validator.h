#pragma once

// A validator written from the CloudWatch Embedded Metric Format specification
// (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
// independent of the builder under test: it says what is wrong with a document, or nothing.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dispatcher::testing {

inline constexpr std::size_t kEmfMaxMetricsPerDirective = 100;
inline constexpr std::size_t kEmfMaxDimensionsPerSet = 30;
inline constexpr std::size_t kEmfMaxValuesPerMetric = 100;

/// The units CloudWatch accepts (StandardUnit).
inline const std::set<std::string, std::less<>>& emf_units() {
  static const std::set<std::string, std::less<>> units = {"Seconds",
                                                           "Microseconds",
                                                           "Milliseconds",
                                                           "Bytes",
                                                           "Kilobytes",
                                                           "Megabytes",
                                                           "Gigabytes",
                                                           "Terabytes",
                                                           "Bits",
                                                           "Kilobits",
                                                           "Megabits",
                                                           "Gigabits",
                                                           "Terabits",
                                                           "Percent",
                                                           "Count",
                                                           "Bytes/Second",
                                                           "Kilobytes/Second",
                                                           "Megabytes/Second",
                                                           "Gigabytes/Second",
                                                           "Terabytes/Second",
                                                           "Bits/Second",
                                                           "Kilobits/Second",
                                                           "Megabits/Second",
                                                           "Gigabits/Second",
                                                           "Terabits/Second",
                                                           "Count/Second",
                                                           "None"};
  return units;
}

/// Every violation of the specification's required structure in `document`; empty when valid.
inline std::vector<std::string> emf_problems(const nlohmann::json& document) {
  std::vector<std::string> problems;
  auto problem = [&problems](std::string text) { problems.push_back(std::move(text)); };
  if (!document.is_object()) {
    problem("the root node is not a JSON object");
    return problems;
  }
  const auto aws = document.find("_aws");
  if (aws == document.end() || !aws->is_object()) {
    problem("_aws is missing or not an object");
    return problems;
  }
  const auto timestamp = aws->find("Timestamp");
  if (timestamp == aws->end() || !timestamp->is_number_integer() ||
      timestamp->get<std::int64_t>() < 0) {
    problem("_aws.Timestamp is missing or not a non-negative integer (epoch milliseconds)");
  }
  const auto directives = aws->find("CloudWatchMetrics");
  if (directives == aws->end() || !directives->is_array()) {
    problem("_aws.CloudWatchMetrics is missing or not an array");
    return problems;
  }
  for (std::size_t d = 0; d < directives->size(); ++d) {
    const auto& directive = (*directives)[d];
    const std::string where = "CloudWatchMetrics[" + std::to_string(d) + "]";
    if (!directive.is_object()) {
      problem(where + " is not an object");
      continue;
    }
    const auto space = directive.find("Namespace");
    if (space == directive.end() || !space->is_string() || space->get<std::string>().empty() ||
        space->get<std::string>().size() > 1024) {
      problem(where + ".Namespace is missing or not a string of 1 to 1024 characters");
    }
    const auto dimensions = directive.find("Dimensions");
    if (dimensions == directive.end() || !dimensions->is_array()) {
      problem(where + ".Dimensions is missing or not an array");
    } else {
      for (const auto& set : *dimensions) {
        if (!set.is_array()) {
          problem(where + ".Dimensions has a member that is not an array (a dimension set)");
          continue;
        }
        if (set.size() > kEmfMaxDimensionsPerSet) {
          problem(where + ": a dimension set has more than 30 dimensions");
        }
        for (const auto& name : set) {
          if (!name.is_string()) {
            problem(where + ": a dimension name is not a string");
            continue;
          }
          const auto target = document.find(name.get<std::string>());
          if (target == document.end() || !target->is_string()) {
            problem(where + ": dimension " + name.get<std::string>() +
                    " names no top-level string member");
          }
        }
      }
    }
    const auto metrics = directive.find("Metrics");
    if (metrics == directive.end() || !metrics->is_array()) {
      problem(where + ".Metrics is missing or not an array");
      continue;
    }
    if (metrics->size() > kEmfMaxMetricsPerDirective) {
      problem(where + ".Metrics has more than 100 metric definitions");
    }
    std::set<std::string, std::less<>> names;
    for (const auto& metric : *metrics) {
      const auto name = metric.find("Name");
      if (!metric.is_object() || name == metric.end() || !name->is_string() ||
          name->get<std::string>().empty()) {
        problem(where + ": a metric definition has no Name string");
        continue;
      }
      const std::string text = name->get<std::string>();
      if (!names.insert(text).second) {
        problem(where + ": metric " + text + " is defined twice");
      }
      if (const auto unit = metric.find("Unit"); unit != metric.end()) {
        if (!unit->is_string() || !emf_units().contains(unit->get<std::string>())) {
          problem(where + ": metric " + text + " has a Unit CloudWatch does not know");
        }
      }
      const auto target = document.find(text);
      if (target == document.end()) {
        problem(where + ": metric " + text + " names no top-level member");
      } else if (target->is_array()) {
        if (target->empty() || target->size() > kEmfMaxValuesPerMetric) {
          problem(where + ": metric " + text + " has an array of 0 or over 100 values");
        }
        for (const auto& value : *target) {
          if (!value.is_number()) {
            problem(where + ": metric " + text + " has a value that is not a number");
          }
        }
      } else if (!target->is_number()) {
        problem(where + ": metric " + text + " is neither a number nor an array of numbers");
      }
    }
  }
  return problems;
}

}  // namespace dispatcher::testing
