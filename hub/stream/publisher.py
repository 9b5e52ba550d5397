"""The publisher interface the relay talks to, and its confluent-kafka (librdkafka) implementation.

The relay never sees the client: it hands over :class:`~hub.stream.outbox.Message` s in
order and polls for :class:`Delivery` reports. The producer is idempotent
(``enable.idempotence``, ``acks=all``, at most 5 requests in flight): the broker drops
the duplicates its own retries would make and keeps each partition in the order produced,
and ``message.timeout.ms=0`` keeps a message queued through any outage instead of failing
it. librdkafka is the client because its idempotent producer is the one that works against
every broker we test (aiokafka's is refused by some Kafka-protocol brokers).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Protocol

import msgspec

from hub.stream.config import KafkaConfig
from hub.stream.outbox import Message

log = logging.getLogger("payhub.stream")


class Delivery(msgspec.Struct, frozen=True):
    seq: int
    error: str | None = None  # None: the broker acknowledged it


class Publisher(Protocol):
    fatal: str | None  # set when the client can no longer deliver (make a new one)

    def produce(self, message: Message) -> None: ...
    async def poll(self, wait: float) -> list[Delivery]: ...
    async def close(self) -> None: ...


class KafkaPublisher:
    def __init__(self, cfg: KafkaConfig) -> None:
        from confluent_kafka import Producer

        self.topic = cfg.topic
        self.fatal: str | None = None
        self._done: list[Delivery] = []
        self._lock = threading.Lock()  # delivery callbacks run in the polling thread
        self._producer = Producer({**cfg.librdkafka(), "error_cb": self._on_error, "logger": log})

    def _on_error(self, err: Any) -> None:
        if err.fatal():
            self.fatal = f"{err.name()}: {err.str()}"
            log.error("event stream: fatal producer error %s", self.fatal)
        else:  # _TRANSPORT, _ALL_BROKERS_DOWN ...: librdkafka keeps the queue and retries
            log.warning("event stream: kafka %s: %s", err.name(), err.str())

    def produce(self, message: Message) -> None:
        seq = message.seq

        def on_delivery(err: Any, _msg: Any) -> None:
            report = Delivery(seq, None if err is None else f"{err.name()}: {err.str()}")
            with self._lock:
                self._done.append(report)

        while True:
            try:
                self._producer.produce(
                    self.topic,
                    key=message.key,
                    value=message.value,
                    headers=message.headers,
                    on_delivery=on_delivery,
                )
                return
            except BufferError:  # the local queue is full: serve callbacks, then try again
                self._producer.poll(0.1)

    async def poll(self, wait: float) -> list[Delivery]:
        await asyncio.to_thread(self._producer.poll, wait)
        with self._lock:
            done, self._done = self._done, []
        return done

    async def close(self) -> None:
        """Drop whatever is still queued (the relay re-reads it from the outbox) and stop."""
        from confluent_kafka import KafkaException

        try:
            self._producer.purge()
            await asyncio.to_thread(self._producer.flush, 1.0)
        except KafkaException:
            log.warning("event stream: could not purge the producer", exc_info=True)


def check_reachable(cfg: KafkaConfig, timeout: float = 5.0) -> str | None:
    """None when the broker answers a metadata request for the topic, else why not (doctor)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    conf: dict[str, str | int | float | bool] = {
        k: v
        for k, v in cfg.librdkafka().items()
        if k.startswith(("bootstrap", "security", "sasl", "ssl", "client.id"))
    }
    try:
        meta = AdminClient(conf).list_topics(timeout=timeout)
    except KafkaException as exc:
        return str(exc.args[0] if exc.args else exc)
    if not meta.brokers:
        return "no broker answered"
    return None
