"""One call that wires a function pool (RIE + bootstrap) to a table's stream, with both logs
in a directory: what the e2e tests and `make demo` use."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import boto3

from . import stream as streams
from .function import FunctionPool
from .mapping import EventSourceMapping, MappingSettings
from .sqs_source import SqsEventSource

_instances = itertools.count()


def file_logger(path: Path, name: str) -> logging.Logger:
    """A logger writing compact timestamped lines to `path` only."""
    logger = logging.getLogger(f"esm.{name}.{next(_instances)}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s.%(msecs)03d %(threadName)s %(message)s",
                                           "%H:%M:%S"))
    logger.addHandler(handler)
    return logger


def close_logger(logger: logging.Logger) -> None:
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


@dataclass
class AwsTarget:
    endpoint_url: str
    region: str
    access_key: str
    secret_key: str

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=self.region,
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key)


class MappedFunction:
    """A started FunctionPool plus an EventSourceMapping on `table_name`'s stream.

    Use as a context manager; `stop()` stops the mapping first, then the function processes."""

    def __init__(self, *, command: list[str], environment: dict[str, str], aws: AwsTarget,
                 table_name: str, log_dir: Path, settings: MappingSettings | None = None,
                 pool_size: int = 2, function_timeout: int = 60, rie: str | None = None,
                 start_mapping: bool = True, sqs_source: tuple | None = None):
        """`sqs_source`: (SQS client, queue URL, SqsSourceSettings) to also run an SQS event
        source mapping (the on-failure queue) on the same function, started with the mapping."""
        log_dir = Path(log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        self.esm_log_path = log_dir / "esm.log"
        self.function_log_path = log_dir / "bootstrap.log"
        self.log = file_logger(self.esm_log_path, "mapping")
        self.pool = FunctionPool(command, environment, self.function_log_path, size=pool_size,
                                 rie=rie, timeout_seconds=function_timeout)
        self.streams_client = streams.streams_client(aws.endpoint_url, aws.region,
                                                     aws.access_key, aws.secret_key)
        self.stream_arn = streams.stream_arn_of(aws.client("dynamodb"), table_name)
        self.mapping = EventSourceMapping(self.streams_client, self.stream_arn,
                                          self._invoke, settings, self.log)
        self._start_mapping = start_mapping
        self.sqs_source: SqsEventSource | None = None
        if sqs_source is not None:
            client, queue_url, sqs_settings = sqs_source
            self.sqs_source = SqsEventSource(client, queue_url, self._invoke, sqs_settings,
                                             self.log)

    def _invoke(self, event: dict):
        return self.pool.invoke(event)

    def invoke(self, event: dict):
        """A direct invocation (outside the mapping), logged like the mapping's."""
        result = self.pool.invoke(event)
        self.log.info("direct invoke n=%d -> %s %s", len(event.get("Records", [])),
                      result.function_error or "ok", result.body[:300])
        return result

    def start(self) -> "MappedFunction":
        self.log.info("stream %s", self.stream_arn)
        self.pool.start()
        if self._start_mapping:
            self.mapping.start()
            if self.sqs_source is not None:
                self.sqs_source.start()
        return self

    def stop(self) -> None:
        try:
            if self.sqs_source is not None:
                self.sqs_source.stop()
            self.mapping.stop()
        finally:
            self.pool.stop()
            close_logger(self.log)

    def __enter__(self) -> "MappedFunction":
        try:
            return self.start()
        except Exception:
            self.stop()
            raise

    def __exit__(self, *_):
        self.stop()
