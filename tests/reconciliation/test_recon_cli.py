"""payhub reconcile ACCOUNT --from --to: the summary, exit codes, no progress line off a TTY."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli import main
from tests.conftest import ADMIN_KEY, reset_pg


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if db_url.startswith("postgresql"):
        import asyncio

        try:
            asyncio.run(reset_pg(db_url))
        except Exception:
            pass
    monkeypatch.setenv("PAYHUB_DATABASE_URL", db_url)
    monkeypatch.setenv("PAYHUB_MASTER_KEY_FILE", str(tmp_path / "payhub.key"))
    monkeypatch.setenv("PAYHUB_BOOTSTRAP_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("PAYHUB_LOG_FORMAT", "text")
    monkeypatch.delenv("PAYHUB_CONFIG", raising=False)
    return db_url


def test_reconcile_prints_the_summary(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["reconcile", "sandbox", "--from", "2026-01-01", "--to", "2026-01-02T00:00:00Z"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "of sandbox [2026-01-01T00:00:00Z .. 2026-01-02T00:00:00Z): completed" in out, out
    assert "missing_in_hub" in out and "exceptions: 0" in out, out
    assert "\r" not in out  # no progress line when stdout is not a terminal


def test_a_failed_run_exits_1_and_bad_arguments_2(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["reconcile", "sandbox", "--from", "2026-01-01", "--to", "2999-01-01"])
    out = capsys.readouterr().out
    assert code == 1 and "failed" in out and "window_in_future" in out, out
    code = main(["reconcile", "nope", "--from", "2026-01-01", "--to", "2026-01-02"])
    assert code == 2 and "unknown_account" in capsys.readouterr().err


def test_the_progress_line_is_shown_on_a_terminal() -> None:
    import io

    from hub.reconciliation.cli import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    progress = Progress("stripe-eu", out)
    progress(100)
    progress(12_300)
    progress.done()
    assert (
        out.getvalue()
        == "\r  reconciling stripe-eu: 100 lines read\r  reconciling stripe-eu: 12,300 lines read\n"
    )
