"""The sepa adapter against the stateful bank fake (and respx for odd bank answers)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import msgspec
import pytest
import respx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.base import (
    Account,
    BankAccount,
    Capability,
    DeclineCode,
    FailureCode,
    InvalidRequest,
    LookupRequest,
    NotSupported,
    OperationKind,
    Outcome,
    OutcomeStatus,
    PayoutRequest,
    Strategy,
)
from adapters.sepa import SepaAdapter
from adapters.sepa.flows import NotificationPollError
from contract_tests.fakes import sepa as bank
from contract_tests.faults import FaultTransport

BASE = "https://bank.test/api"


@dataclass
class World:
    fake: bank.Fake
    faults: FaultTransport
    client: httpx.AsyncClient
    adapter: SepaAdapter


@pytest.fixture
async def world() -> AsyncIterator[World]:
    fake = bank.Fake()
    faults = FaultTransport(httpx.ASGITransport(app=fake.app))
    # the fake serves at the root: the account's base_url has no path here
    account = fake.account("https://bank.test")
    async with httpx.AsyncClient(transport=faults, base_url=account.base_url) as client:
        yield World(fake, faults, client, SepaAdapter(account, client))


def payout(
    iban: str = bank.SUCCEED_IBAN, *, amount: int = 2500, name: str = "Zoë Müller", **kw: object
) -> PayoutRequest:
    op = f"op_{uuid.uuid4().hex[:26]}"
    base: dict[str, object] = {
        "operation_id": op,
        "idempotency_key": f"payhub-{op}",
        "payment_id": f"po_{uuid.uuid4().hex[:26]}",
        "amount": amount,
        "currency": "EUR",
        "bank_account": BankAccount(iban=iban, name=name, country="DE"),
        "description": "Auszahlung Nr. 7",
        # the operation's creation instant, as the hub passes it: a retry embeds the same
        # CreDtTm (without it each call stamps its own second, and a retry that crosses one is
        # another file to the bank: DU01)
        "requested_at": dt.datetime.now(dt.UTC),
    }
    base.update(kw)
    return PayoutRequest(**base)  # type: ignore[arg-type]


def lookup_of(req: PayoutRequest, outcome: Outcome | None) -> LookupRequest:
    return LookupRequest(
        operation_id=req.operation_id,
        idempotency_key=req.idempotency_key,
        payment_id=req.payment_id,
        amount=req.amount,
        currency=req.currency,
        kind=OperationKind.PAYOUT,
        provider_reference=outcome.provider_reference if outcome else None,
    )


# --------------------------------------------------------------------------- declarations


def test_capabilities() -> None:
    caps = SepaAdapter.capabilities
    assert caps.features == frozenset(
        {Capability.PAYOUT, Capability.LOOKUP, Capability.NOTIFICATION_POLLING, Capability.RECONCILIATION}
    )
    assert caps.currencies == frozenset({"EUR"})
    assert caps.resolution[OperationKind.PAYOUT] == (Strategy.LOOKUP, Strategy.REPLAY)
    assert caps.required_credentials == ("debtor_name", "debtor_iban", "debtor_bic")


def test_structure_check() -> None:
    from adapters.structure import check

    assert check(SepaAdapter) == []


def test_validate_account() -> None:
    good = bank.Fake().account(BASE)
    assert SepaAdapter.validate_account(good) == []
    bad = Account(
        id="x",
        adapter="sepa",
        base_url=BASE,
        credentials={"debtor_name": "Дмитрий", "debtor_iban": "DE00123", "client_cert": "PEM"},
        settings={"paths": {"status": "status", "bogus": "x"}},
    )
    problems = "\n".join(SepaAdapter.validate_account(bad))
    for expected in (
        "credentials.debtor_bic is required",
        "credentials.debtor_iban is not a valid IBAN",
        "credentials.debtor_name",
        "client_cert and credentials.client_key",
        "settings.paths.bogus",
        "settings.paths.status must contain {id}",
    ):
        assert expected in problems


# --------------------------------------------------------------------------- the happy path


async def test_submit_pending_then_lookup_succeeded(world: World) -> None:
    req = payout()
    first = await world.adapter.payout(req)
    assert first.status is OutcomeStatus.PENDING
    assert first.provider_reference and first.provider_reference.startswith("sub-")
    sub = world.fake.submissions[first.provider_reference]
    assert sub.creditor_name == "Zoe Muller"  # transliterated before sending
    assert sub.amount_cents == 2500
    assert sub.msg_id == req.operation_id.replace("_", "-")
    assert sub.end_to_end_id == req.payment_id.replace("_", "-")

    still = await world.adapter.lookup(lookup_of(req, first))
    assert still.status is OutcomeStatus.PENDING
    assert still.summary["transaction_status"] == "ACCP"

    await world.fake.advance()
    done = await world.adapter.lookup(lookup_of(req, first))
    assert done.status is OutcomeStatus.SUCCEEDED
    assert done.provider_reference == first.provider_reference
    assert done.amount == 2500
    assert world.fake.count(OperationKind.PAYOUT) == 1


async def test_accepted_settlement_in_process_is_pending() -> None:
    fake = bank.Fake(settle_steps=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url="https://b.test") as c:
        adapter = SepaAdapter(fake.account("https://b.test"), c)
        req = payout()
        first = await adapter.payout(req)
        await fake.advance()
        mid = await adapter.lookup(lookup_of(req, first))
        assert mid.status is OutcomeStatus.PENDING and mid.summary["transaction_status"] == "ACSP"
        await fake.advance()
        assert (await adapter.lookup(lookup_of(req, first))).status is OutcomeStatus.SUCCEEDED


# --------------------------------------------------------------------------- rejections


@pytest.mark.parametrize(
    ("iban", "code", "decline"),
    [
        (bank.CLOSED_IBAN, "AC04", DeclineCode.INVALID_ACCOUNT),
        (bank.INCORRECT_IBAN, "AC01", DeclineCode.INVALID_ACCOUNT),
        (bank.BLOCKED_IBAN, "AC06", DeclineCode.INVALID_ACCOUNT),
        (bank.MS03_IBAN, "MS03", DeclineCode.PROCESSING_ERROR),
    ],
)
async def test_rejected_iban(world: World, iban: str, code: str, decline: DeclineCode) -> None:
    req = payout(iban)
    first = await world.adapter.payout(req)
    assert first.status is OutcomeStatus.PENDING
    await world.fake.advance()
    out = await world.adapter.lookup(lookup_of(req, first))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None
    assert out.failure.code == FailureCode.PAYOUT_REJECTED
    assert out.failure.decline_code == decline
    assert out.failure.provider_code == code


async def test_insufficient_funds(world: World) -> None:
    world.fake.balance_cents = 1000
    req = payout(amount=5000)
    first = await world.adapter.payout(req)
    await world.fake.advance()
    out = await world.adapter.lookup(lookup_of(req, first))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None
    assert (out.failure.decline_code, out.failure.provider_code) == (DeclineCode.INSUFFICIENT_FUNDS, "AM04")


async def test_file_rejected_with_pain002(world: World) -> None:
    # the bank does not hold this debtor account: 422 + pain.002 RJCT AC02
    account = Account(
        id="other",
        adapter="sepa",
        base_url="https://bank.test",
        credentials={**world.adapter.account.credentials, "debtor_iban": "NL91ABNA0417164300"},
    )
    adapter = SepaAdapter(account, world.client)
    out = await adapter.payout(payout())
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None
    assert out.failure.code == FailureCode.PAYOUT_REJECTED
    assert out.failure.provider_code == "AC02"
    assert out.summary["http_status"] == 422
    assert world.fake.count(OperationKind.PAYOUT) == 0


async def test_fake_rejects_invalid_files(world: World) -> None:
    bad = await world.client.post("/payments", content=b"<Document/>", headers={"Idempotency-Key": "x"})
    assert bad.status_code == 400
    assert b"<GrpSts>RJCT</GrpSts>" in bad.content and b"<Cd>FF01</Cd>" in bad.content
    broken = await world.client.post("/payments", content=b"<nope", headers={"Idempotency-Key": "x"})
    assert broken.status_code == 400 and b"FF01" in broken.content
    assert world.fake.count(OperationKind.PAYOUT) == 0


async def test_invalid_request_sends_nothing(world: World) -> None:
    with pytest.raises(InvalidRequest) as info:
        await world.adapter.payout(payout(currency="USD"))
    assert info.value.field == "currency"
    with pytest.raises(InvalidRequest, match="SEPA character set"):
        await world.adapter.payout(payout(name="山田太郎"))
    with pytest.raises(NotSupported):
        await world.adapter.payout(payout(bank_account=None, card=object()))
    assert world.faults.requests == []


# --------------------------------------------------------------------------- notifications


@pytest.mark.parametrize(
    ("iban", "reason"), [(bank.RETURN_CLOSED_IBAN, "AC04"), (bank.RETURN_DECEASED_IBAN, "MD07")]
)
async def test_return_after_success_is_polled(world: World, iban: str, reason: str) -> None:
    req = payout(iban)
    first = await world.adapter.payout(req)
    await world.fake.advance()
    assert (await world.adapter.lookup(lookup_of(req, first))).status is OutcomeStatus.SUCCEEDED

    batch = await world.adapter.poll_notifications(None)
    assert [e.outcome.status for e in batch.events if e.outcome] == [OutcomeStatus.SUCCEEDED]
    assert batch.events[0].payment_id == req.payment_id
    cursor = batch.next_cursor
    assert cursor == "NTF00000001"

    empty = await world.adapter.poll_notifications(cursor)  # nothing new: 204
    assert empty.events == [] and empty.next_cursor == cursor

    await world.fake.advance()  # the beneficiary bank sends the money back
    later = await world.adapter.poll_notifications(cursor)
    assert len(later.events) == 1
    ev = later.events[0]
    assert ev.kind is OperationKind.PAYOUT
    assert ev.payment_id == req.payment_id
    assert ev.event_id == "NTRY00000002"
    assert ev.outcome is not None and ev.outcome.status is OutcomeStatus.RETURNED
    assert ev.outcome.amount == req.amount
    assert ev.outcome.failure is not None
    assert ev.outcome.failure.code == FailureCode.PAYOUT_RETURNED
    assert ev.outcome.failure.provider_code == reason
    assert ev.outcome.failure.decline_code == DeclineCode.INVALID_ACCOUNT
    assert later.next_cursor == "NTF00000002"
    # the status report still says settled: the return is news of its own
    assert (await world.adapter.lookup(lookup_of(req, first))).status is OutcomeStatus.SUCCEEDED


async def test_rejected_transfers_post_no_notification(world: World) -> None:
    await world.adapter.payout(payout(bank.CLOSED_IBAN))
    await world.fake.advance()
    batch = await world.adapter.poll_notifications(None)
    assert batch.events == [] and batch.next_cursor is None


async def test_poll_failure_raises(world: World) -> None:
    world.faults.server_error(path="/notifications")
    with pytest.raises(NotificationPollError):
        await world.adapter.poll_notifications(None)
    with pytest.raises(NotificationPollError):
        await world.adapter.poll_notifications("NTF-unknown")  # the bank answers 400


# --------------------------------------------------------------------------- ambiguity


async def test_timeout_then_replay_and_lookup(world: World) -> None:
    req = payout()
    world.faults.timeout_after_processing(method="POST", path="/payments$")
    first = await world.adapter.payout(req)
    assert first.status is OutcomeStatus.UNKNOWN
    assert first.provider_reference is None
    assert world.fake.count(OperationKind.PAYOUT) == 1  # the bank did get it

    # lookup cannot find a submission without its id: it says so (fallback: replay)
    looked = await world.adapter.lookup(lookup_of(req, first))
    assert looked.status is OutcomeStatus.UNKNOWN and looked.summary["needs"] == "replay"

    replayed = await world.adapter.payout(req)  # same operation: same MsgId / Idempotency-Key
    assert replayed.status is OutcomeStatus.PENDING
    assert replayed.provider_reference == "sub-000001"
    assert world.fake.count(OperationKind.PAYOUT) == 1

    await world.fake.advance()
    assert (await world.adapter.lookup(lookup_of(req, replayed))).status is OutcomeStatus.SUCCEEDED


async def test_lookup_timeout_is_unknown_then_resolves(world: World) -> None:
    req = payout()
    first = await world.adapter.payout(req)
    await world.fake.advance()
    world.faults.timeout_after_processing(method="GET")
    out = await world.adapter.lookup(lookup_of(req, first))
    assert out.status is OutcomeStatus.UNKNOWN and out.provider_reference == first.provider_reference
    assert (await world.adapter.lookup(lookup_of(req, first))).status is OutcomeStatus.SUCCEEDED


@respx.mock
async def test_respx_read_timeout_is_unknown() -> None:
    respx.post(f"{BASE}/payments").mock(side_effect=httpx.ReadTimeout("slow bank"))
    async with httpx.AsyncClient(base_url=BASE) as client:
        out = await SepaAdapter(bank.Fake().account(BASE), client).payout(payout())
    assert out.status is OutcomeStatus.UNKNOWN
    assert out.summary["msg_id"].startswith("op-")


async def test_server_error_is_unknown_and_connect_error_is_retry(world: World) -> None:
    world.faults.server_error(method="POST")
    assert (await world.adapter.payout(payout())).status is OutcomeStatus.UNKNOWN
    world.faults.connect_error(method="POST")
    assert (await world.adapter.payout(payout())).status is OutcomeStatus.RETRY
    world.faults.drop_after_processing(method="POST")
    assert (await world.adapter.payout(payout())).status is OutcomeStatus.UNKNOWN


async def test_duplicate_submission_is_one_transfer(world: World) -> None:
    req = payout()
    a = await world.adapter.payout(req)
    b = await world.adapter.payout(req)
    assert a.provider_reference == b.provider_reference
    assert world.fake.count(OperationKind.PAYOUT) == 1
    sub = world.fake.submissions[a.provider_reference or ""]
    assert sub.posts == 2
    await world.fake.advance()
    batch = await world.adapter.poll_notifications(None)
    assert len(batch.events) == 1  # booked once


async def test_reused_msg_id_for_another_transfer_proves_nothing(world: World) -> None:
    """DU01: the bank holds an earlier file with this MsgId. This file did nothing, and what
    the first one did is not told: never a failure (the first transfer may be executing)."""
    req = payout()
    await world.adapter.payout(req)
    clash = payout(operation_id=req.operation_id, idempotency_key=req.idempotency_key, amount=999)
    out = await world.adapter.payout(clash)
    assert out.status is OutcomeStatus.UNKNOWN and out.failure is None
    assert out.summary.get("reason_code") == "DU01"
    assert world.fake.count(OperationKind.PAYOUT) == 1


async def test_a_replay_is_the_same_file(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gap 6: the replay, rebuilt later from the same operation, is byte for byte the first
    file (CreDtTm and the execution date come from when the hub first made the request)."""
    sent: list[bytes] = []
    original = world.adapter.client.send

    async def recording(request: httpx.Request, **kw: object) -> httpx.Response:
        if request.method == "POST":
            sent.append(request.content)
        return await original(request, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(world.adapter.client, "send", recording)
    first_at = dt.datetime(2026, 12, 3, 23, 59, 58, tzinfo=dt.UTC)
    req = payout(requested_at=first_at)
    first = await world.adapter.payout(req)
    await asyncio.sleep(1.1)  # a later second: a regenerated CreDtTm would differ
    again = await world.adapter.payout(payout(**{f: getattr(req, f) for f in req.__struct_fields__}))
    assert len(sent) == 2 and sent[0] == sent[1]
    assert b"<CreDtTm>2026-12-03T23:59:58Z</CreDtTm>" in sent[0]
    assert b"<ReqdExctnDt><Dt>2026-12-03</Dt></ReqdExctnDt>" in sent[0]
    assert again.status is first.status and again.provider_reference == first.provider_reference
    assert world.fake.count(OperationKind.PAYOUT) == 1


# --------------------------------------------------------------------------- odd bank answers (respx)


@pytest.mark.parametrize(
    ("status", "body", "expected", "failure_code"),
    [
        (401, b"", OutcomeStatus.FAILED, FailureCode.PROVIDER_CONFIGURATION),
        (403, b"", OutcomeStatus.FAILED, FailureCode.PROVIDER_CONFIGURATION),
        (400, b"bad request", OutcomeStatus.FAILED, FailureCode.PAYOUT_REJECTED),
        (409, b"", OutcomeStatus.RETRY, None),
        (429, b"", OutcomeStatus.RETRY, None),
        (502, b"", OutcomeStatus.UNKNOWN, None),
        (202, b"not json", OutcomeStatus.UNKNOWN, None),
        (202, b'{"no_id": 1}', OutcomeStatus.UNKNOWN, None),
        (302, b"", OutcomeStatus.UNKNOWN, None),
    ],
)
@respx.mock
async def test_submit_answers(
    status: int, body: bytes, expected: OutcomeStatus, failure_code: str | None
) -> None:
    route = respx.post(f"{BASE}/payments").mock(return_value=httpx.Response(status, content=body))
    async with httpx.AsyncClient(base_url=BASE) as client:
        out = await SepaAdapter(bank.Fake().account(BASE), client).payout(payout())
    assert out.status is expected
    if failure_code:
        assert out.failure is not None and out.failure.code == failure_code
    sent = route.calls.last.request
    assert sent.headers["content-type"].startswith("application/xml")
    assert sent.headers["idempotency-key"].startswith("op-")
    assert b"pain.001.001.09" in sent.content


@respx.mock
async def test_paths_are_configurable() -> None:
    account = bank.Fake().account(BASE)
    account = Account(
        id=account.id,
        adapter="sepa",
        base_url=BASE,
        credentials=account.credentials,
        settings={
            "paths": {"payments": "v2/sct", "status": "v2/sct/{id}/report", "notifications": "v2/camt"}
        },
    )
    respx.post(f"{BASE}/v2/sct").mock(return_value=httpx.Response(202, json={"id": "a/b"}))
    status = respx.get(f"{BASE}/v2/sct/a%2Fb/report").mock(return_value=httpx.Response(404))
    camt = respx.get(f"{BASE}/v2/camt").mock(return_value=httpx.Response(204, headers={"Next-Cursor": "C9"}))
    async with httpx.AsyncClient(base_url=BASE) as client:
        adapter = SepaAdapter(account, client)
        req = payout()
        first = await adapter.payout(req)
        assert first.provider_reference == "a/b"
        out = await adapter.lookup(lookup_of(req, first))
        assert out.status is OutcomeStatus.UNKNOWN  # 404 on a reference the bank gave: not proof
        batch = await adapter.poll_notifications("C1")
    assert status.called
    assert camt.calls.last.request.url.params["after"] == "C1"
    assert batch.next_cursor == "C9"


async def test_lookup_of_other_kinds_is_not_supported(world: World) -> None:
    req = lookup_of(payout(), None)
    with pytest.raises(NotSupported):
        await world.adapter.lookup(msgspec.structs.replace(req, kind=OperationKind.REFUND))


# --------------------------------------------------------------------------- mutual TLS


def _self_signed() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "payhub-client")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert_pem, key_pem


def test_client_options_mutual_tls() -> None:
    plain = bank.Fake().account(BASE)
    assert SepaAdapter.client_options(plain) == {}
    cert, key = _self_signed()
    account = Account(
        id="m",
        adapter="sepa",
        base_url=BASE,
        credentials={**plain.credentials, "client_cert": cert, "client_key": key, "server_ca": cert},
    )
    opts = SepaAdapter.client_options(account)
    context = opts["verify"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert any("payhub-client" in str(c.get("subject")) for c in context.get_ca_certs())
    httpx.AsyncClient(base_url=BASE, **opts)  # httpx accepts it


def test_client_options_bad_key_fails_loudly() -> None:
    cert, _ = _self_signed()
    _, other_key = _self_signed()
    account = Account(
        id="m", adapter="sepa", base_url=BASE, credentials={"client_cert": cert, "client_key": other_key}
    )
    with pytest.raises(ssl.SSLError):
        SepaAdapter.client_options(account)
