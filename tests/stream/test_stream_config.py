"""``[events.kafka]`` (DESIGN §16): the keys, the env override, SASL/TLS pass-through, bad values named."""

from __future__ import annotations

import pytest

from hub.domain.errors import ConfigError
from tests.conftest import make_settings


def test_env_bootstrap_servers_turns_the_stream_on_with_the_default_topic(tmp_path) -> None:
    s = make_settings("sqlite+aiosqlite:///x.db", tmp_path)
    assert not s.events.kafka.enabled
    s = make_settings(
        "sqlite+aiosqlite:///x.db", tmp_path, env={"PAYHUB_KAFKA_BOOTSTRAP_SERVERS": "k1:9092,k2:9092"}
    )
    k = s.events.kafka
    assert k.enabled and k.topic == "payhub.events"
    conf = k.librdkafka()
    assert conf["bootstrap.servers"] == "k1:9092,k2:9092"
    assert conf["enable.idempotence"] is True and conf["acks"] == "all"
    assert conf["message.timeout.ms"] == 0  # an outage delays, never drops


def test_sasl_and_tls_settings_pass_through_and_secrets_come_from_env(tmp_path) -> None:
    toml = """
[events.kafka]
bootstrap_servers = "broker:9093"
topic = "payments.events"
security_protocol = "SASL_SSL"
sasl_mechanism = "SCRAM-SHA-512"
sasl_username = "payhub"
sasl_password = "env:KAFKA_PASSWORD"
ssl_ca_location = "/etc/ssl/kafka-ca.pem"
[events.kafka.client]
"socket.keepalive.enable" = "true"
"""
    s = make_settings(
        "sqlite+aiosqlite:///x.db", tmp_path, config_toml=toml, env={"KAFKA_PASSWORD": "s3cret"}
    )
    conf = s.events.kafka.librdkafka()
    assert conf["security.protocol"] == "SASL_SSL"
    assert conf["sasl.mechanism"] == "SCRAM-SHA-512"
    assert (conf["sasl.username"], conf["sasl.password"]) == ("payhub", "s3cret")
    assert conf["ssl.ca.location"] == "/etc/ssl/kafka-ca.pem"
    assert conf["socket.keepalive.enable"] == "true"
    assert s.events.kafka.topic == "payments.events"


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[events.kafka.client]\n"enable.idempotence" = "false"', "events.kafka.client"),
        ('[events.kafka.client]\n"acks" = "1"', "events.kafka.client"),
        ('compression_type = "brotli"', "events.kafka.compression_type"),
        ("batch_size = 0", "events.kafka.batch_size"),
        ('sasl_password = "env:NOT_SET_ANYWHERE"', "events.kafka.sasl_password"),
        ('no_such_key = "x"', "events.kafka"),
    ],
)
def test_bad_settings_name_their_key(tmp_path, body: str, key: str) -> None:
    head, _, table = body.partition("\n") if body.startswith("[") else ("", "", body)
    toml = '[events.kafka]\nbootstrap_servers = "b:9092"\n' + (f"{head}\n{table}\n" if head else f"{table}\n")
    with pytest.raises(ConfigError) as err:
        make_settings("sqlite+aiosqlite:///x.db", tmp_path, config_toml=toml)
    assert key in str(err.value)


def test_with_redis_the_relay_belongs_to_the_worker_not_serve(tmp_path) -> None:
    from hub.stream.runner import runs_relay

    url = "sqlite+aiosqlite:///x.db"
    off = make_settings(url, tmp_path)
    assert not runs_relay(off, worker=False) and not runs_relay(off, worker=True)
    env = {"PAYHUB_KAFKA_BOOTSTRAP_SERVERS": "b:9092"}
    embedded = make_settings(url, tmp_path, env=env)
    assert runs_relay(embedded, worker=False)
    env["PAYHUB_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    with_redis = make_settings(url, tmp_path, env=env)
    assert runs_relay(with_redis, worker=True) and not runs_relay(with_redis, worker=False)


def test_the_test_broker_fixture_fails_in_ci_instead_of_skipping(monkeypatch) -> None:
    from tests.stream.kafka_kit import unavailable

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        unavailable("no broker")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        unavailable("no broker")


def test_check_reachable_says_why_not(broker) -> None:
    from hub.stream.config import KafkaConfig
    from hub.stream.publisher import check_reachable
    from tests.stream.kafka_kit import free_port

    assert check_reachable(KafkaConfig(bootstrap_servers=broker.bootstrap)) is None
    why = check_reachable(KafkaConfig(bootstrap_servers=f"127.0.0.1:{free_port()}"), timeout=1.0)
    assert why
