"""Golden MSK IAM tokens from the official signer (aws-msk-iam-sasl-signer-python), for
msk_iam_token_test (committed output) and the live comparison in integration_msk_iam_token.

Prints JSON: one case per credential set, each with the fixed credentials, region, signing time,
the signer's token, its expiry in ms and the user agent it used. The clock is patched the way
botocore's own tests do (botocore.auth.get_current_datetime), so the output is deterministic.

    .venv/bin/python tests/unit/aws/msk_iam_token_golden.py > tests/unit/aws/msk_iam_token_golden.json
"""

import datetime
import importlib.metadata
import json
import sys
from unittest import mock

from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
from botocore.credentials import CredentialProvider, Credentials

SIGNING_TIME = datetime.datetime(2024, 2, 29, 23, 59, 58, 750000, tzinfo=datetime.timezone.utc)
CASES = [
    {
        "name": "long-term keys",
        "region": "eu-west-1",
        "access_key_id": "AKIDEXAMPLEMSKIAM001",
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "session_token": "",
    },
    {
        "name": "temporary credentials with a session token",
        "region": "us-east-1",
        "access_key_id": "ASIAEXAMPLEMSKIAM002",
        "secret_access_key": "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "session_token": "IQoJb3JpZ2luX2VjEXAMPLE+/token=with/reserved+chars==",
    },
]


class FixedCredentials(CredentialProvider):
    """The signer's public entry point takes a botocore credential provider."""

    def __init__(self, credentials):
        super().__init__()
        self._credentials = credentials

    def load(self):
        return self._credentials


def main():
    version = importlib.metadata.version("aws-msk-iam-sasl-signer-python")
    results = []
    with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNING_TIME):
        for case in CASES:
            credentials = Credentials(
                case["access_key_id"], case["secret_access_key"], case["session_token"] or None
            )
            token, expiry_ms = MSKAuthTokenProvider.generate_auth_token_from_credentials_provider(
                case["region"], FixedCredentials(credentials)
            )
            results.append(
                {
                    **case,
                    "signing_time_ms": int(SIGNING_TIME.timestamp() * 1000),
                    "user_agent": f"aws-msk-iam-sasl-signer-python/{version}",
                    "token": token,
                    "expiry_ms": expiry_ms,
                }
            )
    json.dump({"signer_version": version, "cases": results}, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
