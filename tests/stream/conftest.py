from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stream.kafka_kit import Broker, create_topic, start_broker


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """One Tansu for the session, on a free loopback port; each test has its own topic."""
    b = start_broker(Path(tmp_path_factory.mktemp("tansu")))
    try:
        yield b
    finally:
        b.kill()


@pytest.fixture
def topic(broker: Broker) -> str:
    return create_topic(broker.bootstrap)
