"""``payhub worker`` with one extra job, ``ops_slow``, that takes a while (for the SIGTERM tests).

Run as ``python tests/ops/slow_worker.py MARK_DIR SECONDS``; the configuration comes from the
environment like ``payhub worker``'s. The job touches ``started-N`` and, when it completes,
``finished-N`` in MARK_DIR.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from hub.config import load_settings
from hub.lifecycle.worker import run_worker
from hub.logs import setup_logging
from hub.runtime import Hub


def main() -> int:
    marks, seconds = Path(sys.argv[1]), float(sys.argv[2])
    settings = load_settings()
    setup_logging(settings.log_level, settings.log_format)

    def factory() -> Hub:
        hub = Hub(settings)

        async def slow(n: int) -> None:
            (marks / f"started-{n}").touch()
            await asyncio.sleep(seconds)
            (marks / f"finished-{n}").touch()

        hub.jobs.register("ops_slow", slow)
        return hub

    return run_worker(settings, factory)


if __name__ == "__main__":
    raise SystemExit(main())
