"""MSK IAM end to end: the real `bootstrap` with KAFKA_SASL_MECHANISM=AWS_MSK_IAM against a real
Kafka broker whose SASL_SSL/OAUTHBEARER listeners check the token the way Amazon MSK does
(support/msk_iam/MskIamValidatorCallbackHandler.java: the presigned kafka-cluster:Connect request,
its SigV4 signature with the test credentials, region, host and expiry). TLS is verified against
the stack's test CA. See docs/reliability.md, "MSK IAM end to end".
"""

from __future__ import annotations

import calendar
import json
import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import Scenario
from support import kafka as kafka_support
from support import msk_iam_broker
from support.checks import delivered, delivery_problems, versions_by_stream
from support.eventstore import MARKER_VERSION

BUILD_DIR = Path(os.environ.get("MSK_IAM_VALIDATOR_BUILD_DIR",
                                Path(__file__).resolve().parents[2] / "build" / "msk-iam"))
SHORT_LIFETIME = 4  # seconds of session the SHORT listener grants each token
FREEZE_SECONDS = 6  # longer than one of those sessions
HANDLE_TIMEOUT = 6  # seconds `bootstrap handle` may spend on a refused dispatch


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    ca = os.environ.get("STACK_KAFKA_CA")
    if not ca or not Path(ca).is_file():
        pytest.fail("STACK_KAFKA_CA is not set: start the local stack and `source .stack/env`",
                    pytrace=False)
    started = time.monotonic()
    node = msk_iam_broker.MskIamBroker(tmp_path_factory.mktemp("msk-iam-broker"), BUILD_DIR, ca,
                                       short_lifetime=SHORT_LIFETIME)
    node.start()
    print(f"MSK IAM test broker up in {time.monotonic() - started:.1f} s: {node.ports}")
    yield node
    node.stop()


@pytest.fixture
def msk_scenario(request, stack, aws, dynamodb, tmp_path, broker):
    # Tables in DynamoDB Local as usual; the topic, its reader and its admin on the test broker.
    scenario = Scenario(request, {**stack, "STACK_KAFKA_BOOTSTRAP": broker.direct_bootstrap},
                        aws, dynamodb, tmp_path)
    request.node.e2e_logs.append(broker.validation_log)
    yield scenario
    scenario.close()


def iam_environment(scenario, broker, listener: str, **overrides: str) -> dict[str, str]:
    settings = {
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap(listener),
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "AWS_MSK_IAM",
        "KAFKA_SSL_CA_LOCATION": os.environ["STACK_KAFKA_CA"],
        "AWS_REGION": msk_iam_broker.REGION,
        "AWS_ACCESS_KEY_ID": msk_iam_broker.ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": msk_iam_broker.SECRET_ACCESS_KEY,
    }
    settings.update(overrides)
    return scenario.function_environment(**settings)


def secret_leaks(text: str, *secrets: str) -> list[str]:
    """What of a secret shows in `text`: a secret key, or any part of a token (a token is the
    URL-safe base64 of "https://kafka...", and its decoded form carries X-Amz-Signature)."""
    found = [f"secret {secret[:4]}..." for secret in secrets if secret and secret in text]
    if "aHR0cHM6Ly9rYWZrYS" in text:
        found.append("an MSK IAM token")
    if "X-Amz-Signature" in text:
        found.append("a presigned URL")
    return found


def wait_all_delivered(scenario, expected_last: dict[str, int], timeout: float = 60) -> None:
    if scenario.reader.wait_for(lambda m: delivered(m, expected_last, {}), timeout):
        return
    got = versions_by_stream(scenario.reader.messages())
    pytest.fail(f"not delivered within {timeout}s: expected {expected_last}, got {dict(got)}")


def assert_in_order(scenario, expected_last: dict[str, int], allow_resend: bool) -> None:
    scenario.reader.catch_up()
    problems = delivery_problems(scenario.reader.messages(), scenario.store.written,
                                 expected_last, allow_resend)
    assert not problems, "\n".join(problems[:40])


