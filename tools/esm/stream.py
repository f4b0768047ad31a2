"""Reading a DynamoDB stream the way Lambda's event source mapping does.

GetRecords is called through boto3, but the records handed to the function are the raw JSON the
service returned (captured before botocore parses it), so the function sees exactly the wire
shape Lambda forwards: attribute values with base64 binaries, ApproximateCreationDateTime as a
number, plus the `eventSourceARN` Lambda adds.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import boto3
import botocore.config

_raw_bodies = threading.local()


def _capture_raw_body(response_dict=None, **_):
    """botocore hook: keeps the raw GetRecords body of this thread's current call."""
    if response_dict is not None:
        _raw_bodies.body = response_dict.get("body")


def streams_client(endpoint_url: str, region: str, access_key: str, secret_key: str):
    """A DynamoDB Streams client whose GetRecords calls also keep their raw JSON body."""
    client = boto3.client(
        "dynamodbstreams",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"},
                                      connect_timeout=5, read_timeout=30),
    )
    client.meta.events.register("before-parse.dynamodb-streams.GetRecords", _capture_raw_body)
    return client


def stream_arn_of(dynamodb_client, table_name: str) -> str:
    """The table's latest stream ARN; raises when the table has no stream."""
    table = dynamodb_client.describe_table(TableName=table_name)["Table"]
    arn = table.get("LatestStreamArn")
    if not arn:
        raise RuntimeError(f"table {table_name} has no stream enabled")
    return arn


@dataclass
class Shard:
    shard_id: str
    parent_shard_id: str | None
    starting_sequence_number: str | None
    ending_sequence_number: str | None  # set once the shard is closed


def describe_shards(client, stream_arn: str) -> list[Shard]:
    """Every shard of the stream (all DescribeStream pages)."""
    shards: list[Shard] = []
    start: str | None = None
    while True:
        kwargs = {"StreamArn": stream_arn}
        if start:
            kwargs["ExclusiveStartShardId"] = start
        description = client.describe_stream(**kwargs)["StreamDescription"]
        for shard in description.get("Shards", []):
            sequence_range = shard.get("SequenceNumberRange", {})
            shards.append(Shard(shard["ShardId"], shard.get("ParentShardId"),
                                sequence_range.get("StartingSequenceNumber"),
                                sequence_range.get("EndingSequenceNumber")))
        start = description.get("LastEvaluatedShardId")
        if not start:
            return shards


@dataclass
class RecordsPage:
    records: list[dict]  # Lambda-shaped records (raw wire JSON + eventSourceARN)
    next_iterator: str | None  # None: the shard is closed and fully read


def get_records(client, stream_arn: str, iterator: str, limit: int) -> RecordsPage:
    """One GetRecords call, records returned exactly as the service sent them."""
    _raw_bodies.body = None
    parsed = client.get_records(ShardIterator=iterator, Limit=limit)
    raw = _raw_bodies.body
    if raw is None:
        raise RuntimeError("GetRecords raw body was not captured (botocore hook not called)")
    records = json.loads(raw).get("Records", [])
    for record in records:
        record["eventSourceARN"] = stream_arn
    return RecordsPage(records, parsed.get("NextShardIterator"))


def shard_iterator(client, stream_arn: str, shard_id: str, iterator_type: str,
                   sequence_number: str | None = None) -> str:
    kwargs = {"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": iterator_type}
    if sequence_number is not None:
        kwargs["SequenceNumber"] = sequence_number
    return client.get_shard_iterator(**kwargs)["ShardIterator"]


def lambda_event(records: list[dict]) -> dict:
    """The invocation payload Lambda sends for a DynamoDB stream batch."""
    return {"Records": records}


def sequence_number(record: dict) -> str:
    return record["dynamodb"]["SequenceNumber"]


def record_key(record: dict) -> tuple[str, int]:
    """(id, version) of an events-table record, from its Keys."""
    keys = record["dynamodb"]["Keys"]
    return keys["id"]["S"], int(keys["version"]["N"])


@dataclass
class StreamSnapshot:
    """All records currently readable from a stream, per shard, in shard order."""
    records_by_shard: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def records(self) -> list[dict]:
        return [r for records in self.records_by_shard.values() for r in records]


def read_stream(client, stream_arn: str, empty_polls: int = 2, limit: int = 1000) -> StreamSnapshot:
    """Reads every shard from TRIM_HORIZON until `empty_polls` consecutive empty pages (or the
    shard's end). For tests that build invocation batches by hand."""
    snapshot = StreamSnapshot()
    for shard in describe_shards(client, stream_arn):
        iterator = shard_iterator(client, stream_arn, shard.shard_id, "TRIM_HORIZON")
        records: list[dict] = []
        empties = 0
        while iterator and empties < empty_polls:
            page = get_records(client, stream_arn, iterator, limit)
            records.extend(page.records)
            empties = 0 if page.records else empties + 1
            iterator = page.next_iterator
        snapshot.records_by_shard[shard.shard_id] = records
    return snapshot


def wait_for_records(client, stream_arn: str, predicate, timeout: float,
                     poll_interval: float = 0.2) -> list[dict]:
    """Re-reads the stream until some record satisfies `predicate`; returns the matching records.
    Raises TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        matching = [r for r in read_stream(client, stream_arn).records if predicate(r)]
        if matching:
            return matching
        if time.monotonic() > deadline:
            raise TimeoutError(f"no matching stream record within {timeout:.0f}s")
        time.sleep(poll_interval)
