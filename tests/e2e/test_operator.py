"""The operator commands against the real dispatcher (the bootstrap behind the event source
mapping emulator): replay re-publishes, release lets a held aggregate go on past a gap, sweep
recovers an aggregate whose doorbell was lost, and status says what each of them looks like."""

from __future__ import annotations

import json
import subprocess

from support import eventstore


def operator(scenario, bootstrap: list[str], *arguments: str) -> subprocess.CompletedProcess:
    environment = scenario.function_environment()
    environment.pop("KAFKA_BOOTSTRAP_SERVERS")  # the operator commands never talk to Kafka
    return subprocess.run([*bootstrap, *arguments], env=environment, capture_output=True,
                          text=True, timeout=60, check=False)


def status_of(scenario, bootstrap, stream_id: str) -> tuple[int, dict]:
    result = operator(scenario, bootstrap, "status", "--aggregate",
                      scenario.aggregate_id(stream_id), "--json")
    assert result.returncode in (0, 3), result.stderr
    return result.returncode, json.loads(result.stdout)["aggregates"][0]


def versions(scenario, stream_id: str) -> list[int]:
    return [m.version for m in scenario.reader.messages()
            if m.header_dict().get("streamId") == stream_id]


def wait_for_versions(scenario, stream_id: str, expected: list[int], timeout: float = 60):
    assert scenario.reader.wait_for(lambda _: versions(scenario, stream_id) == expected,
                                    timeout), versions(scenario, stream_id)


def test_replay_publishes_again_from_the_version_in_order(scenario, bootstrap):
    with scenario.mapped(bootstrap) as mapped:
        events = scenario.append("replayed", range(4))
        wait_for_versions(scenario, "replayed", [0, 1, 2, 3])
        result = operator(scenario, bootstrap, "replay", "--aggregate",
                          scenario.aggregate_id("replayed"), "--from-version", "2")
        assert result.returncode == 0, result.stderr
        assert '"action":"replay"' in result.stderr and '"to_offset":1' in result.stderr
        wait_for_versions(scenario, "replayed", [0, 1, 2, 3, 2, 3])
        mapped.mapping.wait_idle(quiet_seconds=1.5, timeout=30)
    resent = [m for m in scenario.reader.messages()
              if m.header_dict().get("streamId") == "replayed"][4:]
    assert [m.header_dict()["messageId"] for m in resent] == [e.event_id for e in events[2:]]
    code, status = status_of(scenario, bootstrap, "replayed")
    assert (code, status["state"], status["offset"]) == (0, "up-to-date", 3)


def test_release_skips_a_gap_for_good_and_the_aggregate_goes_on(scenario, bootstrap):
    with scenario.mapped(bootstrap) as mapped:
        scenario.append("gapped", [0, 1])
        wait_for_versions(scenario, "gapped", [0, 1])
        scenario.append("gapped", [3, 4])
        mapped.mapping.wait_idle(quiet_seconds=1.5, timeout=30)
        code, status = status_of(scenario, bootstrap, "gapped")
        assert code == 3
        assert status["hold"]["version"] == 2 and status["hold"]["reason"] == "gap"
        assert versions(scenario, "gapped") == [0, 1], "nothing passes the gap by itself"

        refused = operator(scenario, bootstrap, "release", "--aggregate",
                           scenario.aggregate_id("gapped"), "--version", "3", "--yes")
        assert refused.returncode == 1 and "held at version 2" in refused.stderr
        released = operator(scenario, bootstrap, "release", "--aggregate",
                            scenario.aggregate_id("gapped"), "--version", "2", "--yes")
        assert released.returncode == 0, released.stderr
        wait_for_versions(scenario, "gapped", [0, 1, 3, 4])
        mapped.mapping.wait_idle(quiet_seconds=1.5, timeout=30)
    code, status = status_of(scenario, bootstrap, "gapped")
    assert (code, status["state"], status["offset"]) == (0, "up-to-date", 4)


def test_sweep_rings_an_aggregate_whose_doorbell_was_lost(scenario, bootstrap):
    with scenario.mapped(bootstrap) as mapped:
        scenario.append("lost", range(3))
        scenario.append("fine", range(2))
        wait_for_versions(scenario, "lost", [0, 1, 2])
        wait_for_versions(scenario, "fine", [0, 1])
        mapped.mapping.wait_idle(quiet_seconds=1.5, timeout=30)
        # As if the commit of versions 1..2 had been lost with its doorbell: nothing will ring.
        eventstore.set_offset(scenario.dynamodb, scenario.offsets_table,
                              scenario.aggregate_id("lost"), 0)
        code, status = status_of(scenario, bootstrap, "lost")
        assert (code, status["state"], status["lag"]) == (0, "behind", 2)

        dry = operator(scenario, bootstrap, "sweep", "--dry-run", "--json")
        assert dry.returncode == 0, dry.stderr
        assert json.loads(dry.stdout)["rang"] == [scenario.aggregate_id("lost")]
        swept = operator(scenario, bootstrap, "sweep", "--json", "--rate", "10")
        assert swept.returncode == 0, swept.stderr
        assert json.loads(swept.stdout)["rang"] == [scenario.aggregate_id("lost")]
        wait_for_versions(scenario, "lost", [0, 1, 2, 1, 2])
        mapped.mapping.wait_idle(quiet_seconds=1.5, timeout=30)
    assert versions(scenario, "fine") == [0, 1]
    code, status = status_of(scenario, bootstrap, "lost")
    assert (code, status["state"], status["offset"]) == (0, "up-to-date", 2)
