"""``payhub serve`` under pyinstrument, switched on and off by signals (used by benchmarks.profile).

    python -m benchmarks.profiled_serve --out DIR [-- payhub args...]

SIGUSR1 starts sampling; SIGUSR2 stops it and writes DIR/profile.html, DIR/profile.txt (call
tree), DIR/profile-self.txt (flat, self time) and DIR/profile.json (pyinstrument session).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--interval", type=float, default=0.001)
    ap.add_argument("payhub", nargs="*", default=["serve"])
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    profiler = Profiler(interval=args.interval, async_mode="disabled")

    def start(signum: int, frame: FrameType | None) -> None:
        if not profiler.is_running:
            profiler.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        if not profiler.is_running:
            return
        session = profiler.stop()
        (args.out / "profile.html").write_text(profiler.output_html())
        (args.out / "profile.txt").write_text(
            ConsoleRenderer(show_all=False, time="percent_of_total").render(session)
        )
        flat = ConsoleRenderer(flat=True, time="percent_of_total", flat_time="self")
        (args.out / "profile-self.txt").write_text(flat.render(session))
        session.save(str(args.out / "profile.json"))
        (args.out / "done").write_text("ok\n")

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    from hub.cli import main as payhub

    return payhub(args.payhub or ["serve"])


if __name__ == "__main__":
    sys.exit(main())
