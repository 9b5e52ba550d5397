"""``payhub simulate [--seeds N] [--seed S] [--steps K] [--jobs J]`` (DESIGN §18)."""

from __future__ import annotations

import argparse
import os
from typing import Any

DEFAULT_SEEDS = 200


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("simulate", help="deterministic fault simulation: seeded histories, invariants checked")
    p.add_argument("--seeds", type=int, default=None,
                   help=f"histories to run (default {DEFAULT_SEEDS}, or PAYHUB_SIMULATE_SEEDS; with --seed: from S)")
    p.add_argument("--seed", type=int, default=None, help="replay this seed (its history is printed)")
    p.add_argument("--steps", type=int, default=30, help="client steps per history (default 30)")
    p.add_argument("--verbose", action="store_true", help="print every history's steps and the hub's logs")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes (default: the CPUs); the output does not depend on it")
    p.set_defaults(func=cmd_simulate)


def cmd_simulate(args: argparse.Namespace) -> int:
    from hub.simulation.run import main

    jobs = args.jobs or os.cpu_count() or 1
    if args.seed is not None:
        seeds = args.seeds or 1
        return main(seeds, args.seed, args.steps, verbose=args.verbose or seeds == 1, jobs=jobs)
    seeds = args.seeds or int(os.environ.get("PAYHUB_SIMULATE_SEEDS", DEFAULT_SEEDS))
    return main(seeds, 0, args.steps, verbose=args.verbose, jobs=jobs)