def accepted(broker, listener: str) -> list[str]:
    return [line for line in broker.validations(listener) if " accepted " in line]


def refused(broker, listener: str) -> list[str]:
    return [line for line in broker.validations(listener) if " refused " in line]


# ----------------------------------------------------------------------------------------- 1
def test_dispatch_over_msk_iam_reauthenticates_and_survives_a_freeze(msk_scenario, broker,
                                                                    bootstrap):
    """A dispatch over SASL_SSL/OAUTHBEARER with an MSK IAM token succeeds, in order; the broker
    grants each token a session of SHORT_LIFETIME seconds, so the dispatcher re-authenticates
    (KIP-368) while it idles between invocations; then the runtime is frozen (SIGSTOP, as Lambda
    freezes it) for longer than that lifetime, thawed, and the next dispatch succeeds too."""
    scenario = msk_scenario
    environment = iam_environment(scenario, broker, "SHORT")
    streams = [f"iam-{index}" for index in range(6)]
    with scenario.mapped(bootstrap, environment=environment, pool_size=1) as mapped:
        for stream_id in streams:
            scenario.append(stream_id, range(0, 4))
        first_round = {stream_id: 3 for stream_id in streams}
        wait_all_delivered(scenario, first_round)
        assert_in_order(scenario, first_round, allow_resend=False)
        accepted_after_round_one = len(accepted(broker, "SHORT"))
        assert accepted_after_round_one >= 1

        # Idle for two sessions: each ends, so every open connection must re-authenticate.
        time.sleep(2 * SHORT_LIFETIME)
        reauthenticated = len(accepted(broker, "SHORT")) - accepted_after_round_one
        assert reauthenticated >= 2, (
            f"only {reauthenticated} authentication(s) in {2 * SHORT_LIFETIME} s idle with "
            f"{SHORT_LIFETIME} s sessions: {broker.validations('SHORT')[-5:]}")

        pids = mapped.pool.runtime_pids()
        assert pids, "no bootstrap process found under the emulator"
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        frozen_at = time.time()
        try:
            time.sleep(FREEZE_SECONDS)
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        thawed_at = time.time()

        for stream_id in streams:
            scenario.append(stream_id, range(4, 8))
        second_round = {stream_id: 7 for stream_id in streams}
        wait_all_delivered(scenario, second_round)
        assert_in_order(scenario, second_round, allow_resend=mapped.mapping.stats.failures > 0)
        assert mapped.mapping.stats.failures == 0, (
            f"invocations failed around the freeze: {mapped.mapping.stats}")

    validations = broker.validations("SHORT")
    after_thaw = [line for line in validations if " accepted " in line
                  and _epoch(line) >= thawed_at - 0.5]
    assert after_thaw, f"no authentication after the thaw: {validations[-5:]}"
    assert not refused(broker, "SHORT"), refused(broker, "SHORT")[:5]
    log = Path(mapped.function_log_path).read_text(errors="replace")
    assert not secret_leaks(log, msk_iam_broker.SECRET_ACCESS_KEY), secret_leaks(log)
    print(f"SHORT listener ({SHORT_LIFETIME} s sessions): {len(validations)} authentications, "
          f"all accepted; frozen {thawed_at - frozen_at:.1f} s; "
          f"{len(after_thaw)} authentication(s) after the thaw; "
          f"{8 * len(streams)} events in order")


def _epoch(line: str) -> float:
    """When the broker logged a validation line (its at_ms field), in seconds."""
    match = re.search(r" at_ms=(\d+) ", line)
    return int(match.group(1)) / 1000 if match else 0.0


# ----------------------------------------------------------------------------------------- 2
REFUSALS = {
    # case: (listener, environment overrides, what the broker's reason says)
    "expired": ("SKEWED", {}, "the token expired at"),
    "wrongly-signed": ("IAM", {"AWS_SECRET_ACCESS_KEY": "not-the-secret-of-this-key-9f3c"},
                       "the signature does not match"),
    "wrong-region": ("IAM", {"AWS_REGION": "eu-west-1"},
                     "signed for region eu-west-1, but this cluster is in us-east-1"),
    "wrong-host": ("OTHERHOST", {},
                   "signed for host kafka.us-east-1.amazonaws.com, but this cluster is "
                   "kafka-fips.us-east-1.amazonaws.com"),
}


