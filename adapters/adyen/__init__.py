"""Adyen (Checkout API v71) adapter. See :mod:`adapters.adyen.adapter`."""

from __future__ import annotations

from adapters.adyen.adapter import AdyenAdapter

__all__ = ["AdyenAdapter"]
