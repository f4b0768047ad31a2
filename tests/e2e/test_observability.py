"""End to end: what an operator sees in CloudWatch. The real `bootstrap` under the Lambda Runtime
Interface Emulator writes Powertools-shaped JSON log lines and exactly one CloudWatch Embedded
Metric Format document per invocation to its output, and the metrics agree with what reached
Kafka."""

from __future__ import annotations

import collections

from support import emf
from test_dispatch import assert_clean_run, assert_delivery, settle, wait_delivered

# Powertools' standard keys on every log line (function_request_id, xray_trace_id and
# function_arn only inside an invocation).
POWERTOOLS_KEYS = ("level", "message", "timestamp", "service", "cold_start", "function_name",
                   "function_memory_size")


def _function_output(mapped) -> list[dict]:
    return emf.log_records(mapped.function_log_path.read_bytes())


def test_each_invocation_prints_one_valid_emf_document_that_matches_the_delivery(
        scenario, bootstrap):
    namespace = f"E2E/{scenario.name[-10:]}"
    environment = scenario.function_environment(POWERTOOLS_METRICS_NAMESPACE=namespace,
                                                POWERTOOLS_SERVICE_NAME="observed-dispatcher",
                                                LOG_LEVEL="INFO")
    with scenario.mapped(bootstrap, environment=environment) as mapped:
        scenario.append("plain", [0, 1, 2])
        scenario.append("later", [0])
        scenario.append("later", [1])
        scenario.append("gapped", [0])
        scenario.append("gapped", [2])  # version 1 is missing: held at a gap
        wait_delivered(scenario, {"plain": 2, "later": 1, "gapped": 0})
        settle(scenario, mapped)
        assert_delivery(scenario, mapped, expected_last={"plain": 2, "later": 1, "gapped": 0})
        assert_clean_run(mapped)
        invocations = mapped.mapping.stats.invocations
        resent = mapped.mapping.stats.failures > 0

    records = _function_output(mapped)
    documents = emf.documents(records)
    logs = [record for record in records if "_aws" not in record]

    # Exactly one document per invocation, each valid, each naming its invocation.
    assert len(documents) == invocations, \
        f"{len(documents)} EMF documents for {invocations} invocations"
    for document in documents:
        assert emf.problems(document) == [], document
        directive = document["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == namespace
        assert directive["Dimensions"] == [["service"]]
        assert document["service"] == "observed-dispatcher"
        assert document["function_name"] == "dispatcher"
    request_ids = [document["function_request_id"] for document in documents]
    assert len(set(request_ids)) == len(request_ids), "two documents for one invocation"
    summaries = [line for line in logs if line.get("message") == "batch handled"]
    assert sorted(line["function_request_id"] for line in summaries) == sorted(request_ids)

    # The metrics add up to what the consumer read.
    totals = collections.Counter()
    for document in documents:
        for name in ("EventsDispatched", "AggregatesHeldAtGap", "MarkersWritten",
                     "EventsDeadLettered", "AggregatesFailed"):
            totals[name] += document[name]
    delivered = len(scenario.reader.messages())
    assert (totals["EventsDispatched"] >= delivered) if resent else \
        (totals["EventsDispatched"] == delivered == 6), (totals, delivered)
    assert totals["AggregatesHeldAtGap"] >= 1
    assert totals["MarkersWritten"] >= 3  # at least one doorbell per aggregate
    assert totals["EventsDeadLettered"] == 0
    assert totals["AggregatesFailed"] == 0
    for document in documents:
        if document["EventsDispatched"] > 0:
            # Every event carries a timestamp, so an invocation that delivered has a lag.
            assert 0 <= document["DispatchLagAverage"] <= document["DispatchLagMax"], document
            assert document["PhasePublishDuration"] > 0
        else:
            assert "DispatchLagMax" not in document, document
        assert document["InvocationDuration"] > 0

    # Log lines carry Powertools' keys; the held aggregate has its own line.
    for line in logs:
        missing = [key for key in POWERTOOLS_KEYS if key not in line]
        assert not missing, f"log line without {missing}: {line}"
        assert line["service"] == "observed-dispatcher"
        assert line["function_memory_size"] == 128
    cold = {line["function_request_id"] for line in summaries if line["cold_start"]}
    assert 1 <= len(cold) <= 2, f"cold starts: {cold} (pool of 2 environments)"
    assert any(line.get("aggregate_id") == scenario.aggregate_id("gapped") and
               line.get("reason") == "gap" and line["level"] == "WARN" for line in logs)


def test_log_level_warn_keeps_metrics_and_an_unreadable_event_still_counts(scenario, bootstrap):
    environment = scenario.function_environment(LOG_LEVEL="WARN")
    with scenario.mapped(bootstrap, environment=environment, start_mapping=False) as mapped:
        empty = mapped.invoke({"Records": []})
        assert empty.function_error is None, empty.function_error
        broken = mapped.invoke({"Records": "not a list"})
        assert broken.function_error is not None, "an unreadable event must fail the invocation"

    records = _function_output(mapped)
    documents = emf.documents(records)
    logs = [record for record in records if "_aws" not in record]
    assert len(documents) == 2, f"{len(documents)} EMF documents for 2 invocations"
    for document in documents:
        assert emf.problems(document) == [], document
        assert document["EventsDispatched"] == 0
    assert all(line["level"] in ("WARN", "ERROR") for line in logs), \
        [line for line in logs if line["level"] not in ("WARN", "ERROR")][:3]
    assert any(line["level"] == "ERROR" and "invalid stream event" in line["message"]
               for line in logs)
