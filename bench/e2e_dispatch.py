"""End-to-end benchmark over the local stack (docs/benchmarks.md, "End to end").

The bootstrap runs under the real Lambda Runtime Interface Emulator (STACK_RIE) and is invoked
exactly as Lambda invokes it. For each workload (AGGREGATES x EVENTS) it:

  1. creates fresh, stream-less events and offsets tables (DynamoDB Local slows down as stream
     records pile up in a long-lived table; a table without a stream has none) and writes the
     events: 200-byte payloads, three headers, as the seed schema has them;
  2. warms the function up (one invocation: start, connections, producer, topic metadata);
  3. REPEATS times: deletes the offsets items (outside the measurement), reads the bootstrap's CPU
     time, invokes it with one marker record per aggregate (the doorbells), reads the CPU time
     again, and checks that every aggregate's offset reached its last version.

Reported per workload: the dispatcher process's CPU time (user+sys, all threads, from
/proc/PID/task/*/schedstat in ns, cross-checked with /proc/PID/stat ticks) per event, and its share
of the invocation's wall time. With --cold-start N: exec -> first GET /next (a proxy in front of
the RIE runtime API timestamps it; a wrapper stamps the exec). With --rss: peak RSS (VmHWM) of a
`bootstrap handle` of a 10,000-record KEYS_ONLY stream event (10,000 event records over 2,000
aggregates: the marker wave) and of the 1,000 x 5 dispatch.

    source /work/main/.stack/env
    .venv/bin/python bench/e2e_dispatch.py --bootstrap build/bench/src/app/bootstrap \
        [--workloads 100x20,1x5000,1000x5] [--repeats 5] [--cold-start 20] [--rss]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import boto3
from botocore.config import Config
from confluent_kafka.admin import AdminClient, NewTopic

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from esm.function import LambdaFunction, _descendants, _has_environment, free_port  # noqa: E402

REGION = "us-east-1"
ACCESS_KEY = "perf"
SECRET_KEY = "perf-not-a-secret"
PAYLOAD = bytes(range(200))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def dynamodb_client(endpoint: str):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        config=Config(retries={"max_attempts": 10, "mode": "standard"},
                                      max_pool_connections=16))


def create_tables(client, name: str) -> tuple[str, str]:
    events, offsets = f"{name}-events", f"{name}-offsets"
    client.create_table(
        TableName=events,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                              {"AttributeName": "version", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                   {"AttributeName": "version", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST")  # no stream: the benchmark rings the doorbells itself
    client.create_table(
        TableName=offsets,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST")
    for table in (events, offsets):
        client.get_waiter("table_exists").wait(TableName=table,
                                               WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    return events, offsets


def create_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    for future in futures.values():
        future.result(30)


def delete_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.delete_topics([topic]).values():
        try:
            future.result(30)
        except Exception:  # noqa: BLE001 - best effort clean-up
            pass


def batch_write(client, table: str, requests: list[dict]) -> None:
    for start in range(0, len(requests), 25):
        pending = {table: requests[start:start + 25]}
        while pending:
            answer = client.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if pending:
                time.sleep(0.05)


def event_item(stream_id: str, version: int) -> dict:
    return {"PutRequest": {"Item": {
        "id": {"S": f"Order:{stream_id}"},
        "version": {"N": str(version)},
        "streamType": {"S": "Order"},
        "streamId": {"S": stream_id},
        "eventId": {"S": str(uuid.uuid4())},
        "data": {"B": PAYLOAD},
        "timestamp": {"N": str(1_700_000_000_000 + version)},
        "eventType": {"S": "OrderPlaced" if version == 0 else "OrderLineAdded"},
        "headers": {"M": {
            "traceparent": {"S": f"00-{uuid.uuid4().hex}-0123456789abcdef-01"},
            "correlationId": {"S": str(uuid.uuid4())},
            "causationId": {"S": str(uuid.uuid4())}}},
    }}}


def marker_event(aggregate_ids: list[str], first_sequence: int) -> dict:
    records = []
    for index, aggregate_id in enumerate(aggregate_ids):
        records.append({
            "eventID": uuid.uuid4().hex, "eventName": "MODIFY", "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": REGION,
            "dynamodb": {"ApproximateCreationDateTime": time.time(),
                         "Keys": {"id": {"S": aggregate_id}, "version": {"N": "-1001"}},
                         "SequenceNumber": str(first_sequence + index), "SizeBytes": 60,
                         "StreamViewType": "KEYS_ONLY"},
            "eventSourceARN": f"arn:aws:dynamodb:{REGION}:000000000000:table/perf/stream/x"})
    return {"Records": records}


def cpu_ns(pid: int) -> tuple[int, int]:
    """(sum of the threads' schedstat run time in ns, utime+stime of /proc/PID/stat in ns)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError):
            pass
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return total, ticks * 1_000_000_000 // CLOCK_TICKS


def runtime_pid(function: LambdaFunction) -> int:
    marker = function._marker  # noqa: SLF001 - the emulator helper's own way to find its runtime
    for pid in _descendants(function._process.pid):  # noqa: SLF001
        if _has_environment(pid, marker):
            return pid
    raise RuntimeError("the bootstrap process was not found under the emulator")


def function_environment(stack: dict, events: str, offsets: str, topic: str) -> dict:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": stack["STACK_KAFKA_BOOTSTRAP"],
        "KAFKA_CLIENT_ID": "perf-bench",
        "KAFKA_TOPIC_OUTPUT": topic,
        "EVENTS_TABLE_NAME": events,
        "OFFSETS_TABLE_NAME": offsets,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_ENDPOINT_URL_DYNAMODB": stack["STACK_DYNAMODB_ENDPOINT"],
        "LOG_LEVEL": "warn",
        **{k: v for k, v in os.environ.items() if k.startswith("DISPATCHER_")},
    }


