"""End to end: no event waits for a person, even after Lambda gives up on a batch (DESIGN.md §3,
Self-healing; docs/operations.md, "When Lambda gives up on a batch").

The real `bootstrap` runs under the real Lambda Runtime Interface Emulator behind two event
source mappings of the emulator (tools/esm), as deploy/template.yaml wires them: the events
table's stream, with a small MaximumRetryAttempts and the on-failure destination (an SQS queue
on moto), and that queue as an SQS event source with ReportBatchItemFailures. The Kafka broker is
the test's own (support/kafka_node.py) behind a TCP proxy, which refuses connections for longer
than the stream mapping's retry budget. The other tests invoke the function directly with
on-failure records: duplicates and out-of-order, a range no longer in the stream, and the
scheduled sweep resuming from its stored token.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import pytest

from conftest import Scenario
from esm import MappingSettings, OnFailureSqs, SqsSourceSettings, on_failure_record
from esm import stream as streams
from support import emf
from support.checks import delivered, delivery_problems, versions_by_stream
from support.eventstore import MARKER_VERSION
from support.kafka_node import KafkaNode
from support.tcp_proxy import TcpProxy
from test_dispatch import wait_offsets

FUNCTION_TIMEOUT = 6  # seconds: an invocation with the broker down ends at its deadline
AGGREGATES = 6
VERSIONS = 3
RETRIES = 1  # MaximumRetryAttempts of the stream mapping: given up after two invocations
RECOVERY_TIMEOUT = 90
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:self-healing"


@dataclass
class Broker:
    node: KafkaNode
    proxy: TcpProxy


@pytest.fixture(scope="module")
def proxied_broker(tmp_path_factory):
    node = KafkaNode(tmp_path_factory.mktemp("self-healing-broker"))
    proxy = TcpProxy(node.upstream, name="broker-proxy").start()
    try:
        node.start(advertised_port=proxy.port)
        yield Broker(node, proxy)
    finally:
        proxy.stop()
        node.stop()


@pytest.fixture
def healing_scenario(request, stack, aws, dynamodb, tmp_path, proxied_broker):
    """The e2e scenario with its topic and reader on the proxied broker's direct listener."""
    proxied_broker.proxy.set_mode("forward")
    own = Scenario(request, {**stack, "STACK_KAFKA_BOOTSTRAP": proxied_broker.node.direct_bootstrap},
                   aws, dynamodb, tmp_path)
    yield own
    own.close()


def _log_records(mapped) -> list[dict]:
    return emf.log_records(mapped.function_log_path.read_bytes())


def _messages_with(records: list[dict], text: str) -> list[dict]:
    return [r for r in records if text in str(r.get("message", ""))]


def test_batches_given_up_while_kafka_is_down_all_reach_kafka_once_it_is_back(
        healing_scenario, bootstrap, proxied_broker, failure_queues):
    scenario, proxy = healing_scenario, proxied_broker.proxy
    stream_ids = [f"healing-{index}" for index in range(AGGREGATES)]
    environment = scenario.function_environment(KAFKA_BOOTSTRAP_SERVERS=proxy.address)
    settings = MappingSettings(
        batch_size=100, maximum_retry_attempts=RETRIES, bisect_batch_on_function_error=True,
        backoff_initial_seconds=0.1, backoff_max_seconds=0.5,
        on_failure=OnFailureSqs(failure_queues.client, failure_queues.url, FUNCTION_ARN))
    sqs = (failure_queues.client, failure_queues.url,
           SqsSourceSettings(batch_size=10, visibility_timeout_seconds=2 * FUNCTION_TIMEOUT))
    with scenario.mapped(bootstrap, environment=environment, settings=settings, pool_size=2,
                         function_timeout=FUNCTION_TIMEOUT, sqs_source=sqs) as mapped:
        # The broker goes down before anything is dispatched, and stays down until Lambda has
        # given up on a batch and the function has redriven its range at least once.
        proxy.set_mode("refuse")
        outage_started = time.monotonic()
        for stream_id in stream_ids:
            scenario.append(stream_id, range(VERSIONS))
        deadline = time.monotonic() + 120
        while (mapped.mapping.stats.on_failure_records < 1 or mapped.sqs_source.stats.deleted < 1
               or mapped.mapping.stats.on_failure_records < 2) and time.monotonic() < deadline:
            time.sleep(0.2)
        given_up_during_outage = mapped.mapping.stats.discarded_records
        assert mapped.mapping.stats.on_failure_records >= 2, mapped.mapping.stats
        assert mapped.sqs_source.stats.deleted >= 1, mapped.sqs_source.stats
        assert versions_by_stream(scenario.reader.messages()) == {}, "the broker was down"
        outage = time.monotonic() - outage_started

        # The broker is back. Nobody runs a command.
        proxy.set_mode("forward")
        back = time.monotonic()
        expected_last = {s: VERSIONS - 1 for s in stream_ids}
        all_delivered = scenario.reader.wait_for(lambda m: delivered(m, expected_last, {}),
                                                 RECOVERY_TIMEOUT)
        recovered_after = time.monotonic() - back
        wait_offsets(scenario, expected_last)
        mapping_stats, sqs_stats = mapped.mapping.stats, mapped.sqs_source.stats
        records = _log_records(mapped)
    written = sum(len(events) for events in scenario.store.written.values())
    print(f"outage {outage:.1f} s (longer than the retry budget: {RETRIES + 1} invocations of "
          f"up to {FUNCTION_TIMEOUT} s per batch); records given up during it "
          f"{given_up_during_outage}, in total {mapping_stats.discarded_records} in "
          f"{mapping_stats.on_failure_records} on-failure records")
    print(f"redrive: {sqs_stats.invocations} invocation(s) on the on-failure queue, "
          f"{sqs_stats.deleted} record(s) acknowledged")
    print(f"time to recover: every event on the topic {recovered_after:.1f} s after the broker "
          f"came back; events written {written}, manual steps 0")

    assert all_delivered, versions_by_stream(scenario.reader.messages())
    scenario.reader.catch_up()
    problems = delivery_problems(scenario.reader.messages(), scenario.store.written,
                                 expected_last, allow_resend=True)
    assert not problems, "\n".join(problems[:40])
    messages = scenario.reader.messages()
    unique = {((m.key or b"").decode(), m.version) for m in messages}
    print(f"delivered {len(unique)} of {written}, in order per aggregate; lost "
          f"{written - len(unique)}; re-sent {len(messages) - len(unique)} (suffixes)")
    assert _messages_with(records, "redrive: range read back, doorbells rung")
    assert failure_queues.depth(failure_queues.last_resort_url) == 0, "nothing needs a person"


