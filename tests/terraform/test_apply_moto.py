"""deploy/terraform/examples/complete applied to the local stack's moto server, read back with
boto3 (the mappings, the role's policies, the alarms, the queues, the tables, the schedule), then
destroyed, leaving nothing behind. The provider's endpoints and test credentials live in an
override file of this test only; the module and the example stay as a user runs them."""

from __future__ import annotations

import json
import os
import time
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest

from harness import MODULE, Terraform

REGION = "us-east-1"
SERVICES = ("cloudwatch", "dynamodb", "events", "iam", "lambda", "logs", "sqs", "sts")
STATEMENTS = json.loads((MODULE / "role-statements.json").read_text())["policies"]


@pytest.fixture(scope="module")
def moto_endpoint() -> str:
    endpoint = os.environ.get("STACK_MOTO_ENDPOINT")
    if not endpoint:
        pytest.fail("STACK_MOTO_ENDPOINT is not set: start the local stack and `source .stack/env`",
                    pytrace=False)
    return endpoint


def client(service: str, endpoint: str):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test")


def write_override(example: Path, endpoint: str) -> None:
    endpoints = "\n".join(f'    {service} = "{endpoint}"' for service in SERVICES)
    (example / "moto_override.tf").write_text(f"""
terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "5.100.0"
    }}
  }}
}}

provider "aws" {{
  region                      = "{REGION}"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  endpoints {{
{endpoints}
  }}
}}
""")


def dummy_package(path: Path) -> Path:
    # The function never runs here: moto stores the code. A zip with an executable `bootstrap`, as
    # `make package` makes, so the upload is the same shape.
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = 0o755 << 16
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, "#!/bin/sh\necho 'not the dispatcher: a deployment test package' >&2\nexit 1\n")
    return path


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, moto_endpoint):
    root = tmp_path_factory.mktemp("apply")
    terraform = Terraform(root)
    example = terraform.module / "examples" / "complete"
    write_override(example, moto_endpoint)
    name = f"tf-{uuid.uuid4().hex[:10]}"
    variables = ["-var", f"region={REGION}", "-var", f"name={name}",
                 "-var", f"package_zip={dummy_package(root / 'lambda.zip')}",
                 "-var", "kafka_bootstrap_servers=127.0.0.1:9092",
                 "-var", "kafka_topic_output=events.{streamType}",
                 "-var", "table_deletion_protection=false"]
    started = time.monotonic()
    terraform.run(example, "init", "-input=false")
    applied = False
    try:
        terraform.run(example, "apply", "-auto-approve", "-input=false", *variables, timeout=400)
        applied = True
        outputs = json.loads(terraform.run(example, "output", "-json").stdout)
        yield {"name": name, "outputs": {k: v["value"] for k, v in outputs.items()},
               "terraform": terraform, "example": example, "variables": variables}
    finally:
        # Destroy even after a failed apply: whatever was created must not stay in moto.
        # No refresh: the state was written by the apply just before.
        destroyed = terraform.run(example, "destroy", "-auto-approve", "-input=false",
                                  "-refresh=false", *variables, check=applied, timeout=400)
        print(f"terraform: {terraform.report()}; total {time.monotonic() - started:.1f} s")
        if not applied and destroyed.returncode != 0:
            print(destroyed.stdout[-2000:], destroyed.stderr[-2000:])
        leftovers = leftover_resources(moto_endpoint, name)
        assert not leftovers, f"terraform destroy left these in moto: {leftovers}"


def paged(endpoint: str, service: str, operation: str, key: str, **arguments) -> list:
    # The shared moto holds other engineers' and tests' resources too: read every page.
    pages = client(service, endpoint).get_paginator(operation).paginate(**arguments)
    return [item for page in pages for item in page.get(key, [])]


