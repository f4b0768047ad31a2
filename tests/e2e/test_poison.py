"""End to end: poison events under both policies (issue 5): the real `bootstrap` behind the
event source mapping emulator, DynamoDB Local and the local Kafka broker."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from support import kafka
from test_dispatch import assert_clean_run, settle, wait_offsets

TIMEOUT = 60


def poison_item(scenario, stream_id: str, version: int) -> dict:
    """A valid event's item with eventId missing: it cannot become a message."""
    event = scenario.event(stream_id, version)
    item = event.item()
    del item["eventId"]
    return item, event


def dead_letter_reader(scenario, topic: str) -> kafka.TopicReader:
    kafka.create_topic(scenario.stack["STACK_KAFKA_BOOTSTRAP"], topic, partitions=1)
    return kafka.TopicReader(scenario.stack["STACK_KAFKA_BOOTSTRAP"], topic, partitions=1).start()


def versions(messages, stream_id: str) -> list[int]:
    return [m.version for m in messages if m.key == stream_id.encode()]


def test_hold_stops_only_the_poisoned_aggregate_until_the_item_is_fixed(scenario, bootstrap):
    scenario.append("good", [0, 1, 2])
    scenario.append("bad", [0])
    item, fixed = poison_item(scenario, "bad", 1)
    scenario.dynamodb.put_item(TableName=scenario.events_table, Item=item)
    scenario.append("bad", [2])
    with scenario.mapped(bootstrap) as mapped:
        wait_offsets(scenario, {"good": 2, "bad": 0}, TIMEOUT)
        settle(scenario, mapped)
        assert versions(scenario.reader.messages(), "bad") == [0]
        log = mapped.function_log_path.read_text()
        assert "aggregate held at a poison event" in log and "eventId" in log
        # The operator rewrites the item correctly: its MODIFY record rings the doorbell.
        scenario.dynamodb.put_item(TableName=scenario.events_table, Item=fixed.item())
        wait_offsets(scenario, {"bad": 2}, TIMEOUT)
        settle(scenario, mapped)
        assert versions(scenario.reader.messages(), "bad") == [0, 1, 2]
        assert versions(scenario.reader.messages(), "good") == [0, 1, 2]
        assert_clean_run(mapped)


def test_dead_letter_carries_payload_key_and_reason_and_the_aggregate_goes_on(scenario,
                                                                            bootstrap):
    dead_letter_topic = f"{scenario.name}-dlq"
    reader = dead_letter_reader(scenario, dead_letter_topic)
    try:
        scenario.append("bad", [0])
        item, original = poison_item(scenario, "bad", 1)
        scenario.dynamodb.put_item(TableName=scenario.events_table, Item=item)
        scenario.append("bad", [2])
        environment = scenario.function_environment(
            DISPATCHER_POISON_POLICY="dead-letter", DISPATCHER_DEAD_LETTER_TOPIC=dead_letter_topic)
        with scenario.mapped(bootstrap, environment=environment) as mapped:
            wait_offsets(scenario, {"bad": 2}, TIMEOUT)
            settle(scenario, mapped)
            assert reader.wait_for(lambda messages: len(messages) >= 1, TIMEOUT)
            assert versions(scenario.reader.messages(), "bad") == [0, 2]
            [dead] = reader.messages()
            assert dead.key == b"bad"
            assert dead.value == original.data
            headers = dead.header_dict()
            expected = dict(original.expected_headers())
            del expected["messageId"]  # eventId is what is missing
            expected.update({
                "dlq.reason": "InvalidItem",
                "dlq.source-table": scenario.events_table,
                "dlq.aggregate-id": scenario.aggregate_id("bad"),
                "dlq.version": "1",
                "dlq.original-topic": scenario.topic,
            })
            detail = headers.pop("dlq.detail")
            assert "eventId" in detail and "version 1" in detail
            assert headers == expected
            assert "event dead-lettered" in mapped.function_log_path.read_text()
            assert_clean_run(mapped)
    finally:
        reader.stop()
        kafka.delete_topic(scenario.stack["STACK_KAFKA_BOOTSTRAP"], dead_letter_topic)


@pytest.mark.parametrize("policy", ["hold", "dead-letter"])
def test_event_over_the_brokers_limit_is_poison_under_both_policies(scenario, bootstrap, policy):
    bootstrap_servers = scenario.stack["STACK_KAFKA_BOOTSTRAP"]
    small_topic = f"{scenario.name}-small"
    admin = AdminClient({"bootstrap.servers": bootstrap_servers})
    admin.create_topics([NewTopic(small_topic, num_partitions=1, replication_factor=1,
                                  config={"max.message.bytes": "3000"})])[small_topic].result(30)
    dead_letter_topic = f"{scenario.name}-dlq"
    small = kafka.TopicReader(bootstrap_servers, small_topic, partitions=1).start()
    dead = dead_letter_reader(scenario, dead_letter_topic)
    try:
        scenario.append("big", [0])
        large = scenario.event("big", 1)
        large.data = b"\x00" + uuid.uuid4().bytes * 500  # 8 kB: over the topic's 3000 bytes
        environment = scenario.function_environment(
            KAFKA_TOPIC_OUTPUT=small_topic, KAFKA_MAX_MESSAGE_BYTES="100000",
            DISPATCHER_POISON_POLICY=policy, DISPATCHER_DEAD_LETTER_TOPIC=dead_letter_topic)
        with scenario.mapped(bootstrap, environment=environment) as mapped:
            # Version 0 first, alone: the broker refuses a whole batch, not one record of it.
            wait_offsets(scenario, {"big": 0}, TIMEOUT)
            scenario.store.append([large])
            scenario.append("big", [2])
            expected_offset = 0 if policy == "hold" else 2
            wait_offsets(scenario, {"big": expected_offset}, TIMEOUT)
            assert mapped.mapping.wait_idle(2.0, TIMEOUT)
            small.catch_up()
            log = mapped.function_log_path.read_text()
            if policy == "hold":
                assert versions(small.messages(), "big") == [0]
                assert "aggregate held at an event the broker refused" in log
                assert "MSG_SIZE_TOO_LARGE" in log
                assert dead.messages() == []
                # The broker's verdict is stored with the offset, so status and release see it.
                stored = scenario.dynamodb.get_item(
                    TableName=scenario.offsets_table, ConsistentRead=True,
                    Key={"id": {"S": scenario.aggregate_id("big")}})["Item"]
                assert stored["hold_reason"] == {"S": "refused"}
                assert stored["hold_version"] == {"N": "1"}
                assert "MSG_SIZE_TOO_LARGE" in stored["hold_detail"]["S"]
                assert int(stored["held_since"]["N"]) > 0
            else:
                assert versions(small.messages(), "big") == [0, 2]
                assert dead.wait_for(lambda messages: len(messages) >= 1, TIMEOUT)
                [letter] = dead.messages()
                headers = letter.header_dict()
                assert headers["dlq.reason"] == "MSG_SIZE_TOO_LARGE"
                assert headers["dlq.version"] == "1"
                assert headers["dlq.original-topic"] == small_topic
                assert headers["messageId"] == large.event_id
                assert letter.value == large.data
            assert_clean_run(mapped)
    finally:
        small.stop()
        dead.stop()
        kafka.delete_topic(bootstrap_servers, small_topic)
        kafka.delete_topic(bootstrap_servers, dead_letter_topic)
