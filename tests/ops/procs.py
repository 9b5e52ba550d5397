"""Real ``payhub`` processes for the operability tests: clean environments, free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

PAYHUB = str(Path(sys.executable).parent / "payhub")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hub_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any PAYHUB_* setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYHUB_")}
    env.update(
        {"PAYHUB_MASTER_KEY_FILE": str(tmp_path / "payhub.key"), "PAYHUB_LOG_FORMAT": "text", **extra}
    )
    return env


def run_payhub(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PAYHUB, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up")


def person_lines(stderr: str) -> list[str]:
    """What a person reads on stderr apart from log records (which carry a timestamp)."""
    return [line for line in stderr.splitlines() if line.strip() and not line[:4].isdigit()]


def fresh_database(url: str) -> None:
    """Empty the run's shared PostgreSQL database (as the harness does) so a new key file can
    start on it: rows encrypted under an earlier test's key file would not decrypt."""
    import asyncio

    from tests.conftest import _has_schema, reset_pg

    if url.startswith("postgresql") and asyncio.run(_has_schema(url)):
        asyncio.run(reset_pg(url))
