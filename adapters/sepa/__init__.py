"""SEPA credit transfers (payouts) over ISO 20022: pain.001 out, pain.002 and camt.054 in."""

from adapters.sepa.flows import SepaAdapter

__all__ = ["SepaAdapter"]
