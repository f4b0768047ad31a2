"""The deployed function may take settings as SSM parameter or Secrets Manager ARNs
(docs/configuration.md), so its role allows ssm:GetParameter and secretsmanager:GetSecretValue.
This end-to-end run under the Lambda emulator resolves both kinds against moto and dispatches a
batch with the resolved values; it also makes the operation log (least-privilege check) see
those calls the way the deployed function makes them."""

from __future__ import annotations

import os
import uuid

import boto3
import pytest

from support.checks import delivered, delivery_problems

DELIVERY_TIMEOUT = 60


@pytest.fixture(scope="module")
def moto_endpoint() -> str:
    endpoint = os.environ.get("STACK_MOTO_ENDPOINT")
    if not endpoint:
        pytest.fail("STACK_MOTO_ENDPOINT is not set: start the local stack and `source .stack/env`",
                    pytrace=False)
    return endpoint


def moto_client(service: str, endpoint: str, scenario):
    return boto3.client(service, endpoint_url=endpoint, region_name=scenario.aws.region,
                        aws_access_key_id=scenario.aws.access_key,
                        aws_secret_access_key=scenario.aws.secret_key)


def test_settings_given_as_ssm_and_secrets_manager_arns_are_resolved_by_the_function(
        scenario, bootstrap, moto_endpoint):
    suffix = uuid.uuid4().hex[:10]
    ssm = moto_client("ssm", moto_endpoint, scenario)
    secrets = moto_client("secretsmanager", moto_endpoint, scenario)
    # The topic name comes from an SSM parameter, the events table name from a secret: if either
    # were not resolved, nothing would reach this scenario's topic.
    parameter_name = f"/dispatcher-e2e/{suffix}/topic"
    ssm.put_parameter(Name=parameter_name, Value=scenario.topic, Type="String")
    parameter_arn = ssm.get_parameter(Name=parameter_name)["Parameter"]["ARN"]
    secret_arn = secrets.create_secret(Name=f"dispatcher-e2e-{suffix}-events-table",
                                       SecretString=scenario.events_table)["ARN"]
    try:
        environment = scenario.function_environment(
            KAFKA_TOPIC_OUTPUT=parameter_arn,
            EVENTS_TABLE_NAME=secret_arn,
            AWS_ENDPOINT_URL_SSM=moto_endpoint,
            AWS_ENDPOINT_URL_SECRETS_MANAGER=moto_endpoint,
        )
        with scenario.mapped(bootstrap, environment=environment) as mapped:
            scenario.append("referenced", [0, 1, 2])
            scenario.append("referenced", [3])
            expected_last = {"referenced": 3}
            if not scenario.reader.wait_for(lambda m: delivered(m, expected_last, {}),
                                            DELIVERY_TIMEOUT):
                pytest.fail(f"events not delivered within {DELIVERY_TIMEOUT}s; mapping "
                            f"{mapped.mapping.stats}")
            assert mapped.mapping.wait_idle(2.0, 60), mapped.mapping.stats
            scenario.reader.catch_up()
            problems = delivery_problems(scenario.reader.messages(), scenario.store.written,
                                         expected_last, mapped.mapping.stats.failures > 0)
            assert not problems, "\n".join(problems)
    finally:
        ssm.delete_parameter(Name=parameter_name)
        secrets.delete_secret(SecretId=secret_arn, ForceDeleteWithoutRecovery=True)