def leftover_resources(endpoint: str, name: str) -> list[str]:
    """Everything of this run's name that is still in moto after destroy."""
    prefix = f"{name}-"
    found = [f["FunctionName"] for f in paged(endpoint, "lambda", "list_functions", "Functions")
             if f["FunctionName"].startswith(prefix)]
    found += [m["UUID"] for m in paged(endpoint, "lambda", "list_event_source_mappings",
                                       "EventSourceMappings")
              if f":function:{prefix}" in m["FunctionArn"]]
    found += [r["RoleName"] for r in paged(endpoint, "iam", "list_roles", "Roles")
              if r["RoleName"].startswith(prefix)]
    found += paged(endpoint, "sqs", "list_queues", "QueueUrls", QueueNamePrefix=prefix)
    found += [t for t in paged(endpoint, "dynamodb", "list_tables", "TableNames")
              if t.startswith(prefix)]
    found += [a["AlarmName"] for a in paged(endpoint, "cloudwatch", "describe_alarms",
                                            "MetricAlarms", AlarmNamePrefix=prefix)]
    found += [g["logGroupName"] for g in paged(endpoint, "logs", "describe_log_groups", "logGroups",
                                               logGroupNamePrefix=f"/aws/lambda/{prefix}")]
    found += [r["Name"] for r in client("events", endpoint).list_rules(NamePrefix=prefix)["Rules"]]
    return found


@pytest.fixture(scope="module")
def function_name(deployed):
    return f"{deployed['name']}-dispatcher"


def mappings(endpoint: str, function_arn: str) -> dict[str, dict]:
    # By ARN: moto 5.2 filters on the FunctionName exactly as given at creation (the module gives
    # the ARN), where AWS accepts the name too.
    listed = client("lambda", endpoint).list_event_source_mappings(FunctionName=function_arn)
    found = {m["EventSourceArn"].split(":")[2]: m for m in listed["EventSourceMappings"]}
    assert len(found) == len(listed["EventSourceMappings"]), listed
    return found


def test_the_stream_mapping_has_the_template_settings(deployed, function_name, moto_endpoint):
    found = mappings(moto_endpoint, deployed["outputs"]["function_arn"])
    assert set(found) == {"dynamodb", "sqs"}, found
    stream = found["dynamodb"]
    assert stream["EventSourceArn"] == deployed["outputs"]["events_table_stream_arn"]
    assert stream["StartingPosition"] == "TRIM_HORIZON"
    assert stream["BatchSize"] == 1000
    # The provider leaves out a zero window and moto then returns no field (AWS answers 0).
    assert stream.get("MaximumBatchingWindowInSeconds", 0) == 0
    assert stream["ParallelizationFactor"] == 1
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert stream["BisectBatchOnFunctionError"] is True
    assert stream["MaximumRetryAttempts"] == 20
    assert stream["MaximumRecordAgeInSeconds"] == 21600
    failure_queue = client("sqs", moto_endpoint).get_queue_attributes(
        QueueUrl=deployed["outputs"]["failure_queue_url"], AttributeNames=["QueueArn"])
    assert stream["DestinationConfig"]["OnFailure"]["Destination"] == \
        failure_queue["Attributes"]["QueueArn"]


