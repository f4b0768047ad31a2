"""End to end: the real `bootstrap` under the Lambda Runtime Interface Emulator, fed by the
event source mapping emulator from a real DynamoDB Local stream, publishing to a real Kafka
broker that a real consumer reads. Each test owns its tables and topic (DESIGN.md §1, §3, §4)."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from esm import MappingSettings
from esm import stream as streams
from support.checks import delivered, delivery_problems, offset_problems, versions_by_stream
from support.eventstore import MARKER_VERSION, set_offset

DELIVERY_TIMEOUT = 60  # seconds for everything written to reach the topic
QUIET_SECONDS = 2.0  # the mapping saw nothing for this long: every doorbell has been answered


def settle(scenario, mapped, timeout: float = 60) -> None:
    """Waits until the mapping has nothing left to do and the reader has read the whole topic."""
    assert mapped.mapping.wait_idle(QUIET_SECONDS, timeout), \
        f"event source mapping still busy after {timeout}s: {mapped.mapping.stats}"
    scenario.reader.catch_up()


def wait_delivered(scenario, expected_last: dict[str, int], first: dict[str, int] | None = None,
                   timeout: float = DELIVERY_TIMEOUT) -> None:
    if scenario.reader.wait_for(lambda m: delivered(m, expected_last, first or {}), timeout):
        return
    got = versions_by_stream(scenario.reader.messages())
    missing = {s: sorted(set(range((first or {}).get(s, 0), last + 1)) - set(got.get(s, [])))
               for s, last in expected_last.items()}
    missing = {s: v for s, v in missing.items() if v}
    pytest.fail(f"not delivered within {timeout}s (stream id -> missing versions): "
                f"{dict(list(missing.items())[:10])} ({len(missing)} aggregates incomplete)")


def wait_offsets(scenario, expected_last: dict[str, int], timeout: float = DELIVERY_TIMEOUT
                 ) -> None:
    expected = {scenario.aggregate_id(s): v for s, v in expected_last.items()}
    deadline = time.monotonic() + timeout
    while True:
        problems = offset_problems(scenario.offsets(expected_last), expected)
        if not problems:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"offsets not committed within {timeout}s: {problems[:10]} "
                        f"({len(problems)} aggregates behind)")
        time.sleep(0.3)


def assert_clean_run(mapped) -> None:
    """The mapping never had to drop a batch and the function never broke the response
    contract."""
    stats = mapped.mapping.stats
    assert stats.discarded_records == 0, f"batches discarded after retries: {stats}"
    assert stats.contract_violations == 0, f"invalid function responses: {stats}"


def assert_delivery(scenario, mapped, expected_last: dict[str, int] | None = None,
                    allow_resend: bool | None = None) -> None:
    if allow_resend is None:
        # Re-sends are legitimate only after a failed invocation (DESIGN.md §3, Duplicates).
        allow_resend = mapped.mapping.stats.failures > 0
    problems = delivery_problems(scenario.reader.messages(), scenario.store.written,
                                 expected_last, allow_resend)
    assert not problems, "\n".join(problems[:40])
    assert not scenario.reader.errors, scenario.reader.errors


# ----------------------------------------------------------------------------------------- 1
AGGREGATES = 40
ROUNDS = 3
EVENTS_PER_ROUND = 5
WRITERS = 8


def test_concurrent_writers_in_rounds_deliver_every_event_in_order(scenario, bootstrap):
    """Writers append to 40 aggregates in three rounds; rounds two and three append to aggregates
    that were already dispatched, which the original dispatcher silently dropped (its marker
    write was a no-op and rang no doorbell)."""
    rng = random.Random(scenario.seed)
    stream_ids = [f"order-{index:02d}" for index in range(AGGREGATES)]
    next_version = dict.fromkeys(stream_ids, 0)

    def write(assigned: list[str], chunks: dict[str, list[list[int]]]) -> None:
        # Round-robin over this writer's aggregates so writes to different aggregates interleave.
        while any(chunks[s] for s in assigned):
            for stream_id in assigned:
                if chunks[stream_id]:
                    scenario.append(stream_id, chunks[stream_id].pop(0))

    with scenario.mapped(bootstrap) as mapped:
        for round_number in range(ROUNDS):
            chunks: dict[str, list[list[int]]] = {}
            for stream_id in stream_ids:
                versions = list(range(next_version[stream_id],
                                      next_version[stream_id] + EVENTS_PER_ROUND))
                chunks[stream_id] = []
                while versions:  # single puts and transactions of up to three events
                    size = rng.randint(1, 3)
                    chunks[stream_id].append(versions[:size])
                    versions = versions[size:]
                next_version[stream_id] += EVENTS_PER_ROUND
            started = time.monotonic()
            with ThreadPoolExecutor(WRITERS) as pool:
                for future in [pool.submit(write, stream_ids[w::WRITERS], chunks)
                               for w in range(WRITERS)]:
                    future.result()
            expected_last = {s: v - 1 for s, v in next_version.items()}
            wait_offsets(scenario, expected_last)
            print(f"round {round_number}: {AGGREGATES * EVENTS_PER_ROUND} events written and "
                  f"committed in {time.monotonic() - started:.1f}s")
        wait_delivered(scenario, expected_last)
        settle(scenario, mapped)
        assert_delivery(scenario, mapped)
        assert_clean_run(mapped)
        print(f"mapping: {mapped.mapping.stats}")


# ----------------------------------------------------------------------------------------- 2
def test_missing_version_holds_only_its_aggregate_until_it_is_written(scenario, bootstrap):
    with scenario.mapped(bootstrap) as mapped:
        scenario.append("gapped", [0, 1])
        scenario.append("gapped", [2])
        scenario.append("gapped", [4, 5])  # version 3 is missing
        scenario.append("free", [0, 1, 2])
        scenario.append("free", [3])
        wait_delivered(scenario, {"gapped": 2, "free": 3})
        settle(scenario, mapped)
        assert_delivery(scenario, mapped, expected_last={"gapped": 2, "free": 3})
        assert scenario.offsets(["gapped"]) == {scenario.aggregate_id("gapped"): 2}
        # The hold is visible to an operator: the function's log names the aggregate.
        log = mapped.function_log_path.read_text(errors="replace").splitlines()
        assert any(scenario.aggregate_id("gapped") in line and
                   any(word in line.lower() for word in ("hold", "held", "gap"))
                   for line in log), "no log line reports the held aggregate"

        scenario.append("gapped", [3])
        wait_delivered(scenario, {"gapped": 5, "free": 3})
        settle(scenario, mapped)
        assert_delivery(scenario, mapped)
        wait_offsets(scenario, {"gapped": 5, "free": 3})
        assert_clean_run(mapped)


# ----------------------------------------------------------------------------------------- 3
def test_version_zero_of_a_fresh_aggregate_is_dispatched(scenario, bootstrap):
    with scenario.mapped(bootstrap) as mapped:
        scenario.append("fresh", [0])
        # With versions starting at 0 (the default), an aggregate whose first item is version 1
        # has a gap at 0 and must be held, not dispatched from 1.
        scenario.append("starts-at-one", [1, 2])
        wait_delivered(scenario, {"fresh": 0})
        settle(scenario, mapped)
        assert_delivery(scenario, mapped, expected_last={"fresh": 0, "starts-at-one": 0})
        assert scenario.offsets(["fresh", "starts-at-one"]) == {
            scenario.aggregate_id("fresh"): 0, scenario.aggregate_id("starts-at-one"): None}
        assert_clean_run(mapped)


def test_first_event_version_one_dispatches_aggregates_starting_at_one(scenario, bootstrap):
    environment = scenario.function_environment(DISPATCHER_FIRST_EVENT_VERSION="1")
    with scenario.mapped(bootstrap, environment=environment) as mapped:
        scenario.append("starts-at-one", [1, 2])
        scenario.append("starts-at-one", [3])
        wait_delivered(scenario, {"starts-at-one": 3}, first={"starts-at-one": 1})
        settle(scenario, mapped)
        assert_delivery(scenario, mapped)
        wait_offsets(scenario, {"starts-at-one": 3})
        assert_clean_run(mapped)


# ----------------------------------------------------------------------------------------- 4
def _stream_records(mapped, predicate, count: int, timeout: float = 20) -> list[dict]:
    """Waits until `count` records satisfying `predicate` are readable from the stream."""
    deadline = time.monotonic() + timeout
    while True:
        records = [r for r in streams.read_stream(mapped.streams_client, mapped.stream_arn).records
                   if predicate(r)]
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(0.2)


def _assert_success(result) -> None:
    assert result.function_error is None, result.function_error
    failures = (result.payload or {}).get("batchItemFailures") if isinstance(
        result.payload, dict) else result.payload
    assert not failures, f"unexpected batchItemFailures: {result.payload}"


def test_redelivered_batches_send_no_duplicates_and_a_lost_commit_resends_a_suffix(
        scenario, bootstrap):
    aggregate = scenario.aggregate_id("redelivered")

    def is_regular(record):
        key = streams.record_key(record)
        return key[0] == aggregate and key[1] >= 0

    def is_marker(record):
        return streams.record_key(record) == (aggregate, MARKER_VERSION)

    def versions():
        return versions_by_stream(scenario.reader.messages()).get("redelivered", [])

    with scenario.mapped(bootstrap, start_mapping=False) as fn:
        scenario.append("redelivered", [0, 1])
        scenario.append("redelivered", [2])
        scenario.append("redelivered", [3, 4])
        regular = _stream_records(fn, is_regular, 5)
        assert len(regular) == 5, f"stream shows {len(regular)} of 5 records"
        _assert_success(fn.invoke(streams.lambda_event(regular)))

        markers = _stream_records(fn, is_marker, 1)
        assert markers, "the regular batch wrote no marker record into the stream"
        marker_batch = streams.lambda_event(markers)
        _assert_success(fn.invoke(marker_batch))
        wait_delivered(scenario, {"redelivered": 4})
        wait_offsets(scenario, {"redelivered": 4})

        # Lambda redelivers the same batch (e.g. its response was lost): nothing is re-sent.
        _assert_success(fn.invoke(marker_batch))
        # And the whole stream replayed from the start: still nothing.
        everything = _stream_records(fn, lambda r: streams.record_key(r)[0] == aggregate, 6)
        _assert_success(fn.invoke(streams.lambda_event(everything)))
        _assert_success(fn.invoke(marker_batch))
        scenario.reader.catch_up()
        assert versions() == [0, 1, 2, 3, 4]

        # A commit that never happened (crash between publish and commit): the replayed batch
        # re-sends exactly the uncommitted contiguous suffix, and the offset catches up.
        set_offset(scenario.dynamodb, scenario.offsets_table, aggregate, 2)
        _assert_success(fn.invoke(marker_batch))
        wait_offsets(scenario, {"redelivered": 4})
        scenario.reader.wait_for(lambda _: len(versions()) >= 7, 20)
        scenario.reader.catch_up()
        assert versions() == [0, 1, 2, 3, 4, 3, 4]
        problems = delivery_problems(scenario.reader.messages(), scenario.store.written,
                                     allow_resend=True)
        assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------------------- 5
@pytest.mark.parametrize("view_type,batch_size", [("KEYS_ONLY", 100),
                                                  ("NEW_AND_OLD_IMAGES", 7)])
def test_stream_view_type_does_not_matter(scenario_factory, bootstrap, view_type, batch_size):
    """Both view types, and batches small enough to split an aggregate's records and markers
    across invocations."""
    scenario = scenario_factory(view_type)
    stream_ids = [f"view-{index}" for index in range(5)]
    settings = MappingSettings(batch_size=batch_size)
    with scenario.mapped(bootstrap, settings=settings) as mapped:
        for stream_id in stream_ids:
            scenario.append(stream_id, [0, 1, 2])
        wait_offsets(scenario, dict.fromkeys(stream_ids, 2))
        for stream_id in stream_ids:  # aggregates that were already dispatched
            scenario.append(stream_id, [3])
            scenario.append(stream_id, [4, 5])
        wait_delivered(scenario, dict.fromkeys(stream_ids, 5))
        settle(scenario, mapped)
        assert_delivery(scenario, mapped)
        wait_offsets(scenario, dict.fromkeys(stream_ids, 5))
        assert_clean_run(mapped)
