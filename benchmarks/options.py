"""What a benchmark run measures and for how long (``python -m benchmarks.run --help``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


@dataclass
class Options:
    repeats: int = 3
    duration: float = 3.0
    warmup: float = 1.0
    concurrency: list[int] = field(default_factory=lambda: [1, 16, 64])
    replay_concurrency: int = 16
    scale_sizes: list[int] = field(default_factory=lambda: [10_000, 1_000_000])
    scale_duration: float = 3.0
    resolution_n: int = 40
    transport_duration: float = 1.0
    jobs_duration: float = 1.5
    webhook_concurrency: int = 16
    ledger_concurrency: list[int] = field(default_factory=lambda: [1, 16, 64])
    ledger_sizes: list[int] = field(default_factory=lambda: [10_000, 1_000_000])  # entries stored
    aux_repeats: int | None = None  # repeats of the transport and arq comparisons (default: repeats)
    skip: list[str] = field(default_factory=list)
    redis_db: int | None = None
    out: Path = RESULTS / "latest.json"
    keep_logs: bool = False
    quick: bool = False

    @classmethod
    def quick_run(cls, **overrides: Any) -> Options:
        return cls(
            **{
                "repeats": 2,
                "duration": 1.0,
                "warmup": 0.3,
                "scale_sizes": [10_000, 100_000],
                "ledger_sizes": [10_000, 100_000],
                "scale_duration": 1.0,
                "resolution_n": 10,
                "transport_duration": 0.3,
                "jobs_duration": 0.8,
                "aux_repeats": 1,
                "quick": True,
                **overrides,
            }
        )
