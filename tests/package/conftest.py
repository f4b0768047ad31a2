"""Fixtures of the package tests: the end-to-end fixtures of tests/e2e (local stack, per-test
tables, topic and consumer), shared so both suites build a scenario the same way. The empty root
the zips are unpacked into is in package_root.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path


HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

# tests/e2e/conftest.py puts tools/ (esm) and tests/e2e (support) on sys.path; its fixtures are
# re-exported here so both suites share one definition of a scenario.
_spec = importlib.util.spec_from_file_location("e2e_conftest", REPO / "tests/e2e/conftest.py")
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)
stack = e2e.stack
aws = e2e.aws
dynamodb = e2e.dynamodb
scenario_factory = e2e.scenario_factory
scenario = e2e.scenario
pytest_runtest_makereport = e2e.pytest_runtest_makereport
pytest_report_header = e2e.pytest_report_header
