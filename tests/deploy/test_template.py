"""What deploy/template.yaml promises beyond cfn-lint's schema checks (docs/deploy.md): the event
source mapping settings the dispatcher's guarantees rely on, every setting the template exposes
reaching the function's environment under its documented name, and role statements scoped to
resources (only Lambda's VPC networking actions, which cannot be scoped, use "*")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import least_privilege as check

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "template.yaml"
UNSCOPABLE = {"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
              "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
              "ec2:UnassignPrivateIpAddresses"}


@pytest.fixture(scope="module")
def template() -> dict:
    return check.load_template(TEMPLATE)


@pytest.fixture(scope="module")
def function(template) -> dict:
    return template["Resources"]["Function"]["Properties"]


def stream_event(function) -> dict:
    events = [e["Properties"] for e in function["Events"].values() if e["Type"] == "DynamoDB"]
    assert len(events) == 1, "expected exactly one DynamoDB stream event source"
    return events[0]


def test_event_source_mapping_reads_from_the_start_and_reports_item_failures(function):
    event = stream_event(function)
    assert event["StartingPosition"] == "TRIM_HORIZON"
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["BisectBatchOnFunctionError"] is True
    assert event["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    assert event["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["FailureQueue", "Arn"]}


def test_retries_and_record_age_are_bounded(template, function):
    event = stream_event(function)
    parameters = template["Parameters"]
    for name in ("MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "ParallelizationFactor"):
        assert event[name] == {"Ref": name}
    # -1 would mean "retry forever" / "no age limit": a poison batch would block its shard.
    assert parameters["MaximumRetryAttempts"]["MinValue"] >= 0
    assert parameters["MaximumRecordAgeInSeconds"]["MinValue"] >= 60
    assert parameters["ParallelizationFactor"]["MaxValue"] <= 10


def test_function_runs_the_custom_runtime(function):
    assert function["Runtime"] == "provided.al2023"
    assert function["Handler"] == "bootstrap"
    assert function["Architectures"] == [{"Ref": "Architecture"}]


def documented_settings() -> set[str]:
    text = (REPO / "docs" / "configuration.md").read_text()
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", text, flags=re.MULTILINE))


def test_every_environment_variable_is_a_documented_setting(function):
    variables = set(function["Environment"]["Variables"])
    unknown = variables - documented_settings()
    assert not unknown, f"not in docs/configuration.md: {sorted(unknown)}"
    for required in ("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_TOPIC_OUTPUT", "EVENTS_TABLE_NAME",
                     "OFFSETS_TABLE_NAME"):
        assert required in variables


def test_every_statement_is_scoped_to_resources(template):
    role = template["Resources"][check.function_role_name(template)]
    for policy in role["Properties"]["Policies"]:
        for statement in check._statements(policy["PolicyDocument"]):
            actions = statement["Action"]
            actions = {actions} if isinstance(actions, str) else set(actions)
            resources = statement["Resource"]
            resources = resources if isinstance(resources, list) else [resources]
            if "*" in resources:
                assert actions <= UNSCOPABLE, (
                    f"statement {statement.get('Sid')} allows {sorted(actions)} on every resource")


def test_alarms_watch_the_metrics_the_dispatcher_emits(template):
    alarms = {r["Properties"]["MetricName"]: r["Properties"]
              for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"}
    dispatcher_metrics = {"AggregatesHeldAtGap", "AggregatesHeldAtPoison", "EventsDeadLettered",
                          "AggregatesFailed", "DispatchLagMax"}
    assert {"IteratorAge", "Errors"} | dispatcher_metrics <= alarms.keys()
    metrics_source = (REPO / "src/core/observability/metrics.cc").read_text()
    for name in dispatcher_metrics:
        assert f'"{name}"' in metrics_source, f"{name} is not a metric the dispatcher emits"
        assert alarms[name]["Namespace"] == {"Ref": "MetricsNamespace"}
        assert alarms[name]["Dimensions"] == [{"Name": "service", "Value": {"Ref": "ServiceName"}}]
    environment = template["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == {"Ref": "MetricsNamespace"}
    assert environment["POWERTOOLS_SERVICE_NAME"] == {"Ref": "ServiceName"}


# ------------------------------------------------------------------------------- self-healing
def test_the_function_redrives_its_own_on_failure_queue(template, function):
    queues = [e["Properties"] for e in function["Events"].values() if e["Type"] == "SQS"]
    assert len(queues) == 1, "one SQS event source: the on-failure queue"
    assert queues[0]["Queue"] == {"Fn::GetAtt": ["FailureQueue", "Arn"]}
    assert queues[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    failure_queue = template["Resources"]["FailureQueue"]["Properties"]
    assert failure_queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["LastResortQueue", "Arn"]}
    assert failure_queue["RedrivePolicy"]["maxReceiveCount"] == {"Ref": "RedriveMaxReceiveCount"}
    # Lambda refuses an SQS event source whose queue hides messages for less than the timeout.
    assert template["Parameters"]["RedriveVisibilityTimeout"]["Default"] >= \
        template["Parameters"]["Timeout"]["Default"]


def test_alarms_watch_the_queues_and_the_redrive_metrics(template):
    alarms = [r["Properties"] for r in template["Resources"].values()
              if r["Type"] == "AWS::CloudWatch::Alarm"]
    by_queue = {(a["MetricName"], a["Dimensions"][0]["Value"]["Fn::GetAtt"][0])
                for a in alarms if a["Namespace"] == "AWS/SQS"}
    assert by_queue == {("ApproximateAgeOfOldestMessage", "FailureQueue"),
                        ("ApproximateNumberOfMessagesVisible", "LastResortQueue")}
    metrics_source = (REPO / "src/core/observability/metrics.cc").read_text()
    redrive = {a["MetricName"]: a for a in alarms if a["MetricName"].startswith("Redrive")}
    assert redrive.keys() == {"RedriveFailures", "RedriveRangesTrimmed"}
    for name, alarm in redrive.items():
        assert f'"{name}"' in metrics_source, f"{name} is not a metric the dispatcher emits"
        assert alarm["Namespace"] == {"Ref": "MetricsNamespace"}


def test_the_optional_schedule_sends_a_sweep_payload(template):
    rule = template["Resources"]["SweepScheduleRule"]
    assert rule["Condition"] == "HasSweepSchedule"
    assert template["Resources"]["SweepSchedulePermission"]["Condition"] == "HasSweepSchedule"
    target = rule["Properties"]["Targets"][0]
    assert target["Arn"] == {"Fn::GetAtt": ["Function", "Arn"]}
    text = target["Input"]["Fn::Sub"]
    import json
    payload = json.loads(text.replace("${SweepRate}", "50").replace("${SweepPageSize}", "500"))
    assert payload == {"sweep": {"rate": 50, "pageSize": 500}}
