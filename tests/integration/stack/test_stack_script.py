"""tools/stack/stack.sh: a second stack beside the shared one, reuse, and exact stops.

Starts a second stack in a temporary STACK_DIR on free ports, so it never touches the shared stack
(whose endpoints come from STACK_* and must still answer at the end)."""

import os
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

from stack_support import aws_client, stack_variable

REPO = Path(__file__).resolve().parents[3]
STACK_SCRIPT = REPO / "tools" / "stack" / "stack.sh"
SERVICES = ["dynamodb", "kafka", "moto", "kafka-secure"]


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for held in sockets:
            held.bind(("127.0.0.1", 0))
        return [held.getsockname()[1] for held in sockets]
    finally:
        for held in sockets:
            held.close()


def is_alive(pid):
    """True while the process runs; an exited one that init has not reaped yet (a zombie) is not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def processes_of_stack(directory):
    """PIDs whose environment carries stack.sh's marker for this stack directory."""
    marker = f"STACK_SERVICE={directory}:".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:
            continue
        if any(variable.startswith(marker) for variable in environment.split(b"\0")):
            found.append(int(entry.name))
    return found


def secure_ports(secure, controller, mtls):
    return {
        "STACK_KAFKA_SECURE_PORT": str(secure),
        "STACK_KAFKA_SECURE_CONTROLLER_PORT": str(controller),
        "STACK_KAFKA_MTLS_PORT": str(mtls),
    }