def check_offsets(client, offsets: str, aggregate_ids: list[str], last_version: int) -> None:
    for start in range(0, len(aggregate_ids), 100):
        keys = [{"id": {"S": a}} for a in aggregate_ids[start:start + 100]]
        found = {}
        while keys:
            answer = client.batch_get_item(
                RequestItems={offsets: {"Keys": keys, "ConsistentRead": True}})
            for item in answer["Responses"].get(offsets, []):
                found[item["id"]["S"]] = int(item["version"]["N"])
            keys = answer.get("UnprocessedKeys", {}).get(offsets, {}).get("Keys", [])
        for aggregate_id in aggregate_ids[start:start + 100]:
            if found.get(aggregate_id) != last_version:
                raise RuntimeError(f"{aggregate_id}: offset {found.get(aggregate_id)}, "
                                   f"expected {last_version}: not every event was dispatched")


def clear_offsets(client, offsets: str, aggregate_ids: list[str]) -> None:
    batch_write(client, offsets, [{"DeleteRequest": {"Key": {"id": {"S": a}}}}
                                  for a in aggregate_ids])


def run_workload(args, stack, client, aggregates: int, events_per_aggregate: int, log) -> dict:
    name = f"perf-e2e-{aggregates}x{events_per_aggregate}-{uuid.uuid4().hex[:8]}"
    events_table, offsets_table = create_tables(client, name)
    topic = f"{name}-out"
    create_topic(stack["STACK_KAFKA_BOOTSTRAP"], topic)
    stream_ids = [f"{uuid.uuid4().hex[:12]}-{i}" for i in range(aggregates)]
    aggregate_ids = [f"Order:{s}" for s in stream_ids]
    writes = [event_item(s, v) for s in stream_ids for v in range(events_per_aggregate)]
    writes.append(event_item("warm-up", 0))
    batch_write(client, events_table, writes)
    total_events = aggregates * events_per_aggregate
    function = LambdaFunction([args.bootstrap],
                              function_environment(stack, events_table, offsets_table, topic),
                              log, name="bench", rie=stack["STACK_RIE"], timeout_seconds=120)
    function.start()
    samples = []
    try:
        warm = function.invoke(marker_event(["Order:warm-up"], 10))
        if warm.function_error:
            raise RuntimeError(f"warm-up failed: {warm.function_error}")
        pid = runtime_pid(function)
        for repeat in range(args.repeats):
            clear_offsets(client, offsets_table, aggregate_ids)
            event = marker_event(aggregate_ids, 1000 + repeat * 100000)
            before = cpu_ns(pid)
            result = function.invoke(event)
            after = cpu_ns(pid)
            if result.function_error or (result.payload or {}).get("batchItemFailures"):
                raise RuntimeError(f"invocation failed: {result.function_error or result.payload}")
            check_offsets(client, offsets_table, aggregate_ids, events_per_aggregate - 1)
            cpu = after[0] - before[0]
            samples.append({"cpu_ns": cpu, "stat_cpu_ns": after[1] - before[1],
                            "wall_s": result.seconds})
        status = Path(f"/proc/{pid}/status").read_text()
        hwm_kb = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1])
    finally:
        function.stop()
        for table in (events_table, offsets_table):
            client.delete_table(TableName=table)
        delete_topic(stack["STACK_KAFKA_BOOTSTRAP"], topic)
    cpu = statistics.median(s["cpu_ns"] for s in samples)
    wall = statistics.median(s["wall_s"] for s in samples)
    return {"workload": f"{aggregates}x{events_per_aggregate}", "events": total_events,
            "cpu_us_per_event": round(cpu / total_events / 1000, 2),
            "cpu_us_per_event_min": round(min(s["cpu_ns"] for s in samples) / total_events / 1000, 2),
            "stat_cpu_ms": [round(s["stat_cpu_ns"] / 1e6) for s in samples],
            "wall_ms": round(wall * 1000, 1),
            "cpu_share_percent": round(100 * cpu / 1e9 / wall, 1),
            "peak_rss_mb": round(hwm_kb / 1024, 1),
            "repeats": len(samples), "tables": "fresh, stream-less"}


