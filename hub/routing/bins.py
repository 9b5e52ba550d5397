"""Card country from the BIN: the longest configured prefix wins.

payhub ships no commercial BIN database. The built-in table knows the public test
cards' issuer countries; production deployments put their acquirer's BIN ranges in
``[routing.bin_countries]`` (prefix -> country), which extend and override it.
"""

from __future__ import annotations

from collections.abc import Mapping

BUILT_IN: Mapping[str, str] = {
    "424242": "US",  # Visa test card
    "400000": "US",
    "555555": "US",  # Mastercard test card
    "222300": "US",
    "378282": "US",  # Amex test card
    "400005": "US",
    "401288": "US",
    "4000056655665556": "US",
    "4000000760000002": "BR",
    "4000001240000000": "CA",
    "4000004840008001": "MX",
    "4000000400000008": "AT",
    "4000000560000004": "BE",
    "4000002500000003": "FR",
    "4000002760000016": "DE",
    "4000003800000008": "IT",
    "4000005280000002": "NL",
    "4000007240000007": "ES",
    "4000008260000000": "GB",
    "4000058260000005": "GB",
}


class BinTable:
    def __init__(self, extra: Mapping[str, str] | None = None) -> None:
        self._table = {**BUILT_IN, **(extra or {})}
        self._lengths = sorted({len(k) for k in self._table}, reverse=True)

    def country(self, number_or_bin: str | None) -> str | None:
        if not number_or_bin:
            return None
        for n in self._lengths:
            hit = self._table.get(number_or_bin[:n]) if len(number_or_bin) >= n else None
            if hit is not None:
                return hit
        return None
