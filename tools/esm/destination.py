"""Lambda's on-failure destination for a stream event source mapping: when the mapping gives up
on a batch (MaximumRetryAttempts used up, or records older than MaximumRecordAgeInSeconds) it
sends one invocation record describing the range, never the records, to an SQS queue.

The record's shape is Lambda's own, field by field (Lambda developer guide, "Retain discarded
records for a DynamoDB event source in Lambda", example invocation record):

    {"requestContext": {"requestId", "functionArn", "condition", "approximateInvokeCount"},
     "responseContext": {"statusCode", "executedVersion", "functionError"},
     "version": "1.0", "timestamp": "2019-11-14T00:13:49.717Z",
     "DDBStreamBatchInfo": {"shardId", "startSequenceNumber", "endSequenceNumber",
                            "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord",
                            "batchSize", "streamArn"}}

condition is "RetryAttemptsExhausted" or "RecordAgeExceeded"; functionError ("Unhandled") is
there only when the last invocation was a function error, not a partial batch response.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timezone

DEFAULT_FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:dispatcher"


def _iso_seconds(epoch_seconds: float | None) -> str:
    moment = datetime.fromtimestamp(epoch_seconds or 0, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_milliseconds(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def arrival(record: dict) -> float | None:
    """ApproximateCreationDateTime of a stream record, in epoch seconds (None when absent)."""
    value = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
    return float(value) if isinstance(value, (int, float)) else None


def on_failure_record(*, shard_id: str, records: list[dict], stream_arn: str, condition: str,
                      invoke_count: int, function_error: bool, function_arn: str,
                      status_code: int = 200, now: datetime | None = None) -> dict:
    """The invocation record Lambda sends for the given-up `records` (one shard, stream order)."""
    if not records:
        raise ValueError("an on-failure record describes at least one record")
    response_context = {"statusCode": status_code, "executedVersion": "$LATEST"}
    if function_error:
        response_context["functionError"] = "Unhandled"
    return {
        "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": function_arn,
                           "condition": condition, "approximateInvokeCount": invoke_count},
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": _iso_milliseconds(now or datetime.now(timezone.utc)),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso_seconds(arrival(records[0])),
            "approximateArrivalOfLastRecord": _iso_seconds(arrival(records[-1])),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


class OnFailureSqs:
    """An SQS queue (moto's, in the tests) as the on-failure destination."""

    def __init__(self, client, queue_url: str, function_arn: str = DEFAULT_FUNCTION_ARN):
        self.client = client
        self.queue_url = queue_url
        self.function_arn = function_arn
        self.sent: list[dict] = []
        self._lock = threading.Lock()

    def send(self, record: dict) -> None:
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(record))
        with self._lock:
            self.sent.append(record)
