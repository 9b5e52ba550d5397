"""``payhub doctor [--json]``: print one verdict per check; exit 0 when all pass, 1 otherwise."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from typing import Any

from hub.doctor import Check, run_checks


def render(checks: list[Check]) -> str:
    lines = [f"{'✓' if c.ok else '✗'} {c.name}: {c.detail}" for c in checks]
    failed = sum(not c.ok for c in checks)
    lines.append(f"payhub doctor: {failed} of {len(checks)} checks failed" if failed
                 else f"payhub doctor: all {len(checks)} checks passed")
    return "\n".join(lines)


def cmd_doctor(args: argparse.Namespace) -> int:
    quiet = os.environ.get("PAYHUB_LOG_LEVEL", "").upper() != "DEBUG"
    if quiet:
        logging.disable(logging.WARNING)  # the verdicts say it all (e.g. "local key file: dev only")
    try:
        checks = asyncio.run(run_checks(args.config))
    finally:
        if quiet:
            logging.disable(logging.NOTSET)
    ok = all(c.ok for c in checks)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [c.to_dict() for c in checks]}, ensure_ascii=False, indent=2))
    else:
        print(render(checks))
    return 0 if ok else 1


def add_parser(sub: Any) -> None:
    p = sub.add_parser("doctor", help="check the configuration and every service; exit 1 if one fails")
    p.add_argument("--json", action="store_true", help="print the checks as a JSON object")
    p.set_defaults(func=cmd_doctor)
