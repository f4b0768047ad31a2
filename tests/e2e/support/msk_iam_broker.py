"""A single-node Kafka broker of a test's own that plays an Amazon MSK cluster with IAM access
control: SASL_SSL/OAUTHBEARER listeners whose tokens are checked by
`msk_iam/MskIamValidatorCallbackHandler.java` (compiled here against the stack's Kafka jars), the
way MSK checks them (docs/reliability.md, "MSK IAM end to end").

TLS uses the local stack's test CA and broker certificate (`STACK_KAFKA_CA` and the
`broker-keystore.pem` beside it; SAN 127.0.0.1), so clients verify the broker as usual. Each
OAUTHBEARER listener has its own validator settings:

- ``IAM``: region us-east-1, the regional host, sessions as long as the token (at most 900 s);
- ``SHORT``: the same, but the broker grants each token a session of ``short_lifetime`` seconds,
  so clients must re-authenticate (KIP-368) that often;
- ``OTHERHOST``: expects tokens signed for another host than the one the signer uses;
- ``SKEWED``: its clock runs ``skew_seconds`` ahead, so a token that is fresh for the client is
  expired for the broker.

``DIRECT`` (PLAINTEXT) carries the broker's own traffic and the test's admin client and consumer.
Every validation is appended to ``validation_log`` (outcome, listener, access key id, X-Amz-Date,
reason; never a secret).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from confluent_kafka.admin import AdminClient

from .kafka_node import new_cluster_id

REPO = Path(__file__).resolve().parents[3]
JARS = REPO / ".cache" / "jars" / "kafka"
STACK_SCRIPT = REPO / "tools" / "stack" / "stack.sh"
VALIDATOR_SOURCE = Path(__file__).resolve().parent / "msk_iam" / "MskIamValidatorCallbackHandler.java"
VALIDATOR_CLASS = "dispatcher.test.MskIamValidatorCallbackHandler"

REGION = "us-east-1"
ACCESS_KEY_ID = "AKIDMSKIAMLOCALTEST"
SECRET_ACCESS_KEY = "msk-iam-local-test-secret-4b1d"
OAUTH_LISTENERS = ("IAM", "SHORT", "OTHERHOST", "SKEWED")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def compile_validator(build_dir: Path) -> Path:
    """Compiles the validator into build_dir/classes once per source version (a stamp holds the
    source's sha256); returns the classes directory."""
    classes = build_dir / "classes"
    stamp = build_dir / "source.sha256"
    digest = hashlib.sha256(VALIDATOR_SOURCE.read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text().strip() == digest and classes.is_dir():
        return classes
    javac = shutil.which("javac")
    if javac is None:
        raise RuntimeError("javac not found: tools/deps/install.sh installs openjdk-17-jdk-headless")
    shutil.rmtree(classes, ignore_errors=True)
    classes.mkdir(parents=True)
    result = subprocess.run([javac, "-Xlint:all", "-Werror", "-cp", f"{JARS}/*", "-d",
                             str(classes), str(VALIDATOR_SOURCE)],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"javac failed:\n{result.stdout}{result.stderr}")
    stamp.write_text(digest + "\n")
    return classes


class MskIamBroker:
    def __init__(self, directory: Path, build_dir: Path, ca_file: str, short_lifetime: int = 4,
                 skew_seconds: int = 1000):
        self.directory = Path(directory)
        self.build_dir = Path(build_dir)
        self.ca_file = ca_file
        self.short_lifetime = short_lifetime
        self.skew_seconds = skew_seconds
        self.ports = {name: free_port() for name in ("DIRECT", "CONTROLLER", *OAUTH_LISTENERS)}
        self.validation_log = self.directory / "validations.log"
        self.log_path = self.directory / "server.log"
        self._process: subprocess.Popen | None = None

    @property
    def direct_bootstrap(self) -> str:
        return f"127.0.0.1:{self.ports['DIRECT']}"

    def bootstrap(self, listener: str) -> str:
        return f"127.0.0.1:{self.ports[listener]}"

    def validations(self, listener: str | None = None) -> list[str]:
        if not self.validation_log.exists():
            return []
        lines = self.validation_log.read_text().splitlines()
        return [line for line in lines if listener is None or f" listener={listener} " in line]

    def _java(self, classes: Path, main_class: str, *arguments: str) -> list[str]:
        return ["java", "-Xms128m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={self.directory / 'log4j2.xml'}",
                "-cp", f"{JARS}/*:{classes}", main_class, *arguments]

    def _jaas(self, listener: str, **options: str) -> str:
        values = {"region": REGION, "credentialsFile": str(self.directory / "credentials"),
                  "validationLog": str(self.validation_log), "listener": listener,
                  # Only for the broker's own login module, which this listener never uses.
                  "unsecuredLoginStringClaim_sub": "broker", **options}
        rendered = " ".join(f'{key}="{value}"' for key, value in values.items())
        return ("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                f"{rendered};")

    def _write_properties(self) -> Path:
        shared = subprocess.run([str(STACK_SCRIPT), "kafka-node-config", str(self.directory)],
                                check=True, capture_output=True, text=True,
                                env={**os.environ, "STACK_DIR": str(self.directory / "stack")})
        tls = Path(self.ca_file).parent
        (self.directory / "credentials").write_text(f"{ACCESS_KEY_ID} {SECRET_ACCESS_KEY}\n")
        (self.directory / "skew").write_text(f"+{self.skew_seconds}\n")
        client = [name for name in OAUTH_LISTENERS]
        listeners = ",".join(f"{name}://127.0.0.1:{self.ports[name]}"
                             for name in ("DIRECT", *client, "CONTROLLER"))
        advertised = ",".join(f"{name}://127.0.0.1:{self.ports[name]}"
                              for name in ("DIRECT", *client))
        protocols = ",".join(["CONTROLLER:PLAINTEXT", "DIRECT:PLAINTEXT",
                              *(f"{name}:SASL_SSL" for name in client)])
        per_listener = {
            "IAM": {},
            "SHORT": {"maxLifetimeSeconds": str(self.short_lifetime)},
            "OTHERHOST": {"host": f"kafka-fips.{REGION}.amazonaws.com"},
            "SKEWED": {"clockOffsetFile": str(self.directory / "skew")},
        }
        lines = [
            "# Written by tests/e2e/support/msk_iam_broker.py.",
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{self.ports['CONTROLLER']}",
            f"listeners={listeners}",
            f"advertised.listeners={advertised}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=DIRECT",
            f"listener.security.protocol.map={protocols}",
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={tls / 'broker-keystore.pem'}",
        ]
        for name, options in per_listener.items():
            prefix = f"listener.name.{name.lower()}"
            lines += [
                f"{prefix}.sasl.enabled.mechanisms=OAUTHBEARER",
                f"{prefix}.oauthbearer.sasl.server.callback.handler.class={VALIDATOR_CLASS}",
                f"{prefix}.oauthbearer.sasl.jaas.config={self._jaas(name, **options)}",
            ]
        properties = self.directory / "server.properties"
        properties.write_text("\n".join(lines) + "\n" + shared.stdout)
        return properties

    def start(self, timeout: float = 90) -> "MskIamBroker":
        """Compiles the validator (once), formats the storage and starts the broker; returns once
        the DIRECT listener answers a metadata request."""
        if not any(JARS.glob("*.jar")):
            raise RuntimeError(f"no Kafka jars in {JARS}: run tools/deps/install.sh")
        classes = compile_validator(self.build_dir)
        self.directory.mkdir(parents=True, exist_ok=True)
        properties = self._write_properties()
        formatted = subprocess.run(self._java(classes, "kafka.tools.StorageTool", "format", "-t",
                                              new_cluster_id(), "-c", str(properties)),
                                   capture_output=True, text=True, timeout=120)
        if formatted.returncode != 0:
            raise RuntimeError(f"kafka storage format failed: {formatted.stdout[-2000:]}"
                               f"{formatted.stderr[-2000:]}")
        with open(self.directory / "stdout.log", "wb") as output:
            self._process = subprocess.Popen(self._java(classes, "kafka.Kafka", str(properties)),
                                             stdin=subprocess.DEVNULL, stdout=output,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        admin = None
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the MSK IAM test broker exited with "
                                   f"{self._process.returncode}; see {self.log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.ports["DIRECT"]), timeout=1).close()
                admin = admin or AdminClient({"bootstrap.servers": self.direct_bootstrap})
                if admin.list_topics(timeout=2).brokers:
                    return self
            except Exception:  # noqa: BLE001 - not up yet
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the MSK IAM test broker did not answer within {timeout}s; "
                                   f"see {self.log_path}")
            time.sleep(0.5)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the broker this object started (never found by name), SIGKILL after
        `timeout`; then its data is removed."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.directory / "data", ignore_errors=True)