def test_bad_tokens_are_refused_with_a_clear_reason(msk_scenario, broker, bootstrap):
    """Each bad token is refused by the broker; the dispatcher's log and its batch response say
    so (the broker's reason, through librdkafka's authentication error), nothing reaches the
    topic, and no secret or token is printed."""
    scenario = msk_scenario

    def run(case: str) -> tuple[str, subprocess.CompletedProcess]:
        listener, overrides, _ = REFUSALS[case]
        stream_id = f"refused-{case}"
        scenario.append(stream_id, range(0, 2))
        event = {"Records": [{"eventName": "INSERT", "eventSource": "aws:dynamodb",
                              "dynamodb": {"Keys": {"id": {"S": scenario.aggregate_id(stream_id)},
                                                    "version": {"N": str(MARKER_VERSION)}},
                                           "SequenceNumber": "100",
                                           "StreamViewType": "KEYS_ONLY"}}]}
        environment = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
        environment.update(iam_environment(scenario, broker, listener, **overrides))
        return case, subprocess.run(
            [*bootstrap, "handle", "--timeout-seconds", str(HANDLE_TIMEOUT)],
            input=json.dumps(event), capture_output=True, text=True, env=environment,
            timeout=HANDLE_TIMEOUT + 30)

    with ThreadPoolExecutor(len(REFUSALS)) as pool:
        results = dict(pool.map(run, REFUSALS))

    problems = []
    for case, result in results.items():
        listener, overrides, reason = REFUSALS[case]
        output = result.stdout + result.stderr
        (scenario.tmp_path / f"handle-{case}.log").write_text(output)
        if reason not in result.stderr:
            problems.append(f"{case}: the log does not say '{reason}':\n{result.stderr[-1500:]}")
        if "SASL authentication error" not in result.stderr:
            problems.append(f"{case}: no SASL authentication error in the log")
        # A refused login is a fault of the whole deployment: the invocation fails loudly
        # (docs/operations.md, InvocationFailed), naming _AUTHENTICATION, instead of a partial
        # batch failure that looks like a slow broker.
        if "the deployment cannot dispatch; the invocation fails" not in result.stderr:
            problems.append(f"{case}: the invocation did not fail as a deployment fault: exit "
                            f"{result.returncode}, stdout {result.stdout[:300]!r}")
        if not re.search(r'"error":"kafka _AUTHENTICATION', result.stderr):
            problems.append(f"{case}: the failure is not named _AUTHENTICATION")
        leaks = secret_leaks(output, msk_iam_broker.SECRET_ACCESS_KEY,
                             overrides.get("AWS_SECRET_ACCESS_KEY", ""))
        if leaks:
            problems.append(f"{case}: printed {leaks}")
        if not any(reason in line for line in refused(broker, listener)):
            problems.append(f"{case}: the broker did not refuse it: "
                            f"{broker.validations(listener)[-3:]}")
    assert not problems, "\n\n".join(problems)
    scenario.reader.catch_up()
    assert scenario.reader.messages() == [], "a refused dispatcher published something"
    for case, result in results.items():
        line = next((line for line in result.stderr.splitlines()
                     if REFUSALS[case][2] in line), "")
        print(f"{case}: exit {result.returncode}, stdout {result.stdout.strip()[:120]!r}; "
              f"log: {line[:400]}")


# ----------------------------------------------------------------------------------------- 3
TOKEN_LIFETIME = 4  # seconds: the product's token provider, asked for short-lived tokens
BUSY_SECONDS = 2 * TOKEN_LIFETIME


