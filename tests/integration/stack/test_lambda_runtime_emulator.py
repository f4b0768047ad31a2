"""$STACK_RIE (aws-lambda-rie, the AWS Lambda Runtime Interface Emulator) runs a custom runtime as
Lambda does."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from stack_support import stack_variable

RUNTIME = Path(__file__).resolve().parent / "echo_runtime.py"


def free_port():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        return held.getsockname()[1]


class Emulator:
    def __init__(self, timeout_seconds):
        self.invoke_port, runtime_api_port = free_port(), free_port()
        environment = {
            **os.environ,
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout_seconds),
            "ECHO_RUNTIME_MARKER": "passed-through",
        }
        self.process = subprocess.Popen(
            [
                stack_variable("STACK_RIE"),
                f"--runtime-interface-emulator-address=127.0.0.1:{self.invoke_port}",
                f"--runtime-api-address=127.0.0.1:{runtime_api_port}",
                sys.executable,
                str(RUNTIME),
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.invoke_port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    pytest.fail(f"emulator did not listen: {self.process.stderr.read().decode()}")
                time.sleep(0.1)

    def invoke(self, event):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.invoke_port}/2015-03-31/functions/function/invocations",
            data=json.dumps(event).encode(),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def emulator():
    running = Emulator(timeout_seconds=2)
    yield running
    running.close()


def test_invocation_reaches_the_runtime_and_its_response_comes_back(emulator):
    before_ms = time.time() * 1000

    status, body = emulator.invoke({"action": "echo", "n": 1})

    assert status == 200, body
    answer = json.loads(body)
    assert answer["event"] == {"action": "echo", "n": 1}
    assert answer["request_id"]
    assert answer["deadline_ms"] > before_ms
    assert answer["function_arn"].startswith("arn:aws:lambda:")
    assert answer["marker"] == "passed-through"


def test_runtime_is_initialised_once_and_serves_later_invocations(emulator):
    first = json.loads(emulator.invoke({"n": 1})[1])
    second = json.loads(emulator.invoke({"n": 2})[1])

    assert first["pid"] == second["pid"]
    assert first["request_id"] != second["request_id"]
    assert second["event"] == {"n": 2}


def test_function_error_returns_the_error_document(emulator):
    status, body = emulator.invoke({"action": "fail"})

    assert status == 200
    assert json.loads(body) == {"errorMessage": "asked to fail", "errorType": "EchoFailure"}


def test_runtime_that_exits_mid_invocation_fails_it_and_is_restarted(emulator):
    first = json.loads(emulator.invoke({"n": 1})[1])

    status, _ = emulator.invoke({"action": "exit"})
    again_status, again_body = emulator.invoke({"n": 3})

    assert status == 502
    assert again_status == 200, again_body
    assert json.loads(again_body)["pid"] != first["pid"]


def test_invocation_over_the_timeout_is_cut_off(emulator):
    status, body = emulator.invoke({"action": "sleep", "seconds": 5})

    assert status == 200
    assert body == b"Task timed out after 2.00 seconds"
    recovered_status, recovered = emulator.invoke({"n": 4})
    assert recovered_status == 200, recovered
