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
