"""The command line of the one binary: every command answers --help (usage on standard output,
exit 0), and start-up names every problem at once (a missing region or missing credentials does
not hide the settings that are missing too)."""

from __future__ import annotations

import os
import subprocess

import pytest

BOOTSTRAP = os.environ.get("BOOTSTRAP", "")
COMMANDS = ["handle", "run", "status", "audit", "replay", "release", "sweep"]


def bootstrap(*arguments: str, environment: dict[str, str] | None = None,
              stdin: str = "") -> subprocess.CompletedProcess:
    if not BOOTSTRAP:
        pytest.fail("BOOTSTRAP (the binary under test) is not set", pytrace=False)
    return subprocess.run([BOOTSTRAP, *arguments], env=environment or {"PATH": "/usr/bin:/bin"},
                          input=stdin, capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_help_with_its_usage_on_standard_output(command):
    result = bootstrap(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: bootstrap {command}"), result.stdout[:200]
    assert result.stderr == ""


def test_the_top_level_help_names_every_command():
    result = bootstrap("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert f"bootstrap {command}" in result.stdout


def test_an_unknown_argument_shows_the_commands_own_usage():
    result = bootstrap("handle", "--bogus")
    assert result.returncode == 2
    assert "unknown argument '--bogus'" in result.stderr
    assert "Usage: bootstrap handle" in result.stderr


def bare_environment(tmp_path) -> dict[str, str]:
    # No AWS region, no credentials (HOME without ~/.aws), none of the dispatcher's settings.
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}


def test_handle_names_every_start_up_problem_at_once(tmp_path):
    event = tmp_path / "event.json"
    event.write_text('{"Records": []}')
    result = bootstrap("handle", "--event", str(event), environment=bare_environment(tmp_path))
    assert result.returncode == 1
    for problem in ("AWS_REGION", "AWS_ACCESS_KEY_ID", "KAFKA_BOOTSTRAP_SERVERS is required",
                    "KAFKA_TOPIC_OUTPUT is required", "EVENTS_TABLE_NAME is required",
                    "OFFSETS_TABLE_NAME is required"):
        assert problem in result.stderr, f"{problem} missing from: {result.stderr}"


def test_settings_problems_show_beside_missing_credentials(tmp_path):
    environment = {**bare_environment(tmp_path), "AWS_REGION": "us-east-1",
                   "KAFKA_BOOTSTRAP_SERVERS": "localhost:9092", "KAFKA_TOPIC_OUTPUT": "out",
                   "EVENTS_TABLE_NAME": "Events", "OFFSETS_TABLE_NAME": "Offsets",
                   "KAFKA_MAX_MESSAGE_BYTES": "lots",
                   # an ARN that cannot be resolved without credentials: not judged by value
                   "KAFKA_CLIENT_ID": "arn:aws:ssm:us-east-1:123456789012:parameter/client-id"}
    result = bootstrap("handle", "--event", "-", environment=environment, stdin="{}")
    assert result.returncode == 1
    assert "CredentialsNotFound" in result.stderr
    assert 'KAFKA_MAX_MESSAGE_BYTES must be a whole number' in result.stderr
    assert "KAFKA_CLIENT_ID" not in result.stderr


def test_operator_commands_name_every_start_up_problem_at_once(tmp_path):
    result = bootstrap("status", environment=bare_environment(tmp_path))
    assert result.returncode == 1
    for problem in ("AWS_REGION", "AWS_ACCESS_KEY_ID", "EVENTS_TABLE_NAME is required",
                    "OFFSETS_TABLE_NAME is required"):
        assert problem in result.stderr, f"{problem} missing from: {result.stderr}"
