"""The options the applied example does not use, planned (not applied) with two module instances
in one configuration: an existing table, MSK IAM with a dead-letter topic, a VPC, settings given as
SSM and Secrets Manager ARNs and an alarm topic in one; a SASL secret under a customer-managed key,
arm64 and created tables in the other. `terraform show -json` of the plan gives the exact role
policies, mapping and function settings; the role policies are known at plan time because the
module spells its ARNs from names. moto (of the local stack) only answers sts:GetCallerIdentity."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from harness import MODULE, Terraform

STATEMENTS = json.loads((MODULE / "role-statements.json").read_text())["policies"]
ACCOUNT = "123456789012"
REGION = "eu-west-1"
STREAM = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/EventStore/stream/2024-01-01T00:00:00.000"
CLUSTER = f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/mycluster/uuid-1"
PARAMETER = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/dispatcher/bootstrap"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:dispatcher/topic-AbCdEf"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:dispatcher-alarms"


def configuration(endpoint: str, package: Path) -> str:
    return f"""
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
    sts = "{endpoint}"
  }}
}}

module "msk" {{
  source                  = "./terraform"
  name                    = "msk"
  package_zip             = "{package}"
  kafka_bootstrap_servers = "{PARAMETER}"
  kafka_topic_output      = "events.{{streamType}}"
  kafka_sasl_mechanism    = "AWS_MSK_IAM"
  msk_cluster_arn         = "{CLUSTER}"
  msk_topic_name_pattern  = "events.*"
  poison_policy           = "dead-letter"
  dead_letter_topic       = "events.dead-letter"
  events_table_name       = "EventStore"
  offsets_table_name      = "EventStoreOffsets"
  events_table_stream_arn = "{STREAM}"
  settings_parameter_arns = ["{PARAMETER}"]
  settings_secret_arns    = ["{SECRET}"]
  subnet_ids              = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
  security_group_ids      = ["sg-0123456789abcdef0"]
  alarm_topic_arn         = "{TOPIC}"
  batch_size              = 500
  parallelization_factor  = 4
  maximum_retry_attempts  = 7
}}

module "scram" {{
  source                  = "./terraform"
  name                    = "scram"
  package_zip             = "{package}"
  architecture            = "arm64"
  kafka_bootstrap_servers = "b-1.example:9096"
  kafka_topic_output      = "events"
  sasl_secret_name        = "AmazonMSK_dispatcher"
  sasl_secret_kms_key_arn = "{KEY}"
  events_table_name       = "scram-events"
  offsets_table_name      = "scram-offsets"
  create_tables           = true
  enable_scheduled_sweep  = true
  sweep_schedule          = "cron(0 3 * * ? *)"
  sweep_rate              = 20
  sweep_page_size         = 100
}}
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> dict:
    endpoint = os.environ.get("STACK_MOTO_ENDPOINT")
    if not endpoint:
        pytest.fail("STACK_MOTO_ENDPOINT is not set: start the local stack and `source .stack/env`",
                    pytrace=False)
    root = tmp_path_factory.mktemp("plan")
    terraform = Terraform(root)
    package = root / "lambda.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\nexit 1\n")
    (root / "main.tf").write_text(configuration(endpoint, package))
    terraform.run(root, "init", "-input=false")
    terraform.run(root, "plan", "-input=false", "-out=plan.bin")
    shown = json.loads(terraform.run(root, "show", "-json", "plan.bin").stdout)
    print(f"terraform: {terraform.report()}")
    resources = {}
    for module in shown["planned_values"]["root_module"]["child_modules"]:
        for resource in module["resources"]:
            resources[resource["address"]] = resource["values"]
    return resources


def statements(plan: dict, module: str) -> dict[str, dict]:
    found = {}
    for policy in ("dispatcher", "lambda_service"):
        document = json.loads(plan[f"module.{module}.aws_iam_role_policy.{policy}"]["policy"])
        for statement in document["Statement"]:
            found[statement["Sid"]] = statement
    listed = {s["sid"]: s["actions"] for policy in STATEMENTS.values() for s in policy}
    for sid, statement in found.items():
        assert statement["Action"] == listed[sid], sid
    return found


