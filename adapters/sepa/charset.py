"""The SEPA character set and transliteration into it (DESIGN §10).

The EPC SEPA Credit Transfer rulebook (implementation guidelines, "Character
set") restricts every text sent to a bank to the basic Latin set::

    a-z A-Z 0-9 / - ? : ( ) . , ' + and space

Identifiers (MsgId, PmtInfId, InstrId, EndToEndId) additionally must not start
or end with ``/`` and must not contain ``//``.

Names and remittance information are transliterated the way the EPC's
conversion guidance suggests: accents and other diacritics are dropped
(``Zoë`` -> ``Zoe``, ``Ærø`` -> ``AEro``), ligatures and letters with no
decomposition get their conventional Latin spelling (``ß`` -> ``ss``,
``Ø`` -> ``O``, ``Þ`` -> ``TH``), a few punctuation marks get their nearest
allowed sign (``&`` -> ``+``, ``_`` -> ``-``, typographic quotes -> ``'``). Text
in another script (Cyrillic, Greek, CJK, ...) cannot be transliterated
faithfully: :class:`CharsetError` is raised so the caller answers a clear 422
instead of sending a file the bank would reject or a name that is wrong.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "ALLOWED",
    "ID_MAX",
    "CharsetError",
    "is_sepa_id",
    "is_sepa_text",
    "transliterate",
]

ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
ID_MAX = 35

# letters and signs without a useful Unicode decomposition
_SPECIAL: dict[str, str] = {
    "ß": "ss",
    "ẞ": "SS",
    "Ø": "O",
    "ø": "o",
    "Æ": "AE",
    "æ": "ae",
    "Œ": "OE",
    "œ": "oe",
    "Đ": "D",
    "đ": "d",
    "Ð": "D",
    "ð": "d",
    "Þ": "TH",
    "þ": "th",
    "Ł": "L",
    "ł": "l",
    "\u0131": "i",  # dotless i
    "Ħ": "H",
    "ħ": "h",
    "ŀ": "l",
    "Ŀ": "L",
    "ĸ": "k",
    "Ŋ": "N",
    "ŋ": "n",
    "\u017f": "s",  # long s
    "&": "+",
    "_": "-",
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark / apostrophe
    "\u201a": "'",
    "\u201b": "'",
    "`": "'",
    "\u00b4": "'",  # acute accent
    '"': "'",
    "\u201c": "'",
    "\u201d": "'",
    "\u201e": "'",
    "«": "'",
    "»": "'",
    "\u2010": "-",  # hyphen
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus sign
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
    "\\": "/",
    ";": ",",
    "!": ".",
    "#": " ",
    "*": " ",
    "=": " ",
    "|": " ",
    "~": "-",
}

_WS = re.compile(r"\s+")


class CharsetError(ValueError):
    """The text holds characters that cannot be expressed in the SEPA character set."""

    def __init__(self, text: str, bad: str) -> None:
        self.text = text
        self.bad = bad
        shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in bad)
        super().__init__(
            f"cannot be written in the SEPA character set (Latin letters, digits, space and "
            f"/ - ? : ( ) . , ' +): no transliteration for {shown}"
        )


def _char(c: str) -> str | None:
    if c in ALLOWED:
        return c
    if c in _SPECIAL:
        return _SPECIAL[c]
    if c.isspace():
        return " "
    # strip diacritics: NFKD splits "ë" into "e" + combining diaeresis
    decomposed = unicodedata.normalize("NFKD", c)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if base and base != c and all(ch in ALLOWED or ch in _SPECIAL for ch in base):
        return "".join(_SPECIAL.get(ch, ch) for ch in base)
    if unicodedata.category(c) in ("Cc", "Cf"):  # control / format characters: drop
        return ""
    return None


def transliterate(text: str, *, max_length: int | None = None) -> str:
    """``text`` in the SEPA character set, whitespace collapsed, cut to ``max_length``.

    Raises :class:`CharsetError` naming every character that has no transliteration.
    """
    out: list[str] = []
    bad: list[str] = []
    for c in text:
        mapped = _char(c)
        if mapped is None:
            if c not in bad:
                bad.append(c)
        else:
            out.append(mapped)
    if bad:
        raise CharsetError(text, "".join(bad))
    result = _WS.sub(" ", "".join(out)).strip()
    if max_length is not None and len(result) > max_length:
        result = result[:max_length].rstrip()
    return result


def is_sepa_text(text: str) -> bool:
    """Every character is in the SEPA character set."""
    return all(c in ALLOWED for c in text)


def is_sepa_id(value: str) -> bool:
    """A valid SEPA identifier: 1-35 allowed characters, no leading/trailing '/', no '//'."""
    return (
        0 < len(value) <= ID_MAX
        and is_sepa_text(value)
        and not value.startswith("/")
        and not value.endswith("/")
        and "//" not in value
        and value.strip() == value
    )
