"""The output topic as a consumer sees it: created per test, read by a real consumer."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def create_topic(bootstrap: str, name: str, partitions: int = 3, timeout: float = 30) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=partitions,
                                            replication_factor=1)], operation_timeout=timeout)
    futures[name].result(timeout)
    # Wait until the metadata shows every partition with a leader, so producers never race it.
    deadline = time.monotonic() + timeout
    while True:
        topic = admin.list_topics(name, timeout=5).topics.get(name)
        if (topic is not None and topic.error is None and len(topic.partitions) == partitions
                and all(p.leader >= 0 for p in topic.partitions.values())):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topic {name} has no leaders after {timeout}s")
        time.sleep(0.1)


def delete_topic(bootstrap: str, name: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        admin.delete_topics([name], operation_timeout=10)[name].result(15)
    except KafkaException:
        pass


@dataclass(frozen=True)
class Message:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]

    def header_dict(self) -> dict[str, str]:
        return {name: (value or b"").decode("utf-8") for name, value in self.headers}

    @property
    def version(self) -> int:
        return int(self.header_dict()["version"])


class TopicReader:
    """Consumes every partition of `topic` from the beginning in a background thread."""

    def __init__(self, bootstrap: str, topic: str, partitions: int = 3):
        self.topic = topic
        self._partitions = partitions
        self._consumer = Consumer({"bootstrap.servers": bootstrap,
                                   "group.id": f"e2e-reader-{uuid.uuid4().hex[:8]}",
                                   "enable.auto.commit": False,
                                   "auto.offset.reset": "earliest",
                                   "isolation.level": "read_committed"})
        self._watermarks = Consumer({"bootstrap.servers": bootstrap,
                                     "group.id": f"e2e-watermarks-{uuid.uuid4().hex[:8]}"})
        self._messages: list[Message] = []
        self._next_offset: dict[int, int] = {}
        self._errors: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._consume, name="topic-reader", daemon=True)

    def start(self) -> "TopicReader":
        self._consumer.assign([TopicPartition(self.topic, p, OFFSET_BEGINNING)
                               for p in range(self._partitions)])
        self._thread.start()
        return self

    def _consume(self) -> None:
        while not self._stop.is_set():
            message = self._consumer.poll(0.2)
            if message is None:
                continue
            if message.error():
                with self._lock:
                    self._errors.append(str(message.error()))
                continue
            with self._lock:
                self._messages.append(Message(message.partition(), message.offset(),
                                              message.key(), message.value(),
                                              tuple(message.headers() or ())))
                self._next_offset[message.partition()] = message.offset() + 1

    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, predicate, timeout: float) -> bool:
        """Waits until predicate(messages) holds; False after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate(self.messages()):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def catch_up(self, timeout: float = 30) -> None:
        """Waits until everything on the topic now has been read."""
        highs = {p: self._watermarks.get_watermark_offsets(TopicPartition(self.topic, p),
                                                           timeout=10, cached=False)[1]
                 for p in range(self._partitions)}

        def caught_up(_):
            with self._lock:
                return all(self._next_offset.get(p, 0) >= high or high == 0
                           for p, high in highs.items())
        if not self.wait_for(caught_up, timeout):
            raise TimeoutError(f"reader did not reach {highs} within {timeout}s")

    @property
    def errors(self) -> list[str]:
        with self._lock:
            return list(self._errors)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._consumer.close()
        self._watermarks.close()
