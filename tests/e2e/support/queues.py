"""SQS queues on moto ($STACK_MOTO_ENDPOINT) for the self-healing tests: the on-failure queue the
event source mapping writes given-up ranges to, with a redrive policy to a last-resort queue, as
deploy/template.yaml creates them."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import boto3


def sqs_client(endpoint: str, region: str = "us-east-1"):
    return boto3.client("sqs", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="moto", aws_secret_access_key="moto-not-a-secret")


@dataclass
class FailureQueues:
    client: object
    url: str
    arn: str
    last_resort_url: str

    def messages(self, url: str | None = None, wait: float = 0.0) -> list[dict]:
        """Every message now in the queue, received with a 0 s visibility timeout (so they stay)."""
        deadline = time.monotonic() + wait
        while True:
            found = {}
            for _ in range(5):
                response = self.client.receive_message(
                    QueueUrl=url or self.url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                    AttributeNames=["All"])
                for message in response.get("Messages", []):
                    found[message["MessageId"]] = message
            if found or time.monotonic() >= deadline:
                return list(found.values())
            time.sleep(0.2)

    def bodies(self, url: str | None = None, wait: float = 0.0) -> list[dict]:
        return [json.loads(m["Body"]) for m in self.messages(url, wait)]

    def depth(self, url: str | None = None) -> int:
        attributes = self.client.get_queue_attributes(
            QueueUrl=url or self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
        values = attributes["Attributes"]
        return (int(values["ApproximateNumberOfMessages"])
                + int(values["ApproximateNumberOfMessagesNotVisible"]))

    def delete(self) -> None:
        for url in (self.url, self.last_resort_url):
            try:
                self.client.delete_queue(QueueUrl=url)
            except Exception:  # noqa: BLE001 - best-effort cleanup of a test's own queues
                pass


def create_failure_queues(client, prefix: str, max_receive_count: int = 5,
                          visibility_timeout: int = 30) -> FailureQueues:
    name = f"{prefix[:50]}-{uuid.uuid4().hex[:8]}"
    last_resort = client.create_queue(QueueName=f"{name}-last-resort")["QueueUrl"]
    last_resort_arn = client.get_queue_attributes(
        QueueUrl=last_resort, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = client.create_queue(QueueName=f"{name}-on-failure", Attributes={
        "VisibilityTimeout": str(visibility_timeout),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": last_resort_arn,
                                     "maxReceiveCount": str(max_receive_count)}),
    })["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url,
                                      AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return FailureQueues(client, url, arn, last_resort)
