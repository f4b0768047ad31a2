"""`bootstrap audit` on a large topic: throughput (messages read and judged per second) and peak
memory (the audit process's maximum RSS), against the local stack.

It fills a fresh events table, offsets table and topic as a finished dispatch leaves them
(MESSAGES events over AGGREGATES aggregates, each message with the dispatcher's key and headers,
a re-sent suffix every 50 versions), runs `bootstrap audit` once, and prints one result row.
Run with the stack up (tools/stack/stack.sh start && source .stack/env):

    .venv/bin/python bench/audit_bench.py --bootstrap build/ci/src/app/bootstrap \\
        --messages 200000 --aggregates 2000
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

REGION = "us-east-1"


def client(endpoint: str):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="bench", aws_secret_access_key="bench")


def create_tables(dynamodb, events: str, offsets: str) -> None:
    dynamodb.create_table(TableName=events,
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                                     {"AttributeName": "version", "KeyType": "RANGE"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                                {"AttributeName": "version", "AttributeType": "N"}],
                          BillingMode="PAY_PER_REQUEST")
    dynamodb.create_table(TableName=offsets,
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    for table in (events, offsets):
        dynamodb.get_waiter("table_exists").wait(TableName=table)


def batch_write(endpoint: str, table: str, items: list[dict]) -> None:
    dynamodb = client(endpoint)
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
        while requests:
            answer = dynamodb.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--aggregates", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="keep the tables and the topic")
    options = parser.parse_args()
    endpoint = os.environ["STACK_DYNAMODB_ENDPOINT"]
    brokers = os.environ["STACK_KAFKA_BOOTSTRAP"]
    run = uuid.uuid4().hex[:8]
    events, offsets, topic = f"bench-audit-{run}-events", f"bench-audit-{run}-offsets", \
        f"bench-audit-{run}"
    per_aggregate = options.messages // options.aggregates
    dynamodb = client(endpoint)
    create_tables(dynamodb, events, offsets)
    admin = AdminClient({"bootstrap.servers": brokers})
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(30)
    try:
        started = time.monotonic()
        items = [{"id": {"S": f"Order:{a}"}, "version": {"N": str(v)}}
                 for a in range(options.aggregates) for v in range(per_aggregate)]
        chunks = [items[i:i + 5000] for i in range(0, len(items), 5000)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda chunk: batch_write(endpoint, events, chunk), chunks))
        batch_write(endpoint, offsets, [{"id": {"S": f"Order:{a}"},
                                         "version": {"N": str(per_aggregate - 1)}}
                                        for a in range(options.aggregates)])
        producer = Producer({"bootstrap.servers": brokers, "linger.ms": 20,
                             "compression.type": "lz4", "enable.idempotence": True})
        value = b"x" * 200
        sent = 0
        for a in range(options.aggregates):
            key = str(a).encode()
            versions = list(range(per_aggregate))
            for v in range(50, per_aggregate, 50):
                versions[v:v] = [v - 2, v - 1]  # the allowed duplicate: a re-sent suffix
            for v in versions:
                headers = [("messageId", f"{a}-{v}".encode()), ("messageType", b"OrderPlaced"),
                           ("streamType", b"Order"), ("streamId", key),
                           ("version", str(v).encode()), ("timestamp", b"1700000000000")]
                while True:
                    try:
                        producer.produce(topic, key=key, value=value, headers=headers)
                        break
                    except BufferError:  # the local queue is full: let deliveries drain it
                        producer.poll(0.5)
                sent += 1
                if sent % 10_000 == 0:
                    producer.poll(0)
        assert producer.flush(120) == 0
        print(f"filled: {len(items)} events, {sent} messages, {options.aggregates} aggregates in "
              f"{time.monotonic() - started:.1f} s", file=sys.stderr)

        environment = {**os.environ, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "bench",
                       "AWS_SECRET_ACCESS_KEY": "bench", "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
                       "EVENTS_TABLE_NAME": events, "OFFSETS_TABLE_NAME": offsets,
                       "KAFKA_BOOTSTRAP_SERVERS": brokers, "KAFKA_TOPIC_OUTPUT": topic}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.monotonic()
        result = subprocess.run([options.bootstrap, "audit"], env=environment,
                                capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if result.returncode != 0:
            print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
            return 1
        kafka_ms = int(re.search(r"read \d+ messages in (\d+) ms", result.stderr).group(1))
        print(result.stdout.strip().splitlines()[-1])
        print(f"| {sent:,} messages, {options.aggregates:,} aggregates, {len(items):,} events | "
              f"{elapsed:.1f} s whole audit ({sent / elapsed:,.0f} messages/s); Kafka part "
              f"{kafka_ms / 1000:.1f} s ({sent / (kafka_ms / 1000):,.0f} messages/s) | peak RSS "
              f"{peak_kib / 1024:.0f} MiB (before: {before / 1024:.0f} MiB, the harness's own "
              f"children) |")
        return 0
    finally:
        if not options.keep:
            for table in (events, offsets):
                dynamodb.delete_table(TableName=table)
            admin.delete_topics([topic])


if __name__ == "__main__":
    sys.exit(main())
