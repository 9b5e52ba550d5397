"""PayPal adapter (Orders v2, Payments v2, webhooks verified by PayPal). See :mod:`adapters.paypal.flows`."""

from __future__ import annotations

from adapters.paypal.flows import PayPalAdapter

__all__ = ["PayPalAdapter"]
