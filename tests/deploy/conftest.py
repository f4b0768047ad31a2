"""The deploy tests run the function through the end-to-end harness of tests/e2e: its fixtures
(scenario, stack, bootstrap, ...) are loaded from there under another module name."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

_E2E_CONFTEST = Path(__file__).resolve().parents[1] / "e2e" / "conftest.py"
_spec = importlib.util.spec_from_file_location("e2e_conftest", _E2E_CONFTEST)
e2e_conftest = importlib.util.module_from_spec(_spec)
sys.modules["e2e_conftest"] = e2e_conftest
_spec.loader.exec_module(e2e_conftest)

# Fixtures and the failure-report hook, re-exported so pytest registers them here.
stack = e2e_conftest.stack
aws = e2e_conftest.aws
dynamodb = e2e_conftest.dynamodb
bootstrap = e2e_conftest.bootstrap
scenario_factory = e2e_conftest.scenario_factory
scenario = e2e_conftest.scenario
pytest_runtest_makereport = e2e_conftest.pytest_runtest_makereport
