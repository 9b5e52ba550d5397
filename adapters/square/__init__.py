"""Square adapter (Payments API v2, Refunds API, HMAC webhooks). See :mod:`adapters.square.flows`."""

from __future__ import annotations

from adapters.square.flows import SQUARE_VERSION, SquareAdapter

__all__ = ["SQUARE_VERSION", "SquareAdapter"]
