"""Stripe adapter (PaymentIntents, Refunds, Payouts, webhooks)."""

from adapters.stripe.flows import STRIPE_VERSION, StripeAdapter

__all__ = ["STRIPE_VERSION", "StripeAdapter"]
