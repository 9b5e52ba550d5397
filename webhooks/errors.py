"""Errors raised by signature verification. Adapters re-raise or subclass these."""

from __future__ import annotations


class SignatureError(Exception):
    """The signature is missing, malformed or does not match: answer 401, change nothing."""


class MissingSignature(SignatureError):
    pass


class StaleSignature(SignatureError):
    """The signed timestamp is outside the tolerance window (replay protection)."""


class MalformedPayload(ValueError):
    """The body is not what the provider sends (bad JSON, wrong shape): answer 400."""
