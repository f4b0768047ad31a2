"""The `make demo` workload: concurrent writers append events to dozens of aggregates of a fresh
events table (some versions written out of order by different writers, one gap filled a few
seconds later, a second round to aggregates already dispatched) while the dispatcher runs; then
reads the topic back and checks, per aggregate, that versions arrived in order and complete.

Run by tools/demo/demo.sh after the local stack is up (.stack/env sourced). Exit status: 0 when
every guarantee held, 1 when one was broken, 2 when the demo itself could not run."""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
GAP_DELAY_SECONDS = 5.0
GAP_VERSION = 2


@dataclass
class Profile:
    aggregates: int
    writers: int
    min_events: int
    max_events: int
    second_round_share: float
    timeout_seconds: float
    write_pause: tuple[float, float]  # seconds between two writes of a writer: people can follow


PROFILES = {
    "full": Profile(aggregates=40, writers=6, min_events=3, max_events=9, second_round_share=0.5,
                    timeout_seconds=75, write_pause=(0.05, 0.15)),
    "short": Profile(aggregates=12, writers=4, min_events=3, max_events=5, second_round_share=0.5,
                     timeout_seconds=60, write_pause=(0.0, 0.02)),
}


def environment_value(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        print(f"demo: {name} is not set: run through tools/demo/demo.sh (or source .stack/env)",
              file=sys.stderr)
        sys.exit(2)
    return value


def dynamodb_client(endpoint: str):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="demo", aws_secret_access_key="demo")


