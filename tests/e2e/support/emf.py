"""CloudWatch Embedded Metric Format: the required structure, written from the specification
(docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
and a reader that finds EMF documents among a function's log lines."""

from __future__ import annotations

import json
import numbers
import re

MAX_METRICS_PER_DIRECTIVE = 100
MAX_DIMENSIONS_PER_SET = 30
MAX_VALUES_PER_METRIC = 100
UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
    "Terabits/Second", "Count/Second", "None",
}

# The emulator harness prefixes each line of a function's output with its instance name.
_INSTANCE_PREFIX = re.compile(rb"^\[[^\]]+\] ")


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def problems(document) -> list[str]:
    """Every violation of the specification's required structure; empty when valid."""
    found: list[str] = []
    if not isinstance(document, dict):
        return ["the root node is not a JSON object"]
    aws = document.get("_aws")
    if not isinstance(aws, dict):
        return ["_aws is missing or not an object"]
    timestamp = aws.get("Timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 0:
        found.append("_aws.Timestamp is missing or not a non-negative integer (epoch ms)")
    directives = aws.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        return found + ["_aws.CloudWatchMetrics is missing or not an array"]
    for index, directive in enumerate(directives):
        where = f"CloudWatchMetrics[{index}]"
        if not isinstance(directive, dict):
            found.append(f"{where} is not an object")
            continue
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not 1 <= len(namespace) <= 1024:
            found.append(f"{where}.Namespace is missing or not a string of 1 to 1024 characters")
        dimensions = directive.get("Dimensions")
        if not isinstance(dimensions, list):
            found.append(f"{where}.Dimensions is missing or not an array")
        else:
            for dimension_set in dimensions:
                if not isinstance(dimension_set, list):
                    found.append(f"{where}.Dimensions has a member that is not an array")
                    continue
                if len(dimension_set) > MAX_DIMENSIONS_PER_SET:
                    found.append(f"{where}: a dimension set has more than 30 dimensions")
                for name in dimension_set:
                    if not isinstance(name, str) or not isinstance(document.get(name), str):
                        found.append(f"{where}: dimension {name!r} names no top-level string")
        metrics = directive.get("Metrics")
        if not isinstance(metrics, list):
            found.append(f"{where}.Metrics is missing or not an array")
            continue
        if len(metrics) > MAX_METRICS_PER_DIRECTIVE:
            found.append(f"{where}.Metrics has more than 100 metric definitions")
        names = set()
        for metric in metrics:
            name = metric.get("Name") if isinstance(metric, dict) else None
            if not isinstance(name, str) or not name:
                found.append(f"{where}: a metric definition has no Name string")
                continue
            if name in names:
                found.append(f"{where}: metric {name} is defined twice")
            names.add(name)
            if "Unit" in metric and metric["Unit"] not in UNITS:
                found.append(f"{where}: metric {name} has unit {metric['Unit']!r}")
            if name not in document:
                found.append(f"{where}: metric {name} names no top-level member")
                continue
            value = document[name]
            if isinstance(value, list):
                if not 1 <= len(value) <= MAX_VALUES_PER_METRIC or not all(
                        _is_number(v) for v in value):
                    found.append(f"{where}: metric {name} is not an array of 1-100 numbers")
            elif not _is_number(value):
                found.append(f"{where}: metric {name} is neither a number nor numbers")
    return found


def log_records(raw: bytes) -> list[dict]:
    """The JSON objects among a function's output lines (instance prefixes removed); other lines
    (the emulator's own) are skipped."""
    records = []
    for line in raw.splitlines():
        line = _INSTANCE_PREFIX.sub(b"", line).strip()
        if not line.startswith(b"{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def documents(records: list[dict]) -> list[dict]:
    """The records that are EMF documents (they carry `_aws`)."""
    return [record for record in records if "_aws" in record]
