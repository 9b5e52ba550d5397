"""Configuration: TOML + PAYHUB_* overrides; a bad value names the key at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_settings
from hub.domain.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "payhub.toml"
    p.write_text(text)
    return p


def test_embedded_default(tmp_path: Path) -> None:
    s = load_settings(None, environ={})
    assert s.database_url.startswith("sqlite+aiosqlite")
    assert [a.id for a in s.accounts] == ["sandbox"] and s.default_account == "sandbox"
    assert s.redis_url is None


def test_toml_accounts_env_references_and_overrides(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """
[[accounts]]
id = "stripe-eu"
adapter = "stripe"
base_url = "https://api.stripe.com"
[accounts.credentials]
secret_key = "env:STRIPE_KEY"
[accounts.timeouts]
connect = 1.5
read = 9.0
""",
    )
    s = load_settings(
        p,
        environ={
            "STRIPE_KEY": "sk_test_123",
            "PAYHUB_DATABASE_URL": "postgresql+asyncpg://u@h/db",
            "PAYHUB_BOOTSTRAP_API_KEY": "boot",
        },
    )
    acct = s.accounts[0]
    assert acct.credentials["secret_key"] == "sk_test_123"
    assert acct.timeouts.connect == 1.5 and acct.timeouts.read == 9.0
    assert s.database_url == "postgresql+asyncpg://u@h/db" and s.bootstrap_api_key == "boot"
    assert s.default_account == "stripe-eu"


@pytest.mark.parametrize(
    ("toml", "env", "key"),
    [
        (
            '[[accounts]]\nid = "x"\nadapter = "stripe"\n[accounts.timeouts]\nread = "slow"\n',
            {},
            "accounts[0].timeouts.read",
        ),
        (
            '[[accounts]]\nid = "x"\nadapter = "stripe"\n[accounts.credentials]\nsecret_key = "env:NOPE"\n',
            {},
            "accounts[0].credentials.secret_key",
        ),
        ('[[accounts]]\nid = "Bad Id"\nadapter = "simulator"\n', {}, "accounts[0].id"),
        (
            '[[accounts]]\nid = "a"\nadapter = "simulator"\n[[accounts]]\nid = "a"\nadapter = "simulator"\n',
            {},
            "accounts[1].id",
        ),
        ("surprise = 1\n", {}, "surprise"),
        ("", {"PAYHUB_DATABASE_URL": "mysql://x"}, "database_url"),
        ("", {"PAYHUB_PORT": "eighty"}, "PAYHUB_PORT"),
        ("database_pool_size = 0\n", {}, "database_pool_size"),
        ("", {"PAYHUB_DATABASE_POOL_SIZE": "lots"}, "PAYHUB_DATABASE_POOL_SIZE"),
        ('default_account = "ghost"\n', {}, "default_account"),
        ("[idempotency]\nreap_interval = 0\n", {}, "idempotency.reap_interval"),
        ("[idempotency]\nttl_hours = -1\n", {}, "idempotency.ttl_hours"),
        ("[resolution]\nschedule = []\n", {}, "resolution.schedule"),
        ("[resolution]\nschedule = [2.0, -1.0]\n", {}, "resolution.schedule[1]"),
        ("[resolution]\nsweep_interval = 0\n", {}, "resolution.sweep_interval"),
    ],
)
def test_invalid_configuration_names_the_key(
    tmp_path: Path, toml: str, env: dict[str, str], key: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, toml), environ=env)
    assert key in str(info.value)


async def test_unknown_adapter_fails_at_start(tmp_path: Path) -> None:
    from hub.runtime import Hub

    p = write(tmp_path, '[[accounts]]\nid = "x"\nadapter = "nosuchpsp"\nbase_url = "https://x"\n')
    s = load_settings(
        p,
        environ={
            "PAYHUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
            "PAYHUB_MASTER_KEY_FILE": str(tmp_path / "k.key"),
        },
    )
    hub = Hub(s)
    with pytest.raises(ConfigError) as info:
        await hub.start()
    await hub.stop()
    assert "accounts[0].adapter" in str(info.value)


def test_database_pool_size_from_the_file_or_the_environment_and_shared_by_serve_workers(tmp_path: Path) -> None:
    from hub.lifecycle.workers import worker_settings

    assert load_settings(write(tmp_path, ""), environ={}).database_pool_size == 40
    assert load_settings(write(tmp_path, "database_pool_size = 12\n"), environ={}).database_pool_size == 12
    settings = load_settings(write(tmp_path, "database_pool_size = 12\n"), environ={"PAYHUB_DATABASE_POOL_SIZE": "9"})
    assert settings.database_pool_size == 9
    # serve --workers N: each worker keeps its share (rounded up), never none
    assert worker_settings(settings, 2).database_pool_size == 5
    assert worker_settings(settings, 3).database_pool_size == 3
    assert worker_settings(settings, 20).database_pool_size == 1
