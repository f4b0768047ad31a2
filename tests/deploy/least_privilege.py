#!/usr/bin/env python3
"""Least privilege, proven: the actions deploy/template.yaml allows the function's role must be
exactly the AWS actions the dispatcher binary called in the end-to-end tests (recorded by the AWS
layer in $DISPATCHER_OPERATION_LOG, src/adapters/aws/operation_log.h), plus the actions that
Lambda itself performs with the role, each listed below with the reason it is not recorded. The
Terraform module is held to the same sets: its role's actions are listed once, in
deploy/terraform/role-statements.json.

Usage: least_privilege.py TEMPLATE|ROLE_STATEMENTS_JSON OPERATION_LOG
Exit status 0 when the sets match; 1 with both sets and their differences printed otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cfnlint.decode import cfn_yaml

# Actions the role needs that the binary's AWS layer never calls, so the operation log cannot
# contain them. Each must be in the template (a stale entry fails the check too).
NOT_CALLED_BY_THE_BINARY: dict[str, str] = {
    # Lambda's event source mapping reads the events table's stream with the function's role and
    # hands the records to the function as the invocation payload. (The standalone runner,
    # `bootstrap run`, calls the Streams API itself, but it is a different deployment.)
    "dynamodb:DescribeStream": "event source mapping reads the stream",
    "dynamodb:GetRecords": "event source mapping reads the stream",
    "dynamodb:GetShardIterator": "event source mapping reads the stream",
    "dynamodb:ListStreams": "event source mapping reads the stream",
    "sqs:SendMessage": "event source mapping sends a given-up batch to the on-failure queue",
    "logs:CreateLogStream": "the Lambda runtime ships the function's stdout/stderr",
    "logs:PutLogEvents": "the Lambda runtime ships the function's stdout/stderr",
    # Lambda creates the function's network interfaces in the VPC with the role (VPC only).
    "ec2:CreateNetworkInterface": "Lambda VPC networking",
    "ec2:DescribeNetworkInterfaces": "Lambda VPC networking",
    "ec2:DescribeSubnets": "Lambda VPC networking",
    "ec2:DeleteNetworkInterface": "Lambda VPC networking",
    "ec2:AssignPrivateIpAddresses": "Lambda VPC networking",
    "ec2:UnassignPrivateIpAddresses": "Lambda VPC networking",
    # Secrets Manager decrypts a secret under a customer-managed key (MSK SCRAM secrets need one)
    # with the caller's permission; the binary only calls GetSecretValue.
    "kms:Decrypt": "Secrets Manager decrypts the SASL secret on the function's behalf",
    # MSK IAM authorises Kafka protocol requests on the broker (the token is signed locally, no
    # AWS API call): connect, metadata, produce, and InitProducerId of the idempotent producer.
    "kafka-cluster:Connect": "MSK broker authorises the SASL/OAUTHBEARER connection",
    "kafka-cluster:DescribeTopic": "MSK broker authorises the metadata request",
    "kafka-cluster:WriteData": "MSK broker authorises produce requests",
    "kafka-cluster:WriteDataIdempotently": "MSK broker authorises InitProducerId (idempotence)",
}


# Actions the Terraform module already grants for the self-healing pieces of issue 12 (the redrive
# event source on the on-failure queue, the scheduled sweep) that deploy/template.yaml and the
# binary do not have yet. When the template gains one, the check fails until it is moved into
# NOT_CALLED_BY_THE_BINARY (Lambda's own) or left to the operation log (the binary's).
PENDING_IN_TEMPLATE: dict[str, str] = {
    "sqs:ReceiveMessage": "the redrive event source mapping polls the on-failure queue",
    "sqs:DeleteMessage": "the redrive event source mapping deletes the records the function acted on",
    "sqs:GetQueueAttributes": "the redrive event source mapping reads the queue's attributes",
    "dynamodb:Scan": "the sweep (scheduled, or the redrive's fallback) scans the events table",
}

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.yaml"


def terraform_actions(path: Path) -> set[str]:
    """Every action of every statement in the Terraform module's role-statements.json."""
    import json

    actions: set[str] = set()
    for policy, statements in json.loads(path.read_text())["policies"].items():
        for statement in statements:
            for action in statement["actions"]:
                if "*" in action:
                    raise ValueError(f"{policy} statement {statement['sid']} allows wildcard {action}")
                actions.add(action)
    return actions


def pending_problems(terraform: set[str], template: set[str]) -> list[str]:
    """The module may differ from the template only by PENDING_IN_TEMPLATE, in both directions."""
    found = []
    for action in sorted(PENDING_IN_TEMPLATE.keys() & template):
        found.append(f"now allowed by the template too, so no longer pending: {action} (move it "
                     "out of PENDING_IN_TEMPLATE)")
    for action in sorted(PENDING_IN_TEMPLATE.keys() - terraform):
        found.append(f"pending for the template but not granted by the module: {action}")
    return found