def test_tokens_are_replaced_before_expiry_and_after_a_freeze_longer_than_their_lifetime(
        broker, tmp_path):
    """The product's publisher and MSK IAM token provider (msk_iam_refresh_check), with tokens
    that live TOKEN_LIFETIME seconds, publish for two lifetimes through the IAM listener, whose
    sessions end when the token expires: every message is delivered and the broker accepts one
    token after another, each before it expires. Then the whole process is frozen (SIGSTOP) for
    longer than a token's lifetime and thawed: the next message is delivered with a new token."""
    program = os.environ.get("MSK_IAM_REFRESH_CHECK")
    if not program or not os.access(program, os.X_OK):
        pytest.fail("MSK_IAM_REFRESH_CHECK is not set to the built msk_iam_refresh_check "
                    "(ctest sets it)", pytrace=False)
    topic = f"e2e-msk-iam-refresh-{os.getpid()}-{int(time.time())}"
    kafka_support.create_topic(broker.direct_bootstrap, topic, partitions=1)
    environment = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    environment.update(AWS_REGION=msk_iam_broker.REGION,
                       AWS_ACCESS_KEY_ID=msk_iam_broker.ACCESS_KEY_ID,
                       AWS_SECRET_ACCESS_KEY=msk_iam_broker.SECRET_ACCESS_KEY)
    before = len(broker.validations("IAM"))
    started = time.time()
    with open(tmp_path / "stderr.log", "w") as stderr_file:
        process = subprocess.Popen(
            [program, broker.bootstrap("IAM"), os.environ["STACK_KAFKA_CA"], topic,
             str(TOKEN_LIFETIME), str(BUSY_SECONDS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr_file, text=True,
            env=environment)
    output = []
    try:
        for line in process.stdout:
            output.append(line.rstrip("\n"))
            if line.startswith("freeze-now"):
                break
        process.send_signal(signal.SIGSTOP)
        frozen_at = time.time()
        time.sleep(TOKEN_LIFETIME + 3)
        process.send_signal(signal.SIGCONT)
        thawed_at = time.time()
        process.stdin.write("thawed\n")
        process.stdin.flush()
        output += [line.rstrip("\n") for line in process.stdout]
        returncode = process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    (tmp_path / "stdout.log").write_text("\n".join(output) + "\n")
    stderr = (tmp_path / "stderr.log").read_text()
    assert returncode == 0, "\n".join(output[-10:]) + "\n" + stderr[-2000:]

    validations = broker.validations("IAM")[before:]
    accepted_dates = []
    for line in validations:
        if " accepted " in line:
            date = re.search(r" date=(\S+) ", line).group(1)
            if date not in accepted_dates:
                accepted_dates.append(date)
    busy_end = frozen_at
    tokens_while_busy = [d for d in accepted_dates
                         if _amz_epoch(d) < busy_end]
    assert len(tokens_while_busy) >= BUSY_SECONDS // TOKEN_LIFETIME, (
        f"{len(tokens_while_busy)} distinct tokens accepted in {BUSY_SECONDS} s of "
        f"{TOKEN_LIFETIME} s tokens: {validations[-8:]}")
    after_thaw = [line for line in validations if " accepted " in line
                  and _epoch(line) >= thawed_at - 0.5]
    assert after_thaw, f"no token accepted after the thaw: {validations[-8:]}"
    assert all(_amz_epoch(re.search(r" date=(\S+) ", line).group(1)) >= frozen_at - 1
               for line in after_thaw), f"a token from before the freeze was accepted: {after_thaw}"
    refusals = [line for line in validations if " refused " in line]
    assert not [line for line in refusals if _epoch(line) < frozen_at], refusals[:5]
    assert not secret_leaks("\n".join(output) + stderr, msk_iam_broker.SECRET_ACCESS_KEY)
    print(f"{TOKEN_LIFETIME} s tokens over {BUSY_SECONDS} s of publishing: "
          f"{len(tokens_while_busy)} tokens accepted, none refused; frozen "
          f"{thawed_at - frozen_at:.1f} s; after the thaw {len(after_thaw)} authentication(s) "
          f"with a new token, {len(refusals)} refused after it (the old token, if librdkafka "
          f"re-authenticated before the publisher made a new one); "
          f"{output[-1]}; {time.time() - started:.1f} s")


def _amz_epoch(amz_date: str) -> float:
    return float(calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ")))
