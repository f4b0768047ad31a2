"""`make demo`'s workload in its short profile, against the real bootstrap and the local stack: it
must end with a passing verdict. And the verdict itself must catch every broken guarantee."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "demo"))

import workload  # noqa: E402


def _plan() -> workload.Plan:
    return workload.Plan(round_one={"Order:a": 3, "Order:b": 2}, round_two={"Order:a": 1})


def _message(aggregate: str, version: int, message_id: str | None = None,
             partition: int = 0) -> dict:
    return {"aggregate": aggregate, "version": version, "partition": partition,
            "message_id": message_id or f"{aggregate}-{version}", "key": aggregate}


def _complete() -> list[dict]:
    return [_message("Order:a", v) for v in range(4)] + [_message("Order:b", v) for v in range(2)]


def test_verdict_passes_in_order_complete_delivery_and_counts_resends_as_duplicates():
    messages = _complete() + [_message("Order:b", 1)]
    rows, broken, duplicates = workload.verdict_rows(_plan(), messages)
    assert broken == []
    assert duplicates == 1
    assert rows[0] == ("Order:a", 4, "0..3", "yes", "yes")


@pytest.mark.parametrize("mutate, problem", [
    (lambda m: [m[1], m[0]] + m[2:], "out of order"),
    (lambda m: m[:2] + m[3:], "expected versions 0..3"),
    (lambda m: m + [_message("Order:zzz", 0)], "nobody wrote"),
    (lambda m: m[:-1] + [_message("Order:b", 1, partition=2)], "several partitions"),
])
def test_verdict_names_each_broken_guarantee(mutate, problem):
    _, broken, _ = workload.verdict_rows(_plan(), mutate(_complete()))
    assert any(problem in line for line in broken), broken


def test_writer_queues_write_version_one_before_zero_from_another_writer():
    plan = workload.Plan(round_one={"Order:x": 3, "Order:y": 3}, swapped=["Order:x"],
                         gap_aggregate="Order:y")
    queues = workload.writer_queues(plan, 2, workload.random.Random(1))
    early = [(i, w) for i, q in enumerate(queues) for w in q
             if w.aggregate == "Order:x" and w.version == 1]
    late = [(i, w) for i, q in enumerate(queues) for w in q
            if w.aggregate == "Order:x" and w.version == 0]
    assert len(early) == 1 and len(late) == 1
    assert early[0][0] != late[0][0]
    assert late[0][1].wait_for is early[0][1].signal
    assert queues[early[0][0]][0] is early[0][1], "early writes head their queue"
    gap_versions = [w.version for q in queues for w in q if w.aggregate == "Order:y"]
    assert workload.GAP_VERSION not in gap_versions


def test_short_demo_ends_with_a_passing_verdict(tmp_path):
    for name in ("STACK_DYNAMODB_ENDPOINT", "STACK_KAFKA_BOOTSTRAP"):
        if not os.environ.get(name):
            pytest.fail(f"{name} is not set: start the local stack and `source .stack/env`",
                        pytrace=False)
    bootstrap = os.environ.get("BOOTSTRAP")
    if not bootstrap:
        pytest.fail("BOOTSTRAP (the binary under test) is not set", pytrace=False)
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "demo" / "workload.py"), "--bootstrap", bootstrap,
         "--profile", "short", "--log-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=240, check=False)
    print(result.stdout[-4000:])
    print(result.stderr[-4000:], file=sys.stderr)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "VERDICT: PASS" in result.stdout
    assert "bootstrap audit: audited 12 aggregates" in result.stdout, \
        "the verdict comes through bootstrap audit"
    assert "12 complete and in order, 0 with problems" in result.stdout
    assert f"held at version {workload.GAP_VERSION} while it was missing" in result.stdout, \
        "the gap must be visible (bootstrap status) while it is open"