def load_template(path: Path) -> dict:
    """The template with its short-form tags (!Ref, !Sub, ...) as long-form intrinsics."""
    return cfn_yaml.load(str(path))


def _branches(node):
    """Every value `node` can take: both branches of each Fn::If, without AWS::NoValue."""
    if isinstance(node, dict) and list(node.keys()) == ["Fn::If"]:
        _, when_true, when_false = node["Fn::If"]
        yield from _branches(when_true)
        yield from _branches(when_false)
    elif isinstance(node, dict) and node == {"Ref": "AWS::NoValue"}:
        return
    else:
        yield node


def _statements(document) -> list[dict]:
    statements = []
    for document_value in _branches(document):
        listed = document_value.get("Statement", [])
        for entry in _branches(listed):
            for item in entry if isinstance(entry, list) else [entry]:
                statements.extend(_branches(item))
    return statements


def function_role_name(template: dict) -> str:
    """The logical id of the role the function runs with (Properties.Role: !GetAtt X.Arn)."""
    functions = [resource for resource in template["Resources"].values()
                 if resource.get("Type") in ("AWS::Serverless::Function", "AWS::Lambda::Function")]
    if len(functions) != 1:
        raise ValueError(f"expected exactly one function in the template, found {len(functions)}")
    role = functions[0]["Properties"].get("Role")
    if not (isinstance(role, dict) and "Fn::GetAtt" in role):
        raise ValueError("the function has no Role: !GetAtt <role>.Arn; SAM would generate a role "
                         "with managed policies that are not least privilege")
    target = role["Fn::GetAtt"]
    return target[0] if isinstance(target, list) else target.split(".")[0]


def allowed_actions(template: dict) -> set[str]:
    """Every action any Allow statement of the function's role grants, under any condition."""
    role = template["Resources"][function_role_name(template)]
    properties = role["Properties"]
    if properties.get("ManagedPolicyArns"):
        raise ValueError("the function role attaches managed policies; their actions cannot be "
                         "checked here")
    actions: set[str] = set()
    for policy in properties.get("Policies", []):
        for statement in _statements(policy["PolicyDocument"]):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                raise ValueError(f"statement {statement.get('Sid')} uses NotAction")
            listed = statement["Action"]
            for action in [listed] if isinstance(listed, str) else listed:
                if "*" in action:
                    raise ValueError(f"statement {statement.get('Sid')} allows wildcard {action}")
                actions.add(action)
    return actions


def recorded_actions(log: Path) -> set[str]:
    return {line.strip() for line in log.read_text().splitlines() if line.strip()}


def problems(allowed: set[str], recorded: set[str]) -> list[str]:
    """Every difference between the template and the recorded operations, one line each."""
    found = []
    for action in sorted(recorded - allowed):
        found.append(f"called by the binary but not allowed by the template: {action}")
    for action in sorted(recorded & NOT_CALLED_BY_THE_BINARY.keys()):
        found.append(f"listed as not called by the binary, but it was: {action}")
    for action in sorted(allowed - recorded - NOT_CALLED_BY_THE_BINARY.keys()):
        found.append(f"allowed by the template but never called by the binary: {action}")
    for action in sorted(NOT_CALLED_BY_THE_BINARY.keys() - allowed):
        found.append(f"needed by Lambda ({NOT_CALLED_BY_THE_BINARY[action]}) but not allowed by "
                     f"the template: {action}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    template_path, log_path = Path(argv[1]), Path(argv[2])
    if not log_path.exists() or not recorded_actions(log_path):
        print(f"no AWS operations recorded in {log_path}: this check compares what the end-to-end "
              "tests recorded, so run it together with them (ctest -L e2e)", file=sys.stderr)
        return 1
    recorded = recorded_actions(log_path)
    found = []
    if template_path.suffix == ".json":
        module = terraform_actions(template_path)
        found += pending_problems(module, allowed_actions(load_template(TEMPLATE)))
        allowed = module - PENDING_IN_TEMPLATE.keys()
        print(f"pending for the template (issue 12), not compared: "
              f"{sorted(module & PENDING_IN_TEMPLATE.keys())}")
    else:
        allowed = allowed_actions(load_template(template_path))
    print(f"allowed by {template_path} ({len(allowed)}):")
    for action in sorted(allowed):
        reason = NOT_CALLED_BY_THE_BINARY.get(action)
        print(f"  {action}" + (f"   [not called by the binary: {reason}]" if reason else ""))
    print(f"called by the binary in the end-to-end tests ({len(recorded)}):")
    for action in sorted(recorded):
        print(f"  {action}")
    found += problems(allowed, recorded)
    for line in found:
        print(f"MISMATCH: {line}")
    if found:
        return 1
    print(f"least privilege: {template_path.name} allows exactly what is used")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
