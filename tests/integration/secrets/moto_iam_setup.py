#!/usr/bin/env python3
"""Prepares a private moto server for the signature tests, within its unauthenticated calls.

Usage: moto_iam_setup.py ENDPOINT SECRET_NAME SECRET_STRING
Creates an IAM user allowed only secretsmanager:GetSecretValue, an access key for it and the
secret (4 calls: start moto with INITIAL_NO_AUTH_ACTION_COUNT=4). Prints one JSON line:
{"access_key_id": ..., "secret_access_key": ..., "secret_arn": ...}.
"""

import json
import sys

import boto3


def main():
    endpoint, secret_name, secret_string = sys.argv[1:4]
    # Any key works for the calls moto does not authenticate yet.
    settings = dict(endpoint_url=endpoint, region_name="us-east-1",
                    aws_access_key_id="AKIDSETUP", aws_secret_access_key="setup")
    iam = boto3.client("iam", **settings)
    iam.create_user(UserName="dispatcher-reader")
    key = iam.create_access_key(UserName="dispatcher-reader")["AccessKey"]
    iam.put_user_policy(
        UserName="dispatcher-reader",
        PolicyName="read-secrets",
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
                           "Resource": "*"}],
        }),
    )
    secret = boto3.client("secretsmanager", **settings).create_secret(
        Name=secret_name, SecretString=secret_string)
    print(json.dumps({"access_key_id": key["AccessKeyId"],
                      "secret_access_key": key["SecretAccessKey"],
                      "secret_arn": secret["ARN"]}), flush=True)


if __name__ == "__main__":
    main()
