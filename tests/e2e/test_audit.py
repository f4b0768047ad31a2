"""`bootstrap audit` on the local stack: it passes a real dispatch (the bootstrap behind the event
source mapping emulator), and catches, in a topic whose messages the test produces itself beside
a real events and offsets table, a deleted message, a reordered topic, a duplicate that is not a
re-sent suffix, and a message with the wrong key."""

from __future__ import annotations

import json
import subprocess

from confluent_kafka import Producer

from support import eventstore


def audit(scenario, bootstrap: list[str], *arguments: str) -> tuple[int, dict, str]:
    result = subprocess.run([*bootstrap, "audit", "--json", "--stall-seconds", "20", *arguments],
                            env=scenario.function_environment(), capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode in (0, 3), result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def by_id(document: dict) -> dict[str, dict]:
    return {a["id"]: a for a in document["aggregates"]}


def test_audit_passes_a_clean_dispatch_and_says_so(scenario, bootstrap):
    with scenario.mapped(bootstrap) as mapped:
        for name in ("clean-a", "clean-b", "clean-c"):
            scenario.append(name, range(3))
        scenario.append("clean-a", [3, 4])
        assert scenario.reader.wait_for(lambda messages: len(messages) >= 11, 60)
        mapped.mapping.wait_idle(quiet_seconds=1.5, timeout=30)
    code, document, stderr = audit(scenario, bootstrap, "--all")
    summary = document["summary"]
    assert code == 0, document
    assert summary["complete_and_in_order"] is True
    assert (summary["aggregates"], summary["complete"], summary["store_events"]) == (3, 3, 11)
    assert summary["kafka_messages"] >= 11 and summary["lost"] == 0
    aggregate = by_id(document)[scenario.aggregate_id("clean-a")]
    assert (aggregate["store"]["last"], aggregate["offset"], aggregate["kafka"]["last"]) == (4, 4, 4)
    assert "audit: reading" in stderr, "progress goes to standard error"

    text = subprocess.run([*bootstrap, "audit"], env=scenario.function_environment(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert text.returncode == 0, text.stderr
    assert "3 complete and in order, 0 with problems" in text.stdout


class Topic:
    """The output topic written by the test itself: each message as the dispatcher makes it."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.producer = Producer({"bootstrap.servers": scenario.stack["STACK_KAFKA_BOOTSTRAP"],
                                  "enable.idempotence": True})

    def send(self, event: eventstore.Event, key: str | None = None) -> None:
        headers = [(name, value.encode()) for name, value in event.expected_headers().items()]
        self.producer.produce(self.scenario.topic, key=(key or event.stream_id).encode(),
                              value=event.data, headers=headers)

    def flush(self) -> None:
        assert self.producer.flush(30) == 0


def stored(scenario, stream_id: str, count: int) -> list[eventstore.Event]:
    """`count` events in the events table and their offset committed, as after a dispatch."""
    events = scenario.append(stream_id, range(count))
    eventstore.set_offset(scenario.dynamodb, scenario.offsets_table,
                          scenario.aggregate_id(stream_id), count - 1)
    return events


def test_audit_catches_a_deleted_message_a_reordering_a_non_suffix_duplicate_and_a_wrong_key(
        scenario, bootstrap):
    topic = Topic(scenario)
    good = stored(scenario, "good", 4)
    deleted = stored(scenario, "deleted", 4)
    reordered = stored(scenario, "reordered", 4)
    duplicated = stored(scenario, "duplicated", 4)
    wrong_key = stored(scenario, "wrongkey", 3)
    resent = stored(scenario, "resent", 4)
    for event in good:
        topic.send(event)
    for event in deleted[:2] + deleted[3:]:  # version 2 deleted
        topic.send(event)
    for event in [reordered[0], reordered[2], reordered[1], reordered[3]]:
        topic.send(event)
    for event in duplicated[:3] + [duplicated[1], duplicated[3]]:  # 1 again, alone
        topic.send(event)
    topic.send(wrong_key[0])
    topic.send(wrong_key[1], key="not-" + wrong_key[1].stream_id)
    topic.send(wrong_key[2])
    for event in resent + resent[2:]:  # the allowed duplicate: a re-sent suffix
        topic.send(event)
    topic.flush()

    code, document, _ = audit(scenario, bootstrap)
    assert code == 3, document
    found = by_id(document)
    assert found[scenario.aggregate_id("deleted")]["lost"] == [[2, 2]]
    assert found[scenario.aggregate_id("reordered")]["out_of_order"] == 1
    assert found[scenario.aggregate_id("duplicated")]["non_suffix_duplicates"] == 1
    assert found[scenario.aggregate_id("wrongkey")]["wrong_key"] == 1
    assert set(found) == {scenario.aggregate_id(name) for name in
                          ("deleted", "reordered", "duplicated", "wrongkey")}, \
        "the good aggregate and the re-sent suffix are not problems"
    summary = document["summary"]
    assert (summary["aggregates"], summary["complete"], summary["with_problems"]) == (6, 2, 4)
    assert summary["resent"] >= 2

    code, one, _ = audit(scenario, bootstrap, "--aggregate", scenario.aggregate_id("resent"))
    assert code == 0, one
    assert one["aggregates"][0]["resent"] == 2 and one["summary"]["aggregates"] == 1


def test_audit_reports_events_the_dispatcher_has_not_published_yet(scenario, bootstrap):
    topic = Topic(scenario)
    events = scenario.append("behind", range(3))
    eventstore.set_offset(scenario.dynamodb, scenario.offsets_table,
                          scenario.aggregate_id("behind"), 0)
    topic.send(events[0])
    topic.flush()
    code, document, _ = audit(scenario, bootstrap)
    assert code == 3
    assert by_id(document)[scenario.aggregate_id("behind")]["pending"] == [[1, 2]]
    code, document, _ = audit(scenario, bootstrap, "--allow-pending")
    assert code == 0, document
