"""The Lambda function under the mapping: a `bootstrap` run by the AWS Lambda Runtime Interface
Emulator (RIE), invoked over HTTP exactly as Lambda invokes a custom runtime.

One RIE process is one execution environment and takes one invocation at a time (a second
concurrent invoke is refused), so concurrency across shards needs a pool of them, as Lambda runs
one environment per concurrent batch.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INVOKE_PATH = "/2015-03-31/functions/function/invocations"

# What the bootstrap inherits from this process; everything else comes from `environment`.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class InvokeResult:
    status: int
    body: bytes
    payload: object  # parsed JSON, or None when the body is not JSON
    function_error: str | None  # why Lambda would call this a function error, else None
    seconds: float
    invalid_response: bool = False  # the function answered, but not with JSON


def classify(status: int, headers, body: bytes) -> tuple[object, str | None, bool]:
    """Parses an RIE response the way Lambda reads an invocation result: (payload, function
    error or None, whether the function answered with something that is not JSON)."""
    if status != 200:
        return None, f"HTTP {status}: {body[:200]!r}", False
    header = headers.get("X-Amz-Function-Error") if headers is not None else None
    try:
        payload = json.loads(body) if body.strip() else None
    except ValueError:
        if header:
            return None, f"X-Amz-Function-Error {header}: {body[:200]!r}", False
        if body.startswith(b"Task timed out"):
            return None, body[:200].decode("utf-8", "replace"), False
        return None, f"response is not JSON: {body[:200]!r}", True
    if header:
        return payload, f"X-Amz-Function-Error {header}: {body[:200]!r}", False
    if isinstance(payload, dict) and "batchItemFailures" not in payload and (
            "errorType" in payload or "errorMessage" in payload):
        return payload, f"{payload.get('errorType')}: {payload.get('errorMessage')}", False
    return payload, None, False


class LambdaFunction:
    """One RIE process running `command` (the bootstrap) with `environment`.

    Output of RIE and of the bootstrap (RIE forwards it) goes to `log_file`, each line prefixed
    with this instance's name."""

    def __init__(self, command: list[str], environment: dict[str, str], log_file,
                 name: str = "fn", rie: str | None = None, timeout_seconds: int = 60,
                 rie_log_level: str = "warn"):
        self.name = name
        self.command = [str(part) for part in command]
        self.rie = rie or os.environ.get("STACK_RIE") or "aws-lambda-rie"
        self.timeout_seconds = timeout_seconds
        self.port = free_port()
        self.runtime_api_port = free_port()
        env = {key: os.environ[key] for key in _INHERITED if key in os.environ}
        env.update({
            "AWS_LAMBDA_FUNCTION_NAME": "dispatcher",
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout_seconds),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        })
        env.update({key: str(value) for key, value in environment.items()})
        # Lets stop() recognise its own processes, so a recycled PID is never signalled.
        self._marker = f"ESM_FUNCTION_INSTANCE={uuid.uuid4().hex}"
        env["ESM_FUNCTION_INSTANCE"] = self._marker.split("=", 1)[1]
        self._environment = env
        self._rie_log_level = rie_log_level
        self._log_file = log_file
        self._process: subprocess.Popen | None = None
        self._pump: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{INVOKE_PATH}"

    def start(self, ready_timeout: float = 20.0) -> None:
        """Starts RIE and waits until its invoke endpoint accepts connections. The bootstrap
        itself is started by RIE on the first invocation (that is when RIE runs Init)."""
        args = [self.rie, "--log-level", self._rie_log_level,
                "--runtime-api-address", f"127.0.0.1:{self.runtime_api_port}",
                "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                *self.command]
        self._process = subprocess.Popen(args, env=self._environment, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self._pump = threading.Thread(target=self._copy_output, name=f"{self.name}-log",
                                      daemon=True)
        self._pump.start()
        deadline = time.monotonic() + ready_timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name}: RIE exited with {self._process.returncode} "
                                   "before it listened (see the bootstrap log)")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name}: RIE did not listen on port {self.port}")
                time.sleep(0.05)

    def _copy_output(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        prefix = f"[{self.name}] ".encode()
        for line in self._process.stdout:
            self._log_file.write(prefix + line)
            self._log_file.flush()

    def invoke(self, event: dict) -> InvokeResult:
        """One synchronous invocation. Transport failures are reported as a function error
        (Lambda would retry the batch), never raised."""
        body = json.dumps(event).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds + 15) as response:
                status, headers, data = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, data = error.code, error.headers, error.read()
        except (urllib.error.URLError, OSError) as error:
            return InvokeResult(0, b"", None, f"invoke transport error: {error}",
                                time.monotonic() - started)
        payload, function_error, invalid = classify(status, headers, data)
        return InvokeResult(status, data, payload, function_error, time.monotonic() - started,
                            invalid)

    def runtime_pids(self) -> list[int]:
        """The PIDs of the runtime (bootstrap) processes RIE started, recognised by this
        instance's marker (for tests that freeze the runtime with SIGSTOP, as Lambda does)."""
        if self._process is None:
            return []
        return [pid for pid in _descendants(self._process.pid)
                if _has_environment(pid, self._marker)]

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stops the bootstrap RIE started, then RIE; returns RIE's exit code."""
        if self._process is None:
            return None
        # The runtime first (it may run in a process group of its own, so it is found by
        # parentage and recognised by the marker), then the emulator: stopping the emulator
        # first makes it report the runtime's dropped long-poll as an exception.
        children = [pid for pid in _descendants(self._process.pid)
                    if _has_environment(pid, self._marker)]
        deadline = time.monotonic() + timeout
        for pid in children:
            _signal(pid, 15)
        while (any(_has_environment(pid, self._marker) for pid in children)
               and time.monotonic() < deadline):
            time.sleep(0.05)
        for pid in children:
            if _has_environment(pid, self._marker):
                _signal(pid, 9)
        if self._process.poll() is None:
            _signal_group(self._process.pid, 15)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self._process.pid, 9)
                self._process.wait()
        if self._pump is not None:
            self._pump.join(timeout)
        return self._process.returncode


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _descendants(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                parents[int(entry.name)] = parent
    found, frontier = [], [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def _has_environment(pid: int, entry: str) -> bool:
    """Whether live process `pid` has `entry` (KEY=VALUE) in its environment."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    return state != "Z" and entry.encode() in environment


def _signal(pid: int, signal_number: int) -> None:
    try:
        os.kill(pid, signal_number)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_group(pid: int, signal_number: int) -> None:
    try:
        os.killpg(pid, signal_number)
    except (ProcessLookupError, PermissionError):
        pass


class FunctionPool:
    """`size` execution environments of one function; `invoke` takes a free one, like Lambda
    picking an idle environment for each concurrent batch."""

    def __init__(self, command: list[str], environment: dict[str, str], log_path: Path,
                 size: int = 2, rie: str | None = None, timeout_seconds: int = 60,
                 rie_log_level: str = "warn"):
        self.log_path = Path(log_path)
        self._log_file = open(self.log_path, "ab", buffering=0)
        self._functions = [
            LambdaFunction(command, environment, self._log_file, name=f"fn{index}", rie=rie,
                           timeout_seconds=timeout_seconds, rie_log_level=rie_log_level)
            for index in range(size)]
        self._idle: queue.Queue[LambdaFunction] = queue.Queue()
        self.log = logging.getLogger("esm.function")

    def start(self) -> "FunctionPool":
        try:
            for function in self._functions:
                function.start()
                self._idle.put(function)
        except Exception:
            self.stop()
            raise
        return self

    @contextmanager
    def environment(self):
        function = self._idle.get()
        try:
            yield function
        finally:
            self._idle.put(function)

    def invoke(self, event: dict) -> InvokeResult:
        with self.environment() as function:
            return function.invoke(event)

    def runtime_pids(self) -> list[int]:
        return [pid for function in self._functions for pid in function.runtime_pids()]

    def stop(self) -> None:
        for function in self._functions:
            function.stop()
        self._log_file.close()

    def __enter__(self) -> "FunctionPool":
        return self.start()

    def __exit__(self, *_):
        self.stop()
