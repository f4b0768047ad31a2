"""The arm64 (Graviton) zip, smoke-tested under qemu user emulation: unpacked into the same
otherwise empty root as the x86_64 one and started through its bundled aarch64 loader, exactly as
its bootstrap launcher does (qemu-aarch64 -L <root> maps the program's absolute paths, /etc and
/var/task included, into the root; no binfmt registration is needed)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from package_root import STACK_HOST, TASK_ROOT, make_root, with_host, zip_path
from support.checks import delivery_problems
from support.eventstore import MARKER_VERSION

LOADER = "lib/ld-linux-aarch64.so.1"
PROGRAM = "bin/ddb-eventstore-dispatcher"
TIMEOUT = 120  # emulated start-up is slower than native


@pytest.fixture(scope="module")
def qemu() -> str:
    for name in ("qemu-aarch64-static", "qemu-aarch64"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("qemu-aarch64 is not installed (qemu-user-static, tools/deps/install-arm64.sh): "
                "the arm64 zip is built but not run")


@pytest.fixture
def root(tmp_path):
    return make_root(tmp_path, zip_path("PACKAGE_ZIP_ARM64"))


def run(qemu: str, root, arguments: list[str], environment: dict[str, str],
        stdin: bytes = b"") -> subprocess.CompletedProcess:
    """What the bootstrap launcher does (exec the bundled loader with --library-path lib/), with
    qemu in front."""
    task = root / TASK_ROOT.lstrip("/")
    command = [qemu, "-L", str(root), str(task / LOADER), "--library-path", str(task / "lib"),
               "--argv0", f"{TASK_ROOT}/bootstrap", str(task / PROGRAM), *arguments]
    return subprocess.run(command, input=stdin, capture_output=True, env=environment,
                          timeout=TIMEOUT)


def test_launcher_starts_the_aarch64_loader_from_lib(root):
    launcher = (root / TASK_ROOT.lstrip("/") / "bootstrap").read_text()
    assert f'"$here/{LOADER}" --library-path "$here/lib"' in launcher, launcher
    assert f'"$here/{PROGRAM}"' in launcher, launcher
    elf = (root / TASK_ROOT.lstrip("/") / PROGRAM).read_bytes()[:20]
    assert elf[:4] == b"\x7fELF" and int.from_bytes(elf[18:20], "little") == 183  # EM_AARCH64


def test_version_under_qemu(qemu, root):
    started = time.monotonic()
    result = run(qemu, root, ["--version"], {})
    elapsed_ms = (time.monotonic() - started) * 1000
    assert result.returncode == 0, result
    assert result.stdout.decode().startswith("ddb-eventstore-dispatcher ")
    print(f"arm64 bootstrap --version under qemu: {elapsed_ms:.0f} ms")


def test_configuration_error_under_qemu(qemu, root):
    result = run(qemu, root, ["handle"],
                 {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
                  "KAFKA_BOOTSTRAP_SERVERS": "localhost:1", "KAFKA_TOPIC_OUTPUT": "t",
                  "OFFSETS_TABLE_NAME": "o"}, stdin=b'{"Records":[]}')
    assert result.returncode == 1, result
    assert b"EVENTS_TABLE_NAME" in result.stderr, result.stderr
    usage = run(qemu, root, ["no-such-command"], {})
    assert usage.returncode == 2 and b"unknown command" in usage.stderr, usage


def test_one_invocation_under_qemu_publishes_in_order(qemu, root, scenario):
    events = scenario.append("a", [0, 1, 2])
    assert len(events) == 3
    marker = {"Records": [{"eventName": "INSERT",
                           "dynamodb": {"Keys": {"id": {"S": scenario.aggregate_id("a")},
                                                 "version": {"N": str(MARKER_VERSION)}},
                                        "SequenceNumber": "100",
                                        "StreamViewType": "KEYS_ONLY"}}]}
    environment = scenario.function_environment(
        KAFKA_BOOTSTRAP_SERVERS=with_host(scenario.stack["STACK_KAFKA_BOOTSTRAP"], "localhost"),
        AWS_ENDPOINT_URL_DYNAMODB=with_host(scenario.aws.endpoint_url, STACK_HOST))
    result = run(qemu, root, ["handle", "--timeout-seconds", "60"], environment,
                 stdin=json.dumps(marker).encode())
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout) == {"batchItemFailures": []}, result.stdout
    assert scenario.offsets(["a"]) == {scenario.aggregate_id("a"): 2}
    scenario.reader.catch_up()
    problems = delivery_problems(scenario.reader.messages(), scenario.store.written)
    assert not problems, "\n".join(problems)
