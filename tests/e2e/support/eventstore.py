"""The events and offsets tables as a user of the dispatcher has them, and a writer that
appends events the way an event-sourced application does (conditional puts, transactions)."""

from __future__ import annotations

import os
import random
import time
import uuid
from dataclasses import dataclass, field

MARKER_VERSION = -1001


def create_events_table(client, name: str, view_type: str = "KEYS_ONLY") -> None:
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                              {"AttributeName": "version", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                   {"AttributeName": "version", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type})
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2,
                                                                         "MaxAttempts": 100})


def create_offsets_table(client, name: str) -> None:
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST")
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2,
                                                                         "MaxAttempts": 100})


def delete_table(client, name: str) -> None:
    try:
        client.delete_table(TableName=name)
    except client.exceptions.ResourceNotFoundException:
        pass


@dataclass
class Event:
    """One event item and the Kafka message the dispatcher must make of it."""
    stream_type: str
    stream_id: str
    version: int
    event_id: str
    event_type: str
    data: bytes
    timestamp: int
    headers: dict[str, str]

    @property
    def aggregate_id(self) -> str:
        return f"{self.stream_type}:{self.stream_id}"

    def item(self) -> dict:
        return {
            "id": {"S": self.aggregate_id},
            "version": {"N": str(self.version)},
            "streamType": {"S": self.stream_type},
            "streamId": {"S": self.stream_id},
            "eventId": {"S": self.event_id},
            "data": {"B": self.data},
            "timestamp": {"N": str(self.timestamp)},
            "eventType": {"S": self.event_type},
            "headers": {"M": {key: {"S": value} for key, value in self.headers.items()}},
        }

    def expected_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        headers.update({"messageId": self.event_id, "messageType": self.event_type,
                        "streamType": self.stream_type, "streamId": self.stream_id,
                        "version": str(self.version), "timestamp": str(self.timestamp)})
        return headers


def make_event(stream_type: str, stream_id: str, version: int, rng: random.Random) -> Event:
    # Binary payload with bytes that are not UTF-8 and a NUL: the value must arrive unchanged.
    body = f'{{"aggregate":"{stream_id}","version":{version}}}'.encode()
    data = body + bytes([0, 0xFF, 0xFE, rng.randrange(256)]) + os.urandom(rng.randrange(0, 64))
    conversation = str(uuid.UUID(int=rng.getrandbits(128)))
    trace = f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01"
    return Event(stream_type=stream_type, stream_id=stream_id, version=version,
                 event_id=str(uuid.uuid4()), event_type=rng.choice(
                     ["OrderPlaced", "OrderPaid", "OrderShipped", "ItemAdded"]),
                 data=data, timestamp=int(time.time() * 1000) + version,
                 headers={"causationId": str(uuid.uuid4()), "conversationId": conversation,
                          "traceparent": trace})


@dataclass
class EventStore:
    """Appends events to the events table and remembers what was written."""
    client: object
    table: str
    written: dict[str, list[Event]] = field(default_factory=dict)  # stream id -> events

    def append(self, events: list[Event]) -> None:
        """Appends events of one aggregate atomically, each conditional on its version being
        new (a transaction when there are several), as an event store does."""
        if len(events) == 1:
            self.client.put_item(TableName=self.table, Item=events[0].item(),
                                 ConditionExpression="attribute_not_exists(id)")
        else:
            self.client.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.table, "Item": event.item(),
                         "ConditionExpression": "attribute_not_exists(id)"}}
                for event in events])

    def record(self, events: list[Event]) -> None:
        for event in events:
            self.written.setdefault(event.stream_id, []).append(event)


def offset_of(client, table: str, aggregate_id: str) -> int | None:
    """The dispatcher's committed offset for an aggregate (strongly consistent), or None."""
    item = client.get_item(TableName=table, Key={"id": {"S": aggregate_id}},
                           ConsistentRead=True).get("Item")
    if item is None or "version" not in item:
        return None
    return int(item["version"]["N"])


def set_offset(client, table: str, aggregate_id: str, version: int) -> None:
    """Overwrites an offset, unconditionally: simulates a commit that never happened."""
    client.put_item(TableName=table, Item={"id": {"S": aggregate_id},
                                            "version": {"N": str(version)}})
