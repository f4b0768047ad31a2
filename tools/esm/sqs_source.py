"""An SQS event source mapping, the way Lambda runs one with ReportBatchItemFailures: poll the
queue (long polling), invoke the function with the standard SQS event, then delete exactly the
messages the answer acknowledges. A function error, or an answer Lambda cannot read, acknowledges
nothing: every message comes back after the visibility timeout (and, after the queue's
maxReceiveCount, the queue's redrive policy moves it to its dead-letter queue).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import botocore.exceptions

from .function import InvokeResult


@dataclass
class SqsSourceSettings:
    batch_size: int = 10
    visibility_timeout_seconds: int = 30  # the queue's; Lambda requires >= the function timeout
    wait_seconds: int = 1  # long polling
    report_batch_item_failures: bool = True


@dataclass
class SqsSourceStats:
    received: int = 0
    invocations: int = 0
    deleted: int = 0
    not_acknowledged: int = 0  # listed in batchItemFailures, or in a failed invocation
    function_errors: int = 0
    contract_violations: int = 0


def lambda_sqs_record(message: dict, queue_arn: str, region: str) -> dict:
    """One record of Lambda's SQS event from a ReceiveMessage message."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {name: attributes[name] for name in
                       ("ApproximateReceiveCount", "SentTimestamp", "SenderId",
                        "ApproximateFirstReceiveTimestamp") if name in attributes},
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def acknowledged(messages: list[dict], result: InvokeResult,
                 report_batch_item_failures: bool = True) -> tuple[list[dict], str | None]:
    """The messages Lambda deletes after `result`, and why the rest stay (None: all deleted)."""
    if result.function_error:
        return [], result.function_error
    if not report_batch_item_failures:
        return messages, None
    payload = result.payload
    if payload is None or payload == {}:
        return messages, None
    if not isinstance(payload, dict):
        return [], f"contract: response is not an object: {str(payload)[:200]}"
    failures = payload.get("batchItemFailures")
    if failures is None or failures == []:
        return messages, None
    if not isinstance(failures, list):
        return [], f"contract: batchItemFailures is not a list: {failures!r:.200}"
    ids = {message["MessageId"] for message in messages}
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in ids:
            return [], f"contract: invalid batchItemFailures entry {failure!r:.200}"
        failed.add(identifier)
    return ([message for message in messages if message["MessageId"] not in failed],
            f"{len(failed)} not acknowledged")


class SqsEventSource:
    """Polls `queue_url` in a background thread between `start()` and `stop()`."""

    def __init__(self, client, queue_url: str, invoke: Callable[[dict], InvokeResult],
                 settings: SqsSourceSettings | None = None, log: logging.Logger | None = None):
        self.client = client
        self.queue_url = queue_url
        self.invoke = invoke
        self.settings = settings or SqsSourceSettings()
        self.log = log or logging.getLogger("esm.sqs")
        self.stats = SqsSourceStats()
        attributes = client.get_queue_attributes(QueueUrl=queue_url,
                                                 AttributeNames=["QueueArn"])["Attributes"]
        self.queue_arn = attributes["QueueArn"]
        self.region = client.meta.region_name
        self.results: list[tuple[dict, InvokeResult]] = []  # (event, result) of every invocation
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._in_flight = False
        self._last_activity = time.monotonic()

    def start(self) -> "SqsEventSource":
        self._thread = threading.Thread(target=self._run, name="sqs-source", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.log.info("sqs source stopped: %s", self.stats)

    def is_idle(self, quiet_seconds: float) -> bool:
        with self._lock:
            return not self._in_flight and time.monotonic() - self._last_activity >= quiet_seconds

    def _run(self) -> None:
        settings = self.settings
        while not self._stop.is_set():
            try:
                response = self.client.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=settings.batch_size,
                    WaitTimeSeconds=settings.wait_seconds,
                    VisibilityTimeout=settings.visibility_timeout_seconds,
                    AttributeNames=["All"], MessageAttributeNames=["All"])
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
                self.log.warning("ReceiveMessage failed: %s", error)
                self._stop.wait(1.0)
                continue
            messages = response.get("Messages", [])
            if not messages:
                continue
            event = {"Records": [lambda_sqs_record(m, self.queue_arn, self.region)
                                 for m in messages]}
            with self._lock:
                self._in_flight = True
                self.stats.received += len(messages)
                self.stats.invocations += 1
                self._last_activity = time.monotonic()
            try:
                result = self.invoke(event)
            finally:
                with self._lock:
                    self._in_flight = False
                    self._last_activity = time.monotonic()
            done, reason = acknowledged(messages, result, settings.report_batch_item_failures)
            if done:
                entries = [{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]}
                           for index, m in enumerate(done)]
                self.client.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            with self._lock:
                self.results.append((event, result))
                self.stats.deleted += len(done)
                self.stats.not_acknowledged += len(messages) - len(done)
                if result.function_error:
                    self.stats.function_errors += 1
                elif reason and reason.startswith("contract"):
                    self.stats.contract_violations += 1
            ids = " ".join(m["MessageId"][:8] for m in messages)
            self.log.info("sqs n=%d %.0fms deleted=%d%s ids=[%s]", len(messages),
                          result.seconds * 1000, len(done), f" ({reason})" if reason else "", ids)