class SecondStack:
    def __init__(self, directory):
        dynamodb, kafka, controller, moto, secure, secure_controller, mtls = free_ports(7)
        self.ports = {"dynamodb": dynamodb, "kafka": kafka, "moto": moto, "kafka-secure": secure}
        self.directory = directory
        self.environment = {
            **os.environ,
            "STACK_DIR": str(directory),
            "STACK_DYNAMODB_PORT": str(dynamodb),
            "STACK_KAFKA_PORT": str(kafka),
            "STACK_KAFKA_CONTROLLER_PORT": str(controller),
            "STACK_MOTO_PORT": str(moto),
            **secure_ports(secure, secure_controller, mtls),
        }

    def run(self, *arguments, timeout=120):
        return subprocess.run(
            [str(STACK_SCRIPT), *arguments],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def pids(self):
        pids = {}
        for service in SERVICES:
            pid_file = self.directory / service / "pid"
            if pid_file.exists():
                pids[service] = int(pid_file.read_text())
        return pids


@pytest.fixture
def second_stack(tmp_path):
    stack = SecondStack(tmp_path / "stack")
    yield stack
    stack.run("stop")


def assert_shared_stack_answers():
    shared = Path(stack_variable("STACK_DIR"))
    for service in SERVICES:
        pid = int((shared / service / "pid").read_text())
        assert is_alive(pid), f"shared stack's {service} (pid {pid}) is gone"
    dynamodb = aws_client("dynamodb", stack_variable("STACK_DYNAMODB_ENDPOINT"))
    assert "TableNames" in dynamodb.list_tables()
    moto = stack_variable("STACK_MOTO_ENDPOINT")
    with urllib.request.urlopen(f"{moto}/moto-api/", timeout=5) as response:
        assert response.status == 200
    host, port = stack_variable("STACK_KAFKA_BOOTSTRAP").rsplit(":", 1)
    socket.create_connection((host, int(port)), timeout=5).close()


def test_second_stack_starts_beside_the_shared_one_is_reused_and_stops_exactly_its_pids(
    second_stack,
):
    started = second_stack.run("start")
    assert started.returncode == 0, started.stderr
    assert started.stdout.splitlines() == [f"started {s}" for s in SERVICES]
    pids = second_stack.pids()
    assert sorted(pids) == sorted(SERVICES)
    assert all(is_alive(pid) for pid in pids.values())

    environment = (second_stack.directory / "env").read_text()
    assert f"export STACK_DYNAMODB_ENDPOINT=http://127.0.0.1:{second_stack.ports['dynamodb']}\n" in environment
    assert f"export STACK_KAFKA_BOOTSTRAP=127.0.0.1:{second_stack.ports['kafka']}\n" in environment
    assert f"export STACK_MOTO_ENDPOINT=http://127.0.0.1:{second_stack.ports['moto']}\n" in environment
    assert f"export STACK_DIR={second_stack.directory}\n" in environment
    assert (
        f"export STACK_KAFKA_SECURE_BOOTSTRAP=127.0.0.1:{second_stack.ports['kafka-secure']}\n"
        in environment
    )
    assert second_stack.run("env").stdout == environment

    again = second_stack.run("start")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [f"reused {s}" for s in SERVICES]
    assert second_stack.pids() == pids

    status = second_stack.run("status").stdout.splitlines()
    assert status == [
        f"{s} running pid {pids[s]} port {second_stack.ports[s]}" for s in SERVICES
    ]

    one = second_stack.run("stop", "moto")
    assert one.returncode == 0, one.stderr
    assert not is_alive(pids["moto"])
    assert is_alive(pids["dynamodb"]) and is_alive(pids["kafka"])

    rest = second_stack.run("stop")
    assert rest.returncode == 0, rest.stderr
    assert not any(is_alive(pid) for pid in pids.values())
    assert processes_of_stack(second_stack.directory) == []
    assert second_stack.pids() == {}
    assert processes_of_stack(second_stack.directory) == []
    assert second_stack.run("status").stdout.splitlines() == [f"{s} stopped" for s in SERVICES]

    assert_shared_stack_answers()


def test_stop_leaves_a_process_alone_whose_pid_file_is_stale(second_stack):
    # A PID file naming a process that is not ours (a recycled PID) must not get that process killed.
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        (second_stack.directory / "moto").mkdir(parents=True)
        (second_stack.directory / "moto" / "pid").write_text(f"{stranger.pid}\n")

        stopped = second_stack.run("stop", "moto")

        assert stopped.returncode == 0, stopped.stderr
        assert stranger.poll() is None, "stack.sh stop killed a process it did not start"
        assert not (second_stack.directory / "moto" / "pid").exists()
    finally:
        stranger.send_signal(signal.SIGTERM)
        stranger.wait(timeout=10)


def test_start_that_fails_stops_what_it_started_and_prints_no_service(second_stack):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", second_stack.ports["moto"]))
        squatter.listen()

        failed = second_stack.run("start")

    assert failed.returncode != 0
    assert failed.stdout == ""
    assert f"port {second_stack.ports['moto']} for moto is taken" in failed.stderr
    assert second_stack.pids() == {}
    assert processes_of_stack(second_stack.directory) == []
    assert second_stack.run("status").stdout.splitlines() == [f"{s} stopped" for s in SERVICES]


def test_stack_whose_ports_another_stack_serves_uses_them_and_never_stops_them(tmp_path):
    # A CI clone next to the shared stack, or a second checkout, sees the default ports taken by
    # healthy services it did not start. (kafka-secure is not shared this way: its CA and client
    # certificate live in the stack directory that made them, so this stack starts its own.)
    shared_ports = {
        "STACK_DYNAMODB_PORT": stack_variable("STACK_DYNAMODB_ENDPOINT").rsplit(":", 1)[1],
        "STACK_KAFKA_PORT": stack_variable("STACK_KAFKA_BOOTSTRAP").rsplit(":", 1)[1],
        "STACK_MOTO_PORT": stack_variable("STACK_MOTO_ENDPOINT").rsplit(":", 1)[1],
    }
    secure, secure_controller, mtls = free_ports(3)
    environment = {
        **os.environ,
        **shared_ports,
        **secure_ports(secure, secure_controller, mtls),
        "STACK_DIR": str(tmp_path / "beside"),
    }

    def run(*arguments):
        return subprocess.run(
            [str(STACK_SCRIPT), *arguments], env=environment, capture_output=True, text=True, timeout=120
        )

    started = run("start")
    assert started.returncode == 0, started.stderr
    assert started.stdout.splitlines() == [f"reused {s}" for s in SERVICES[:3]] + [
        "started kafka-secure"
    ]
    status = run("status").stdout.splitlines()
    assert status[:3] == [
        f"dynamodb external port {shared_ports['STACK_DYNAMODB_PORT']}",
        f"kafka external port {shared_ports['STACK_KAFKA_PORT']}",
        f"moto external port {shared_ports['STACK_MOTO_PORT']}",
    ]
    assert status[3].startswith("kafka-secure running pid ") and status[3].endswith(f"port {secure}")

    assert run("stop").returncode == 0
    assert_shared_stack_answers()


def test_kafka_cluster_ids_never_start_with_a_dash():
    """StorageTool's parser takes `-t -...` for an option and refuses to format, so a random id
    that started with '-' (1 start in 64) failed the stack's start."""
    function = subprocess.run(["sed", "-n", "/^new_kafka_cluster_id() {/,/^}/p", str(STACK_SCRIPT)],
                              capture_output=True, text=True, check=True).stdout
    assert function, "stack.sh has no new_kafka_cluster_id"
    drawn = subprocess.run(["bash", "-c", function + 'for _ in $(seq 500); do '
                            'new_kafka_cluster_id; echo; done'],
                           capture_output=True, text=True, check=True).stdout.split()
    assert len(drawn) == 500
    assert not [cluster_id for cluster_id in drawn if cluster_id.startswith("-")]
    assert all(len(cluster_id) == 22 for cluster_id in drawn)
    assert len(set(drawn)) == 500
