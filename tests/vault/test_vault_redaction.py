from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from vault.redaction import (
    REDACTED,
    RedactingFilter,
    SecretRegistry,
    default_registry,
    install_log_redaction,
    mask_secret,
    redact,
    redact_obj,
    register_secret,
)

CANARY_PAN = "4111 1111 1111 1111"
CANARY_SECRET = "canary-Secret-7f3a9c1e5b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 exp 12/30", "card [PAN ****1111] exp 12/30"),
        ("card 4111-1111-1111-1111.", "card [PAN ****1111]."),
        ("pan=4242424242424242&x=1", "pan=[PAN ****4242]&x=1"),
        ("amex 3782 822463 10005 ok", "amex [PAN ****0005] ok"),
        ("13 digits 4222222222222", "13 digits [PAN ****2222]"),
        ("order 12345 4111 1111 1111 1111 12 items", "order 12345 [PAN ****1111] 12 items"),
        ('{"number": "5555555555554444"}', '{"number": "[PAN ****4444]"}'),
        ("unionpay no luhn 6212345678901232", "unionpay no luhn [PAN ****1232]"),
        ('{"cvc": "123", "amount": 100}', '{"cvc": "[REDACTED]", "amount": 100}'),
        ('{"CVV": 123}', '{"CVV": [REDACTED]}'),
        ("{'cvc': '999'}", "{'cvc': '[REDACTED]'}"),
        ('{\\"cvc\\": \\"123\\"}', '{\\"cvc\\": \\"[REDACTED]\\"}'),
        ("card[cvc]=123&card[exp_month]=12", "card[cvc]=[REDACTED]&card[exp_month]=12"),
        ("payment_method[card][cvc]=123", "payment_method[card][cvc]=[REDACTED]"),
        ("card%5Bcvc%5D=123&a=b", "card%5Bcvc%5D=[REDACTED]&a=b"),
        ("cvc=123 cvc2=456 cvv: 789", "cvc=[REDACTED] cvc2=[REDACTED] cvv: [REDACTED]"),
        ("Authorization: Bearer abc.def.ghi", "Authorization: [REDACTED]"),
        ("authorization=Basic dXNlcjpwYXNz", "authorization=[REDACTED]"),
        ("{'Authorization': 'Bearer tok_123'}", "{'Authorization': '[REDACTED]'}"),
        ("sent Bearer eyJhbGciOi.eyJzdWIi.sig to upstream", "sent Bearer [REDACTED] to upstream"),
        ("X-API-Key: abcdefgh1234", "X-API-Key: [REDACTED]"),
        ("api_key=k123&b=2", "api_key=[REDACTED]&b=2"),
        ("webhook_secret=whatever1 password: hunter22", "webhook_secret=[REDACTED] password: [REDACTED]"),
        ("key sk_live_51Habcdefghijklmn end", "key sk_live_[REDACTED] end"),
        ("key sk_test_4eC39HqLyjWDarjtT1zdp7dc", "key sk_test_[REDACTED]"),
        ("rk_live_abcdefgh12345678", "rk_[REDACTED]"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=", "whsec_[REDACTED]"),
        ("admin key phk_test_admin_key_0123456789abcdef", "admin key phk_[REDACTED]"),
        (
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\nrest",
            "[REDACTED PRIVATE KEY]\nrest",
        ),
    ],
)
def test_redact_table(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order 1234567890123456 shipped",  # 16 digits, not Luhn-valid
        "order 4111111111111112",
        "ref 1234-5678-9012-3456",
        "amount=1099 currency=EUR",
        "phone +1 415-555-0123",
        "2025-06-15 12:00:00 payment pay_123 captured",
        "123456789012345678901234567890",  # longer than any card number
        "Basic validation failed",
        "secretary=bob tokens=3",
        "pk_test_publishable123",
    ],
)
def test_not_redacted(text: str) -> None:
    assert redact(text) == text


def test_registry_secrets() -> None:
    registry = SecretRegistry()
    assert registry.register("my-provider-key-123")
    assert not registry.register("short")  # too short to redact safely
    assert redact("using my-provider-key-123 now", registry=registry) == "using [REDACTED] now"
    assert redact("short stays", registry=registry) == "short stays"
    registry.unregister("my-provider-key-123")
    assert redact("my-provider-key-123", registry=registry) == "my-provider-key-123"


