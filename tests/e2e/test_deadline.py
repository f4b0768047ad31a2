"""End to end: every invocation answers before its deadline while the Kafka broker is down or
hung, and once it is back every event reaches the topic in order, none lost (DESIGN.md §3,
Bounded and No loss).

The real `bootstrap` runs under the real Lambda Runtime Interface Emulator with a short
AWS_LAMBDA_FUNCTION_TIMEOUT; the emulator kills the runtime when it is over ("Task timed out",
docs/local-stack.md). Its KAFKA_BOOTSTRAP_SERVERS is a TCP proxy (support/tcp_proxy.py) in front
of a broker of this test's own (support/kafka_node.py) that advertises the proxy, so every
connection the producer makes goes through the proxy. The events table's stream records are fed
to the function as Lambda's event source mapping does (a partial failure is retried from its
lowest failed record, esm.evaluate), while the proxy refuses connections (broker down) or accepts
them and never answers (broker hung) for longer than the function timeout, then forwards again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from conftest import Scenario
from esm import InvokeResult, evaluate
from esm import stream as streams
from support.checks import delivered, delivery_problems, versions_by_stream
from support.eventstore import MARKER_VERSION
from support.kafka_node import KafkaNode
from support.tcp_proxy import TcpProxy
from test_dispatch import wait_offsets

FUNCTION_TIMEOUT = 12  # seconds, AWS_LAMBDA_FUNCTION_TIMEOUT of the emulator
FAULT_SECONDS = 1.5 * FUNCTION_TIMEOUT  # the broker stays unreachable longer than an invocation
RECOVERY_TIMEOUT = 120  # seconds after the broker is back for every event to be delivered
AGGREGATES = 5
LAST_VERSION = 3


@dataclass
class Broker:
    node: KafkaNode
    proxy: TcpProxy


@pytest.fixture(scope="module")
def proxied_broker(tmp_path_factory):
    node = KafkaNode(tmp_path_factory.mktemp("deadline-broker"))
    proxy = TcpProxy(node.upstream, name="broker-proxy").start()
    try:
        node.start(advertised_port=proxy.port)
        yield Broker(node, proxy)
    finally:
        proxy.stop()
        node.stop()


@pytest.fixture
def scenario(request, stack, aws, dynamodb, tmp_path, proxied_broker):
    """The e2e scenario, with its topic and reader on the proxied broker's direct listener."""
    proxied_broker.proxy.set_mode("forward")
    own = Scenario(request, {**stack, "STACK_KAFKA_BOOTSTRAP": proxied_broker.node.direct_bootstrap},
                   aws, dynamodb, tmp_path)
    yield own
    own.close()


@dataclass
class Call:
    phase: str  # warm-up, fault, recovery
    kind: str  # regular (doorbells only) or markers (dispatch)
    started: float  # seconds since the fault began (negative before it)
    records: int
    result: InvokeResult
    outcome: object  # esm Outcome

    def problem(self) -> str | None:
        """Why this invocation broke the time budget, or None."""
        error = self.result.function_error
        if error and "Task timed out" in error:
            return f"killed by the runtime at its deadline: {error}"
        if error:
            return f"function error: {error}"
        if self.result.seconds >= FUNCTION_TIMEOUT:
            return f"answered after {self.result.seconds:.2f} s, not before the deadline"
        return None

    def line(self) -> str:
        failures = (self.result.payload or {}).get("batchItemFailures") \
            if isinstance(self.result.payload, dict) else None
        answer = self.result.function_error or (
            f"{len(failures)} batchItemFailures" if failures else "success")
        return (f"{self.phase:9} {self.kind:8} t={self.started:+7.2f}s records={self.records:3} "
                f"took {self.result.seconds:6.2f}s -> {answer[:120]}")


class Feeder:
    """Invokes the function with stream records as Lambda would, recording every call."""

    def __init__(self, mapped):
        self.mapped = mapped
        self.calls: list[Call] = []
        self.seen: set[str] = set()
        self.fault_started: float | None = None

    def new_records(self, predicate, count: int, timeout: float = 30) -> list[dict]:
        """The next `count` stream records matching `predicate` that no call has been given."""
        deadline = time.monotonic() + timeout
        while True:
            records = [r for r in streams.read_stream(self.mapped.streams_client,
                                                      self.mapped.stream_arn).records
                       if streams.sequence_number(r) not in self.seen and predicate(r)]
            if len(records) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(records) == count, f"stream shows {len(records)} of {count} new records"
        records.sort(key=lambda r: int(streams.sequence_number(r)))
        self.seen.update(streams.sequence_number(r) for r in records)
        return records

    def invoke(self, phase: str, kind: str, records: list[dict]) -> Call:
        origin = self.fault_started if self.fault_started is not None else time.monotonic()
        started = time.monotonic() - origin
        result = self.mapped.invoke(streams.lambda_event(records))
        call = Call(phase, kind, started, len(records), result, evaluate(records, result))
        self.calls.append(call)
        print(call.line(), flush=True)
        return call

    def until_done(self, phase: str, records: list[dict], keep_going) -> list[dict]:
        """Invokes with `records`, retrying what is left the way Lambda does, while
        keep_going(calls so far in this phase) holds; returns the records still pending."""
        pending, attempt = records, 0
        while pending and keep_going(attempt):
            call = self.invoke(phase, "markers", pending)
            attempt += 1
            if call.outcome.kind == "success":
                return []
            if call.outcome.kind == "partial":
                pending = pending[call.outcome.retry_from:]
            # A function error retries the whole batch. Lambda's backoff, capped at 2 s.
            time.sleep(min(2.0, 0.1 * 2 ** attempt))
        return pending