def create_tables(client, events_table: str, offsets_table: str) -> None:
    client.create_table(
        TableName=events_table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                   {"AttributeName": "version", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                              {"AttributeName": "version", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    client.create_table(
        TableName=offsets_table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    for table in (events_table, offsets_table):
        client.get_waiter("table_exists").wait(TableName=table,
                                               WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


def create_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    futures = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    for future in futures.values():
        future.result(timeout=30)


def event_item(aggregate: str, version: int, writer: int) -> dict:
    stream_id = aggregate.split(":", 1)[1]
    payload = json.dumps({"aggregate": aggregate, "version": version, "writer": writer})
    return {
        "id": {"S": aggregate},
        "version": {"N": str(version)},
        "streamType": {"S": "Order"},
        "streamId": {"S": stream_id},
        "eventId": {"S": str(uuid.uuid4())},
        "data": {"B": payload.encode()},
        "timestamp": {"N": str(int(time.time() * 1000))},
        "eventType": {"S": "OrderLineAdded" if version else "OrderPlaced"},
        "headers": {"M": {"writer": {"S": f"writer-{writer}"}}},
    }


@dataclass
class Write:
    aggregate: str
    version: int
    signal: threading.Event | None = None   # set after this write (an "early" N+1)
    wait_for: threading.Event | None = None  # wait before this write (the "late" N)


@dataclass
class Plan:
    """Which versions each aggregate gets in each round, and who writes what."""
    round_one: dict[str, int] = field(default_factory=dict)  # aggregate -> number of events
    round_two: dict[str, int] = field(default_factory=dict)  # aggregate -> extra events
    swapped: list[str] = field(default_factory=list)          # N+1 written before N
    gap_aggregate: str = ""

    def expected(self) -> dict[str, int]:
        return {a: self.round_one[a] + self.round_two.get(a, 0) for a in self.round_one}


def make_plan(profile: Profile, rng: random.Random, run_id: str) -> Plan:
    plan = Plan()
    names = [f"Order:{run_id}-{index:02d}" for index in range(profile.aggregates)]
    for name in names:
        plan.round_one[name] = rng.randint(profile.min_events, profile.max_events)
    plan.gap_aggregate = names[0]
    plan.round_one[plan.gap_aggregate] = max(plan.round_one[plan.gap_aggregate], GAP_VERSION + 2)
    plan.swapped = [name for index, name in enumerate(names) if index % 4 == 1]
    for name in rng.sample(names, int(len(names) * profile.second_round_share)):
        plan.round_two[name] = rng.randint(1, 3)
    return plan


def writer_queues(plan: Plan, writers: int, rng: random.Random) -> list[list[Write]]:
    """Round one, spread over the writers. A swapped aggregate's version 1 is written by one
    writer before its version 0 by another: early writes head their queue and only signal, late
    writes wait, so no cycle of waits can form. The gap aggregate's versions head its writer's
    queue, without the gap version (written later)."""
    queues: list[list[Write]] = [[] for _ in range(writers)]
    early: list[list[Write]] = [[] for _ in range(writers)]
    for index, (aggregate, count) in enumerate(plan.round_one.items()):
        owner = index % writers
        if aggregate == plan.gap_aggregate:
            # Written first, in order, all but the gap version: the hold is visible at once.
            early[owner].extend(Write(aggregate, version) for version in range(count)
                                if version != GAP_VERSION)
            continue
        for version in range(count):
            queues[owner].append(Write(aggregate, version))
        if aggregate in plan.swapped:
            written_first = threading.Event()
            other = (owner + 1) % writers
            queues[owner] = [w for w in queues[owner]
                             if not (w.aggregate == aggregate and w.version == 1)]
            early[other].append(Write(aggregate, 1, signal=written_first))
            for write in queues[owner]:
                if write.aggregate == aggregate and write.version == 0:
                    write.wait_for = written_first
    for queue in queues:
        rng.shuffle(queue)
    return [early[i] + queues[i] for i in range(writers)]


class Progress:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.written = 0
        self.swapped_writes: list[str] = []

    def add_written(self) -> None:
        with self.lock:
            self.written += 1


class TopicReader(threading.Thread):
    """Reads every message of the topic from the beginning while the demo runs."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self.consumer = Consumer({"bootstrap.servers": bootstrap,
                                  "group.id": f"demo-reader-{uuid.uuid4()}",
                                  "auto.offset.reset": "earliest",
                                  "enable.auto.commit": False})
        self.topic = topic
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        try:
            self.consumer.subscribe([self.topic])
            while not self.stopping.is_set():
                message = self.consumer.poll(0.2)
                if message is None:
                    continue
                if message.error():
                    continue
                headers = {name: value.decode() for name, value in (message.headers() or [])}
                with self.lock:
                    self.messages.append({"key": message.key().decode(),
                                          "partition": message.partition(),
                                          "version": int(headers["version"]),
                                          "aggregate": f"{headers['streamType']}:"
                                                       f"{headers['streamId']}",
                                          "message_id": headers["messageId"]})
        except (KafkaException, KeyError, ValueError) as error:
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.consumer.close()

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.messages)


def held_aggregates(bootstrap_binary: str, environment: dict[str, str]) -> dict[str, int] | None:
    """Held aggregates and the version each waits for, as `bootstrap status` sees them (the
    operator command, live); None when it could not tell."""
    result = subprocess.run([bootstrap_binary, "status", "--json", "--segments", "2"],
                            env=environment, capture_output=True, text=True, timeout=20,
                            check=False)
    if result.returncode not in (0, 3):
        return None
    return {a["id"]: a["hold"]["version"] for a in json.loads(result.stdout)["aggregates"]
            if a["hold"] is not None}


def run_audit(bootstrap_binary: str, environment: dict[str, str],
              log_dir: Path) -> tuple[int, str]:
    """The dispatcher's own audit (`bootstrap audit`): the topic read back and compared with the
    events and offsets tables. Its exit code (0: complete and in order) and summary line."""
    result = subprocess.run([bootstrap_binary, "audit", "--segments", "2"], env=environment,
                            capture_output=True, text=True, timeout=120, check=False)
    (log_dir / "audit.log").write_text(result.stdout + result.stderr)
    lines = [line for line in result.stdout.splitlines() if line.startswith("audited ")]
    if lines:
        return result.returncode, lines[-1]
    return result.returncode or 1, (result.stderr.strip().splitlines() or ["no output"])[-1]


class Dispatcher:
    """The dispatcher under demonstration: the standalone runner (`bootstrap run`), or the
    Lambda event source mapping emulator (tools/esm) when --engine esm."""

    def __init__(self, engine: str, binary: str, environment: dict[str, str], events_table: str,
                 log_dir: Path, keep: bool) -> None:
        self.engine = engine
        self.log_path = log_dir / ("runner.log" if engine == "runner" else "esm.log")
        self.process: subprocess.Popen | None = None
        self.mapped = None
        if engine == "runner":
            log = open(self.log_path, "wb")  # noqa: SIM115 - kept open for the child
            self.process = subprocess.Popen([binary, "run", "--poll-interval-ms", "100"],
                                            env=environment, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=keep)
        else:
            sys.path.insert(0, str(REPO / "tools"))
            from esm import AwsTarget, MappedFunction  # noqa: PLC0415 - only for this engine
            aws = AwsTarget(environment["AWS_ENDPOINT_URL_DYNAMODB"], REGION, "demo", "demo")
            function_environment = {k: v for k, v in environment.items()
                                    if k.startswith(("KAFKA_", "OFFSETS_", "DISPATCHER_",
                                                     "LOG_"))}
            self.mapped = MappedFunction(command=[binary], environment=function_environment,
                                         aws=aws, table_name=events_table, log_dir=log_dir)
            self.mapped.start()

    def alive(self) -> bool:
        return self.process is None or self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.mapped is not None:
            self.mapped.stop()


def versions_text(versions: list[int]) -> str:
    if not versions:
        return "-"
    if versions == list(range(versions[0], versions[-1] + 1)):
        return f"{versions[0]}..{versions[-1]}"
    return ",".join(str(v) for v in versions[:8]) + ("..." if len(versions) > 8 else "")


def verdict_rows(plan: Plan, messages: list[dict]) -> tuple[list[tuple], list[str], int]:
    """Per aggregate: (aggregate, events, versions, in order, complete); broken guarantees;
    duplicates (re-sends a consumer drops by messageId)."""
    by_aggregate: dict[str, list[dict]] = {}
    for message in messages:
        by_aggregate.setdefault(message["aggregate"], []).append(message)
    expected = plan.expected()
    rows, broken, duplicates = [], [], 0
    for aggregate, count in expected.items():
        received = by_aggregate.pop(aggregate, [])
        seen: set[str] = set()
        first_delivery: list[int] = []
        for message in received:
            if message["message_id"] in seen:
                duplicates += 1
                continue
            seen.add(message["message_id"])
            first_delivery.append(message["version"])
        in_order = all(a < b for a, b in zip(first_delivery, first_delivery[1:]))
        complete = sorted(first_delivery) == list(range(count))
        one_partition = len({m["partition"] for m in received}) <= 1
        rows.append((aggregate, len(first_delivery), versions_text(first_delivery),
                     "yes" if in_order else "NO", "yes" if complete else "NO"))
        if not in_order:
            broken.append(f"{aggregate}: out of order {first_delivery}")
        if not complete:
            broken.append(f"{aggregate}: expected versions 0..{count - 1}, got {first_delivery}")
        if not one_partition:
            broken.append(f"{aggregate}: spread over several partitions")
    for aggregate in by_aggregate:
        broken.append(f"{aggregate}: messages for an aggregate nobody wrote")
    return rows, broken, duplicates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", required=True, help="the bootstrap binary")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--engine", choices=["runner", "esm"], default="runner")
    parser.add_argument("--keep", action="store_true",
                        help="leave the runner and the tables; print kcat commands")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--log-dir", default=None)
    options = parser.parse_args()
    profile = PROFILES[options.profile]
    rng = random.Random(options.seed)
    run_id = uuid.uuid4().hex[:6]

    endpoint = environment_value("STACK_DYNAMODB_ENDPOINT")
    bootstrap_servers = environment_value("STACK_KAFKA_BOOTSTRAP")
    events_table, offsets_table = f"demo-events-{run_id}", f"demo-offsets-{run_id}"
    topic = f"demo-orders-{run_id}"
    log_dir = Path(options.log_dir or tempfile.mkdtemp(prefix=f"demo-{run_id}-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": endpoint,
        "EVENTS_TABLE_NAME": events_table, "OFFSETS_TABLE_NAME": offsets_table,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers, "KAFKA_TOPIC_OUTPUT": topic,
        "KAFKA_CLIENT_ID": "ddb-eventstore-dispatcher-demo",
    }

    started = time.monotonic()
    client = dynamodb_client(endpoint)
    print(f"demo: tables {events_table} / {offsets_table}, topic {topic} (3 partitions), "
          f"engine {options.engine}, logs in {log_dir}")
    create_tables(client, events_table, offsets_table)
    create_topic(bootstrap_servers, topic)
    reader = TopicReader(bootstrap_servers, topic)
    reader.start()
    dispatcher = Dispatcher(options.engine, options.bootstrap, environment, events_table, log_dir,
                            options.keep)
    try:
        plan = make_plan(profile, rng, run_id)
        progress = Progress()
        expected_total = sum(plan.expected().values())
        print(f"demo: {len(plan.round_one)} aggregates, {profile.writers} concurrent writers, "
              f"{expected_total} events; {len(plan.swapped)} aggregates get version 1 before 0 "
              f"from another writer; {plan.gap_aggregate} misses version {GAP_VERSION} for "
              f"{GAP_DELAY_SECONDS:.0f} s; {len(plan.round_two)} get a second round")
        print("demo: each writer writes in shuffled order; an aggregate is held (not published "
              "past) while a lower version is missing")

        failures: list[str] = []

        def write(item: dict) -> None:
            try:
                client_for_thread = thread_clients.setdefault(threading.get_ident(),
                                                              dynamodb_client(endpoint))
                client_for_thread.put_item(TableName=events_table, Item=item)
                progress.add_written()
            except Exception as error:  # noqa: BLE001 - reported in the verdict
                failures.append(f"write failed: {error}")

        thread_clients: dict[int, object] = {}

        def run_writer(index: int, queue: list[Write]) -> None:
            for job in queue:
                if job.wait_for is not None and not job.wait_for.wait(timeout=30):
                    failures.append(f"writer {index}: the early write of {job.aggregate} "
                                    "never came")
                write(event_item(job.aggregate, job.version, index))
                if job.signal is not None:
                    job.signal.set()
                time.sleep(rng.uniform(*profile.write_pause))

        def fill_gap() -> None:
            time.sleep(GAP_DELAY_SECONDS)
            write(event_item(plan.gap_aggregate, GAP_VERSION, 99))
            print(f"\ndemo: wrote the missing version {GAP_VERSION} of {plan.gap_aggregate}")

        threads = [threading.Thread(target=run_writer, args=(i, q), daemon=True)
                   for i, q in enumerate(writer_queues(plan, profile.writers, rng))]
        threads.append(threading.Thread(target=fill_gap, daemon=True))
        for thread in threads:
            thread.start()

        round_two_started = False
        round_one_total = sum(plan.round_one.values())
        deadline = time.monotonic() + profile.timeout_seconds
        next_status = 0.0
        held: dict[str, int] | None = None
        gap_seen_held = False
        last_line = ""
        while time.monotonic() < deadline:
            dispatched = reader.count()
            if time.monotonic() >= next_status:
                held = held_aggregates(options.bootstrap, environment)
                gap_seen_held |= (held or {}).get(plan.gap_aggregate) == GAP_VERSION
                next_status = time.monotonic() + 1.0
            line = (f"[{time.monotonic() - started:5.1f}s] written {progress.written:4d}/"
                    f"{expected_total}  dispatched {dispatched:4d}  held aggregates "
                    f"{'?' if held is None else len(held)}")
            if line != last_line:
                print(line, flush=True)
                last_line = line
            if not dispatcher.alive():
                failures.append(f"the dispatcher stopped; see {dispatcher.log_path}")
                break
            if not round_two_started and dispatched >= round_one_total:
                round_two_started = True
                print("demo: round one dispatched; second round to aggregates already dispatched")
                # The same writers again, concurrently; each aggregate's new versions in order.
                extra: list[list[Write]] = [[] for _ in range(profile.writers)]
                for index, (aggregate, count) in enumerate(plan.round_two.items()):
                    base = plan.round_one[aggregate]
                    extra[index % profile.writers].extend(
                        Write(aggregate, base + k) for k in range(count))
                for index, queue in enumerate(extra):
                    second = threading.Thread(target=run_writer, args=(index, queue),
                                              daemon=True)
                    second.start()
                    threads.append(second)
            if round_two_started and dispatched >= expected_total and \
                    progress.written >= expected_total:
                break
            time.sleep(0.5)
        # A short quiet period catches duplicates or strays that would arrive after the last one.
        time.sleep(1.0)
        reader.stopping.set()
        reader.join(timeout=10)
        if reader.error:
            failures.append(f"topic reader: {reader.error}")

        rows, broken, duplicates = verdict_rows(plan, reader.snapshot())
        broken = failures + broken
        audit_code, audit_line = run_audit(options.bootstrap, environment, log_dir)
        if audit_code != 0:
            broken.append(f"bootstrap audit (exit {audit_code}): {audit_line}")
        widths = [max(len(str(row[i])) for row in rows + [("AGGREGATE", "EVENTS", "VERSIONS",
                                                            "IN ORDER", "COMPLETE")])
                  for i in range(5)]
        print()
        for row in [("AGGREGATE", "EVENTS", "VERSIONS", "IN ORDER", "COMPLETE")] + rows:
            print("  ".join(str(value).ljust(widths[i]) for i, value in enumerate(row)).rstrip())
        elapsed = time.monotonic() - started
        delivered = sum(row[1] for row in rows)
        gap_note = (f"{plan.gap_aggregate} held at version {GAP_VERSION} while it was missing"
                    if gap_seen_held else "the gap was filled before status saw it held")
        print(f"\nbootstrap audit: {audit_line}")
        if broken:
            print(f"\nVERDICT: FAIL - {len(broken)} broken guarantee(s) after {elapsed:.1f} s:")
            for problem in broken[:20]:
                print(f"  - {problem}")
        else:
            print(f"\nVERDICT: PASS - bootstrap audit found every event in Kafka, in order; "
                  f"{len(rows)} aggregates, {expected_total} events written by "
                  f"{profile.writers} writers (some out of order), {delivered} delivered in "
                  f"version order and complete; {gap_note}; "
                  f"{duplicates} duplicate(s); {elapsed:.1f} s")

        if options.keep:
            pid = dispatcher.process.pid if dispatcher.process else None
            print("\nKEEP: the stack and the dispatcher keep running. Look at the topic with:")
            print(f"  kcat -b {bootstrap_servers} -t {topic} -C -e -f "
                  "'partition %p offset %o key %k headers %h\\n'")
            print(f"  kcat -b {bootstrap_servers} -L -t {topic}")
            print(f"  EVENTS_TABLE_NAME={events_table} OFFSETS_TABLE_NAME={offsets_table} "
                  f"AWS_REGION={REGION} AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo "
                  f"AWS_ENDPOINT_URL_DYNAMODB={endpoint} {options.bootstrap} status")
            if pid:
                print(f"  stop the runner: kill {pid}   (logs: {dispatcher.log_path})")
            print("  stop the stack:  make stack-stop")
        return 1 if broken else 0
    finally:
        # Also on Ctrl-C or a crash of the demo itself: stop what it started, drop what it made.
        if not options.keep:
            dispatcher.stop()
            for table in (events_table, offsets_table):
                client.delete_table(TableName=table)
            admin = AdminClient({"bootstrap.servers": bootstrap_servers, "log_level": 3})
            admin.delete_topics([topic])


if __name__ == "__main__":
    sys.exit(main())
