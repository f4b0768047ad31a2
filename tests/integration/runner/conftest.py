"""Fixtures of the runner's integration tests: per test its own events/offsets tables and topic
on the local stack, a consumer of the topic, and `bootstrap run` processes with their logs."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import boto3
import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from support import checks, eventstore, kafka  # noqa: E402

REGION = "us-east-1"


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: start the local stack and `source .stack/env` "
                    "(tools/stack/stack.sh start); BOOTSTRAP names the built binary",
                    pytrace=False)
    return value


class RunnerProcess:
    """One `bootstrap run` process; its JSON log lines go to a file in the test's tmp dir."""

    def __init__(self, command: list[str], environment: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, env=environment, stdout=self._log,
                                        stderr=subprocess.STDOUT)

    def lines(self) -> list[dict]:
        result = []
        for text in self.log_path.read_text(errors="replace").splitlines():
            try:
                result.append(json.loads(text))
            except json.JSONDecodeError:
                continue
        return result

    def messages(self, message: str) -> list[dict]:
        return [line for line in self.lines() if line.get("message") == message]

    def wait_for(self, message: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages(message)
            if found:
                return found[0]
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.log_path.name}: no '{message}' within {timeout}s "
                             f"(exit {self.process.poll()})")

    @property
    def owner(self) -> str:
        return self.wait_for("runner started", 30)["owner"]

    def kill(self) -> float:
        """SIGKILL; returns the wall-clock time of the kill."""
        killed_at = time.time()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        return killed_at

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self._log.close()


def timestamp(line: dict) -> float:
    return datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00")).timestamp()


class World:
    """One test's tables, topic, consumer, writer and runners."""

    def __init__(self, tmp_path: Path, request):
        self.endpoint = _required("STACK_DYNAMODB_ENDPOINT")
        self.bootstrap_servers = _required("STACK_KAFKA_BOOTSTRAP")
        self.binary = _required("BOOTSTRAP")
        self.tmp_path = tmp_path
        self.dynamodb = boto3.client("dynamodb", endpoint_url=self.endpoint, region_name=REGION,
                                     aws_access_key_id="runnerit",
                                     aws_secret_access_key="runner-it-not-a-secret")
        suffix = uuid.uuid4().hex[:10]
        self.name = f"runner-it-{request.node.name[:30]}-{suffix}"
        self.events_table = f"{self.name}-events"
        self.offsets_table = f"{self.name}-offsets"
        self.topic = f"{self.name}-out"
        self.seed = random.randrange(2**32)
        self.rng = random.Random(self.seed)
        eventstore.create_events_table(self.dynamodb, self.events_table)
        eventstore.create_offsets_table(self.dynamodb, self.offsets_table)
        kafka.create_topic(self.bootstrap_servers, self.topic, partitions=3)
        self.store = eventstore.EventStore(self.dynamodb, self.events_table)
        self.reader = kafka.TopicReader(self.bootstrap_servers, self.topic).start()
        self.next_version: dict[str, int] = {}
        self.runners: list[RunnerProcess] = []
        request.node.runner_logs = []
        self._request = request
        print(f"world {self.name} seed {self.seed} logs {tmp_path}")

    def environment(self) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(("AWS_", "KAFKA_", "DISPATCHER_"))}
        environment.update({
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "KAFKA_CLIENT_ID": self.name[:60],
            "KAFKA_TOPIC_OUTPUT": self.topic,
            "EVENTS_TABLE_NAME": self.events_table,
            "OFFSETS_TABLE_NAME": self.offsets_table,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "runnerit",
            "AWS_SECRET_ACCESS_KEY": "runner-it-not-a-secret",
            "AWS_ENDPOINT_URL_DYNAMODB": self.endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": self.endpoint,
            "LOG_LEVEL": "info",
        })
        return environment

    def start_runner(self, *arguments: str, lease_seconds: int = 6) -> RunnerProcess:
        label = f"runner{len(self.runners)}"
        command = [self.binary, "run", "--poll-interval-ms", "100", "--batch-size", "5",
                   "--lease-seconds", str(lease_seconds), *arguments]
        runner = RunnerProcess(command, self.environment(), self.tmp_path / f"{label}.log")
        self.runners.append(runner)
        self._request.node.runner_logs.append(runner.log_path)
        return runner

    def append(self, stream_id: str, count: int = 1) -> None:
        first = self.next_version.get(stream_id, 0)
        events = [eventstore.make_event("Order", stream_id, version, self.rng)
                  for version in range(first, first + count)]
        self.store.append(events)
        self.store.record(events)
        self.next_version[stream_id] = first + count

    def write_round(self, aggregates: int, events_each: int) -> None:
        """Appends events_each events to each aggregate, interleaved across aggregates."""
        pending = [f"agg-{i:03d}" for i in range(aggregates) for _ in range(events_each)]
        self.rng.shuffle(pending)
        for stream_id in pending:
            self.append(stream_id)

    def wait_delivered(self, timeout: float = 60) -> None:
        expected = {stream_id: version - 1 for stream_id, version in self.next_version.items()}
        if not self.reader.wait_for(lambda messages: checks.delivered(messages, expected, {}),
                                    timeout):
            raise AssertionError(f"not every event reached Kafka within {timeout}s: "
                                 + "; ".join(self.problems(allow_resend=True))[:2000])

    def problems(self, allow_resend: bool) -> list[str]:
        return checks.delivery_problems(self.reader.messages(), self.store.written,
                                        allow_resend=allow_resend)

    def loss_reports(self) -> list[dict]:
        """Log lines in which a runner said stream records were lost to the trim horizon."""
        return [line for runner in self.runners for line in runner.lines()
                if "records were lost" in line.get("message", "")]

    def lease_item(self) -> dict | None:
        return self.dynamodb.get_item(TableName=self.offsets_table,
                                      Key={"id": {"S": "#dispatcher-runner#lease"}},
                                      ConsistentRead=True).get("Item")

    def close(self) -> None:
        for runner in self.runners:
            runner.stop()
        self.reader.stop()
        eventstore.delete_table(self.dynamodb, self.events_table)
        eventstore.delete_table(self.dynamodb, self.offsets_table)
        kafka.delete_topic(self.bootstrap_servers, self.topic)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for path in getattr(item, "runner_logs", []):
        if Path(path).exists():
            lines = Path(path).read_text(errors="replace").splitlines()
            report.sections.append((f"last 40 of {len(lines)} lines of {path}",
                                    "\n".join(lines[-40:])))


@pytest.fixture
def world(tmp_path, request):
    created = World(tmp_path, request)
    yield created
    created.close()
