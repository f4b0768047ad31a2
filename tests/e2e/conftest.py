"""Fixtures of the end-to-end tests: the local stack, the bootstrap under test, and per test its
own tables, topic, consumer and event source mapping (with logs in the test's tmp dir)."""

from __future__ import annotations

import os
import random
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from esm import AwsTarget, MappedFunction, MappingSettings  # noqa: E402
from support import eventstore, kafka, queues  # noqa: E402

REGION = "us-east-1"
# DynamoDB Local runs with -sharedDb, so these only need to be well-formed.
ACCESS_KEY = "e2e"
SECRET_KEY = "e2e-not-a-secret"
# Set by ctest: the file the functions under test record their AWS actions in.
OPERATION_LOG_VARIABLE = "DISPATCHER_E2E_OPERATION_LOG"


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: start the local stack and `source .stack/env` "
                    "(tools/stack/stack.sh start)", pytrace=False)
    return value


def _emulator_problem(path: str | None) -> str | None:
    """Why STACK_RIE cannot run the bootstrap, or None."""
    if not path:
        return "STACK_RIE is not set: start the local stack and `source .stack/env`"
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return (f"STACK_RIE={path} is not an executable file: tools/deps/install.sh installs the "
                "AWS Lambda Runtime Interface Emulator there (then `tools/stack/stack.sh start`)")
    return None


def _emulator_description(path: str) -> str:
    """The emulator and the version tools/deps/install.sh stamped it with."""
    stamp = Path(f"{path}.stamp")
    version = stamp.read_text().strip() if stamp.is_file() else "no install stamp"
    return f"{path} (aws-lambda-rie {version})"


def pytest_report_header(config):
    path = os.environ.get("STACK_RIE")
    problem = _emulator_problem(path)
    return [f"lambda runtime emulator: {problem or _emulator_description(path)}"]


@pytest.fixture(scope="session")
def stack() -> dict[str, str]:
    values = {name: _required(name) for name in
              ("STACK_DYNAMODB_ENDPOINT", "STACK_KAFKA_BOOTSTRAP", "STACK_RIE")}
    problem = _emulator_problem(values["STACK_RIE"])
    if problem:
        pytest.fail(problem, pytrace=False)
    return values


@pytest.fixture(scope="session")
def aws(stack) -> AwsTarget:
    return AwsTarget(stack["STACK_DYNAMODB_ENDPOINT"], REGION, ACCESS_KEY, SECRET_KEY)


@pytest.fixture(scope="session")
def dynamodb(aws):
    return aws.client("dynamodb")


@pytest.fixture
def failure_queues(request):
    """An on-failure queue with a redrive policy to a last-resort queue, on moto (deleted after)."""
    client = queues.sqs_client(_required("STACK_MOTO_ENDPOINT"), REGION)
    made = queues.create_failure_queues(client, f"e2e-{request.node.name}"[:40])
    yield made
    made.delete()


@pytest.fixture(scope="session")
def bootstrap() -> list[str]:
    path = _required("BOOTSTRAP")
    if not os.access(path, os.X_OK):
        pytest.fail(f"BOOTSTRAP={path} is not an executable file", pytrace=False)
    return [path]


# ---------------------------------------------------------------------- failure diagnostics
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for path in getattr(item, "e2e_logs", []):
        path = Path(path)
        if path.exists():
            lines = path.read_text(errors="replace").splitlines()
            report.sections.append((f"last 60 of {len(lines)} lines of {path}",
                                    "\n".join(lines[-60:])))


