"""The [webhooks] settings: defaults give ~3 days of retries; every invalid value names its key."""

from __future__ import annotations

import pytest

from hub.config import load_settings
from hub.domain.errors import ConfigError
from hub.store.outbox import subscribed


def settings_from(tmp_path, toml: str):
    path = tmp_path / "payhub.toml"
    path.write_text(toml)
    return load_settings(path, environ={})


def test_default_retry_schedule_spans_about_three_days(tmp_path) -> None:
    cfg = settings_from(tmp_path, "").webhooks
    assert cfg.timeout == 10.0 and cfg.dispatch_interval == 1.0
    hours = sum(cfg.retry_schedule) / 3600
    assert 60 <= hours <= 80 and len(cfg.retry_schedule) + 1 == 12  # 12 attempts in all


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[webhooks]\ndispatch_interval = 0\n", "webhooks.dispatch_interval"),
        ("[webhooks]\ntimeout = -1\n", "webhooks.timeout"),
        ("[webhooks]\nretry_schedule = [5.0, -1.0]\n", "webhooks.retry_schedule[1]"),
        ("[webhooks]\nbatch_size = 0\n", "webhooks.batch_size"),
        ("[webhooks]\nper_endpoint_concurrency = 0\n", "webhooks.per_endpoint_concurrency"),
        ("[webhooks]\ntimeout = 'soon'\n", "webhooks.timeout"),
        ("[webhooks]\nretries = 3\n", "webhooks"),
    ],
)
def test_invalid_webhooks_settings_name_their_key(tmp_path, toml: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        settings_from(tmp_path, toml)
    assert str(err.value).startswith(key)


@pytest.mark.parametrize(
    ("patterns", "event_type", "wanted"),
    [
        (["*"], "refund.failed", True),
        (["payment.*"], "payment.captured", True),
        (["payment.*"], "payout.failed", False),
        (["payment.captured"], "payment.captured", True),
        (["payment.captured"], "payment.authorized", False),
        (["refund.failed", "payment.*"], "refund.failed", True),
        ([], "payment.captured", False),
    ],
)
def test_subscription_patterns(patterns: list[str], event_type: str, wanted: bool) -> None:
    assert subscribed(patterns, event_type) is wanted
