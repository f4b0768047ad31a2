"""CloudEvents binary content mode (KAFKA_CLOUDEVENTS_HEADERS=true): the messages the real
bootstrap publishes, read with the official CloudEvents SDK for Python, carry every attribute the
Kafka protocol binding defines, and the dispatcher's own headers are still there."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat


def cloud_event(message):
    return from_binary(KafkaMessage(headers={name: value or b"" for name, value in message.headers},
                                    key=message.key, value=message.value), JSONFormat())


def json_events(scenario, stream_id: str, versions):
    events = [scenario.event(stream_id, version) for version in versions]
    for event in events:
        event.data = json.dumps({"order": stream_id, "version": event.version}).encode()
    scenario.store.append(events)
    scenario.store.record(events)
    return events


def test_every_cloudevents_attribute_reads_back_with_the_sdk(scenario, bootstrap):
    environment = scenario.function_environment(KAFKA_CLOUDEVENTS_HEADERS="true",
                                                KAFKA_CLOUDEVENTS_CONTENT_TYPE="application/json")
    with scenario.mapped(bootstrap, environment=environment):
        events = json_events(scenario, "ce-1", range(3))
        assert scenario.reader.wait_for(lambda messages: len(messages) >= 3, 60)
    messages = scenario.reader.messages()
    assert [m.version for m in messages] == [0, 1, 2]
    for event, message in zip(events, messages):
        read = cloud_event(message)
        assert read.get_specversion() == "1.0"
        assert read.get_id() == event.event_id
        assert read.get_source() == scenario.events_table, "the default source is the table"
        assert read.get_type() == event.event_type
        assert read.get_time() == datetime.fromtimestamp(event.timestamp / 1000, tz=timezone.utc)
        assert read.get_subject() == event.aggregate_id
        assert read.get_datacontenttype() == "application/json"
        assert read.get_data() == {"order": "ce-1", "version": event.version}
        assert read.get_extension("partitionkey") == event.stream_id
        headers = message.header_dict()
        for name, value in event.expected_headers().items():
            assert headers[name] == value, f"the existing header {name} stays"


def test_source_is_configurable_and_headers_are_off_by_default(scenario_factory, bootstrap):
    configured = scenario_factory()
    environment = configured.function_environment(KAFKA_CLOUDEVENTS_HEADERS="true",
                                                  KAFKA_CLOUDEVENTS_SOURCE="urn:example:orders")
    with configured.mapped(bootstrap, environment=environment):
        json_events(configured, "ce-2", [0])
        assert configured.reader.wait_for(lambda messages: len(messages) >= 1, 60)
    message = configured.reader.messages()[0]
    read = cloud_event(message)
    assert read.get_source() == "urn:example:orders"
    assert "content-type" not in message.header_dict(), "content-type only when configured"

    plain = scenario_factory()
    with plain.mapped(bootstrap):
        plain.append("plain", [0])
        assert plain.reader.wait_for(lambda messages: len(messages) >= 1, 60)
    assert not [name for name in plain.reader.messages()[0].header_dict()
                if name.startswith("ce_")], "opt-in: no CloudEvents headers by default"
