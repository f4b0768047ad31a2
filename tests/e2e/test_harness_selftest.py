"""HARNESS SELF-TESTS: the event source mapping emulator and the delivery checks, run against a
scripted fake runtime (support/selftest_fake_bootstrap.py), never the product. If these fail,
the product e2e results mean nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from esm import InvokeResult, MappingSettings, evaluate
from support.checks import delivery_problems, order_problems
from support.eventstore import make_event
from support.kafka import Message

FAKE = Path(__file__).resolve().parent / "support" / "selftest_fake_bootstrap.py"


def _record(sequence: str) -> dict:
    return {"dynamodb": {"SequenceNumber": sequence,
                         "Keys": {"id": {"S": "a"}, "version": {"N": "0"}}}}


def _result(payload, function_error=None) -> InvokeResult:
    return InvokeResult(200, json.dumps(payload).encode(), payload, function_error, 0.0)


BATCH = [_record("100"), _record("200"), _record("300")]


@pytest.mark.parametrize("payload", [None, {}, {"batchItemFailures": []},
                                     {"batchItemFailures": None}])
def test_evaluate_treats_empty_responses_as_success(payload):
    assert evaluate(BATCH, _result(payload)).kind == "success"


def test_evaluate_retries_from_the_lowest_failed_sequence_number():
    outcome = evaluate(BATCH, _result({"batchItemFailures": [{"itemIdentifier": "300"},
                                                             {"itemIdentifier": "200"}]}))
    assert (outcome.kind, outcome.retry_from) == ("partial", 1)


@pytest.mark.parametrize("failure", [{"itemIdentifier": ""}, {"itemIdentifier": None},
                                     {"itemIdentifier": "999"}, {"id": "100"}])
def test_evaluate_fails_the_whole_batch_on_an_invalid_item_identifier(failure):
    outcome = evaluate(BATCH, _result({"batchItemFailures": [failure]}))
    assert (outcome.kind, outcome.contract_violation) == ("error", True)


def test_evaluate_fails_the_whole_batch_on_a_function_error():
    assert evaluate(BATCH, _result({"errorType": "X"}, "X: boom")).kind == "error"


def test_order_check_accepts_a_contiguous_suffix_resend_only_when_allowed():
    assert order_problems("s", [0, 1, 2, 3, 2, 3, 4], 0, 4, allow_resend=True) == []
    assert order_problems("s", [0, 1, 2, 3, 2, 3, 4], 0, 4, allow_resend=False)


@pytest.mark.parametrize("versions", [[0, 2, 3], [1, 2, 3], [0, 1, 3, 2], [0, 1, 2, 3, 4],
                                      [0, 1, 2], [0, 1, 2, 3, 1, 3]])
def test_order_check_rejects_gaps_reordering_and_wrong_ends(versions):
    assert order_problems("s", versions, 0, 3, allow_resend=True)


def test_delivery_check_rejects_changed_values_headers_and_split_partitions():
    import random
    rng = random.Random(7)
    events = [make_event("Order", "s", v, rng) for v in range(3)]

    def message(event, partition=0, offset=0, value=None, headers=None):
        return Message(partition, offset, b"s", event.data if value is None else value,
                       tuple((k, v.encode()) for k, v in
                             (headers or event.expected_headers()).items()))

    good = [message(e, offset=i) for i, e in enumerate(events)]
    assert delivery_problems(good, {"s": events}) == []
    assert delivery_problems([good[0], message(events[1], offset=1, value=b"x"), good[2]],
                             {"s": events})
    changed = dict(events[1].expected_headers(), traceparent="other")
    assert delivery_problems([good[0], message(events[1], offset=1, headers=changed), good[2]],
                             {"s": events})
    assert delivery_problems([good[0], message(events[1], partition=1), good[2]], {"s": events})


# ------------------------------------------------------------- the emulator, with a fake runtime
@pytest.fixture
def fake(tmp_path):
    log = tmp_path / "batches.jsonl"

    def batches() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def environment(script: str) -> dict[str, str]:
        return {"FAKE_SCRIPT": script, "FAKE_BATCH_LOG": str(log)}

    return [sys.executable, str(FAKE)], environment, batches


def _write(scenario, count: int) -> None:
    for version in range(count):
        scenario.append("a", [version])


def test_mapping_delivers_every_record_once_in_order_in_batches(scenario, fake):
    command, environment, batches = fake
    _write(scenario, 23)
    with scenario.mapped(command, environment=environment("ok"),
                         settings=MappingSettings(batch_size=5)) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
        stats = mapped.mapping.stats
    seen = [version for batch in batches() for _, version in batch["keys"]]
    assert seen == list(range(23))
    assert all(len(batch["keys"]) <= 5 for batch in batches())
    assert (stats.failures, stats.discarded_records, stats.records_checkpointed) == (0, 0, 23)


def test_mapping_retries_from_the_lowest_reported_failure(scenario, fake):
    command, environment, batches = fake
    _write(scenario, 10)
    with scenario.mapped(command, environment=environment("fail:3"),
                         settings=MappingSettings(batch_size=10)) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
    first, second = batches()[:2]
    assert second["sequence"] == first["sequence"][3:]
    assert mapped.mapping.stats.partial_failures == 1


@pytest.mark.parametrize("failure", ["error", "crash", "garbage", "bad-id"])
def test_mapping_retries_the_whole_batch_after_a_failed_invocation(scenario, fake, failure):
    command, environment, batches = fake
    _write(scenario, 4)
    with scenario.mapped(command, environment=environment(failure),
                         settings=MappingSettings(batch_size=10)) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
        stats = mapped.mapping.stats
    first, second = batches()[:2]
    assert second["sequence"] == first["sequence"]
    assert stats.failures == 1 and stats.records_checkpointed == 4
    assert stats.contract_violations == (1 if failure in ("garbage", "bad-id") else 0)


def test_mapping_discards_a_batch_after_the_retry_limit(scenario, fake):
    command, environment, batches = fake
    _write(scenario, 3)
    with scenario.mapped(command, environment=environment("error,error,error"),
                         settings=MappingSettings(batch_size=10,
                                                  maximum_retry_attempts=2)) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
        stats = mapped.mapping.stats
    assert len(batches()) == 3
    assert stats.discarded_records == 3


def test_function_receives_the_configured_environment(scenario, fake):
    command, environment, batches = fake
    _write(scenario, 1)
    env = dict(environment("ok"), FAKE_ECHO="configured")
    with scenario.mapped(command, environment=env) as mapped:
        assert mapped.mapping.wait_idle(1.0, 30)
    assert batches()[0]["environment"] == "configured"


# ------------------------------------------------------------------ shard lineage (fake stream)
class FakeStreams:
    """An in-memory DynamoDB Streams API: a closed parent shard split into two children, and
    an unrelated open shard. DescribeStream pages two shards at a time."""

    def __init__(self):
        self.shards = {  # shard id -> (parent, closed, record count)
            "shard-parent": (None, True, 7),
            "shard-child-a": ("shard-parent", False, 5),
            "shard-child-b": ("shard-parent", True, 4),
            "shard-other": (None, False, 9),
        }

    def describe_stream(self, StreamArn, ExclusiveStartShardId=None):
        ids = list(self.shards)
        start = ids.index(ExclusiveStartShardId) + 1 if ExclusiveStartShardId else 0
        page = ids[start:start + 2]
        description = {"Shards": [
            {"ShardId": shard_id, "ParentShardId": self.shards[shard_id][0],
             "SequenceNumberRange": {"StartingSequenceNumber": "1"}} for shard_id in page]}
        if start + 2 < len(ids):
            description["LastEvaluatedShardId"] = page[-1]
        return {"StreamDescription": description}

    def get_shard_iterator(self, StreamArn, ShardId, ShardIteratorType, SequenceNumber=None):
        position = int(SequenceNumber.rsplit("-", 1)[1]) + 1 if SequenceNumber else 0
        return {"ShardIterator": f"{ShardId}|{position}"}

    def get_records(self, ShardIterator, Limit):
        from esm import stream
        shard_id, position = ShardIterator.split("|")
        _, closed, count = self.shards[shard_id]
        start = int(position)
        end = min(count, start + min(Limit, 3))
        records = [{"dynamodb": {"SequenceNumber": f"{shard_id}-{index}",
                                 "Keys": {"id": {"S": shard_id}, "version": {"N": str(index)}}}}
                   for index in range(start, end)]
        stream._raw_bodies.body = json.dumps({"Records": records}).encode()
        next_iterator = None if closed and end == count else f"{shard_id}|{end}"
        return {"Records": records, "NextShardIterator": next_iterator}


def test_mapping_reads_children_only_after_their_parent_and_shards_concurrently():
    import threading
    import time

    from esm import EventSourceMapping

    lock = threading.Lock()
    invoked: list[tuple[str, int]] = []
    in_flight: dict[str, int] = {}
    overlap = {"max_per_shard": 0, "max_total": 0}

    def invoke(event):
        shard = event["Records"][0]["dynamodb"]["Keys"]["id"]["S"]
        with lock:
            in_flight[shard] = in_flight.get(shard, 0) + 1
            overlap["max_per_shard"] = max(overlap["max_per_shard"], in_flight[shard])
            overlap["max_total"] = max(overlap["max_total"], sum(in_flight.values()))
        time.sleep(0.05)
        with lock:
            in_flight[shard] -= 1
            invoked.extend((r["dynamodb"]["Keys"]["id"]["S"],
                            int(r["dynamodb"]["Keys"]["version"]["N"])) for r in event["Records"])
        return InvokeResult(200, b"", None, None, 0.05)

    mapping = EventSourceMapping(FakeStreams(), "arn:fake", invoke,
                                 MappingSettings(batch_size=2, poll_interval_seconds=0.01,
                                                 describe_interval_seconds=0.05))
    with mapping:
        assert mapping.wait_idle(0.5, 20)
    by_shard: dict[str, list[int]] = {}
    for shard, version in invoked:
        by_shard.setdefault(shard, []).append(version)
    assert by_shard == {"shard-parent": list(range(7)), "shard-child-a": list(range(5)),
                        "shard-child-b": list(range(4)), "shard-other": list(range(9))}
    last_parent = max(i for i, (shard, _) in enumerate(invoked) if shard == "shard-parent")
    first_child = min(i for i, (shard, _) in enumerate(invoked) if shard.startswith("shard-child"))
    assert last_parent < first_child
    assert overlap == {"max_per_shard": 1, "max_total": overlap["max_total"]}
    assert overlap["max_total"] >= 2
    assert mapping.stats.shards_finished == 2  # the closed parent and the closed child
