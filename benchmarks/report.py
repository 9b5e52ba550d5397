"""Figures collected over repeated runs, the targets they are judged by, one table, one JSON document."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.stats import Spread


@dataclass
class Figure:
    key: str
    label: str
    unit: str
    section: str
    samples: list[float] = field(default_factory=list)
    missing: str | None = None  # why it was not measured, e.g. "n/a (not landed)"

    @property
    def spread(self) -> Spread | None:
        return Spread.of(self.samples) if self.samples else None


@dataclass(frozen=True)
class Target:
    key: str  # the figure it judges (its median)
    op: str  # "<=" or ">="
    limit: float
    text: str


@dataclass(frozen=True)
class Verdict:
    target: Target
    value: float | None
    met: bool | None  # None: not measured

    @property
    def word(self) -> str:
        return "n/a" if self.met is None else ("met" if self.met else "MISSED")


_OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}

TARGETS: tuple[Target, ...] = (
    Target("floor.p50_gap.c1", "<=", 2.0, "1 client: hub p50 within 2 ms of the floor's p50"),
    Target("floor.p99_gap.c1", "<=", 5.0, "1 client: hub p99 within 5 ms of the floor's p99"),
    Target("floor.ratio.c16", ">=", 0.5, "16 clients: hub throughput >= 50% of the floor's"),
    Target("webhooks.ack_p99", "<=", 20.0, "webhook ack p99 <= 20 ms"),
    Target("scale.p50_ratio", "<=", 1.10, "authorize p50 at the largest size within 10% of 10k"),
    Target(
        "loadgen.headroom.c16", ">=", 1.5, "load generator is not the bottleneck (stand-in rps / hub rps)"
    ),
    Target("ledger.ratio.c16", ">=", 0.9, "16 clients: purchases with the ledger >= 90% of without"),
    Target("ledger.turn.ratio", "<=", 1.10, "balance read p50, account of 990k entries vs 10k, within 10%"),
    Target(
        "recon.lines_per_s.100k", ">=", 5000.0, "reconciliation of 100k Stripe-like lines >= 5,000 lines/s"
    ),
    Target(
        "recon.peak_growth_mb", "<=", 100.0, "reconciliation peak memory, 100k lines vs 10k, grows < 100 MB"
    ),
)


class Report:
    def __init__(self, targets: Sequence[Target] = TARGETS) -> None:
        self.figures: dict[str, Figure] = {}
        self.targets = tuple(targets)
        self.notes: list[str] = []
        self.meta: dict[str, Any] = {}

    def _figure(self, key: str, label: str, unit: str, section: str) -> Figure:
        fig = self.figures.get(key)
        if fig is None:
            fig = self.figures[key] = Figure(key, label, unit, section)
        return fig

    def add(self, key: str, value: float, *, label: str, unit: str, section: str) -> None:
        self._figure(key, label, unit, section).samples.append(float(value))

    def missing(self, key: str, reason: str, *, label: str, unit: str, section: str) -> None:
        fig = self._figure(key, label, unit, section)
        if not fig.samples:
            fig.missing = reason

    def median(self, key: str) -> float | None:
        fig = self.figures.get(key)
        spread = fig.spread if fig else None
        return spread.median if spread else None

    def verdicts(self) -> list[Verdict]:
        out = []
        for target in self.targets:
            value = self.median(target.key)
            met = None if value is None else _OPS[target.op](value, target.limit)
            out.append(Verdict(target, value, met))
        return out

    def table(self, title: str) -> str:
        rows: list[list[str]] = []
        section = None
        order = {sec: i for i, sec in reversed(list(enumerate(f.section for f in self.figures.values())))}
        for fig in sorted(self.figures.values(), key=lambda f: order[f.section]):
            if fig.section != section:
                section = fig.section
                rows.append([section, "", "", "", ""])
            spread = fig.spread
            if spread is None:
                rows.append([f"  {fig.label}", fig.missing or "n/a", "", "", fig.unit])
            else:
                rows.append(
                    [f"  {fig.label}", fmt(spread.median), fmt(spread.min), fmt(spread.max), fig.unit]
                )
        lines = [title, format_table(["figure", "median", "min", "max", "unit"], rows), "", "Targets"]
        trows = [
            [
                v.target.text,
                "" if v.value is None else fmt(v.value),
                f"{v.target.op} {fmt(v.target.limit)}",
                v.word,
            ]
            for v in self.verdicts()
        ]
        lines.append(format_table(["target", "measured", "limit", "verdict"], trows))
        if self.notes:
            lines += ["", "Notes", *(f"  - {n}" for n in self.notes)]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        figures: dict[str, Any] = {}
        for fig in self.figures.values():
            spread = fig.spread
            figures[fig.key] = {
                "label": fig.label,
                "section": fig.section,
                "unit": fig.unit,
                "median": spread.median if spread else None,
                "min": spread.min if spread else None,
                "max": spread.max if spread else None,
                "samples": fig.samples,
                "missing": fig.missing,
            }
        targets = [
            {
                "target": v.target.text,
                "figure": v.target.key,
                "op": v.target.op,
                "limit": v.target.limit,
                "measured": v.value,
                "verdict": v.word,
            }
            for v in self.verdicts()
        ]
        return {"meta": self.meta, "figures": figures, "targets": targets, "notes": self.notes}


def fmt(value: float) -> str:
    """Three significant-ish digits: 1234 -> '1234', 12.345 -> '12.35', 0.01234 -> '0.0123'."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-align the first column, right-align the rest (except a trailing text column)."""
    width = len(headers)
    for row in rows:
        if len(row) != width:
            raise ValueError(f"row {list(row)!r} has {len(row)} cells, expected {width}")
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            if i == 0 or i == width - 1:
                out.append(str(cell).ljust(widths[i]))
            else:
                out.append(str(cell).rjust(widths[i]))
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])
