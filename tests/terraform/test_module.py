"""What deploy/terraform promises without deploying it: it is formatted and valid, it has the
template's role statements with the same actions (plus only the pending self-healing ones), its
alarms watch metrics the dispatcher emits, and every variable and output is documented."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from harness import MODULE, REPO, Terraform, terraform_binary

sys.path.insert(0, str(REPO / "tests" / "deploy"))
import least_privilege as check  # noqa: E402

STATEMENTS = json.loads((MODULE / "role-statements.json").read_text())["policies"]
# Metrics of issue 12 (the redrive) that the module alarms on before the binary emits them.
PENDING_METRICS = {"RedriveFailures", "RedriveRangesTrimmed"}


def test_the_module_and_the_example_are_formatted():
    # fmt reads the files only (no providers, no .terraform), so it runs on the tree itself.
    result = subprocess.run([terraform_binary(), "fmt", "-check", "-recursive", "-diff", "-no-color",
                             str(MODULE)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null"})
    assert result.returncode == 0, f"terraform fmt -check:\n{result.stdout}{result.stderr}"


def test_the_example_and_the_module_validate(tmp_path):
    terraform = Terraform(tmp_path)
    example = terraform.module / "examples" / "complete"
    terraform.run(example, "init", "-backend=false", "-input=false")
    result = terraform.run(example, "validate", "-json")
    assert json.loads(result.stdout)["valid"] is True, result.stdout


def template_statements() -> dict[str, set[str]]:
    template = check.load_template(check.TEMPLATE)
    role = template["Resources"][check.function_role_name(template)]
    found = {}
    for policy in role["Properties"]["Policies"]:
        for statement in check._statements(policy["PolicyDocument"]):
            actions = statement["Action"]
            found[(policy["PolicyName"], statement["Sid"])] = set(
                [actions] if isinstance(actions, str) else actions)
    return found


def test_every_template_statement_is_in_the_module_with_the_same_actions():
    module = {(policy, s["sid"]): set(s["actions"])
              for policy, statements in STATEMENTS.items() for s in statements}
    template = template_statements()
    for key, actions in template.items():
        assert key in module, f"the module lacks the template's statement {key}"
        assert module[key] == actions, f"{key}: module {sorted(module[key])}, template {sorted(actions)}"
    # Statements the template does not have yet (issue 12) grant only pending actions, or actions
    # the template already grants elsewhere (the redrive reads the stream like the mapping does).
    extra = {key: actions for key, actions in module.items() if key not in template}
    template_actions = set().union(*template.values())
    assert set().union(*extra.values()) <= check.PENDING_IN_TEMPLATE.keys() | template_actions, extra


def test_every_statement_has_resources_and_a_setting_in_iam_tf():
    iam = (MODULE / "iam.tf").read_text()
    enabled = iam[iam.index("statement_enabled = {"):iam.index("statement_resources = {")]
    resources = iam[iam.index("statement_resources = {"):iam.index("statement_conditions = {")]
    for statements in STATEMENTS.values():
        for statement in statements:
            assert re.search(rf"^\s*{statement['sid']}\s*=", enabled, re.MULTILINE), statement["sid"]
            assert re.search(rf"^\s*{statement['sid']}\s*=", resources, re.MULTILINE), statement["sid"]


def test_alarms_cover_the_template_and_watch_metrics_the_dispatcher_emits():
    pairs = re.findall(r'namespace\s*=\s*("[^"]+"|var\.metrics_namespace)\s*\n\s*metric\s*=\s*"(\w+)"',
                       (MODULE / "alarms.tf").read_text())
    metrics = {metric: namespace for namespace, metric in pairs}
    template = check.load_template(check.TEMPLATE)
    template_metrics = {r["Properties"]["MetricName"] for r in template["Resources"].values()
                        if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert template_metrics <= metrics.keys()
    emitted = (REPO / "src/core/observability/metrics.cc").read_text()
    for metric, namespace in metrics.items():
        if namespace != "var.metrics_namespace":
            continue
        if metric in PENDING_METRICS:
            assert f'"{metric}"' not in emitted, (
                f"{metric} is emitted now: remove it from PENDING_METRICS")
        else:
            assert f'"{metric}"' in emitted, f"{metric} is not a metric the dispatcher emits"


def declared(kind: str, text: str) -> set[str]:
    return set(re.findall(rf'^{kind} "(\w+)"', text, re.MULTILINE))


def test_every_variable_and_output_is_documented():
    readme = (MODULE / "README.md").read_text()
    variables = declared("variable", (MODULE / "variables.tf").read_text())
    outputs = declared("output", (MODULE / "outputs.tf").read_text())
    documented = set(re.findall(r"^\| `(\w+)`", readme, re.MULTILINE))
    assert variables - documented == set(), "variables missing from deploy/terraform/README.md"
    assert outputs - documented == set(), "outputs missing from deploy/terraform/README.md"
    assert documented - variables - outputs == set(), "README.md documents what the module lacks"


def test_every_environment_variable_is_a_documented_setting():
    main = (MODULE / "main.tf").read_text()
    block = main[main.index("environment = merge("):main.index("})", main.index("environment = merge("))]
    variables = set(re.findall(r"^\s*([A-Z][A-Z0-9_]+)\s*=", block, re.MULTILINE))
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`",
                                (REPO / "docs" / "configuration.md").read_text(), re.MULTILINE))
    template = check.load_template(check.TEMPLATE)
    assert variables == set(template["Resources"]["Function"]["Properties"]["Environment"]["Variables"])
    assert variables <= documented
