"""Deterministic fault simulation (DESIGN §18): ``payhub simulate``.

The hub's own services (payments, resolution, inbox, outbox, ledger) run against the
in-process simulated PSP on virtual time, with faults drawn from a seeded generator.
See docs/simulation.md.
"""

from hub.simulation.history import Step, generate
from hub.simulation.run import Result, run_history, simulate

__all__ = ["Result", "Step", "generate", "run_history", "simulate"]
