"""Routing and cascading (DESIGN §15): which account a payment is tried on, when a second
account may be tried, and the circuit breaker that skips an account that is failing.

- ``config``: the ``[routing]`` section and its validation;
- ``rules``: the facts of a payment and the first rule that holds;
- ``plan``: the ordered, filtered list of accounts for one payment;
- ``cascade``: which outcomes prove a payment was certainly not charged;
- ``breaker``: the per-account circuit breakers;
- ``bins``: card country from the BIN.
"""
