"""The least-privilege check itself, on the real template and on altered copies: it must notice a
difference in either direction, and refuse roles it cannot judge."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import least_privilege as check

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"
# What the dispatcher's adapters call in Lambda mode (src/adapters/event_store, app/).
BINARY_ACTIONS = {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query",
                  "dynamodb:UpdateItem", "secretsmanager:GetSecretValue", "ssm:GetParameter"}


@pytest.fixture(scope="module")
def template() -> dict:
    return check.load_template(TEMPLATE)


def role_statements(template: dict, policy_name: str) -> list:
    role = template["Resources"][check.function_role_name(template)]
    for policy in role["Properties"]["Policies"]:
        if policy["PolicyName"] == policy_name:
            return policy["PolicyDocument"]["Statement"]
    raise AssertionError(f"no policy {policy_name}")


def test_template_allows_the_binary_actions_and_the_listed_lambda_actions(template):
    allowed = check.allowed_actions(template)
    assert allowed == BINARY_ACTIONS | check.NOT_CALLED_BY_THE_BINARY.keys()
    assert check.problems(allowed, BINARY_ACTIONS) == []


def test_actions_under_a_condition_count_as_allowed(template):
    # MSK IAM and the VPC statements exist only under conditions (Fn::If); they are still found.
    allowed = check.allowed_actions(template)
    assert "kafka-cluster:WriteDataIdempotently" in allowed
    assert "ec2:CreateNetworkInterface" in allowed


def test_an_action_called_but_not_allowed_is_reported(template):
    found = check.problems(check.allowed_actions(template), BINARY_ACTIONS | {"dynamodb:Scan"})
    assert found == ["called by the binary but not allowed by the template: dynamodb:Scan"]


def test_an_action_allowed_but_never_called_is_reported(template):
    altered = copy.deepcopy(template)
    role_statements(altered, "dispatcher")[0]["Action"].append("dynamodb:DeleteItem")
    found = check.problems(check.allowed_actions(altered), BINARY_ACTIONS)
    assert found == ["allowed by the template but never called by the binary: "
                     "dynamodb:DeleteItem"]


def test_a_missing_lambda_service_action_is_reported(template):
    altered = copy.deepcopy(template)
    statements = role_statements(altered, "lambda-service")
    statements[:] = [s for s in statements
                     if not (isinstance(s, dict) and s.get("Sid") == "EventSourceMappingOnFailure")]
    found = check.problems(check.allowed_actions(altered), BINARY_ACTIONS)
    assert len(found) == 1 and "sqs:SendMessage" in found[0], found


def test_a_recorded_lambda_service_action_is_reported(template):
    found = check.problems(check.allowed_actions(template),
                           BINARY_ACTIONS | {"dynamodb:GetRecords"})
    assert found == ["listed as not called by the binary, but it was: dynamodb:GetRecords"]


def test_wildcard_actions_are_refused(template):
    altered = copy.deepcopy(template)
    role_statements(altered, "dispatcher")[0]["Action"] = "dynamodb:*"
    with pytest.raises(ValueError, match="wildcard"):
        check.allowed_actions(altered)


def test_a_function_without_an_explicit_role_is_refused(template):
    altered = copy.deepcopy(template)
    del altered["Resources"]["Function"]["Properties"]["Role"]
    with pytest.raises(ValueError, match="no Role"):
        check.allowed_actions(altered)


def test_main_fails_without_a_recorded_log(tmp_path, capsys):
    assert check.main(["least_privilege.py", str(TEMPLATE), str(tmp_path / "missing.log")]) == 1
    assert "no AWS operations recorded" in capsys.readouterr().err


# --- the Terraform module (deploy/terraform/role-statements.json), held to the same sets

ROLE_STATEMENTS = TEMPLATE.parent / "terraform" / "role-statements.json"


def test_module_allows_the_template_actions_plus_the_pending_ones(template):
    module = check.terraform_actions(ROLE_STATEMENTS)
    assert module - check.PENDING_IN_TEMPLATE.keys() == check.allowed_actions(template)
    assert check.pending_problems(module, check.allowed_actions(template)) == []
    assert check.problems(module - check.PENDING_IN_TEMPLATE.keys(), BINARY_ACTIONS) == []


def test_a_pending_action_the_template_gained_is_reported(template):
    module = check.terraform_actions(ROLE_STATEMENTS)
    found = check.pending_problems(module, check.allowed_actions(template) | {"dynamodb:Scan"})
    assert len(found) == 1 and "dynamodb:Scan" in found[0] and "no longer pending" in found[0]


def test_a_pending_action_the_module_lacks_is_reported(template):
    module = check.terraform_actions(ROLE_STATEMENTS) - {"sqs:ReceiveMessage"}
    found = check.pending_problems(module, check.allowed_actions(template))
    assert found == ["pending for the template but not granted by the module: sqs:ReceiveMessage"]


def test_main_on_the_module_reports_an_extra_action(tmp_path, capsys):
    import json

    altered = json.loads(ROLE_STATEMENTS.read_text())
    altered["policies"]["dispatcher"][0]["actions"].append("dynamodb:DeleteItem")
    statements = tmp_path / "role-statements.json"
    statements.write_text(json.dumps(altered))
    log = tmp_path / "operations.log"
    log.write_text("\n".join(sorted(BINARY_ACTIONS)) + "\n")
    assert check.main(["least_privilege.py", str(statements), str(log)]) == 1
    assert ("MISMATCH: allowed by the template but never called by the binary: dynamodb:DeleteItem"
            in capsys.readouterr().out)
    statements.write_text(ROLE_STATEMENTS.read_text())
    assert check.main(["least_privilege.py", str(statements), str(log)]) == 0


def test_module_wildcard_actions_are_refused(tmp_path):
    import json

    altered = json.loads(ROLE_STATEMENTS.read_text())
    altered["policies"]["dispatcher"][0]["actions"] = ["dynamodb:*"]
    statements = tmp_path / "role-statements.json"
    statements.write_text(json.dumps(altered))
    with pytest.raises(ValueError, match="wildcard"):
        check.terraform_actions(statements)
