"""Containment: one aggregate whose stored data is unreadable is held (reason corrupt) while the
rest of its batch commits, `bootstrap status` shows it, and `bootstrap release` moves it on."""

from __future__ import annotations

import json
import subprocess

HEALTHY = 50


def operator(scenario, bootstrap: list[str], *arguments: str) -> subprocess.CompletedProcess:
    environment = scenario.function_environment()
    environment.pop("KAFKA_BOOTSTRAP_SERVERS")  # the operator commands never talk to Kafka
    return subprocess.run([*bootstrap, *arguments], env=environment, capture_output=True,
                          text=True, timeout=60, check=False)


def versions(scenario, stream_id: str) -> list[int]:
    return [m.version for m in scenario.reader.messages()
            if m.header_dict().get("streamId") == stream_id]


def test_one_corrupt_offset_item_in_a_batch_of_fifty_healthy_aggregates(scenario, bootstrap):
    corrupt = scenario.aggregate_id("corrupt")
    # The offsets item exists before the events, with a version that is not a number.
    scenario.dynamodb.put_item(TableName=scenario.offsets_table,
                               Item={"id": {"S": corrupt}, "version": {"S": "two"}})
    healthy = [f"healthy-{index}" for index in range(HEALTHY)]
    with scenario.mapped(bootstrap) as mapped:
        for stream_id in healthy:
            scenario.append(stream_id, range(3))
        scenario.append("corrupt", range(3))
        assert scenario.reader.wait_for(
            lambda _: all(versions(scenario, s) == [0, 1, 2] for s in healthy), 120), \
            {s: versions(scenario, s) for s in healthy if versions(scenario, s) != [0, 1, 2]}
        mapped.mapping.wait_idle(quiet_seconds=1.5, timeout=60)
        assert scenario.offsets(healthy) == {scenario.aggregate_id(s): 2 for s in healthy}
        assert versions(scenario, "corrupt") == [], "nothing of the corrupt aggregate goes out"

        status = operator(scenario, bootstrap, "status", "--json")
        assert status.returncode == 3, status.stderr
        document = json.loads(status.stdout)
        assert document["summary"]["aggregates"] == HEALTHY + 1
        assert document["summary"]["up_to_date"] == HEALTHY
        assert document["summary"]["held_corrupt"] == 1
        shown = next(a for a in document["aggregates"] if a["id"] == corrupt)
        assert shown["state"] == "held" and shown["hold"]["reason"] == "corrupt", shown
        assert shown["hold"]["source"] == "stored", "the dispatcher stored its verdict"
        assert shown["hold"]["held_since"] is not None
        assert "'version'" in shown["offset_problem"] and "two" not in json.dumps(shown)

        skipped = operator(scenario, bootstrap, "sweep", "--json")
        assert skipped.returncode == 3, skipped.stderr
        assert json.loads(skipped.stdout)["summary"]["skipped_by_reason"] == {"corrupt": 1}

        released = operator(scenario, bootstrap, "release", "--aggregate", corrupt,
                            "--to-version", "-1", "--yes")
        assert released.returncode == 0, released.stderr
        assert scenario.reader.wait_for(lambda _: versions(scenario, "corrupt") == [0, 1, 2],
                                        60), versions(scenario, "corrupt")
        mapped.mapping.wait_idle(quiet_seconds=1.5, timeout=30)
    after = operator(scenario, bootstrap, "status", "--aggregate", corrupt, "--json")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["aggregates"][0]["state"] == "up-to-date"
    assert all(versions(scenario, s) == [0, 1, 2] for s in healthy), "nothing published twice"
