"""The event source mapping: polls a DynamoDB stream and invokes the function with batches,
honouring the response the way Lambda does with ReportBatchItemFailures.

Per shard (one thread each, one batch in flight per shard, like Lambda):
  * read with GetRecords from the starting position (children from TRIM_HORIZON, and only after
    their parent shard is fully processed);
  * invoke with up to `batch_size` records;
  * success (null/empty response or empty batchItemFailures): checkpoint after the batch;
  * batchItemFailures: checkpoint just before the lowest failed sequence number and retry from it;
  * function error, invalid response, or an itemIdentifier that is null, empty or not in the
    batch: retry the whole batch;
  * after `maximum_retry_attempts` retries the rest of the batch is given up (counted, logged as
    DISCARD) and, with an on-failure destination, its range is sent there as Lambda's invocation
    record (destination.py), condition RetryAttemptsExhausted;
  * records older than `maximum_record_age_seconds` are given up before an invocation (condition
    RecordAgeExceeded);
  * with `bisect_batch_on_function_error`, a function error splits the batch in two and retries
    the first half, without using a retry (partial batch responses are not bisected).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import botocore.exceptions

from . import stream as streams
from .destination import DEFAULT_FUNCTION_ARN, arrival, on_failure_record
from .function import InvokeResult


@dataclass
class MappingSettings:
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"  # or LATEST
    maximum_retry_attempts: int = 10  # -1: retry until stopped
    backoff_initial_seconds: float = 0.1
    backoff_max_seconds: float = 2.0
    poll_interval_seconds: float = 0.25  # Lambda polls each shard about four times a second
    describe_interval_seconds: float = 1.0
    batching_window_seconds: float = 0.0  # MaximumBatchingWindowInSeconds
    report_batch_item_failures: bool = True
    maximum_record_age_seconds: int = -1  # MaximumRecordAgeInSeconds; -1: no limit
    bisect_batch_on_function_error: bool = False  # BisectBatchOnFunctionError
    on_failure: object | None = None  # DestinationConfig.OnFailure (destination.OnFailureSqs)


@dataclass
class MappingStats:
    records_read: int = 0
    records_checkpointed: int = 0
    invocations: int = 0
    successes: int = 0
    partial_failures: int = 0
    function_errors: int = 0
    contract_violations: int = 0  # responses Lambda treats as a failure of the whole batch
    discarded_records: int = 0  # given up on: retries used up or too old
    expired_records: int = 0  # of which older than maximum_record_age_seconds
    on_failure_records: int = 0  # invocation records sent to the on-failure destination
    bisections: int = 0
    shards_started: int = 0
    shards_finished: int = 0
    read_errors: int = 0

    @property
    def failures(self) -> int:
        """Invocations that did not fully succeed (each one allows a re-send downstream)."""
        return self.partial_failures + self.function_errors + self.contract_violations


@dataclass
class Outcome:
    kind: str  # "success" | "partial" | "error"
    retry_from: int = 0  # index in the batch of the lowest failed record (partial)
    reason: str = ""
    contract_violation: bool = False


def evaluate(batch: list[dict], result: InvokeResult, report_batch_item_failures: bool = True
             ) -> Outcome:
    """What Lambda makes of one invocation result for `batch`."""
    if result.function_error:
        return Outcome("error", reason=result.function_error,
                       contract_violation=result.invalid_response)
    if not report_batch_item_failures:
        return Outcome("success")
    payload = result.payload
    if payload is None or payload == {}:
        return Outcome("success")
    if not isinstance(payload, dict):
        return Outcome("error", reason=f"response is not an object: {str(payload)[:200]}",
                       contract_violation=True)
    failures = payload.get("batchItemFailures")
    if failures is None or failures == []:
        return Outcome("success")
    if not isinstance(failures, list):
        return Outcome("error", reason=f"batchItemFailures is not a list: {failures!r:.200}",
                       contract_violation=True)
    positions = {streams.sequence_number(record): index for index, record in enumerate(batch)}
    failed: list[int] = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or not identifier or identifier not in positions:
            return Outcome("error", reason=f"invalid batchItemFailures entry {failure!r:.200}",
                           contract_violation=True)
        failed.append(positions[identifier])
    lowest = min(failed)
    return Outcome("partial", retry_from=lowest,
                   reason=f"{len(failed)} failed, lowest {streams.sequence_number(batch[lowest])}")


def _describe_keys(batch: list[dict], limit: int = 240) -> str:
    parts = []
    for record in batch:
        keys = record.get("dynamodb", {}).get("Keys", {})
        parts.append("/".join(str(next(iter(value.values()))) for value in keys.values()))
    text = " ".join(parts)
    return text if len(text) <= limit else text[:limit] + "..."


class EventSourceMapping:
    """Runs in background threads between `start()` and `stop()`."""

    def __init__(self, client, stream_arn: str, invoke: Callable[[dict], InvokeResult],
                 settings: MappingSettings | None = None, log: logging.Logger | None = None):
        self.client = client
        self.stream_arn = stream_arn
        self.invoke = invoke
        self.settings = settings or MappingSettings()
        self.log = log or logging.getLogger("esm")
        self.stats = MappingStats()
        self.checkpoints: dict[str, str] = {}  # shard id -> last checkpointed sequence number
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._finished: set[str] = set()
        self._buffered: dict[str, int] = {}
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._coordinator: threading.Thread | None = None
        self._first_describe = True

    # ----------------------------------------------------------------------------- lifecycle
    def start(self) -> "EventSourceMapping":
        self._coordinator = threading.Thread(target=self._coordinate, name="esm-shards",
                                             daemon=True)
        self._coordinator.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        threads = ([self._coordinator] if self._coordinator else []) + list(self._threads.values())
        for thread in threads:
            thread.join(timeout)
        self.log.info("stopped: %s", self.stats)

    def __enter__(self) -> "EventSourceMapping":
        return self.start()

    def __exit__(self, *_):
        self.stop()

    def is_idle(self, quiet_seconds: float) -> bool:
        """Nothing buffered, nothing in flight, nothing read for `quiet_seconds`."""
        with self._lock:
            return (self._in_flight == 0 and not any(self._buffered.values())
                    and self.stats.shards_started > 0
                    and time.monotonic() - self._last_activity >= quiet_seconds)

    def wait_idle(self, quiet_seconds: float = 1.5, timeout: float = 60.0) -> bool:
        """Waits until `is_idle(quiet_seconds)`; False when `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while not self.is_idle(quiet_seconds):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def run(self, idle_seconds: float | None = None, max_seconds: float | None = None) -> None:
        """Foreground: runs until idle for `idle_seconds`, `max_seconds` passed, or Ctrl-C."""
        self.start()
        started = time.monotonic()
        try:
            while True:
                if idle_seconds is not None and self.is_idle(idle_seconds):
                    self.log.info("idle for %.1fs, stopping", idle_seconds)
                    break
                if max_seconds is not None and time.monotonic() - started > max_seconds:
                    self.log.info("ran %.0fs, stopping", max_seconds)
                    break
                time.sleep(0.2)
        except KeyboardInterrupt:
            self.log.info("interrupted, stopping")
        finally:
            self.stop()

    # ------------------------------------------------------------------------------- shards
    def _touch(self) -> None:
        self._last_activity = time.monotonic()

    def _coordinate(self) -> None:
        while not self._stop.is_set():
            try:
                shards = streams.describe_shards(self.client, self.stream_arn)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
                self.log.warning("DescribeStream failed: %s", error)
                self._stop.wait(self.settings.describe_interval_seconds)
                continue
            known = {shard.shard_id for shard in shards}
            for shard in shards:
                if shard.shard_id in self._threads:
                    continue
                parent = shard.parent_shard_id
                with self._lock:
                    parent_done = parent is None or parent not in known or parent in self._finished
                if not parent_done:
                    continue
                position = (self.settings.starting_position if self._first_describe
                            else "TRIM_HORIZON")
                thread = threading.Thread(target=self._run_shard, args=(shard, position),
                                          name=f"shard-{shard.shard_id[-8:]}", daemon=True)
                self._threads[shard.shard_id] = thread
                with self._lock:
                    self.stats.shards_started += 1
                    self._touch()
                self.log.info("shard %s start at %s (parent %s)", shard.shard_id, position,
                              parent)
                thread.start()
            self._first_describe = False
            self._stop.wait(self.settings.describe_interval_seconds)

    def _backoff(self, attempt: int) -> float:
        return min(self.settings.backoff_max_seconds,
                   self.settings.backoff_initial_seconds * (2 ** max(0, attempt - 1)))

    def _iterator(self, shard_id: str, position: str, after: str | None) -> str | None:
        attempt = 0
        while not self._stop.is_set():
            try:
                if after is not None:
                    return streams.shard_iterator(self.client, self.stream_arn, shard_id,
                                                  "AFTER_SEQUENCE_NUMBER", after)
                return streams.shard_iterator(self.client, self.stream_arn, shard_id, position)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
                attempt += 1
                with self._lock:
                    self.stats.read_errors += 1
                self.log.warning("GetShardIterator %s failed: %s", shard_id, error)
                self._stop.wait(self._backoff(attempt))
        return None

    def _expired_prefix(self, buffer: list[dict]) -> int:
        """How many leading records are older than MaximumRecordAgeInSeconds."""
        limit = self.settings.maximum_record_age_seconds
        if limit < 0:
            return 0
        oldest_allowed = time.time() - limit
        count = 0
        for record in buffer[:self.settings.batch_size]:
            created = arrival(record)
            if created is None or created >= oldest_allowed:
                break
            count += 1
        return count

    def _give_up(self, shard_id: str, records: list[dict], condition: str, attempts: int,
                 result: InvokeResult | None) -> None:
        """Lambda discards `records` and sends their range to the on-failure destination."""
        if not records:
            return
        with self._lock:
            self.stats.discarded_records += len(records)
            self.checkpoints[shard_id] = streams.sequence_number(records[-1])
        first, last = streams.sequence_number(records[0]), streams.sequence_number(records[-1])
        self.log.error("DISCARD %d records of shard %s (%s..%s): %s after %d invocation(s)",
                       len(records), shard_id, first, last, condition, attempts)
        destination = self.settings.on_failure
        if destination is None:
            return
        document = on_failure_record(
            shard_id=shard_id, records=records, stream_arn=self.stream_arn, condition=condition,
            invoke_count=attempts, function_error=bool(result and result.function_error),
            function_arn=getattr(destination, "function_arn", DEFAULT_FUNCTION_ARN),
            status_code=result.status if result is not None and result.status else 200)
        try:
            destination.send(document)
        except Exception as error:  # noqa: BLE001 - Lambda keeps going; the harness must say so
            self.log.error("on-failure destination refused the record: %s", error)
            raise
        with self._lock:
            self.stats.on_failure_records += 1
        self.log.warning("ON-FAILURE %s %s..%s n=%d sent", condition, first, last, len(records))

    def _run_shard(self, shard: streams.Shard, position: str) -> None:
        try:
            self._process_shard(shard, position)
        except Exception:  # a harness bug must be loud, not a silently dead shard
            self.log.exception("shard %s worker crashed", shard.shard_id)
            raise

    def _process_shard(self, shard: streams.Shard, position: str) -> None:
        settings = self.settings
        shard_id = shard.shard_id
        iterator = self._iterator(shard_id, position, None)
        buffer: list[dict] = []
        last_read: str | None = None
        attempts = 0
        read_errors = 0
        window_start: float | None = None
        cap: int | None = None  # batch size while a failed batch is bisected
        bisect_end: str | None = None  # the last record of the batch that was bisected
        while not self._stop.is_set():
            if iterator is not None and len(buffer) < settings.batch_size:
                try:
                    page = streams.get_records(self.client, self.stream_arn, iterator,
                                               settings.batch_size - len(buffer))
                    read_errors = 0
                except botocore.exceptions.ClientError as error:
                    code = error.response.get("Error", {}).get("Code", "")
                    read_errors += 1
                    with self._lock:
                        self.stats.read_errors += 1
                    self.log.warning("GetRecords %s failed (%s): %s", shard_id, code, error)
                    if code in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                        iterator = self._iterator(shard_id, "TRIM_HORIZON", last_read)
                    self._stop.wait(self._backoff(read_errors))
                    continue
                except botocore.exceptions.BotoCoreError as error:
                    read_errors += 1
                    with self._lock:
                        self.stats.read_errors += 1
                    self.log.warning("GetRecords %s failed: %s", shard_id, error)
                    self._stop.wait(self._backoff(read_errors))
                    continue
                iterator = page.next_iterator
                if page.records:
                    buffer.extend(page.records)
                    last_read = streams.sequence_number(page.records[-1])
                    with self._lock:
                        self.stats.records_read += len(page.records)
                        self._buffered[shard_id] = len(buffer)
                        self._touch()
            if not buffer:
                if iterator is None:
                    break
                window_start = None
                self._stop.wait(settings.poll_interval_seconds)
                continue
            if (settings.batching_window_seconds > 0 and iterator is not None
                    and len(buffer) < settings.batch_size):
                window_start = window_start or time.monotonic()
                if time.monotonic() - window_start < settings.batching_window_seconds:
                    self._stop.wait(settings.poll_interval_seconds)
                    continue
            window_start = None

            expired = self._expired_prefix(buffer)
            if expired:
                self._give_up(shard_id, buffer[:expired], "RecordAgeExceeded", attempts, None)
                buffer = buffer[expired:]
                with self._lock:
                    self.stats.expired_records += expired
                    self._buffered[shard_id] = len(buffer)
                attempts = 0
                continue

            batch = buffer[:cap if cap is not None else settings.batch_size]
            with self._lock:
                self._in_flight += 1
                self.stats.invocations += 1
                self._touch()
            try:
                result = self.invoke(streams.lambda_event(batch))
            finally:
                with self._lock:
                    self._in_flight -= 1
                    self._touch()
            outcome = evaluate(batch, result, settings.report_batch_item_failures)
            first, last = streams.sequence_number(batch[0]), streams.sequence_number(batch[-1])
            summary = (f"shard {shard_id[-8:]} n={len(batch)} seq={first}..{last} "
                       f"{result.seconds * 1000:.0f}ms keys=[{_describe_keys(batch)}]")

            if outcome.kind == "success":
                buffer = buffer[len(batch):]
                attempts = 0
                if bisect_end is not None and int(last) >= int(bisect_end):
                    cap, bisect_end = None, None
                with self._lock:
                    self.stats.successes += 1
                    self.stats.records_checkpointed += len(batch)
                    self.checkpoints[shard_id] = last
                    self._buffered[shard_id] = len(buffer)
                self.log.info("ok %s", summary)
                continue

            if (outcome.kind == "error" and settings.bisect_batch_on_function_error
                    and len(batch) > 1):
                # Lambda splits the batch and retries the halves; splitting uses no retry.
                cap = (len(batch) + 1) // 2
                bisect_end = bisect_end or last
                with self._lock:
                    self.stats.function_errors += 1
                    if outcome.contract_violation:
                        self.stats.contract_violations += 1
                    self.stats.bisections += 1
                self.log.warning("error %s: %s; bisect to %d", summary, outcome.reason, cap)
                self._stop.wait(settings.backoff_initial_seconds)
                continue

            attempts += 1
            with self._lock:
                if outcome.kind == "partial":
                    self.stats.partial_failures += 1
                elif outcome.contract_violation:
                    self.stats.contract_violations += 1
                else:
                    self.stats.function_errors += 1
            if outcome.kind == "partial" and outcome.retry_from > 0:
                buffer = buffer[outcome.retry_from:]
                with self._lock:
                    self.stats.records_checkpointed += outcome.retry_from
                    self.checkpoints[shard_id] = streams.sequence_number(
                        batch[outcome.retry_from - 1])
            remaining = len(batch) - (outcome.retry_from if outcome.kind == "partial" else 0)
            level = logging.ERROR if outcome.contract_violation else logging.WARNING
            if 0 <= settings.maximum_retry_attempts < attempts:
                self.log.log(level, "%s %s: %s", outcome.kind, summary, outcome.reason)
                self._give_up(shard_id, buffer[:remaining], "RetryAttemptsExhausted", attempts,
                              result)
                buffer = buffer[remaining:]
                with self._lock:
                    self._buffered[shard_id] = len(buffer)
                attempts = 0
                if bisect_end is not None and int(last) >= int(bisect_end):
                    cap, bisect_end = None, None
                continue
            delay = self._backoff(attempts)
            self.log.log(level, "%s %s: %s; retry %d from index %d in %.2fs", outcome.kind,
                         summary, outcome.reason, attempts, outcome.retry_from, delay)
            with self._lock:
                self._buffered[shard_id] = len(buffer)
            self._stop.wait(delay)

        with self._lock:
            self._buffered[shard_id] = len(buffer)
            if iterator is None and not buffer:
                self._finished.add(shard_id)
                self.stats.shards_finished += 1
        if iterator is None and not buffer:
            self.log.info("shard %s finished (closed and fully processed)", shard_id)