def _is_regular(scenario):
    return lambda r: (streams.record_key(r)[0].startswith(f"{scenario.stream_type}:") and
                      streams.record_key(r)[1] >= 0)


def _is_marker(record) -> bool:
    return streams.record_key(record)[1] == MARKER_VERSION


@pytest.mark.parametrize("fault", ["refuse", "hang"])
def test_every_invocation_answers_before_its_deadline_while_the_broker_is_unreachable(
        scenario, bootstrap, proxied_broker, fault):
    proxy = proxied_broker.proxy
    stream_ids = [f"deadline-{index}" for index in range(AGGREGATES)]
    environment = scenario.function_environment(KAFKA_BOOTSTRAP_SERVERS=proxy.address)
    print(f"fault {fault}: proxy {proxy.address} -> broker 127.0.0.1:{proxied_broker.node.listen_port}"
          f", function timeout {FUNCTION_TIMEOUT} s, fault for {FAULT_SECONDS:.0f} s")
    with scenario.mapped(bootstrap, environment=environment, start_mapping=False, pool_size=1,
                         function_timeout=FUNCTION_TIMEOUT) as mapped:
        feeder = Feeder(mapped)

        # Warm-up with the broker reachable: init, one delivered event per aggregate, so the
        # producer has its connections and metadata when the fault starts.
        for stream_id in stream_ids:
            scenario.append(stream_id, [0])
        feeder.invoke("warm-up", "regular", feeder.new_records(_is_regular(scenario), AGGREGATES))
        left = feeder.until_done("warm-up", feeder.new_records(_is_marker, AGGREGATES),
                                 lambda attempt: attempt < 5)
        assert not left, "the warm-up batch was not dispatched with the broker reachable"
        assert scenario.reader.wait_for(
            lambda m: delivered(m, {s: 0 for s in stream_ids}, {}), 30), \
            versions_by_stream(scenario.reader.messages())

        # The fault: longer than one invocation may take.
        proxy.set_mode(fault)
        proxy.reset_stats()
        feeder.fault_started = time.monotonic()
        for stream_id in stream_ids:
            scenario.append(stream_id, [1])
            scenario.append(stream_id, [2, LAST_VERSION])
        feeder.invoke("fault", "regular",
                      feeder.new_records(_is_regular(scenario), AGGREGATES * LAST_VERSION))
        markers = feeder.new_records(_is_marker, AGGREGATES)
        pending = feeder.until_done(
            "fault", markers,
            lambda attempt: attempt < 2 or time.monotonic() - feeder.fault_started < FAULT_SECONDS)
        fault_seconds = time.monotonic() - feeder.fault_started
        during_fault = proxy.stats()

        # The broker is back: Lambda keeps retrying the batch until it is done.
        proxy.set_mode("forward")
        back = time.monotonic()
        pending = feeder.until_done("recovery", pending,
                                    lambda attempt: time.monotonic() - back < RECOVERY_TIMEOUT)
        expected_last = {s: LAST_VERSION for s in stream_ids}
        all_delivered = scenario.reader.wait_for(lambda m: delivered(m, expected_last, {}),
                                                 max(1.0, RECOVERY_TIMEOUT - (time.monotonic()
                                                                              - back)))
        recovered_after = time.monotonic() - back
        recovery_calls = [c for c in feeder.calls if c.phase == "recovery"]
        print(f"fault lasted {fault_seconds:.1f} s; proxy during the fault: {during_fault}")
        print(f"time to recover: every event on the topic {recovered_after:.1f} s after the broker "
              f"came back, {len(recovery_calls)} invocation(s)")

    # Every invocation answered before its deadline, none was killed or failed as a whole.
    problems = [f"{call.line()}: {call.problem()}" for call in feeder.calls if call.problem()]
    assert not problems, "invocations over the time budget:\n" + "\n".join(problems)
    fault_dispatches = [c for c in feeder.calls if c.phase == "fault" and c.kind == "markers"]
    assert len(fault_dispatches) >= 2 and fault_seconds >= FUNCTION_TIMEOUT
    for call in fault_dispatches:
        assert call.outcome.kind == "partial", \
            f"with the broker unreachable the answer must be batchItemFailures: {call.line()}"
    if fault == "hang":
        assert during_fault.accepted["hang"] > 0 or during_fault.dropped_bytes > 0, \
            f"the producer never talked to the hung broker: {during_fault}"

    # Then everything arrives, in order per aggregate, nothing lost (re-sends of a suffix allowed
    # after the failures), and the offsets catch up.
    assert not pending, f"still failing {RECOVERY_TIMEOUT} s after the broker came back"
    assert all_delivered, versions_by_stream(scenario.reader.messages())
    scenario.reader.catch_up()
    problems = delivery_problems(scenario.reader.messages(), scenario.store.written,
                                 expected_last, allow_resend=True)
    assert not problems, "\n".join(problems[:40])
    wait_offsets(scenario, expected_last)
