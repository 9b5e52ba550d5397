"""The resolution-latency histogram: how long an ambiguous operation took to become certain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hub.telemetry.metrics import RESOLUTION_SECONDS


def observe_resolved(op: Mapping[str, Any], strategy: str, now: dt.datetime) -> None:
    """``op`` (its row: account_id, kind, created_at) became certain at ``now`` by ``strategy``
    (lookup, replay, webhook, settle)."""
    created = op.get("created_at")
    if created is None:
        return
    seconds = max(0.0, (now - created).total_seconds())
    RESOLUTION_SECONDS.labels(op["account_id"], op["kind"], strategy).observe(seconds)
