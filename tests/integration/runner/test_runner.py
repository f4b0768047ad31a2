"""`bootstrap run` against DynamoDB Local streams and the local Kafka broker: restart after
SIGKILL without loss, one active runner per table with standby take-over, clean SIGTERM."""

from __future__ import annotations

import signal
import threading
import time

from conftest import timestamp
from support import checks

LEASE_SECONDS = 6


def test_sigkill_mid_stream_resumes_from_the_checkpoint_without_loss(world):
    first = world.start_runner(lease_seconds=LEASE_SECONDS)
    first.wait_for("lease acquired; this runner is active", 30)
    world.write_round(aggregates=12, events_each=3)
    first.wait_for("batch handled", 30)

    # A second round is written while the runner is killed mid-stream.
    writer = threading.Thread(target=world.write_round, args=(12, 4))
    writer.start()
    time.sleep(0.3)
    first.kill()
    second = world.start_runner(lease_seconds=LEASE_SECONDS)
    writer.join()
    second.wait_for("lease acquired; this runner is active", LEASE_SECONDS + 10)
    world.wait_delivered(timeout=60)

    # Every event arrived, in order per aggregate; a repeat is only a re-sent suffix.
    assert world.problems(allow_resend=True) == []
    assert world.loss_reports() == []
    assert second.messages("shard resumes from its checkpoint"), \
        "the second runner did not start from the first runner's checkpoint"
    assert world.lease_item()["owner"]["S"] == second.owner


def test_two_runners_never_both_dispatch_and_the_standby_takes_over(world):
    first = world.start_runner(lease_seconds=LEASE_SECONDS)
    first.wait_for("lease acquired; this runner is active", 30)
    second = world.start_runner(lease_seconds=LEASE_SECONDS)
    second.wait_for("standby: another runner holds the lease", 30)

    world.write_round(aggregates=8, events_each=3)
    world.wait_delivered(timeout=60)
    assert world.lease_item()["owner"]["S"] == first.owner
    assert first.messages("batch handled")
    assert second.messages("batch handled") == [], "the standby dispatched"
    assert second.messages("lease acquired; this runner is active") == []

    killed_at = first.kill()
    world.write_round(aggregates=8, events_each=2)
    acquired = second.wait_for("lease acquired; this runner is active", LEASE_SECONDS + 10)
    takeover = timestamp(acquired) - killed_at
    # The item expires at most one lease time after the kill; the standby asks every tenth (plus
    # a second for a loaded machine).
    print(f"standby took over {takeover:.2f}s after the kill")
    assert takeover <= LEASE_SECONDS * 1.1 + 1.0, f"standby took over after {takeover:.1f}s"
    world.wait_delivered(timeout=60)
    assert world.problems(allow_resend=True) == []
    assert world.lease_item()["owner"]["S"] == second.owner

    # The windows in which each process dispatched do not overlap.
    last_first = max(timestamp(line) for line in first.messages("batch handled"))
    first_second = min(timestamp(line) for line in second.messages("batch handled"))
    assert last_first < first_second


def test_sigterm_finishes_releases_the_lease_and_exits_zero(world):
    long_lease = 60
    first = world.start_runner(lease_seconds=long_lease)
    first.wait_for("lease acquired; this runner is active", 30)
    world.write_round(aggregates=6, events_each=3)
    world.wait_delivered(timeout=60)

    first.process.send_signal(signal.SIGTERM)
    assert first.process.wait(15) == 0
    first.wait_for("lease released", 1)
    assert world.lease_item()["expires_at_ms"]["N"] == "0"

    # Released, not expired: a new runner is active at once although the lease time is a minute.
    started = time.monotonic()
    second = world.start_runner(lease_seconds=long_lease)
    second.wait_for("lease acquired; this runner is active", 20)
    assert time.monotonic() - started < long_lease / 3
    world.write_round(aggregates=6, events_each=1)
    world.wait_delivered(timeout=60)
    assert world.problems(allow_resend=False) == [], "a clean stop must not cause re-sends"
    assert world.loss_reports() == []
    second.process.send_signal(signal.SIGINT)
    assert second.process.wait(15) == 0


def test_once_dispatches_what_the_stream_holds_and_exits(world):
    world.write_round(aggregates=5, events_each=3)
    once = world.start_runner("--once")
    assert once.process.wait(60) == 0
    world.wait_delivered(timeout=30)
    assert world.problems(allow_resend=False) == []
    assert once.messages("lease released")

    # While another runner is active, --once does nothing and says so with exit code 3.
    active = world.start_runner(lease_seconds=LEASE_SECONDS)
    active.wait_for("lease acquired; this runner is active", 30)
    refused = world.start_runner("--once")
    assert refused.process.wait(30) == 3
    assert refused.messages("batch handled") == []


def test_a_corrupt_aggregate_is_held_and_the_rest_of_the_shard_goes_on_at_the_shortest_lease(
        world):
    # The shortest lease (3 s, trusted for 2 s) still leaves each batch a working budget.
    world.dynamodb.put_item(TableName=world.offsets_table,
                            Item={"id": {"S": "Order:agg-bad"}, "version": {"S": "five"}})
    world.append("agg-bad", 2)
    world.write_round(aggregates=12, events_each=2)
    runner = world.start_runner(lease_seconds=3)
    runner.wait_for("lease acquired; this runner is active", 30)
    healthy = {stream_id for stream_id in world.next_version if stream_id != "agg-bad"}

    def healthy_delivered(timeout: float) -> None:
        expected = {s: world.next_version[s] - 1 for s in healthy}
        assert world.reader.wait_for(
            lambda messages: checks.delivered(messages, expected, {}), timeout), \
            "the healthy aggregates were not all delivered"

    healthy_delivered(60)
    # A second round after the corrupt aggregate's records: the shard did not stop there.
    world.write_round(aggregates=12, events_each=2)
    healthy_delivered(60)
    written = {s: events for s, events in world.store.written.items() if s != "agg-bad"}
    assert checks.delivery_problems(world.reader.messages(), written, allow_resend=True) == []
    assert [m for m in world.reader.messages() if m.key == b"agg-bad"] == []
    stored = world.dynamodb.get_item(TableName=world.offsets_table, ConsistentRead=True,
                                     Key={"id": {"S": "Order:agg-bad"}})["Item"]
    assert stored["hold_reason"] == {"S": "corrupt"}
    assert "InvalidOffsetItem" in stored["hold_detail"]["S"]
    assert runner.messages("aggregate held at corrupt data; waits for an operator")
    assert runner.messages("batch failed as a whole; it is read again") == []
