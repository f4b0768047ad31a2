"""HARNESS SELF-TESTS of the event source mapping emulator's give-up semantics, against the
scripted fake runtime (support/selftest_fake_bootstrap.py) and moto's SQS: MaximumRetryAttempts,
MaximumRecordAgeInSeconds, BisectBatchOnFunctionError, and the on-failure invocation record in
Lambda's documented shape; then the SQS event source that feeds the on-failure queue back to the
function. The self-healing e2e tests (test_self_healing.py) mean nothing if these fail."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from esm import (InvokeResult, MappingSettings, OnFailureSqs, SqsEventSource, SqsSourceSettings,
                 acknowledged)
from esm import stream as streams

FAKE = Path(__file__).resolve().parent / "support" / "selftest_fake_bootstrap.py"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:esm-give-up"
ISO_MILLISECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FAST = dict(backoff_initial_seconds=0.05, backoff_max_seconds=0.1)


@pytest.fixture
def fake(tmp_path):
    import json
    log = tmp_path / "batches.jsonl"

    def batches() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def environment(script: str) -> dict[str, str]:
        return {"FAKE_SCRIPT": script, "FAKE_BATCH_LOG": str(log)}

    return [sys.executable, str(FAKE)], environment, batches


def _write(scenario, count: int) -> None:
    for version in range(count):
        scenario.append("a", [version])


def _records(mapped) -> list[dict]:
    snapshot = streams.read_stream(mapped.streams_client, mapped.stream_arn)
    return sorted(snapshot.records, key=lambda r: int(streams.sequence_number(r)))


def _check_documented_shape(record: dict, *, condition: str, invoke_count: int,
                            function_error: bool, shard_id: str, first: dict, last: dict,
                            size: int, stream_arn: str) -> None:
    """Field by field against the example invocation record of the Lambda developer guide."""
    assert set(record) == {"requestContext", "responseContext", "version", "timestamp",
                           "DDBStreamBatchInfo"}, record
    request = record["requestContext"]
    assert set(request) == {"requestId", "functionArn", "condition", "approximateInvokeCount"}
    assert isinstance(request["requestId"], str) and request["requestId"]
    assert request["functionArn"] == FUNCTION_ARN
    assert request["condition"] == condition
    assert request["approximateInvokeCount"] == invoke_count
    response = record["responseContext"]
    expected = {"statusCode", "executedVersion"} | ({"functionError"} if function_error else set())
    assert set(response) == expected, response
    assert response["statusCode"] == 200 and response["executedVersion"] == "$LATEST"
    if function_error:
        assert response["functionError"] == "Unhandled"
    assert record["version"] == "1.0"
    assert ISO_MILLISECONDS.match(record["timestamp"]), record["timestamp"]
    info = record["DDBStreamBatchInfo"]
    assert set(info) == {"shardId", "startSequenceNumber", "endSequenceNumber",
                         "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord",
                         "batchSize", "streamArn"}, info
    assert info["shardId"] == shard_id
    assert info["startSequenceNumber"] == streams.sequence_number(first)
    assert info["endSequenceNumber"] == streams.sequence_number(last)
    assert ISO_SECONDS.match(info["approximateArrivalOfFirstRecord"])
    assert ISO_SECONDS.match(info["approximateArrivalOfLastRecord"])
    assert info["approximateArrivalOfFirstRecord"] <= info["approximateArrivalOfLastRecord"]
    assert info["batchSize"] == size and isinstance(info["batchSize"], int)
    assert info["streamArn"] == stream_arn


def test_retries_used_up_send_the_range_to_the_on_failure_queue(scenario, fake, failure_queues):
    command, environment, batches = fake
    _write(scenario, 3)
    destination = OnFailureSqs(failure_queues.client, failure_queues.url, FUNCTION_ARN)
    settings = MappingSettings(batch_size=10, maximum_retry_attempts=2, on_failure=destination,
                               **FAST)
    with scenario.mapped(command, environment=environment("error,error,error"),
                         settings=settings) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
        stats = mapped.mapping.stats
        records = _records(mapped)
        shard_id = streams.describe_shards(mapped.streams_client, mapped.stream_arn)[0].shard_id
        stream_arn = mapped.stream_arn
    assert len(batches()) == 3, "the first invocation and two retries"
    assert (stats.discarded_records, stats.on_failure_records) == (3, 1)
    sent = failure_queues.bodies(wait=5)
    assert len(sent) == 1, sent
    _check_documented_shape(sent[0], condition="RetryAttemptsExhausted", invoke_count=3,
                            function_error=True, shard_id=shard_id, first=records[0],
                            last=records[-1], size=3, stream_arn=stream_arn)


def test_a_partial_failure_given_up_sends_only_the_failed_rest(scenario, fake, failure_queues):
    command, environment, batches = fake
    _write(scenario, 5)
    destination = OnFailureSqs(failure_queues.client, failure_queues.url, FUNCTION_ARN)
    settings = MappingSettings(batch_size=10, maximum_retry_attempts=1, on_failure=destination,
                               **FAST)
    with scenario.mapped(command, environment=environment("fail:2,fail:0"),
                         settings=settings) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
        records = _records(mapped)
        shard_id = streams.describe_shards(mapped.streams_client, mapped.stream_arn)[0].shard_id
        stream_arn = mapped.stream_arn
    assert [len(b["sequence"]) for b in batches()] == [5, 3]
    sent = failure_queues.bodies(wait=5)
    assert len(sent) == 1, sent
    _check_documented_shape(sent[0], condition="RetryAttemptsExhausted", invoke_count=2,
                            function_error=False, shard_id=shard_id, first=records[2],
                            last=records[4], size=3, stream_arn=stream_arn)


def test_records_older_than_the_maximum_age_are_given_up_without_an_invocation(
        scenario, fake, failure_queues):
    command, environment, batches = fake
    _write(scenario, 2)
    time.sleep(2.2)  # ApproximateCreationDateTime has whole seconds
    destination = OnFailureSqs(failure_queues.client, failure_queues.url, FUNCTION_ARN)
    settings = MappingSettings(batch_size=10, maximum_record_age_seconds=1,
                               on_failure=destination, **FAST)
    with scenario.mapped(command, environment=environment("ok"), settings=settings) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
        stats = mapped.mapping.stats
        records = _records(mapped)
        shard_id = streams.describe_shards(mapped.streams_client, mapped.stream_arn)[0].shard_id
        stream_arn = mapped.stream_arn
    assert batches() == [], "expired records are never handed to the function"
    assert (stats.expired_records, stats.discarded_records, stats.invocations) == (2, 2, 0)
    sent = failure_queues.bodies(wait=5)
    assert len(sent) == 1, sent
    _check_documented_shape(sent[0], condition="RecordAgeExceeded", invoke_count=0,
                            function_error=False, shard_id=shard_id, first=records[0],
                            last=records[-1], size=2, stream_arn=stream_arn)


def test_a_function_error_bisects_the_batch_without_using_a_retry(scenario, fake,
                                                                    failure_queues):
    command, environment, batches = fake
    _write(scenario, 4)
    destination = OnFailureSqs(failure_queues.client, failure_queues.url, FUNCTION_ARN)
    settings = MappingSettings(batch_size=10, maximum_retry_attempts=0,
                               bisect_batch_on_function_error=True, on_failure=destination, **FAST)
    with scenario.mapped(command, environment=environment("error,ok,error"),
                         settings=settings) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
        stats = mapped.mapping.stats
    sizes = [len(b["sequence"]) for b in batches()]
    # [4] fails -> halves: [2] ok, [2] fails -> [1] ok, [1] ok; no retry was used up.
    assert sizes == [4, 2, 2, 1, 1], sizes
    assert (stats.bisections, stats.discarded_records) == (2, 0)
    assert failure_queues.bodies() == []


def test_a_single_record_that_keeps_failing_is_given_up_after_bisection(scenario, fake,
                                                                          failure_queues):
    command, environment, batches = fake
    _write(scenario, 2)
    destination = OnFailureSqs(failure_queues.client, failure_queues.url, FUNCTION_ARN)
    settings = MappingSettings(batch_size=10, maximum_retry_attempts=1,
                               bisect_batch_on_function_error=True, on_failure=destination, **FAST)
    with scenario.mapped(command, environment=environment("error,error,error"),
                         settings=settings) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
        records = _records(mapped)
    assert [len(b["sequence"]) for b in batches()] == [2, 1, 1, 1]
    sent = failure_queues.bodies(wait=5)
    assert len(sent) == 1
    info = sent[0]["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        streams.sequence_number(records[0]), streams.sequence_number(records[0]), 1)


# ------------------------------------------------------------------------ the SQS event source
def _answer(payload, function_error=None) -> InvokeResult:
    import json
    return InvokeResult(200, json.dumps(payload).encode(), payload, function_error, 0.01)


def test_sqs_source_deletes_only_what_the_answer_acknowledges(failure_queues):
    client = failure_queues.client
    for index in range(3):
        client.send_message(QueueUrl=failure_queues.url, MessageBody=f"m{index}")
    events: list[dict] = []
    answers = iter([
        lambda ids: _answer({"batchItemFailures": [{"itemIdentifier": ids[1]}]}),
        lambda ids: _answer({"errorType": "X"}, "X: boom"),
        lambda ids: _answer({"batchItemFailures": []}),
    ])

    def invoke(event):
        events.append(event)
        ids = [r["messageId"] for r in event["Records"]]
        return next(answers, lambda _: _answer(None))(ids)

    source = SqsEventSource(client, failure_queues.url, invoke,
                            SqsSourceSettings(visibility_timeout_seconds=1))
    source.start()
    try:
        deadline = time.monotonic() + 20
        while source.stats.deleted < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        source.stop()
    record = events[0]["Records"][0]
    assert set(record) == {"messageId", "receiptHandle", "body", "attributes",
                           "messageAttributes", "md5OfBody", "eventSource", "eventSourceARN",
                           "awsRegion"}
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == failure_queues.arn
    assert {"ApproximateReceiveCount", "SentTimestamp"} <= set(record["attributes"])
    assert sorted(r["body"] for r in events[0]["Records"]) == ["m0", "m1", "m2"]
    kept = events[0]["Records"][1]["body"]
    assert [r["body"] for r in events[1]["Records"]] == [kept], "only the failed one came back"
    assert [r["body"] for r in events[2]["Records"]] == [kept], "a function error deletes nothing"
    assert events[2]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "3"
    assert source.stats.deleted == 3 and failure_queues.depth() == 0


def test_an_unknown_item_identifier_acknowledges_nothing():
    messages = [{"MessageId": "a"}, {"MessageId": "b"}]
    done, reason = acknowledged(messages, _answer({"batchItemFailures": [{"itemIdentifier": "z"}]}))
    assert done == [] and reason.startswith("contract")
    done, reason = acknowledged(messages, _answer({"batchItemFailures": [{"itemIdentifier": "b"}]}))
    assert [m["MessageId"] for m in done] == ["a"]


def test_a_message_never_acknowledged_ends_in_the_last_resort_queue(request):
    from support import queues
    import os
    client = queues.sqs_client(os.environ["STACK_MOTO_ENDPOINT"])
    made = queues.create_failure_queues(client, "e2e-last-resort", max_receive_count=2)
    request.addfinalizer(made.delete)
    client.send_message(QueueUrl=made.url, MessageBody="never healed")
    source = SqsEventSource(client, made.url,
                            lambda event: _answer({"batchItemFailures": [
                                {"itemIdentifier": event["Records"][0]["messageId"]}]}),
                            SqsSourceSettings(visibility_timeout_seconds=1))
    source.start()
    try:
        moved = made.messages(made.last_resort_url, wait=15)
    finally:
        source.stop()
    assert [m["Body"] for m in moved] == ["never healed"]
    assert source.stats.invocations == 2 and source.stats.deleted == 0
