"""The Stripe fake on a real port, for tests that run the hub as processes (SIGKILL tests).

``python -m contract_tests.fakes.stripe_server --port P --secret-key sk_test_... \\
--webhook-secret whsec_... [--hang-first-intent S] [--search-lag S]``

``GET /_fake/stats`` answers ``{"authorize": n, "payment_intents": n}``: what the fake
performed, so a test can tell when the charge is made and that it was made once.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from adapters.base import OperationKind
from contract_tests.fakes.stripe import Fake


def stats_app(fake: Fake) -> Any:
    """The fake's ASGI app, plus ``GET /_fake/stats``."""
    inner = fake.app

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_fake/stats":
            body = json.dumps(
                {
                    "authorize": fake.count(OperationKind.AUTHORIZE),
                    "payment_intents": len(fake.world.payment_intents),
                }
            ).encode()
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        await inner(scope, receive, send)

    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="the Stripe fake on a port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--hang-first-intent", type=float, default=0.0)
    parser.add_argument("--search-lag", type=float, default=None)
    args = parser.parse_args(argv)
    fake = Fake(search_lag=args.search_lag, hang_first_intent=args.hang_first_intent)
    fake.world.secret_key = args.secret_key
    fake.world.webhook_secret = args.webhook_secret
    fake.account(f"http://{args.host}:{args.port}")
    uvicorn.run(stats_app(fake), host=args.host, port=args.port, log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
