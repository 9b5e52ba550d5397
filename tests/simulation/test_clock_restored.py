"""A history's virtual clock does not outlive it (DESIGN §18): after ``payhub simulate`` in a
process, every hub module and default clock is the real one again. (A module first imported
while the virtual clock was installed once kept it: the tests run after ``tests/simulation``
stamped their rows in 2030.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# in a fresh interpreter: only the simulation imported, as when the simulation tests run first
PROBE = """
import datetime as dt, inspect, sys
from hub.simulation.run import main
assert "hub.services.inbox" not in sys.modules  # imported by the history itself
assert main(seeds=1, first=7, steps=6, verbose=False) == 0
from hub.simulation.clock import VirtualClock
held = []
for name, mod in list(sys.modules.items()):
    if mod is None or not name.startswith(("hub.", "idempotency.", "ledger.", "webhooks.")):
        continue
    for attr, value in list(vars(mod).items()):
        if isinstance(getattr(value, "__self__", None), VirtualClock):
            held.append(f"{name}.{attr}")
        if inspect.isclass(value) and value.__module__ == name:
            for default in (getattr(value.__init__, "__kwdefaults__", None) or {}).values():
                if isinstance(getattr(default, "__self__", None), VirtualClock):
                    held.append(f"{name}.{attr}.__init__ default")
from hub.services.inbox import utcnow
assert abs((utcnow() - dt.datetime.now(dt.UTC)).total_seconds()) < 3600, utcnow()
print("held:", sorted(held))
"""


def test_the_virtual_clock_is_gone_after_a_history() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "held: []", done.stdout
