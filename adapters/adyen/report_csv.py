"""Reading Adyen's Settlement details report CSV: records by header name, decimal amounts in
major units to exact minor units, ``Creation Date`` in the zone its ``TimeZone`` names.

Pure functions, no HTTP (``adapters.adyen.settlement`` streams the file and calls these).
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.adyen.mapping import iso_exponent
from adapters.settlement import ReportError, ReportErrorCode

# the columns the adapter reads (Adyen: "Settlement details report", report structure)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "Psp Reference", "Merchant Reference", "Creation Date", "TimeZone", "Type",
    "Modification Reference", "Gross Currency", "Gross Debit (GC)", "Gross Credit (GC)",
    "Net Currency", "Net Debit (NC)", "Net Credit (NC)", "Commission (NC)", "Markup (NC)",
    "Scheme Fees (NC)", "Interchange (NC)",
)  # fmt: skip
# every column of Adyen's documented layout, in its order (the fake writes this)
ALL_COLUMNS: tuple[str, ...] = (
    "Company Account", "Merchant Account", "Psp Reference", "Merchant Reference", "Payment Method",
    "Creation Date", "TimeZone", "Type", "Modification Reference", "Gross Currency",
    "Gross Debit (GC)", "Gross Credit (GC)", "Exchange Rate", "Net Currency", "Net Debit (NC)",
    "Net Credit (NC)", "Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)",
    "Payment Method Variant", "Modification Merchant Reference", "Batch Number",
    "Reserved4", "Reserved5", "Reserved6", "Reserved7", "Reserved8", "Reserved9", "Reserved10",
)  # fmt: skip

# the abbreviations Adyen writes in ``TimeZone`` (the offset in effect at that instant); an
# IANA name (Europe/Amsterdam) is read with zoneinfo, its DST rules included
ABBREVIATIONS: Mapping[str, int] = {
    "UTC": 0, "GMT": 0, "WET": 0, "WEST": 60, "BST": 60, "IST": 60, "CET": 60, "CEST": 120,
    "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "GST": 240, "SGT": 480,
    "HKT": 480, "AWST": 480, "JST": 540, "KST": 540, "AEST": 600, "AEDT": 660, "NZST": 720,
    "NZDT": 780, "BRT": -180, "ART": -180, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
    "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
}  # fmt: skip


def malformed(reason: str) -> ReportError:
    return ReportError(ReportErrorCode.MALFORMED, reason)


def zone(name: str) -> tzinfo:
    name = name.strip()
    if name in ABBREVIATIONS:
        minutes = ABBREVIATIONS[name]
        return timezone(timedelta(minutes=minutes), name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise malformed(f"unknown TimeZone {name!r}") from exc


def creation_date(value: str, zone_name: str) -> datetime:
    try:
        local = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise malformed(f"Creation Date {value!r} is not YYYY-MM-DD HH:MM:SS") from exc
    # in UTC: an aware time in a zone's ambiguous hour (DST ending) never compares equal to
    # another zone's (PEP 495), so the zone is applied here once and the instant kept
    return local.replace(tzinfo=zone(zone_name)).astimezone(UTC)


def minor_units(value: str, currency: str, column: str) -> int:
    """``"12.34"`` EUR -> 1234, ``"1500"`` JPY -> 1500; empty -> 0; never rounded."""
    text = value.strip()
    if not text:
        return 0
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise malformed(f"{column} {text!r} is not a decimal amount") from exc
    if not amount.is_finite():
        raise malformed(f"{column} {text!r} is not a decimal amount")
    scaled = amount.scaleb(iso_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise malformed(f"{column} {text!r} has more decimals than {currency} has minor units")
    return int(scaled)


class Header:
    """The report's header line: column name -> position, checked for what the adapter reads."""

    def __init__(self, names: Sequence[str]) -> None:
        cleaned = [n.strip().lstrip("\ufeff").strip() for n in names]
        self.index = {name: i for i, name in enumerate(cleaned) if name}
        self.width = len(cleaned)
        missing = [c for c in REQUIRED_COLUMNS if c not in self.index]
        if missing:
            raise malformed(f"the report's header lacks {', '.join(missing)}")

    def record(self, fields: Sequence[str], line_no: int) -> dict[str, str]:
        if len(fields) > self.width and any(f.strip() for f in fields[self.width :]):
            raise malformed(f"line {line_no} has {len(fields)} fields, the header {self.width}")
        return {name: (fields[i].strip() if i < len(fields) else "") for name, i in self.index.items()}


def _complete(text: str) -> bool:
    """A CSV record is complete when its quotes are balanced (a quoted field may hold a newline)."""
    return text.count('"') % 2 == 0


def _fields(text: str) -> list[str]:
    try:
        return next(csv.reader([text], strict=True))
    except csv.Error as exc:
        raise malformed(f"not CSV: {exc}") from exc


async def records(lines: AsyncIterator[str]) -> AsyncIterator[tuple[int, list[str]]]:
    """The same, from a stream: ``(record number, fields)``, the header being record 1."""
    pending = ""
    n = 0
    async for line in lines:
        pending = f"{pending}\n{line}" if pending else line
        if not _complete(pending):
            continue
        text, pending = pending, ""
        if text.strip():
            n += 1
            yield n, _fields(text)
    if pending:
        raise malformed("the report ends inside a quoted field")