class FirstNextProxy:
    """Forwards the runtime API and remembers when the first GET .../invocation/next arrived."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.first_next: float | None = None
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source, sink, inspect: bool) -> None:
        try:
            while data := source.recv(65536):
                if inspect and self.first_next is None and b"/invocation/next" in data:
                    self.first_next = time.time()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._server.close()


def cold_start(args, stack, client, log) -> dict:
    name = f"perf-cold-{uuid.uuid4().hex[:8]}"
    events_table, offsets_table = create_tables(client, name)
    samples = []
    try:
        for _ in range(args.cold_start):
            with tempfile.TemporaryDirectory() as scratch:
                stamp = Path(scratch) / "exec"
                wrapper = Path(scratch) / "wrapper.sh"
                function = LambdaFunction([str(wrapper)], function_environment(
                    stack, events_table, offsets_table, f"{name}-out"), log, name="cold",
                    rie=stack["STACK_RIE"])
                proxy = FirstNextProxy(function.runtime_api_port)
                # The wrapper stamps the time just before exec (python's time.time() is the same
                # clock), then points the runtime at the proxy.
                wrapper.write_text(
                    "#!/bin/sh\n"
                    f"date +%s.%N > {stamp}\n"
                    f"export AWS_LAMBDA_RUNTIME_API=127.0.0.1:{proxy.port}\n"
                    f"exec {Path(args.bootstrap).resolve()} \"$@\"\n")
                wrapper.chmod(0o755)
                function.start()
                try:
                    result = function.invoke(marker_event([], 1))
                    if result.function_error:
                        raise RuntimeError(f"cold start invocation failed: {result.function_error}")
                    exec_at = float(stamp.read_text())
                    samples.append((proxy.first_next - exec_at) * 1000)
                finally:
                    function.stop()
                    proxy.close()
    finally:
        for table in (events_table, offsets_table):
            client.delete_table(TableName=table)
    return {"cold_start_ms_median": round(statistics.median(samples), 1),
            "cold_start_ms_min": round(min(samples), 1), "runs": len(samples)}


def handle_rss(args, stack, client) -> dict:
    """Peak RSS of `bootstrap handle` for a 10,000-record KEYS_ONLY event of event records (the
    marker wave: 2,000 aggregates x 5 records)."""
    name = f"perf-rss-{uuid.uuid4().hex[:8]}"
    events_table, offsets_table = create_tables(client, name)
    try:
        records = []
        for index in range(10000):
            records.append({
                "eventID": str(index), "eventName": "INSERT", "eventVersion": "1.1",
                "eventSource": "aws:dynamodb", "awsRegion": REGION,
                "dynamodb": {"Keys": {"id": {"S": f"Order:rss-{index % 2000}"},
                                      "version": {"N": str(index // 2000)}},
                             "SequenceNumber": str(10**20 + index), "SizeBytes": 60,
                             "StreamViewType": "KEYS_ONLY"},
                "eventSourceARN": f"arn:aws:dynamodb:{REGION}:000000000000:table/perf/stream/x"})
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump({"Records": records}, file)
        env = {**os.environ, **function_environment(stack, events_table, offsets_table,
                                                     f"{name}-out")}
        completed = subprocess.run(["/usr/bin/time", "-f", "%M %e %U %S", args.bootstrap,
                                    "handle", "--event", file.name], env=env,
                                   capture_output=True, text=True, timeout=300)
        os.unlink(file.name)
        if completed.returncode != 0:
            raise RuntimeError(f"bootstrap handle failed: {completed.stderr[-2000:]}")
        answer = json.loads(completed.stdout)
        if answer.get("batchItemFailures"):
            raise RuntimeError(f"bootstrap handle reported failures: {answer}")
        rss_kb, wall, user, system = completed.stderr.strip().splitlines()[-1].split()
        return {"handle_10000_records_peak_rss_mb": round(int(rss_kb) / 1024, 1),
                "handle_wall_s": float(wall), "handle_cpu_s": round(float(user) + float(system), 2)}
    finally:
        for table in (events_table, offsets_table):
            client.delete_table(TableName=table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--workloads", default="100x20,1x5000,1000x5")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cold-start", type=int, default=0)
    parser.add_argument("--rss", action="store_true")
    parser.add_argument("--log", default="/tmp/perf-e2e-bench.log")
    args = parser.parse_args()
    stack = {name: os.environ[name] for name in
             ("STACK_DYNAMODB_ENDPOINT", "STACK_KAFKA_BOOTSTRAP", "STACK_RIE")}
    client = dynamodb_client(stack["STACK_DYNAMODB_ENDPOINT"])
    results = []
    with open(args.log, "ab") as log:
        for workload in filter(None, args.workloads.split(",")):
            aggregates, events = (int(part) for part in workload.split("x"))
            results.append(run_workload(args, stack, client, aggregates, events, log))
            print(json.dumps(results[-1]), flush=True)
        if args.cold_start:
            print(json.dumps(cold_start(args, stack, client, log)), flush=True)
    if args.rss:
        print(json.dumps(handle_rss(args, stack, client)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
