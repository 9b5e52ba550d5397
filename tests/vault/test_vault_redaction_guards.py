"""The cheap tests that let ``redact`` skip a pattern never skip one that would have matched.

``redact`` runs each of its patterns only where a substring test says it can match. The
reference below runs every pattern on every string; on any text the two must agree.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault import redaction as r


def _unguarded(text: str) -> str:
    if not text:
        return text
    text = r.default_registry.redact(text)
    text = r._PEM.sub("[REDACTED PRIVATE KEY]", text)
    text = r._KV.sub(r._kv_sub, text)
    text = r._AUTH_SCHEME.sub(lambda m: m["scheme"] + " " + r.REDACTED, text)
    text = r._SHAPES.sub(lambda m: m["prefix"] + r.REDACTED, text)
    return r._DIGIT_RUN.sub(r._pan_sub, text)


SENSITIVE = [
    "cvc=123",
    "CVV2: 999",
    "cvn=321",
    "CSC: 777",
    "passwd=hunter2",
    "secret: s3",
    "Secret-Key=k",
    "Security-Code=042",
    "PassWord=hunter2",
    'pwd: "x y"',
    "client_secret=abc123",
    "X-API-Key: k_live_12345",
    "apikey=zzz",
    "HMAC_KEY=00ff",
    "private-key: abc",
    "Access_Token=tok_1",
    "refresh-token: r",
    "Proxy-Authorization: Basic dXNlcjpwYXNz",
    "authorization=Bearer abc.def-ghi",
    "card%5Bcvc%5D=123",
    "payment_method[card][cvc]=123",
    "paſſword=hunter2",  # long s: IGNORECASE folds it to s, lower() does not
    "Authorİzation: Bearer abcdef123",
    "\u212aey sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
    "whsec_abcdefghijkl and rk_live_abcdefgh",
    "phk_0123456789 phk_",
    "4111-1111-1111-1111 at 2026-12-04T23:43:33.123456Z",
]
PLAIN = [
    "2026-12-04T23:43:33.123456Z",
    "pay_01m91t0dy1vtcsqk2ky9pr0az4",
    "authorized",
    "EUR",
    "amount: 1099",
    "https://example.test/v1/payments?limit=5",
]


@pytest.mark.parametrize("text", SENSITIVE + PLAIN)
def test_the_guarded_redaction_agrees_with_every_pattern_run(text: str) -> None:
    assert r.redact(text) == _unguarded(text)


@pytest.mark.parametrize("text", SENSITIVE[:-1])
def test_sensitive_values_are_scrubbed(text: str) -> None:
    assert r.redact(text) != text


_PIECES = ["ſ", "İ", "\u212a", "cvc", "secret", "api", "token", "Bearer ", "basic ", "sk_", "-----"]
_ALPHABET = st.sampled_from([*"abcdeiklnoprstuvwyzABCIKPRSTV0123456789 :=_-[]%\"'\n", *_PIECES])


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=30).map("".join))
def test_any_text_is_redacted_as_by_every_pattern(text: str) -> None:
    assert r.redact(text) == _unguarded(text)
