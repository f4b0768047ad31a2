"""The local KRaft broker takes idempotent produces and serves them back byte for byte."""

import uuid

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from stack_support import stack_variable, unique_name


def test_idempotent_produce_is_consumed_back_with_key_value_and_headers():
    bootstrap = stack_variable("STACK_KAFKA_BOOTSTRAP")
    topic = unique_name("stack-smoke")
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)]).values():
        future.result(timeout=30)

    value = b"\x00\xffbinary event data\x00"
    key = b"o-1"
    headers = [("messageId", b"e-1"), ("version", b"0"), ("streamType", b"Order")]
    delivered = []
    producer = Producer(
        {"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"}
    )
    producer.produce(
        topic, value=value, key=key, headers=headers,
        on_delivery=lambda error, message: delivered.append((error, message)),
    )
    assert producer.flush(30) == 0, "messages still queued after flush"
    assert len(delivered) == 1
    error, message = delivered[0]
    assert error is None, error

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"stack-smoke-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    try:
        consumer.subscribe([topic])
        received = None
        for _ in range(60):
            polled = consumer.poll(1.0)
            if polled is None:
                continue
            if polled.error():
                raise KafkaException(polled.error())
            received = polled
            break
        assert received is not None, "no message consumed within 60 s"
        assert received.value() == value
        assert received.key() == key
        assert received.headers() == headers
        assert (received.partition(), received.offset()) == (message.partition(), message.offset())
    finally:
        consumer.close()
        admin.delete_topics([topic])