def test_msk_iam_vpc_and_arn_valued_settings_get_exactly_their_statements(plan):
    found = statements(plan, "msk")
    assert set(found) == {"EventStoreReadEventsWriteMarkers", "OffsetsReadAndCommit",
                          "SweepScansEventStore", "RedriveReadsStream", "SettingsFromSecrets", "SettingsFromParameters", "MskConnect",
                          "MskWriteTopics", "EventSourceMappingReadsStream",
                          "EventSourceMappingOnFailure", "RedriveEventSourceMappingReadsQueue",
                          "FunctionLogs", "VpcNetworkInterfaces"}
    assert found["SettingsFromParameters"]["Resource"] == [PARAMETER]
    assert found["SettingsFromSecrets"]["Resource"] == [SECRET]
    assert found["MskConnect"]["Resource"] == [CLUSTER]
    topics = f"arn:aws:kafka:{REGION}:{ACCOUNT}:topic/mycluster/uuid-1"
    assert found["MskWriteTopics"]["Resource"] == [f"{topics}/events.*",
                                                   f"{topics}/events.dead-letter"]
    assert found["EventSourceMappingReadsStream"]["Resource"] == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/EventStore/stream/*"]
    assert found["FunctionLogs"]["Resource"] == [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/msk-dispatcher:*"]
    assert found["VpcNetworkInterfaces"]["Resource"] == ["*"]
    # No statement but the unscopable EC2 one allows every resource.
    for sid, statement in found.items():
        if sid != "VpcNetworkInterfaces":
            assert "*" not in statement["Resource"], sid


def test_msk_instance_uses_the_existing_stream_the_vpc_and_its_mapping_settings(plan):
    mapping = plan["module.msk.aws_lambda_event_source_mapping.stream"]
    assert mapping["event_source_arn"] == STREAM
    assert (mapping["batch_size"], mapping["parallelization_factor"],
            mapping["maximum_retry_attempts"]) == (500, 4, 7)
    function = plan["module.msk.aws_lambda_function.dispatcher"]
    assert function["vpc_config"][0]["subnet_ids"] == ["subnet-0123456789abcdef0",
                                                       "subnet-0fedcba9876543210"]
    assert function["vpc_config"][0]["security_group_ids"] == ["sg-0123456789abcdef0"]
    environment = function["environment"][0]["variables"]
    assert environment["KAFKA_SASL_MECHANISM"] == "AWS_MSK_IAM"
    assert environment["KAFKA_BOOTSTRAP_SERVERS"] == PARAMETER
    assert environment["DISPATCHER_POISON_POLICY"] == "dead-letter"
    assert not any(address.startswith("module.msk.aws_dynamodb_table") for address in plan)
    assert not any(address.startswith("module.msk.aws_cloudwatch_event_rule") for address in plan)
    alarms = [values for address, values in plan.items()
              if address.startswith("module.msk.aws_cloudwatch_metric_alarm")]
    assert len(alarms) == 11
    assert all(a["alarm_actions"] == [TOPIC] and a["ok_actions"] == [TOPIC] for a in alarms)


def test_a_sasl_secret_under_a_customer_key_gets_its_secret_and_key_only_via_secrets_manager(plan):
    found = statements(plan, "scram")
    assert set(found) == {"EventStoreReadEventsWriteMarkers", "OffsetsReadAndCommit", "SaslSecret",
                          "SaslSecretKey", "SweepScansEventStore", "RedriveReadsStream",
                          "EventSourceMappingReadsStream",
                          "EventSourceMappingOnFailure", "RedriveEventSourceMappingReadsQueue",
                          "FunctionLogs"}
    assert found["SaslSecret"]["Resource"] == [
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:AmazonMSK_dispatcher-??????"]
    assert found["SaslSecretKey"]["Resource"] == [KEY]
    assert found["SaslSecretKey"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}}
    function = plan["module.scram.aws_lambda_function.dispatcher"]
    assert function["architectures"] == ["arm64"]
    assert function["vpc_config"] == []
    for table in ("events", "offsets"):
        values = plan[f"module.scram.aws_dynamodb_table.{table}[0]"]
        assert values["deletion_protection_enabled"] is True
        assert values["point_in_time_recovery"][0]["enabled"] is True
        assert values["billing_mode"] == "PAY_PER_REQUEST"
    assert plan["module.scram.aws_dynamodb_table.events[0]"]["stream_view_type"] == "KEYS_ONLY"
    rule = plan["module.scram.aws_cloudwatch_event_rule.sweep[0]"]
    assert rule["schedule_expression"] == "cron(0 3 * * ? *)"
    target = plan["module.scram.aws_cloudwatch_event_target.sweep[0]"]
    assert json.loads(target["input"]) == {"sweep": {"rate": 20, "pageSize": 100}}


def test_settings_that_only_make_sense_together_fail_the_plan_with_their_reasons(tmp_path):
    """The template's Rules as preconditions: one plan breaking all of them names each one."""
    endpoint = os.environ["STACK_MOTO_ENDPOINT"]
    terraform = Terraform(tmp_path)
    package = tmp_path / "lambda.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\nexit 1\n")
    provider = configuration(endpoint, package).split('module "msk"')[0]
    (tmp_path / "main.tf").write_text(provider + f"""
module "wrong" {{
  source                     = "./terraform"
  name                       = "wrong"
  package_zip                = "{package}"
  kafka_bootstrap_servers    = "b-1.example:9096"
  kafka_topic_output         = "events"
  kafka_sasl_mechanism       = "AWS_MSK_IAM"
  sasl_secret_name           = "AmazonMSK_dispatcher"
  poison_policy              = "dead-letter"
  events_table_name          = "same-table"
  offsets_table_name         = "same-table"
  subnet_ids                 = ["subnet-0123456789abcdef0"]
  timeout                    = 300
  redrive_visibility_timeout = 60
}}
""")
    terraform.run(tmp_path, "init", "-input=false")
    result = terraform.run(tmp_path, "plan", "-input=false", check=False)
    assert result.returncode == 1, result.stdout
    errors = " ".join(result.stderr.split())
    for reason in ("events_table_stream_arn is required when create_tables is false",
                   "events_table_name and offsets_table_name must differ",
                   "kafka_sasl_mechanism = AWS_MSK_IAM needs msk_cluster_arn and an empty "
                   "sasl_secret_name",
                   "dead_letter_topic is required with poison_policy = dead-letter",
                   "redrive_visibility_timeout must be at least timeout",
                   "security_group_ids is required with subnet_ids"):
        assert reason in errors, f"missing: {reason}\n{result.stderr}"