def test_the_redrive_mapping_reads_the_failure_queue_with_partial_batch_responses(
        deployed, function_name, moto_endpoint):
    redrive = mappings(moto_endpoint, deployed["outputs"]["function_arn"])["sqs"]
    sqs = client("sqs", moto_endpoint)
    failure = sqs.get_queue_attributes(QueueUrl=deployed["outputs"]["failure_queue_url"],
                                       AttributeNames=["All"])["Attributes"]
    assert redrive["EventSourceArn"] == failure["QueueArn"]
    assert redrive["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert redrive["BatchSize"] == 10
    # Lambda refuses a queue whose visibility timeout is below the function's timeout (120 s).
    assert failure["VisibilityTimeout"] == "720"
    assert failure["MessageRetentionPeriod"] == "1209600"
    assert failure["SqsManagedSseEnabled"] == "true"
    last_resort = sqs.get_queue_attributes(QueueUrl=deployed["outputs"]["last_resort_queue_url"],
                                           AttributeNames=["QueueArn"])["Attributes"]
    assert json.loads(failure["RedrivePolicy"]) == {"deadLetterTargetArn": last_resort["QueueArn"],
                                                    "maxReceiveCount": 20}


def test_the_function_runs_the_zip_with_the_documented_settings(deployed, function_name,
                                                                moto_endpoint):
    configuration = client("lambda", moto_endpoint).get_function_configuration(
        FunctionName=function_name)
    assert configuration["Runtime"] == "provided.al2023"
    assert configuration["Handler"] == "bootstrap"
    assert configuration["Architectures"] == ["x86_64"]
    assert configuration["MemorySize"] == 512 and configuration["Timeout"] == 120
    assert "VpcConfig" not in configuration or not configuration["VpcConfig"].get("SubnetIds")
    environment = configuration["Environment"]["Variables"]
    assert environment["KAFKA_TOPIC_OUTPUT"] == "events.{streamType}"
    assert environment["EVENTS_TABLE_NAME"] == f"{deployed['name']}-events"
    assert environment["OFFSETS_TABLE_NAME"] == f"{deployed['name']}-offsets"
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "DdbEventstoreDispatcher"
    assert configuration["Role"] == deployed["outputs"]["function_role_arn"]


def role_policies(endpoint: str, role_name: str) -> dict[str, dict]:
    iam = client("iam", endpoint)
    names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    assert not iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"], \
        "managed policies are not least privilege"
    documents = {}
    for name in names:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        documents[name] = json.loads(document) if isinstance(document, str) else document
    return documents


def test_the_role_grants_the_listed_actions_of_the_enabled_statements_on_their_resources(
        deployed, function_name, moto_endpoint):
    documents = role_policies(moto_endpoint, function_name)
    assert set(documents) == set(STATEMENTS) == {"dispatcher", "lambda-service"}
    listed = {s["sid"]: s["actions"] for policy in STATEMENTS.values() for s in policy}
    granted = {}
    for document in documents.values():
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"]
            granted[statement["Sid"]] = (sorted([actions] if isinstance(actions, str) else actions),
                                         statement["Resource"])
    # The example: created tables, no SASL, no VPC, no MSK, no ARN-valued settings, the sweep on.
    expected = {"EventStoreReadEventsWriteMarkers", "OffsetsReadAndCommit",
                "SweepScansEventStore", "RedriveReadsStream",
                "EventSourceMappingReadsStream", "EventSourceMappingOnFailure",
                "RedriveEventSourceMappingReadsQueue", "FunctionLogs"}
    assert set(granted) == expected
    for sid, (actions, _) in granted.items():
        assert actions == sorted(listed[sid]), sid
    account = "123456789012"
    events = f"arn:aws:dynamodb:{REGION}:{account}:table/{deployed['name']}-events"
    offsets = f"arn:aws:dynamodb:{REGION}:{account}:table/{deployed['name']}-offsets"
    failure = f"arn:aws:sqs:{REGION}:{account}:{deployed['name']}-dispatcher-failures"

    def resources(sid):
        value = granted[sid][1]
        return [value] if isinstance(value, str) else value

    assert resources("EventStoreReadEventsWriteMarkers") == [events]
    assert resources("OffsetsReadAndCommit") == [offsets]
    assert resources("SweepScansEventStore") == [events]
    assert resources("RedriveReadsStream") == [f"{events}/stream/*"]
    assert resources("EventSourceMappingReadsStream") == [f"{events}/stream/*"]
    assert resources("EventSourceMappingOnFailure") == [failure]
    assert resources("RedriveEventSourceMappingReadsQueue") == [failure]
    assert resources("FunctionLogs") == [
        f"arn:aws:logs:{REGION}:{account}:log-group:/aws/lambda/{function_name}:*"]
    assert all("*" != r for sid in granted for r in resources(sid))


def test_the_alarms_watch_the_function_the_queues_and_the_dispatcher_metrics(
        deployed, function_name, moto_endpoint):
    alarms = {a["AlarmName"].removeprefix(f"{function_name}-"): a
              for a in client("cloudwatch", moto_endpoint).describe_alarms(
                  AlarmNamePrefix=f"{function_name}-")["MetricAlarms"]}
    assert set(alarms) == set(deployed["outputs"]["alarm_arns"])
    by_metric = {a["MetricName"]: a for a in alarms.values()}
    assert {"IteratorAge", "Errors", "AggregatesHeldAtGap", "AggregatesHeldAtPoison",
            "EventsDeadLettered", "AggregatesFailed", "DispatchLagMax",
            "ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible",
            "RedriveFailures", "RedriveRangesTrimmed"} == set(by_metric)
    for metric in ("IteratorAge", "Errors"):
        assert by_metric[metric]["Namespace"] == "AWS/Lambda"
        assert by_metric[metric]["Dimensions"] == [{"Name": "FunctionName", "Value": function_name}]
    assert by_metric["IteratorAge"]["Threshold"] == 300000
    assert by_metric["ApproximateAgeOfOldestMessage"]["Dimensions"] == [
        {"Name": "QueueName", "Value": f"{function_name}-failures"}]
    assert by_metric["ApproximateNumberOfMessagesVisible"]["Dimensions"] == [
        {"Name": "QueueName", "Value": f"{function_name}-failures-last-resort"}]
    for metric in ("AggregatesHeldAtGap", "AggregatesHeldAtPoison", "EventsDeadLettered",
                   "AggregatesFailed", "DispatchLagMax", "RedriveFailures",
                   "RedriveRangesTrimmed"):
        assert by_metric[metric]["Namespace"] == "DdbEventstoreDispatcher"
        assert by_metric[metric]["Dimensions"] == [
            {"Name": "service", "Value": "ddb-eventstore-dispatcher"}]
    for alarm in alarms.values():
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["AlarmActions"] == [] and alarm["OKActions"] == []


def test_the_tables_and_the_scheduled_sweep_exist(deployed, function_name, moto_endpoint):
    dynamodb = client("dynamodb", moto_endpoint)
    events = dynamodb.describe_table(TableName=f"{deployed['name']}-events")["Table"]
    assert events["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert {k["AttributeName"]: k["KeyType"] for k in events["KeySchema"]} == {
        "id": "HASH", "version": "RANGE"}
    assert events["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    offsets = dynamodb.describe_table(TableName=f"{deployed['name']}-offsets")["Table"]
    assert [k["AttributeName"] for k in offsets["KeySchema"]] == ["id"]
    for table in (events, offsets):
        backups = dynamodb.describe_continuous_backups(TableName=table["TableName"])
        assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
            "PointInTimeRecoveryStatus"] == "ENABLED"
    rule = client("events", moto_endpoint).describe_rule(Name=f"{function_name}-sweep")
    assert rule["ScheduleExpression"] == "rate(1 hour)"
    targets = client("events", moto_endpoint).list_targets_by_rule(
        Rule=f"{function_name}-sweep")["Targets"]
    assert [t["Arn"] for t in targets] == [deployed["outputs"]["function_arn"]]
    assert json.loads(targets[0]["Input"]) == {"sweep": {"rate": 50, "pageSize": 500}}
    policy = json.loads(client("lambda", moto_endpoint).get_policy(
        FunctionName=function_name)["Policy"])
    assert [(s["Principal"], s["Condition"]["ArnLike"]["AWS:SourceArn"])
            for s in policy["Statement"]] == [({"Service": "events.amazonaws.com"}, rule["Arn"])]
