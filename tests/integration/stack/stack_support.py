"""Helpers and fixtures for the local-stack smoke tests: endpoints from STACK_* variables, AWS
clients with dummy credentials, unique resource names (the stack is shared by everyone)."""

import os
import time
import uuid

import boto3
import pytest

REGION = "us-east-1"


def stack_variable(name: str) -> str:
    """Returns STACK_<name>, failing the test (not skipping it) when the stack is not described."""
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: start the stack with `tools/stack/stack.sh start` and "
            f"`source .stack/env` (tools/test.sh does both)",
            pytrace=False,
        )
    return value


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def aws_client(service: str, endpoint: str):
    # Fixed dummy credentials keep a developer's real ones out. DynamoDB Local rejects an access key
    # id that is not only letters and digits (UnrecognizedClientException), hence no punctuation.
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="stacktest",
        aws_secret_access_key="stacktestsecret",
    )


@pytest.fixture
def dynamodb():
    return aws_client("dynamodb", stack_variable("STACK_DYNAMODB_ENDPOINT"))


@pytest.fixture
def dynamodb_streams():
    return aws_client("dynamodbstreams", stack_variable("STACK_DYNAMODB_ENDPOINT"))


@pytest.fixture
def event_table(dynamodb):
    """A fresh table shaped like the event store (id S, version N) with a KEYS_ONLY-or-wider stream;
    deleted afterwards."""
    created = []

    def create(view_type: str = "NEW_AND_OLD_IMAGES") -> str:
        name = unique_name("stack-smoke")
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=[
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "version", "AttributeType": "N"},
            ],
            KeySchema=[
                {"AttributeName": "id", "KeyType": "HASH"},
                {"AttributeName": "version", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},
        )
        dynamodb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        created.append(name)
        return name

    yield create
    for name in created:
        dynamodb.delete_table(TableName=name)


def read_stream(dynamodb, dynamodb_streams, table: str, until, timeout_seconds: float = 10.0):
    """Reads every shard of the table's stream from TRIM_HORIZON until `until(records)` holds or the
    timeout passes; returns the records in shard order."""
    stream_arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    deadline = time.monotonic() + timeout_seconds
    while True:
        records = []
        shards = dynamodb_streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            iterator = dynamodb_streams.get_shard_iterator(
                StreamArn=stream_arn,
                ShardId=shard["ShardId"],
                ShardIteratorType="TRIM_HORIZON",
            )["ShardIterator"]
            # An open shard always returns a next iterator; stop at the first empty page.
            while iterator:
                page = dynamodb_streams.get_records(ShardIterator=iterator, Limit=1000)
                records.extend(page["Records"])
                if not page["Records"]:
                    break
                iterator = page.get("NextShardIterator")
        if until(records) or time.monotonic() >= deadline:
            return records
        time.sleep(0.2)