def test_registry_longest_secret_wins() -> None:
    registry = SecretRegistry()
    registry.register("abcdefgh")
    registry.register("abcdefgh-and-more")
    assert redact("x abcdefgh-and-more y", registry=registry) == "x [REDACTED] y"


def test_redact_obj() -> None:
    payload: dict[str, Any] = {
        "card": {"number": "4242 4242 4242 4242", "cvc": "123", "exp_month": 12, "exp_year": 2030},
        "headers": {"Authorization": "Bearer abc", "X-Api-Key": "k", "Accept": "json"},
        "credentials": {"secret_key": "sk_test_x", "hmac_key": "00ff", "merchant_account": "Shop"},
        "card[cvc]": "123",
        "note": "customer said 4111 1111 1111 1111",
        "order_no": 4111111111111111,
        "items": [{"password": "p"}, "plain", 7],
        "empty_secret": None,
    }
    out: Any = redact_obj(payload)
    assert out["card"] == {"number": "[PAN ****4242]", "cvc": REDACTED, "exp_month": 12, "exp_year": 2030}
    assert out["headers"] == {"Authorization": REDACTED, "X-Api-Key": REDACTED, "Accept": "json"}
    assert out["credentials"] == {"secret_key": REDACTED, "hmac_key": REDACTED, "merchant_account": "Shop"}
    assert out["card[cvc]"] == REDACTED
    assert out["note"] == "customer said [PAN ****1111]"
    assert out["order_no"] == "[PAN ****1111]"
    assert out["items"] == [{"password": REDACTED}, "plain", 7]
    assert out["empty_secret"] is None
    assert payload["card"]["cvc"] == "123"  # input untouched


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        ("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "sk_t…p7dc"),
        ("abcdefghijklmnop", "…mnop"),
        ("short", "****"),
        ("", ""),
    ],
)
def test_mask_secret(secret: str, masked: str) -> None:
    assert mask_secret(secret) == masked
    if len(secret) >= 12:
        hidden = secret[4:-4]
        assert hidden not in mask_secret(secret)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s %(extra_field)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    register_secret(CANARY_SECRET)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        default_registry.unregister(CANARY_SECRET)
        for h in [*root.handlers, logging.lastResort]:
            if h is not None:
                for f in list(h.filters):
                    if isinstance(f, RedactingFilter):
                        h.removeFilter(f)


def _assert_clean(text: str) -> None:
    assert CANARY_PAN not in text
    assert CANARY_PAN.replace(" ", "") not in text
    assert not re.search(r"4111[ -]?1111[ -]?1111", text)
    assert CANARY_SECRET not in text
    assert "Secret-7f3a" not in text


def test_canaries_never_reach_log_output(captured: io.StringIO, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    flt = install_log_redaction()
    assert install_log_redaction() is flt  # idempotent
    log = logging.getLogger("payhub.canary")
    extra = {"extra_field": {"card": {"number": CANARY_PAN}, "key": CANARY_SECRET}}
    log.info("tokenizing card %s with key %s", CANARY_PAN, CANARY_SECRET, extra=extra)
    log.warning("request body: %r", {"number": CANARY_PAN, "cvc": "123"}, extra={"extra_field": ""})
    log.info("split %s %s", "4111 1111", "1111 1111", extra={"extra_field": ""})
    try:
        raise ValueError(f"provider rejected {CANARY_PAN} using {CANARY_SECRET}")
    except ValueError:
        log.exception("charge failed", extra={"extra_field": ""})

    output = captured.getvalue()
    assert "tokenizing card [PAN ****1111] with key [REDACTED]" in output
    assert "'cvc': '[REDACTED]'" in output
    assert "ValueError: provider rejected [PAN ****1111] using [REDACTED]" in output
    assert "Traceback" in output
    _assert_clean(output)
    _assert_clean(caplog.text)
    for record in caplog.records:
        _assert_clean(record.getMessage())


def test_filter_on_one_handler(captured: io.StringIO) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("payhub.canary.single")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.error("Authorization: Bearer %s", CANARY_SECRET)
    finally:
        log.removeHandler(handler)
        log.propagate = True
    assert stream.getvalue() == "Authorization: [REDACTED]\n"
