"""AWS KMS backend against moto's KMS API served over HTTP on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from vault import Context, DecryptionError, KmsError, RetiredKeyError, Vault
from vault.envelope import parse, wrap_aad
from vault.kms.aws import AwsKms

REGION = "eu-west-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def kms_key(moto_endpoint: str, aws_env: None) -> str:
    client = boto3.client("kms", region_name=REGION, endpoint_url=moto_endpoint)
    return str(client.create_key(Description="payhub test KEK")["KeyMetadata"]["Arn"])


@pytest.fixture
def aws_kms(moto_endpoint: str, kms_key: str) -> AwsKms:
    return AwsKms("payhub-main", {1: kms_key}, region_name=REGION, endpoint_url=moto_endpoint)


async def test_round_trip(aws_kms: AwsKms, ctx: Context) -> None:
    vault = Vault(aws_kms, use_cache=False)
    ct = await vault.encrypt(b"4111111111111111", ctx)
    assert vault.key_version_of(ct) == ("payhub-main", 1)
    assert await vault.decrypt(ct, ctx) == b"4111111111111111"
    with pytest.raises(DecryptionError):
        await vault.decrypt(ct, Context("merchant_1", "card", "pm_other"))


async def test_kms_binds_encryption_context(aws_kms: AwsKms) -> None:
    version, wrapped = await aws_kms.wrap(b"k" * 32, wrap_aad("payhub-main"))
    assert await aws_kms.unwrap(version, wrapped, wrap_aad("payhub-main")) == b"k" * 32
    with pytest.raises(DecryptionError):
        await aws_kms.unwrap(version, wrapped, wrap_aad("another-kek"))


async def test_tampered_wrapped_key_fails(aws_kms: AwsKms, ctx: Context) -> None:
    vault = Vault(aws_kms, use_cache=False)
    env = parse(await vault.encrypt(b"x", ctx))
    blob = bytearray(env.wrapped_dek)
    blob[-1] ^= 1
    tampered = type(env)(env.kek_id, env.kek_version, bytes(blob), env.nonce, env.ciphertext).serialize()
    with pytest.raises(DecryptionError):
        await vault.decrypt(tampered, ctx)


async def test_rotation_to_a_new_kms_key(aws_kms: AwsKms, moto_endpoint: str, ctx: Context) -> None:
    vault = Vault(aws_kms)
    old = await vault.encrypt(b"secret", ctx)
    assert await vault.rotate() == 2
    assert aws_kms.versions[2] != aws_kms.versions[1]  # a new KMS key is current
    assert aws_kms.versions[2].startswith("arn:aws:kms:")
    new = await vault.encrypt(b"secret-2", ctx)
    assert vault.key_version_of(new) == ("payhub-main", 2)
    assert vault.needs_rewrap(old)
    assert await vault.decrypt(old, ctx) == b"secret"  # the old KMS key keeps decrypting
    moved = await vault.rewrap(old, ctx)
    assert vault.key_version_of(moved) == ("payhub-main", 2)

    # a fresh process configured with the persisted mapping reads both
    fresh = Vault(
        AwsKms("payhub-main", aws_kms.versions, region_name=REGION, endpoint_url=moto_endpoint),
        use_cache=False,
    )
    assert await fresh.decrypt(moved, ctx) == b"secret"
    assert await fresh.decrypt(new, ctx) == b"secret-2"

    vault.retire(1)
    with pytest.raises(RetiredKeyError):
        await vault.decrypt(old, ctx)
    assert await vault.decrypt(moved, ctx) == b"secret"


async def test_unreachable_kms_is_a_kms_error(aws_env: None, kms_key: str, ctx: Context) -> None:
    dead = AwsKms(
        "payhub-main",
        {1: kms_key},
        client=boto3.client(
            "kms",
            region_name=REGION,
            endpoint_url=f"http://127.0.0.1:{_free_port()}",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1),
        ),
    )
    with pytest.raises(KmsError):
        await Vault(dead).encrypt(b"x", ctx)
