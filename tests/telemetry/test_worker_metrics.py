"""payhub worker serves its own /metrics when [telemetry] worker_metrics_port is set."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from hub.domain.errors import ConfigError
from hub.telemetry.exposition import serve_worker_metrics
from hub.telemetry.metrics import AMBIGUOUS_OUTCOMES
from tests.conftest import make_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_worker_metrics_are_served_on_the_configured_port(tmp_path: Path):
    port = _free_port()
    settings = make_settings(
        "sqlite+aiosqlite:///x.db", tmp_path, env={"PAYHUB_WORKER_METRICS_PORT": str(port)}
    )
    AMBIGUOUS_OUTCOMES.labels("worker-test", "capture").inc()
    assert serve_worker_metrics(settings) == port
    assert serve_worker_metrics(settings) == port  # a second start is a no-op
    r = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert r.status_code == 200
    assert 'payhub_ambiguous_outcomes_total{account="worker-test",operation="capture"} 1.0' in r.text


def test_no_worker_metrics_unless_configured(tmp_path: Path):
    assert serve_worker_metrics(make_settings("sqlite+aiosqlite:///x.db", tmp_path)) is None


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"PAYHUB_WORKER_METRICS_PORT": "ninety"}, "^PAYHUB_WORKER_METRICS_PORT"),
        ({"PAYHUB_WORKER_METRICS_PORT": "70000"}, r"^telemetry\.worker_metrics_port"),
    ],
)
def test_a_bad_worker_metrics_port_names_its_key(tmp_path: Path, env: dict[str, str], key: str):
    with pytest.raises(ConfigError, match=key):
        make_settings("sqlite+aiosqlite:///x.db", tmp_path, env=env)