class Scenario:
    """One test's world: unique events/offsets tables, a 3-partition topic, a consumer reading
    it, and helpers to run the bootstrap behind the event source mapping emulator."""

    def __init__(self, request, stack, aws: AwsTarget, dynamodb, tmp_path: Path,
                 view_type: str = "KEYS_ONLY"):
        suffix = uuid.uuid4().hex[:10]
        name = request.node.name.replace("[", "-").replace("]", "")[:40]
        self.name = f"e2e-{name}-{suffix}"
        self.request = request
        self.stack = stack
        self.aws = aws
        self.dynamodb = dynamodb
        self.tmp_path = tmp_path
        self.events_table = f"{self.name}-events"
        self.offsets_table = f"{self.name}-offsets"
        self.topic = f"{self.name}-out"
        self.seed = random.randrange(2**32)
        self.rng = random.Random(self.seed)
        self.stream_type = "Order"
        eventstore.create_events_table(dynamodb, self.events_table, view_type)
        eventstore.create_offsets_table(dynamodb, self.offsets_table)
        kafka.create_topic(stack["STACK_KAFKA_BOOTSTRAP"], self.topic, partitions=3)
        self.store = eventstore.EventStore(dynamodb, self.events_table)
        self.reader = kafka.TopicReader(stack["STACK_KAFKA_BOOTSTRAP"], self.topic).start()
        if not hasattr(request.node, "e2e_logs"):
            request.node.e2e_logs = []
        print(f"scenario {self.name} seed {self.seed} logs {tmp_path} "
              f"emulator {_emulator_description(stack['STACK_RIE'])}")

    def function_environment(self, **overrides: str) -> dict[str, str]:
        environment = {
            "KAFKA_BOOTSTRAP_SERVERS": self.stack["STACK_KAFKA_BOOTSTRAP"],
            "KAFKA_CLIENT_ID": self.name[:60],
            "KAFKA_TOPIC_OUTPUT": self.topic,
            "EVENTS_TABLE_NAME": self.events_table,
            "OFFSETS_TABLE_NAME": self.offsets_table,
            "AWS_REGION": self.aws.region,
            "AWS_ACCESS_KEY_ID": self.aws.access_key,
            "AWS_SECRET_ACCESS_KEY": self.aws.secret_key,
            "AWS_ENDPOINT_URL_DYNAMODB": self.aws.endpoint_url,
            # Redrive reads given-up ranges back from the stream (DynamoDB Local serves both).
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": self.aws.endpoint_url,
            "LOG_LEVEL": "debug",
        }
        environment.update(overrides)
        return environment

    @contextmanager
    def mapped(self, command: list[str], *, environment: dict[str, str] | None = None,
               settings: MappingSettings | None = None, pool_size: int = 2,
               start_mapping: bool = True, label: str = "esm", function_timeout: int = 60,
               sqs_source: tuple | None = None):
        """The function behind an event source mapping on the events table's stream."""
        log_dir = self.tmp_path / label
        environment = dict(environment or self.function_environment())
        # Every AWS action the function calls is recorded for the least-privilege check of the
        # deployment template (tests/deploy/); only the function, not tools run beside it.
        if os.environ.get(OPERATION_LOG_VARIABLE):
            environment.setdefault("DISPATCHER_OPERATION_LOG", os.environ[OPERATION_LOG_VARIABLE])
        mapped = MappedFunction(command=command,
                                environment=environment,
                                aws=self.aws, table_name=self.events_table, log_dir=log_dir,
                                settings=settings, pool_size=pool_size,
                                function_timeout=function_timeout,
                                rie=self.stack["STACK_RIE"], start_mapping=start_mapping,
                                sqs_source=sqs_source)
        self.request.node.e2e_logs.extend([mapped.esm_log_path, mapped.function_log_path])
        with mapped:
            yield mapped

    def event(self, stream_id: str, version: int) -> eventstore.Event:
        return eventstore.make_event(self.stream_type, stream_id, version, self.rng)

    def append(self, stream_id: str, versions) -> list[eventstore.Event]:
        events = [self.event(stream_id, version) for version in versions]
        self.store.append(events)
        self.store.record(events)
        return events

    def aggregate_id(self, stream_id: str) -> str:
        return f"{self.stream_type}:{stream_id}"

    def offsets(self, stream_ids) -> dict[str, int | None]:
        return {self.aggregate_id(s): eventstore.offset_of(self.dynamodb, self.offsets_table,
                                                           self.aggregate_id(s))
                for s in stream_ids}

    def close(self) -> None:
        self.reader.stop()
        eventstore.delete_table(self.dynamodb, self.events_table)
        eventstore.delete_table(self.dynamodb, self.offsets_table)
        kafka.delete_topic(self.stack["STACK_KAFKA_BOOTSTRAP"], self.topic)


@pytest.fixture
def scenario_factory(request, stack, aws, dynamodb, tmp_path):
    created: list[Scenario] = []

    def make(view_type: str = "KEYS_ONLY") -> Scenario:
        scenario = Scenario(request, stack, aws, dynamodb, tmp_path / f"s{len(created)}",
                            view_type)
        created.append(scenario)
        return scenario

    yield make
    for scenario in created:
        scenario.close()


@pytest.fixture
def scenario(scenario_factory) -> Scenario:
    return scenario_factory()
