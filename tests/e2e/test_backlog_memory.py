"""A backlog far larger than the function's memory (a first deployment over an existing store, a
catch-up after an outage) is dispatched by a bootstrap confined to a 128 MB Lambda's memory: over
several invocations, in order, with nothing lost, and its peak RSS stays under the limit.

The bootstrap runs under the Lambda Runtime Interface Emulator behind the event source mapping
emulator (tools/esm), with AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 and no byte budget of its own: the
default budget (DISPATCHER_MAX_READ_BYTES, a sixth of the function's memory) is what is tested.
The process is put in a memory cgroup limited to 128 MiB when this machine allows it (root and
the cgroup v1 memory controller), so exceeding the limit kills it; its VmHWM is asserted either
way."""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

from esm import MappedFunction, MappingSettings  # noqa: E402
from support import checks, eventstore, kafka  # noqa: E402

MEMORY_MB = 128
AGGREGATES = 100
EVENTS_PER_AGGREGATE = 25
PAYLOAD_BYTES = 200_000  # 100 x 25 x 200 KB = 500 MB
PARTITIONS = 3
CGROUP_ROOT = Path("/sys/fs/cgroup/memory")


class VersionCounter:
    """Reads the topic in the background keeping only (key, version) per message, so a 500 MB
    topic costs the test almost nothing."""

    def __init__(self, bootstrap: str, topic: str):
        self._consumer = Consumer({"bootstrap.servers": bootstrap,
                                   "group.id": f"e2e-backlog-{uuid.uuid4().hex[:8]}",
                                   "enable.auto.commit": False,
                                   "auto.offset.reset": "earliest",
                                   "fetch.max.bytes": 8 << 20})
        self._consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING)
                               for p in range(PARTITIONS)])
        self.versions: dict[str, list[int]] = defaultdict(list)
        self.partitions: dict[str, set[int]] = defaultdict(set)
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for message in self._consumer.consume(500, 0.2):
                if message.error():
                    continue
                key = (message.key() or b"").decode()
                headers = dict(message.headers() or ())
                self.versions[key].append(int(headers["version"]))
                self.partitions[key].add(message.partition())
                self.count += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._consumer.close()


