"""payhub's typed Python client.

``payhub_client._generated`` is generated from the OpenAPI document by openapi-python-client
(``make client``; never edit it by hand). This package adds what a generator cannot: retries that
reuse the Idempotency-Key, problem+json answers raised as typed exceptions, and cursor paging.

    from payhub_client import Payhub
    from payhub_client.models import PaymentCreate

    async with Payhub("http://localhost:8000", api_key) as hub:
        payment = await hub.create_payment(PaymentCreate.from_dict({...}))
"""

from payhub_client._generated import models
from payhub_client._generated.api import (
    admin,
    disputes,
    events,
    health,
    ledger,
    payment_methods,
    payments,
    payouts,
    webhook_endpoints,
)
from payhub_client.client import Payhub
from payhub_client.errors import (
    AuthenticationError,
    Conflict,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidRequest,
    InvalidState,
    NotFound,
    PayhubError,
    PermissionDenied,
    ServerError,
)

__all__ = [
    "AuthenticationError",
    "Conflict",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "InvalidRequest",
    "InvalidState",
    "NotFound",
    "Payhub",
    "PayhubError",
    "PermissionDenied",
    "ServerError",
    "admin",
    "disputes",
    "events",
    "health",
    "ledger",
    "models",
    "payment_methods",
    "payments",
    "payouts",
    "webhook_endpoints",
]
