"""The x86_64 zip is self-contained: unpacked into an otherwise empty root (what the Lambda
provided.al2023 image gives a function: a shell, /etc basics, a CA bundle at the Amazon Linux
path, /tmp), its bootstrap runs as a Lambda function under the Runtime API emulator, which runs
outside the root, and dispatches a batch from DynamoDB Local to Kafka, reaching both by the name
`localhost` through the root's name-service configuration."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from package_root import (BINARY, LAUNCHER, STACK_HOST, TASK_ROOT, confinement, make_root,
                          with_host, zip_path)
from esm import LambdaFunction
from support.checks import delivered, delivery_problems, offset_problems, versions_by_stream
from support.eventstore import MARKER_VERSION

TIMEOUT = 60
# What Lambda sets on provided.al2023; the launcher's --library-path must win over it.
LAMBDA_LIBRARY_PATH = ("/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:"
                       "/var/task/lib:/opt/lib")


@pytest.fixture(scope="module")
def package():
    return zip_path("PACKAGE_ZIP_X86_64")


def function_environment(scenario, **overrides: str) -> dict[str, str]:
    return scenario.function_environment(
        KAFKA_BOOTSTRAP_SERVERS=with_host(scenario.stack["STACK_KAFKA_BOOTSTRAP"], "localhost"),
        AWS_ENDPOINT_URL_DYNAMODB=with_host(scenario.aws.endpoint_url, STACK_HOST),
        LAMBDA_TASK_ROOT=TASK_ROOT, LD_LIBRARY_PATH=LAMBDA_LIBRARY_PATH, **overrides)


def run_in_root(root, command: list[str], environment: dict[str, str] | None = None,
                stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([*confinement(root), *command], input=stdin, capture_output=True,
                          env=environment or {}, timeout=TIMEOUT)


def test_version_runs_through_the_bundled_loader_and_not_without_it(tmp_path, package):
    root = make_root(tmp_path, package)
    assert sorted(p.name for p in root.iterdir()) == ["bin", "etc", "tmp", "var"]
    started = time.monotonic()
    result = run_in_root(root, [LAUNCHER, "--version"])
    elapsed_ms = (time.monotonic() - started) * 1000
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith("ddb-eventstore-dispatcher ")
    print(f"cold start of bootstrap --version in the empty root: {elapsed_ms:.1f} ms")
    # Negative control: the binary by itself names the build machine's loader
    # (/lib64/ld-linux-x86-64.so.2), which the root does not have.
    direct = run_in_root(root, [BINARY, "--version"])
    assert direct.returncode != 0, "the binary started without the bundled loader"


def test_configuration_error_is_reported_with_the_setting_and_exit_code_1(tmp_path, package):
    root = make_root(tmp_path, package)
    result = run_in_root(root, [LAUNCHER, "handle"],
                         {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x",
                          "AWS_SECRET_ACCESS_KEY": "y", "KAFKA_BOOTSTRAP_SERVERS": "localhost:1",
                          "KAFKA_TOPIC_OUTPUT": "t", "OFFSETS_TABLE_NAME": "o"},
                         stdin=b'{"Records":[]}')
    assert result.returncode == 1, result
    assert b"EVENTS_TABLE_NAME" in result.stderr, result.stderr


def test_without_a_ca_bundle_init_fails_naming_dispatcher_ca_bundle(tmp_path, scenario, package):
    root = make_root(tmp_path, package, ca_bundle=False)
    log_path = tmp_path / "bootstrap.log"
    with open(log_path, "wb") as log:
        function = LambdaFunction([*confinement(root), LAUNCHER], function_environment(scenario),
                                  log, rie=scenario.stack["STACK_RIE"], timeout_seconds=TIMEOUT)
        function.start()
        try:
            result = function.invoke({"Records": []})
        finally:
            function.stop()
    log_text = log_path.read_text(errors="replace")
    assert result.function_error is not None, result
    assert b"DISPATCHER_CA_BUNDLE" in result.body, result.body
    assert "initialisation failed" in log_text and "DISPATCHER_CA_BUNDLE" in log_text, log_text


def test_kafka_bootstrap_localhost_is_resolved_from_the_roots_hosts_file(tmp_path, scenario,
                                                                         package):
    """Negative control for the end-to-end test below: in a root whose /etc/hosts lacks
    `localhost`, the Kafka bootstrap address cannot be resolved, so the name really is resolved
    by the bundled glibc through the root's nsswitch.conf and hosts file (and DynamoDB, named by
    STACK_HOST, still answers)."""
    root = make_root(tmp_path, package, hosts=f"127.0.0.1 {STACK_HOST}\n")
    scenario.append("a", [0, 1])
    marker = {"Records": [{"eventName": "INSERT",
                           "dynamodb": {"Keys": {"id": {"S": scenario.aggregate_id("a")},
                                                 "version": {"N": str(MARKER_VERSION)}},
                                        "SequenceNumber": "100",
                                        "StreamViewType": "KEYS_ONLY"}}]}
    result = run_in_root(root, [LAUNCHER, "handle", "--timeout-seconds", "5"],
                         function_environment(scenario), stdin=json.dumps(marker).encode())
    response = json.loads(result.stdout) if result.returncode == 0 else {}
    assert result.returncode == 1 or response.get("batchItemFailures"), result
    assert b"Failed to resolve 'localhost:" in result.stderr, result.stderr[-3000:]
    assert scenario.offsets(["a"]) == {scenario.aggregate_id("a"): None}


AGGREGATES = 6


def test_zip_dispatches_a_batch_from_an_empty_root_under_the_runtime_emulator(
        tmp_path, scenario, package):
    root = make_root(tmp_path, package)
    stream_ids = [f"pkg-{index}" for index in range(AGGREGATES)]
    with scenario.mapped([*confinement(root), LAUNCHER],
                         environment=function_environment(scenario)) as mapped:
        for stream_id in stream_ids:
            scenario.append(stream_id, [0, 1])
        for stream_id in stream_ids:
            scenario.append(stream_id, [2])
            scenario.append(stream_id, [3, 4])
        expected_last = {s: 4 for s in stream_ids}
        expected_offsets = {scenario.aggregate_id(s): 4 for s in stream_ids}
        deadline = time.monotonic() + TIMEOUT
        while offset_problems(scenario.offsets(stream_ids), expected_offsets):
            assert time.monotonic() < deadline, (
                f"offsets not committed: {offset_problems(scenario.offsets(stream_ids), expected_offsets)}")
            time.sleep(0.3)
        assert scenario.reader.wait_for(lambda m: delivered(m, expected_last, {}), TIMEOUT), \
            versions_by_stream(scenario.reader.messages())
        assert mapped.mapping.wait_idle(2.0, TIMEOUT), mapped.mapping.stats
        scenario.reader.catch_up()
        stats = mapped.mapping.stats
        problems = delivery_problems(scenario.reader.messages(), scenario.store.written,
                                     expected_last, allow_resend=stats.failures > 0)
        assert not problems, "\n".join(problems[:40])
        assert stats.discarded_records == 0 and stats.contract_violations == 0, stats
    log_text = mapped.function_log_path.read_text(errors="replace")
    assert "dispatcher ready" in log_text
    assert os.path.exists(root / "var/task/bootstrap")