class MemoryCage:
    """A wrapper command that puts the bootstrap into a memory cgroup (when possible) and records
    its PID; peak() is the highest VmHWM seen."""

    def __init__(self, tmp_path: Path, bootstrap: str):
        self.pid_file = tmp_path / "bootstrap.pid"
        self.cgroup: Path | None = CGROUP_ROOT / f"dispatcher-e2e-{uuid.uuid4().hex[:8]}"
        try:
            self.cgroup.mkdir()
            (self.cgroup / "memory.limit_in_bytes").write_text(str(MEMORY_MB << 20))
            (self.cgroup / "memory.swappiness").write_text("0")
        except OSError:
            if self.cgroup.exists():
                self.cgroup.rmdir()
            self.cgroup = None
        enter = (f'echo $$ > "{self.cgroup}/cgroup.procs"\n' if self.cgroup else "")
        self.command = tmp_path / "caged-bootstrap"
        self.command.write_text(f'#!/bin/sh\n{enter}echo $$ > "{self.pid_file}"\n'
                                f'exec "{bootstrap}" "$@"\n')
        self.command.chmod(self.command.stat().st_mode | stat.S_IXUSR)
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, self._vm_hwm())
            time.sleep(0.1)

    def _vm_hwm(self) -> int:
        try:
            pid = int(self.pid_file.read_text())
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def oom_kills(self) -> int:
        if not self.cgroup:
            return 0
        for line in (self.cgroup / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        if self.cgroup and self.cgroup.exists():
            try:
                self.cgroup.rmdir()
            except OSError:
                pass


def write_backlog(dynamodb, table: str, stream_ids: list[str]) -> int:
    written = 0
    with_resource = dynamodb  # the low-level client: BatchWriteItem in chunks of 25 (<16 MB)
    for version in range(EVENTS_PER_AGGREGATE):
        items = []
        for stream_id in stream_ids:
            items.append({"PutRequest": {"Item": {
                "id": {"S": f"Backlog:{stream_id}"},
                "version": {"N": str(version)},
                "streamType": {"S": "Backlog"},
                "streamId": {"S": stream_id},
                "eventId": {"S": str(uuid.uuid4())},
                "data": {"B": os.urandom(PAYLOAD_BYTES)},
                "timestamp": {"N": str(int(time.time() * 1000))},
                "eventType": {"S": "BacklogFilled"},
                "headers": {"M": {}},
            }}})
        for start in range(0, len(items), 25):
            pending = {table: items[start:start + 25]}
            while pending:
                answer = with_resource.batch_write_item(RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}
            written += min(25, len(items) - start)
    return written


def test_backlog_of_500_mb_is_dispatched_within_a_128_mb_function(stack, aws, dynamodb, bootstrap,
                                                                  tmp_path):
    name = f"e2e-backlog-{uuid.uuid4().hex[:8]}"
    events_table, offsets_table, topic = f"{name}-events", f"{name}-offsets", f"{name}-out"
    eventstore.create_events_table(dynamodb, events_table, "KEYS_ONLY")
    eventstore.create_offsets_table(dynamodb, offsets_table)
    kafka.create_topic(stack["STACK_KAFKA_BOOTSTRAP"], topic, partitions=PARTITIONS)
    stream_ids = [f"b{i:03d}" for i in range(AGGREGATES)]
    cage = MemoryCage(tmp_path, bootstrap[0])
    counter = None
    try:
        started = time.monotonic()
        written = write_backlog(dynamodb, events_table, stream_ids)
        write_seconds = time.monotonic() - started
        assert written == AGGREGATES * EVENTS_PER_AGGREGATE
        counter = VersionCounter(stack["STACK_KAFKA_BOOTSTRAP"], topic)
        environment = {
            "KAFKA_BOOTSTRAP_SERVERS": stack["STACK_KAFKA_BOOTSTRAP"],
            "KAFKA_CLIENT_ID": name,
            "KAFKA_TOPIC_OUTPUT": topic,
            "EVENTS_TABLE_NAME": events_table,
            "OFFSETS_TABLE_NAME": offsets_table,
            "AWS_REGION": aws.region,
            "AWS_ACCESS_KEY_ID": aws.access_key,
            "AWS_SECRET_ACCESS_KEY": aws.secret_key,
            "AWS_ENDPOINT_URL_DYNAMODB": aws.endpoint_url,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(MEMORY_MB),
            "LOG_LEVEL": "info",
        }
        dispatch_started = time.monotonic()
        with MappedFunction(command=[str(cage.command)], environment=environment, aws=aws,
                            table_name=events_table, log_dir=tmp_path / "esm",
                            settings=MappingSettings(batch_size=100, maximum_retry_attempts=-1),
                            pool_size=1, rie=stack["STACK_RIE"]) as mapped:
            deadline = time.monotonic() + 1200
            total = AGGREGATES * EVENTS_PER_AGGREGATE
            while time.monotonic() < deadline:
                offsets = [eventstore.offset_of(dynamodb, offsets_table, f"Backlog:{s}")
                           for s in stream_ids]
                if all(offset == EVENTS_PER_AGGREGATE - 1 for offset in offsets):
                    break
                assert cage.oom_kills() == 0, "the bootstrap went over 128 MiB and was killed"
                time.sleep(1)
            dispatch_seconds = time.monotonic() - dispatch_started
            invocations = mapped.mapping.stats.invocations
            deadline = time.monotonic() + 120
            while counter.count < total and time.monotonic() < deadline:
                time.sleep(0.5)
        peak_mib = cage.peak_kib / 1024
        print(f"backlog: {written} events, {written * PAYLOAD_BYTES / 1e6:.0f} MB written in "
              f"{write_seconds:.1f} s; dispatched in {dispatch_seconds:.1f} s over {invocations} "
              f"invocations; peak RSS {peak_mib:.1f} MiB of {MEMORY_MB}; cgroup "
              f"{'enforced' if cage.cgroup else 'not available (VmHWM only)'}; "
              f"{counter.count} messages read")
        assert cage.oom_kills() == 0, "the bootstrap went over 128 MiB and was killed"
        problems = []
        for stream_id in stream_ids:
            problems += checks.order_problems(stream_id, counter.versions.get(stream_id, []), 0,
                                              EVENTS_PER_AGGREGATE - 1, allow_resend=True)
            if len(counter.partitions.get(stream_id, ())) > 1:
                problems.append(f"{stream_id}: spread over partitions {counter.partitions[stream_id]}")
        assert problems == [], "\n".join(problems[:20])
        assert invocations > 2, "the backlog should need several invocations"
        assert 0 < peak_mib < MEMORY_MB, f"peak RSS {peak_mib:.1f} MiB"
    finally:
        if counter:
            counter.stop()
        cage.close()
        eventstore.delete_table(dynamodb, events_table)
        eventstore.delete_table(dynamodb, offsets_table)
        kafka.delete_topic(stack["STACK_KAFKA_BOOTSTRAP"], topic)
