"""moto server stores Secrets Manager secrets and SSM SecureString parameters and returns them."""

import json

from stack_support import aws_client, stack_variable, unique_name


def test_secrets_manager_secret_reads_back_as_stored():
    secrets = aws_client("secretsmanager", stack_variable("STACK_MOTO_ENDPOINT"))
    name = unique_name("stack-smoke/kafka-sasl")
    secret = json.dumps({"username": "dispatcher", "password": "not-a-real-password"})
    arn = secrets.create_secret(Name=name, SecretString=secret)["ARN"]
    try:
        by_name = secrets.get_secret_value(SecretId=name)
        by_arn = secrets.get_secret_value(SecretId=arn)
        assert json.loads(by_name["SecretString"]) == {
            "username": "dispatcher",
            "password": "not-a-real-password",
        }
        assert by_arn["SecretString"] == by_name["SecretString"]
        assert by_arn["ARN"] == arn
    finally:
        secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)


def test_ssm_secure_string_reads_back_decrypted_only_when_asked():
    ssm = aws_client("ssm", stack_variable("STACK_MOTO_ENDPOINT"))
    name = "/" + unique_name("stack-smoke") + "/topic"
    ssm.put_parameter(Name=name, Value="events.v1", Type="SecureString")
    try:
        decrypted = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        assert decrypted["Value"] == "events.v1"
        assert decrypted["Type"] == "SecureString"
        assert decrypted["ARN"].endswith(f":parameter{name}")
        encrypted = ssm.get_parameter(Name=name, WithDecryption=False)["Parameter"]
        assert encrypted["Value"] != "events.v1"
    finally:
        ssm.delete_parameter(Name=name)
