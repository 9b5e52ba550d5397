"""``[events.kafka]``: where the event stream goes (DESIGN §16).

The relay is on when ``bootstrap_servers`` is set (``PAYHUB_KAFKA_BOOTSTRAP_SERVERS``).
SASL/TLS settings pass through to librdkafka under their own names; ``client`` takes any
other librdkafka property (e.g. ``"socket.keepalive.enable" = "true"``). Secrets may be
written ``"env:NAME"``.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from hub.domain.errors import ConfigError

DEFAULT_TOPIC = "payhub.events"

# settings the relay owns: the delivery guarantees depend on them, so `client` may not change them
RESERVED = frozenset(
    {
        "bootstrap.servers",
        "enable.idempotence",
        "acks",
        "max.in.flight.requests.per.connection",
        "message.timeout.ms",
        "retries",
    }
)


class KafkaConfig(msgspec.Struct, forbid_unknown_fields=True):
    bootstrap_servers: str | None = None  # "host:9092,host2:9092"; unset = no event stream
    topic: str = DEFAULT_TOPIC
    client_id: str = "payhub"
    security_protocol: str | None = None  # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
    sasl_mechanism: str | None = None  # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | OAUTHBEARER
    sasl_username: str | None = None
    sasl_password: str | None = None  # "env:NAME" allowed
    ssl_ca_location: str | None = None
    ssl_certificate_location: str | None = None
    ssl_key_location: str | None = None
    ssl_key_password: str | None = None  # "env:NAME" allowed
    compression_type: str = "none"  # none | gzip | snappy | lz4 | zstd
    client: dict[str, str] = msgspec.field(default_factory=dict)  # other librdkafka properties
    batch_size: int = 500  # events read from the outbox and produced per round
    poll_interval: float = 0.2  # seconds between looks at the outbox when it is empty
    lease_seconds: float = 15.0  # how long a relay holds the stream without renewing

    @property
    def enabled(self) -> bool:
        return bool(self.bootstrap_servers)

    def librdkafka(self) -> dict[str, str | int | bool]:
        """The producer's configuration: the relay's guarantees, then TLS/SASL, then ``client``."""
        conf: dict[str, str | int | bool] = {
            "bootstrap.servers": self.bootstrap_servers or "",
            "client.id": self.client_id,
            "enable.idempotence": True,  # no duplicates from retries, order kept per partition
            "acks": "all",
            "max.in.flight.requests.per.connection": 5,
            "message.timeout.ms": 0,  # never give up on a message: an outage delays, never drops
            "compression.type": self.compression_type,
            "linger.ms": 5,
        }
        passthrough = {
            "security.protocol": self.security_protocol,
            "sasl.mechanism": self.sasl_mechanism,
            "sasl.username": self.sasl_username,
            "sasl.password": self.sasl_password,
            "ssl.ca.location": self.ssl_ca_location,
            "ssl.certificate.location": self.ssl_certificate_location,
            "ssl.key.location": self.ssl_key_location,
            "ssl.key.password": self.ssl_key_password,
        }
        conf.update({k: v for k, v in passthrough.items() if v is not None})
        conf.update(self.client)
        return conf


class EventsConfig(msgspec.Struct, forbid_unknown_fields=True):
    kafka: KafkaConfig = msgspec.field(default_factory=KafkaConfig)


def validate_events(cfg: EventsConfig, environ: Mapping[str, str]) -> None:
    from hub.config import resolve_secret

    k = cfg.kafka
    if not k.enabled:
        return
    if not k.topic.strip():
        raise ConfigError("events.kafka.topic: must not be empty")
    if k.batch_size < 1:
        raise ConfigError("events.kafka.batch_size: must be at least 1")
    if k.poll_interval <= 0 or k.lease_seconds <= 0:
        raise ConfigError("events.kafka.poll_interval and lease_seconds: must be positive seconds")
    if k.compression_type not in ("none", "gzip", "snappy", "lz4", "zstd"):
        raise ConfigError("events.kafka.compression_type: must be none, gzip, snappy, lz4 or zstd")
    clash = sorted(RESERVED & set(k.client))
    if clash:
        raise ConfigError(f"events.kafka.client: {', '.join(clash)} is set by payhub (delivery guarantees)")
    for name in ("sasl_password", "ssl_key_password"):
        value = getattr(k, name)
        if value is not None:
            setattr(k, name, resolve_secret(value, f"events.kafka.{name}", environ))
