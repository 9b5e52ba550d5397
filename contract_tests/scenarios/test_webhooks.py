"""Inbound notifications: verified, forged, unsigned, stale, duplicate."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

import pytest

from adapters.base import Capability, ProviderEvent, WebhookVerificationError
from contract_tests.harness import Harness

_VALUE = re.compile(rb'"(?P<key>[^"\\]+)"\s*:\s*"(?P<val>[^"\\]{4,})"')


def _flip_char(c: int) -> int:
    ch = chr(c)
    if ch.isdigit():
        return ord(str((int(ch) + 1) % 10))
    if ch.isalpha():
        return ord(ch.swapcase())
    return c


def flip_byte(body: bytes, key: str | None = None) -> bytes:
    """Flip one character of a string value (of ``key`` if given; of a key containing it),
    keeping the document well formed, so only the signature can notice."""
    for m in _VALUE.finditer(body):
        if key is not None and key.lower() not in m.group("key").decode(errors="replace").lower():
            continue
        start, end = m.span("val")
        mid = (start + end) // 2
        for i in [*range(mid, end), *range(start, mid)]:
            flipped = _flip_char(body[i])
            if flipped != body[i]:
                return body[:i] + bytes([flipped]) + body[i + 1 :]
    if key is not None:
        raise LookupError(f"no string value under a key like {key!r}")
    # not JSON-like: flip the middle alphanumeric byte
    for i in range(len(body) // 2, len(body)):
        flipped = _flip_char(body[i])
        if flipped != body[i]:
            return body[:i] + bytes([flipped]) + body[i + 1 :]
    raise LookupError("nothing to flip")


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


async def _notifications(h: Harness):
    h.require(Capability.WEBHOOKS)
    fake = h.require_fake("needs notifications the fake signed")
    p = None
    if not fake.notifications():
        p = await h.authorized()
        if h.supports(Capability.CAPTURE):
            await h.capture(p)
        await fake.advance(0)
    notes = fake.notifications()
    if not notes:
        pytest.fail(f"{h.target.id}: the fake generated no notification after an approved payment "
                    "although webhooks are declared", pytrace=False)
    return fake, notes, p


def _header_signed(fake, body: bytes) -> bool:
    return bool(fake.sign(body))


async def test_webhook_valid(h: Harness) -> None:
    _, notes, p = await _notifications(h)
    events: list[ProviderEvent] = []
    for n in notes:
        parsed = await h.adapter.verify_webhook(_lower(n.headers), n.body)
        assert isinstance(parsed, list), f"parse_webhook must return a list, got {type(parsed).__name__}"
        for ev in parsed:
            assert ev.event_id, f"an event without event_id from {n!r}"
        events.extend(parsed)
    assert events, "verified notifications produced no event"
    assert any(ev.kind is not None for ev in events), "no event is news about an operation"
    if p is not None:
        mine = [ev for ev in events
                if ev.payment_id == p.request.payment_id or ev.provider_reference == p.outcome.provider_reference]
        assert mine, "no event could be matched to the payment (payment_id not echoed, no provider_reference)"


async def test_webhook_forged(h: Harness) -> None:
    fake, notes, _ = await _notifications(h)
    n = notes[-1]
    headers = _lower(n.headers)
    if _header_signed(fake, n.body):
        forged = flip_byte(n.body)
        assert forged != n.body
        with pytest.raises(WebhookVerificationError):
            await h.adapter.verify_webhook(headers, forged)
        sig_header = next((k for k in headers if "signature" in k), None)
        if sig_header:
            bad = dict(headers)
            bad[sig_header] = flip_byte(headers[sig_header].encode()).decode()
            with pytest.raises(WebhookVerificationError):
                await h.adapter.verify_webhook(bad, n.body)
    else:  # signature inside the body (Adyen HMAC)
        forged = flip_byte(n.body, key="signature")
        with pytest.raises(WebhookVerificationError):
            await h.adapter.verify_webhook(headers, forged)


async def test_webhook_unsigned(h: Harness) -> None:
    fake, notes, _ = await _notifications(h)
    n = notes[-1]
    signing = {k.lower() for k in fake.sign(n.body)}
    if not signing:
        pytest.skip(f"{h.target.adapter} signs inside the body; see webhook_forged")
    headers = {k: v for k, v in _lower(n.headers).items() if k not in signing}
    with pytest.raises(WebhookVerificationError):
        await h.adapter.verify_webhook(headers, n.body)


async def test_webhook_stale(h: Harness) -> None:
    fake, notes, _ = await _notifications(h)
    if not getattr(fake, "supports_stale_check", False):
        pytest.skip(f"{h.target.adapter}'s signature scheme carries no timestamp")
    body = notes[-1].body
    fresh = fake.resign(body, timestamp=int(time.time()))
    assert await h.adapter.verify_webhook(_lower(fresh.headers), fresh.body), "a freshly re-signed body must verify"
    stale = fake.resign(body, timestamp=int(time.time()) - 3600)
    with pytest.raises(WebhookVerificationError):
        await h.adapter.verify_webhook(_lower(stale.headers), stale.body)


async def test_webhook_duplicate(h: Harness) -> None:
    _, notes, _ = await _notifications(h)
    n = notes[-1]
    once = await h.adapter.verify_webhook(_lower(n.headers), n.body)
    twice = await h.adapter.verify_webhook(_lower(n.headers), n.body)
    assert [e.event_id for e in once] == [e.event_id for e in twice], "the same body gave other event ids"
    assert all(e.event_id for e in once)