# ----------------------------------------------------------- on-failure records, invoked directly
def _sqs_event(queue_arn: str, bodies: list[dict | str], sent_ms: int | None = None) -> dict:
    sent_ms = sent_ms if sent_ms is not None else int(time.time() * 1000)
    records = []
    for body in bodies:
        text = body if isinstance(body, str) else json.dumps(body)
        records.append({"messageId": str(uuid.uuid4()), "receiptHandle": "handle", "body": text,
                        "attributes": {"ApproximateReceiveCount": "1",
                                       "SentTimestamp": str(sent_ms)},
                        "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
                        "eventSourceARN": queue_arn, "awsRegion": "us-east-1"})
    return {"Records": records}


def _failed_ids(result) -> list[str]:
    assert not result.function_error, result.function_error
    return [f["itemIdentifier"] for f in result.payload["batchItemFailures"]]


def _marker_trigger(scenario, stream_id: str) -> str | None:
    item = scenario.dynamodb.get_item(
        TableName=scenario.events_table, ConsistentRead=True,
        Key={"id": {"S": scenario.aggregate_id(stream_id)},
             "version": {"N": str(MARKER_VERSION)}}).get("Item")
    return item["trigger"]["S"] if item else None


def _range_record(mapped, records: list[dict]) -> dict:
    shard_id = streams.describe_shards(mapped.streams_client, mapped.stream_arn)[0].shard_id
    return on_failure_record(shard_id=shard_id, records=records, stream_arn=mapped.stream_arn,
                             condition="RetryAttemptsExhausted", invoke_count=21,
                             function_error=False, function_arn=FUNCTION_ARN)


def test_duplicate_and_out_of_order_redrive_records_ring_every_aggregate_and_harm_nothing(
        scenario, bootstrap, failure_queues):
    stream_ids = [f"dup-{index}" for index in range(4)]
    with scenario.mapped(bootstrap, start_mapping=False, pool_size=1,
                         function_timeout=30) as mapped:
        for stream_id in stream_ids:
            scenario.append(stream_id, range(3))
        records = sorted(streams.wait_for_records(
            mapped.streams_client, mapped.stream_arn,
            lambda r: streams.record_key(r)[1] >= 0, 30), key=lambda r: int(streams.sequence_number(r)))
        assert len(records) == 12, len(records)
        first, second = _range_record(mapped, records[:6]), _range_record(mapped, records[6:])
        # Out of order (the later range first) and the later one twice in the same batch.
        event = _sqs_event(failure_queues.arn, [second, first, second])
        assert _failed_ids(mapped.invoke(event)) == []
        triggers = {s: _marker_trigger(scenario, s) for s in stream_ids}
        assert all(t and t.startswith("redrive:") for t in triggers.values()), triggers
        # The same batch delivered again (SQS is at-least-once): every doorbell rings again.
        assert _failed_ids(mapped.invoke(event)) == []
        again = {s: _marker_trigger(scenario, s) for s in stream_ids}
        assert all(again[s] != triggers[s] for s in stream_ids), (triggers, again)

        mapped.mapping.start()  # now the stream mapping dispatches what was rung
        expected_last = {s: 2 for s in stream_ids}
        assert scenario.reader.wait_for(lambda m: delivered(m, expected_last, {}), 60), \
            versions_by_stream(scenario.reader.messages())
        assert mapped.mapping.wait_idle(quiet_seconds=1.5, timeout=60)
    scenario.reader.catch_up()
    problems = delivery_problems(scenario.reader.messages(), scenario.store.written,
                                 expected_last, allow_resend=False)
    assert not problems, "ringing twice must not publish twice:\n" + "\n".join(problems[:20])


