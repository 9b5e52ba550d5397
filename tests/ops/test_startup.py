"""An unreachable database or Redis: the hub waits up to ``startup_timeout``, logging each retry,
then says so in one line and exits 2; a database that comes up during the wait is used."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_ADMIN_URL, pg_url
from tests.ops.procs import PAYHUB, free_port, fresh_database, hub_env, person_lines, run_payhub, wait_http

pytestmark = pytest.mark.slow


def closed_pg_url(port: int, password: str = "s3cret-pw") -> str:
    return f"postgresql+asyncpg://postgres:{password}@127.0.0.1:{port}/payhub"


def assert_one_clear_line(stderr: str, service: str, reason: str) -> str:
    assert "Traceback" not in stderr
    lines = person_lines(stderr)
    errors = [ln for ln in lines if ln.startswith("payhub:")]
    assert len(errors) == 1 and lines[-1] == errors[0], stderr  # warnings (a dev key file) may precede it
    line = errors[0]
    assert line.startswith(f"payhub: cannot reach the {service} at "), line
    assert reason in line
    return line


def test_serve_with_an_unreachable_database_says_so_and_exits_2_within_startup_timeout(tmp_path: Path) -> None:
    port = free_port()
    env = hub_env(tmp_path, PAYHUB_DATABASE_URL=closed_pg_url(port), PAYHUB_STARTUP_TIMEOUT="3")
    started = time.monotonic()
    done = run_payhub(["serve", "--port", str(free_port())], env, tmp_path)
    took = time.monotonic() - started
    assert done.returncode == 2
    line = assert_one_clear_line(done.stderr, "database", "connection refused")
    assert f"postgres:***@127.0.0.1:{port}/payhub" in line  # the URL, password masked
    assert "s3cret-pw" not in done.stderr
    assert "startup_timeout" in line
    assert 3 <= took < 3 + 10  # waited the timeout, not much longer
    retries = [ln for ln in done.stderr.splitlines() if "waiting for the database" in ln]
    assert len(retries) >= 3  # each retry is logged (0.5 s, 1 s, 2 s backoff)


def test_serve_and_worker_with_an_unreachable_redis_exit_2(tmp_path: Path) -> None:
    port = free_port()
    env = hub_env(
        tmp_path,
        PAYHUB_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'payhub.db'}",
        PAYHUB_REDIS_URL=f"redis://:redis-pw@127.0.0.1:{port}/0",
        PAYHUB_STARTUP_TIMEOUT="1",
    )
    for command in (["serve", "--port", str(free_port())], ["worker"]):
        done = run_payhub(command, env, tmp_path)
        assert done.returncode == 2, (command, done.stderr)
        line = assert_one_clear_line(done.stderr, "redis", "connection refused")
        assert f"redis://:***@127.0.0.1:{port}/0" in line
        assert "redis-pw" not in done.stderr


@pytest.mark.parametrize(
    "command",
    [["migrate"], ["api-keys", "create", "--role", "read"], ["audit", "verify"], ["webhooks", "list"],
     ["ledger", "verify"], ["vault", "rotate", "--rewrap-only"]],
)
def test_every_command_needing_the_database_answers_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    env = hub_env(tmp_path, PAYHUB_DATABASE_URL=closed_pg_url(free_port()), PAYHUB_STARTUP_TIMEOUT="30")
    started = time.monotonic()
    done = run_payhub(command, env, tmp_path)
    assert done.returncode == 2
    assert_one_clear_line(done.stderr, "database", "connection refused")
    assert time.monotonic() - started < 20  # only serve and worker wait


def test_the_traceback_stays_available_at_debug(tmp_path: Path) -> None:
    env = hub_env(tmp_path, PAYHUB_DATABASE_URL=closed_pg_url(free_port()), PAYHUB_LOG_LEVEL="DEBUG")
    done = run_payhub(["migrate"], env, tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("payhub: cannot reach the database at ")
    assert "Traceback" in done.stderr


def test_a_missing_database_is_named(tmp_path: Path) -> None:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    env = hub_env(tmp_path, PAYHUB_DATABASE_URL=f"{base}/payhub_no_such_db_here")
    done = run_payhub(["migrate"], env, tmp_path)
    if "connection refused" in done.stderr:  # pragma: no cover - environment
        pytest.skip("PostgreSQL is not running")
    assert done.returncode == 2
    assert_one_clear_line(done.stderr, "database", 'database "payhub_no_such_db_here" does not exist')


@pytest.mark.parametrize("command", [["audit", "verify"], ["ledger", "verify"]])
def test_a_database_without_the_schema_says_run_migrate(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "empty.db").touch()
    env = hub_env(tmp_path, PAYHUB_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    done = run_payhub(command, env, tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    line = person_lines(done.stderr)[-1]
    assert line.startswith("payhub: database sqlite+aiosqlite:///") and "no such table" in line
    assert line.endswith("(the schema is missing or old: run `payhub migrate`)")


class Forwarder:
    """A TCP port that forwards to PostgreSQL once opened: a database that comes up late."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self.target = target
        self.listener: socket.socket | None = None
        self.stopped = threading.Event()

    def open(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        assert self.listener is not None
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.stopped.set()
        if self.listener is not None:
            self.listener.close()


@pytest.fixture
def late_database(pg_database: str) -> Iterator[tuple[Forwarder, str]]:
    from sqlalchemy.engine import make_url

    fresh_database(pg_url(pg_database))
    admin = make_url(PG_ADMIN_URL)
    fwd = Forwarder(free_port(), (admin.host or "127.0.0.1", admin.port or 5432))
    url = admin.set(host="127.0.0.1", port=fwd.port, database=pg_database).render_as_string(hide_password=False)
    try:
        yield fwd, url
    finally:
        fwd.close()


def test_a_database_that_comes_up_during_the_wait_lets_serve_start(
    tmp_path: Path, late_database: tuple[Forwarder, str]
) -> None:
    fwd, url = late_database
    port = free_port()
    env = hub_env(tmp_path, PAYHUB_DATABASE_URL=url, PAYHUB_STARTUP_TIMEOUT="40", PAYHUB_BOOTSTRAP_API_KEY="phk_ops_late_db_key_0123456789")
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([PAYHUB, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        time.sleep(2.5)
        assert proc.poll() is None  # still waiting
        fwd.open()
        wait_http(f"http://127.0.0.1:{port}/health", proc, timeout=40)
        assert httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = (tmp_path / "serve.log").read_text()
    assert "waiting for the database" in text
    assert "the database at" in text and "answers (after" in text
