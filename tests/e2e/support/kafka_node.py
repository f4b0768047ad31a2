"""A single-node Kafka broker (KRaft, broker and controller) of a test's own, from the stack's
jars (.cache/jars/kafka) and the stack's shared single-node properties (`tools/stack/stack.sh
kafka-node-config`), on free loopback ports, for tests that must put something between the
dispatcher and its broker.

Kafka hands clients the *advertised* address of the listener they connected to, so a proxy in
front of the shared stack's broker would only carry the bootstrap request: every later connection
would go straight to the broker. This node therefore has two client listeners:

- ``PROXIED`` listens on ``listen_port`` and advertises the port given to ``start`` (a proxy's
  port, the proxy forwarding to ``listen_port``): a client that bootstraps through the proxy stays behind it;
- ``DIRECT`` listens and advertises on its own port, for the test's admin client and consumer,
  which must see the topic whatever the proxy does.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from confluent_kafka.admin import AdminClient

REPO = Path(__file__).resolve().parents[3]
JARS = REPO / ".cache" / "jars" / "kafka"
STACK_SCRIPT = REPO / "tools" / "stack" / "stack.sh"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_cluster_id() -> str:
    """A Kafka Uuid: 16 random bytes in unpadded URL-safe base64. One that starts with '-' is
    drawn again, as Kafka's own Uuid.randomUuid does: StorageTool's parser takes `-t -...` for an
    option and refuses the format (1 start in 64 failed so)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class KafkaNode:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.listen_port = free_port()  # PROXIED: what the proxy forwards to
        self.advertised_port: int | None = None
        self.direct_port = free_port()
        self.controller_port = free_port()
        self.log_path = self.directory / "server.log"
        self._process: subprocess.Popen | None = None

    @property
    def direct_bootstrap(self) -> str:
        return f"127.0.0.1:{self.direct_port}"

    @property
    def upstream(self) -> tuple[str, int]:
        return "127.0.0.1", self.listen_port

    def _java(self, main_class: str, *arguments: str) -> list[str]:
        return ["java", "-Xms128m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.directory / 'log4j2.xml'}",
                "-cp", f"{JARS}/*", main_class, *arguments]

    def _write_properties(self) -> Path:
        shared = subprocess.run([str(STACK_SCRIPT), "kafka-node-config", str(self.directory)],
                                check=True, capture_output=True, text=True,
                                env={**os.environ, "STACK_DIR": str(self.directory / "stack")})
        properties = self.directory / "server.properties"
        properties.write_text(f"""# Written by tests/e2e/support/kafka_node.py.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{self.controller_port}
listeners=PROXIED://127.0.0.1:{self.listen_port},DIRECT://127.0.0.1:{self.direct_port},CONTROLLER://127.0.0.1:{self.controller_port}
advertised.listeners=PROXIED://127.0.0.1:{self.advertised_port},DIRECT://127.0.0.1:{self.direct_port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=DIRECT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT,DIRECT:PLAINTEXT
{shared.stdout}""")
        return properties

    def start(self, advertised_port: int, timeout: float = 90) -> "KafkaNode":
        """Formats the storage and starts the broker, PROXIED advertised on `advertised_port`;
        returns once the DIRECT listener answers a metadata request."""
        self.advertised_port = advertised_port
        if not any(JARS.glob("*.jar")):
            raise RuntimeError(f"no Kafka jars in {JARS}: run tools/deps/install.sh")
        self.directory.mkdir(parents=True, exist_ok=True)
        properties = self._write_properties()
        formatted = subprocess.run(self._java("kafka.tools.StorageTool", "format", "-t",
                                              new_cluster_id(), "-c", str(properties)),
                                   capture_output=True, text=True, timeout=120)
        if formatted.returncode != 0:
            raise RuntimeError(f"kafka storage format failed: {formatted.stdout[-2000:]}"
                               f"{formatted.stderr[-2000:]}")
        with open(self.directory / "stdout.log", "wb") as output:
            self._process = subprocess.Popen(self._java("kafka.Kafka", str(properties)),
                                             stdin=subprocess.DEVNULL, stdout=output,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        admin = None
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the test broker exited with {self._process.returncode}; "
                                   f"see {self.log_path}")
            try:
                # A metadata request only once the port listens, so librdkafka does not log
                # every refused connect.
                socket.create_connection(("127.0.0.1", self.direct_port), timeout=1).close()
                admin = admin or AdminClient({"bootstrap.servers": self.direct_bootstrap})
                if admin.list_topics(timeout=2).brokers:
                    return self
            except Exception:  # noqa: BLE001 - not up yet
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the test broker did not answer within {timeout}s; "
                                   f"see {self.log_path}")
            time.sleep(0.5)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the broker this object started (its own process, never found by name),
        SIGKILL after `timeout`; then its data is removed."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.directory / "data", ignore_errors=True)
