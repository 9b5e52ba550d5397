"""``payhub doctor``: passes on the embedded default; fails, with the reason, for a wrong KMS key
file, an unreachable account, a stale schema, an unreachable database or Redis."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import _has_schema, reset_pg
from tests.ops.procs import free_port, hub_env, run_payhub

pytestmark = pytest.mark.slow


def doctor(env: dict[str, str], cwd: Path) -> tuple[int, dict[str, Any]]:
    done = run_payhub(["doctor", "--json"], env, cwd)
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is (done.returncode == 0)
    return done.returncode, {c["name"]: c for c in report["checks"]}


@pytest.fixture
def installed(db_url: str, tmp_path: Path) -> dict[str, str]:
    """An installation that has run once: schema migrated, fingerprint key stored under the KEK."""
    if db_url.startswith("postgresql") and asyncio.run(_has_schema(db_url)):
        asyncio.run(reset_pg(db_url))
    env = hub_env(tmp_path, PAYHUB_DATABASE_URL=db_url)
    done = run_payhub(["api-keys", "create", "--role", "read"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    return env


def test_the_embedded_default_passes_before_and_after_the_first_start(tmp_path: Path) -> None:
    env = hub_env(tmp_path)
    del env["PAYHUB_MASTER_KEY_FILE"]  # all defaults: ./payhub.db, ./payhub.key
    done = run_payhub(["doctor"], env, tmp_path)
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert lines[-1] == "payhub doctor: all 5 checks passed"
    assert all(line.startswith("✓ ") for line in lines[:-1])
    assert not (tmp_path / "payhub.db").exists() and not (tmp_path / "payhub.key").exists()  # changes nothing
    assert run_payhub(["api-keys", "create", "--role", "read"], env, tmp_path).returncode == 0
    code, checks = doctor(env, tmp_path)
    assert code == 0
    assert checks["schema"]["detail"].startswith("current")
    assert "stored data decrypts" in checks["kms"]["detail"]
    assert checks["account:sandbox"]["ok"]


def test_a_wrong_kms_key_file_fails_the_kms_check(installed: dict[str, str], tmp_path: Path) -> None:
    from vault.kms.local import LocalKms

    other = tmp_path / "other.key"
    LocalKms(other)  # a valid key file, but not the one the data was written with
    code, checks = doctor({**installed, "PAYHUB_MASTER_KEY_FILE": str(other)}, tmp_path)
    assert code == 1
    assert not checks["kms"]["ok"]
    assert "cannot decrypt what the database holds" in checks["kms"]["detail"]
    assert checks["database"]["ok"] and checks["schema"]["ok"]

    broken = tmp_path / "broken.key"
    broken.write_text("not a key file")
    broken.chmod(0o600)
    code, checks = doctor({**installed, "PAYHUB_MASTER_KEY_FILE": str(broken)}, tmp_path)
    assert code == 1
    assert "is not a valid key file" in checks["kms"]["detail"]

    missing = tmp_path / "gone.key"
    code, checks = doctor({**installed, "PAYHUB_MASTER_KEY_FILE": str(missing)}, tmp_path)
    assert code == 1
    assert "does not exist, but the database holds data" in checks["kms"]["detail"]


@pytest.fixture
def answering_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_an_unreachable_account_fails_its_check(
    installed: dict[str, str], tmp_path: Path, answering_url: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    config = tmp_path / "payhub.toml"
    config.write_text(
        f'[[accounts]]\nid = "stripe-down"\nadapter = "stripe"\nbase_url = "{closed}"\n'
        '[accounts.credentials]\nsecret_key = "sk_test_doctor"\nwebhook_secret = "whsec_doctor"\n'
        f'[[accounts]]\nid = "stripe-up"\nadapter = "stripe"\nbase_url = "{answering_url}"\n'
        '[accounts.credentials]\nsecret_key = "sk_test_doctor"\nwebhook_secret = "whsec_doctor"\n'
    )
    code, checks = doctor({**installed, "PAYHUB_CONFIG": str(config)}, tmp_path)
    assert code == 1
    down = checks["account:stripe-down"]
    assert not down["ok"]
    assert f"base_url {closed} does not answer: connection refused" in down["detail"]
    assert checks["account:stripe-up"]["ok"], checks["account:stripe-up"]  # a 404 is an answer
    assert "sk_test_doctor" not in json.dumps(checks)


def test_an_account_its_adapter_refuses_fails_its_check(installed: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "payhub.toml"
    config.write_text(
        '[[accounts]]\nid = "stripe-bad"\nadapter = "stripe"\nbase_url = "https://api.stripe.com"\n'
        '[accounts.credentials]\nsecret_key = "pk_live_publishable_by_mistake"\n'
    )
    code, checks = doctor({**installed, "PAYHUB_CONFIG": str(config)}, tmp_path)
    assert code == 1
    assert "secret_key must be a Stripe secret" in checks["account:stripe-bad"]["detail"]


async def _set_revision(url: str, revision: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        await engine.dispose()


def test_a_stale_schema_fails_the_schema_check(installed: dict[str, str], db_url: str, tmp_path: Path) -> None:
    code, checks = doctor(installed, tmp_path)
    assert code == 0, checks
    head = checks["schema"]["detail"].split("revision ")[1].rstrip(")")
    try:
        asyncio.run(_set_revision(db_url, "0007"))
        code, checks = doctor(installed, tmp_path)
        assert code == 1
        assert checks["schema"]["detail"] == f"at revision 0007, this version expects {head}: run `payhub migrate`"
        asyncio.run(_set_revision(db_url, "9999"))
        code, checks = doctor(installed, tmp_path)
        assert code == 1
        assert "which this version of payhub does not know" in checks["schema"]["detail"]
    finally:
        asyncio.run(_set_revision(db_url, head))


def test_an_empty_database_has_no_schema(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    code, checks = doctor(hub_env(tmp_path, PAYHUB_DATABASE_URL=f"sqlite+aiosqlite:///{db}"), tmp_path)
    assert code == 1
    assert checks["schema"]["detail"].startswith("no schema") and "payhub migrate" in checks["schema"]["detail"]


def test_unreachable_database_and_redis_and_a_bad_configuration(tmp_path: Path) -> None:
    env = hub_env(
        tmp_path,
        PAYHUB_DATABASE_URL=f"postgresql+asyncpg://postgres:pw@127.0.0.1:{free_port()}/payhub",
        PAYHUB_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    code, checks = doctor(env, tmp_path)
    assert code == 1
    assert not checks["database"]["ok"] and "connection refused" in checks["database"]["detail"]
    assert "postgres:***@" in checks["database"]["detail"]
    assert not checks["schema"]["ok"]
    assert not checks["redis"]["ok"] and "connection refused" in checks["redis"]["detail"]

    done = run_payhub(["doctor"], {**env, "PAYHUB_PORT": "eighty"}, tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == "✗ configuration: PAYHUB_PORT: expected a number, got 'eighty'"


def test_a_reachable_redis_passes(tmp_path: Path) -> None:
    from tests.conftest import redis_test_url

    code, checks = doctor(hub_env(tmp_path, PAYHUB_REDIS_URL=redis_test_url()), tmp_path)
    assert checks["redis"]["ok"], checks["redis"]
    assert checks["redis"]["detail"].endswith("answers PING")
    assert code == 0


def test_the_kafka_check_asks_the_broker_and_names_one_that_does_not_answer(
    installed: dict[str, str], tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.stream.kafka_kit import start_broker

    broker = start_broker(Path(tmp_path_factory.mktemp("tansu")))
    try:
        code, checks = doctor({**installed, "PAYHUB_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap}, tmp_path)
        assert code == 0, checks
        assert checks["kafka"]["ok"] and "metadata" in checks["kafka"]["detail"]
    finally:
        broker.kill()
    closed = f"127.0.0.1:{free_port()}"
    code, checks = doctor({**installed, "PAYHUB_KAFKA_BOOTSTRAP_SERVERS": closed}, tmp_path)
    assert code == 1
    assert not checks["kafka"]["ok"] and closed in checks["kafka"]["detail"]


def test_a_pool_larger_than_postgresql_accepts_fails_the_database_check(
    installed: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("max_connections is PostgreSQL's")
    code, checks = doctor(installed, tmp_path)
    assert code == 0 and "database_pool_size 40 of the" in checks["database"]["detail"]
    code, checks = doctor({**installed, "PAYHUB_DATABASE_POOL_SIZE": "1000"}, tmp_path)
    assert code == 1
    assert not checks["database"]["ok"]
    assert "database_pool_size 1000 is more than" in checks["database"]["detail"]
    assert checks["schema"]["ok"]  # the rest is still checked