def test_a_range_gone_from_the_stream_falls_back_to_a_sweep_and_is_alarmed(
        scenario, bootstrap, failure_queues):
    stream_ids = [f"trimmed-{index}" for index in range(5)]
    with scenario.mapped(bootstrap, start_mapping=False, pool_size=1,
                         function_timeout=30) as mapped:
        for stream_id in stream_ids:
            scenario.append(stream_id, range(2))
        records = streams.wait_for_records(mapped.streams_client, mapped.stream_arn,
                                           lambda r: streams.record_key(r)[1] >= 0, 30)
        gone = _range_record(mapped, records[:3])
        # A shard deleted after the 24 h retention: DynamoDB Streams no longer knows it.
        gone["DDBStreamBatchInfo"]["shardId"] = "shardId-00000001573689847184-864758bb"
        other_table = _range_record(mapped, records[:3])
        other_table["DDBStreamBatchInfo"]["streamArn"] = mapped.stream_arn.replace(
            scenario.events_table, "someone-elses-table")
        given_up_ms = int(time.time() * 1000)
        event = _sqs_event(failure_queues.arn, [gone, other_table, "not an on-failure record"],
                           sent_ms=given_up_ms)
        ids = [r["messageId"] for r in event["Records"]]
        result = mapped.invoke(event)
        # The gone range is acknowledged once a sweep pass begun after the give-up has finished
        # (a small table: within this invocation); the other two are never acknowledged.
        assert sorted(_failed_ids(result)) == sorted(ids[1:]), result.payload
        triggers = {s: _marker_trigger(scenario, s) for s in stream_ids}
        assert all(t and t.startswith("sweep:") for t in triggers.values()), triggers
        state = scenario.dynamodb.get_item(TableName=scenario.offsets_table, ConsistentRead=True,
                                           Key={"id": {"S": "#dispatcher:sweep"}})["Item"]
        assert "sweep_token" not in state, "the pass finished"
        assert int(state["completed_pass_started_ms"]["N"]) >= given_up_ms
        logs = _log_records(mapped)
    trimmed = _messages_with(logs, "redrive: range no longer in the stream")
    assert len(trimmed) == 1 and "ResourceNotFoundException" in trimmed[0]["reason"], trimmed
    assert trimmed[0]["level"] == "WARN"
    assert _messages_with(logs, "on-failure record of another table's stream")
    assert _messages_with(logs, "on-failure record unreadable")
    metrics = [d for d in emf.documents(logs) if "RedriveRecords" in d]
    assert len(metrics) == 1 and not emf.problems(metrics[0]), metrics
    assert (metrics[0]["RedriveRecords"], metrics[0]["RedriveRangesTrimmed"],
            metrics[0]["RedriveFailures"], metrics[0]["SweepPassesCompleted"],
            metrics[0]["SweepAggregatesRung"]) == (3, 1, 2, 1, len(stream_ids))


def test_the_scheduled_sweep_resumes_from_its_stored_token_across_two_invocations(
        scenario, bootstrap):
    stream_ids = [f"sweep-{index:02d}" for index in range(12)]
    for stream_id in stream_ids:
        scenario.append(stream_id, [0])  # nothing dispatches them: no mapping runs
    with scenario.mapped(bootstrap, start_mapping=False, pool_size=1,
                         function_timeout=30) as mapped:
        step = {"pageSize": 3, "segments": 1, "rate": 500}
        first = mapped.invoke({"sweep": dict(step, maxWaves=2)})
        assert not first.function_error, first.function_error
        one = first.payload["sweep"]
        assert (one["resumed"], one["pass_finished"], one["waves"]) == (False, False, 2), one
        state = scenario.dynamodb.get_item(TableName=scenario.offsets_table, ConsistentRead=True,
                                           Key={"id": {"S": "#dispatcher:sweep"}})["Item"]
        token = json.loads(state["sweep_token"]["S"])
        assert token["table"] == scenario.events_table and not token["segments"][0]["done"]

        second = mapped.invoke({"sweep": step})
        assert not second.function_error, second.function_error
        two = second.payload["sweep"]
        assert (two["resumed"], two["pass_finished"]) == (True, True), two
        third = mapped.invoke({"sweep": dict(step, maxWaves=1)})
        assert third.payload["sweep"]["resumed"] is False, "a finished pass is not resumed"
    expected = {scenario.aggregate_id(s) for s in stream_ids}
    rung_first, rung_second = set(one["rang_ids"]), set(two["rang_ids"])
    assert rung_first and rung_second, (one, two)
    assert not rung_first & rung_second, "the second invocation went on where the first stopped"
    assert rung_first | rung_second == expected
    assert all((_marker_trigger(scenario, s) or "").startswith("sweep:") for s in stream_ids)
