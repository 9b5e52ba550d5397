"""Property-based conformance: schemathesis generates requests for EVERY operation of the hub's
own OpenAPI document (one test per operation, read from the routes, so a new route is covered
without being listed here) and checks each answer against the document: no server error,
documented status code, documented content type, documented headers, the response schema.

The hub is a real one (SQLite, the simulator, an admin API key), driven in-process through ASGI
(tests/api/live_hub.py). SQLite only: the answers' shapes do not depend on the database, and
tests/api/test_openapi_conformance.py checks the main flows on PostgreSQL too. The run is bounded and deterministic (docs/api.md, "Conformance check").
schemathesis is a `dev` dependency: without it this module fails to import, it never skips.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from typing import Any, cast

import pytest
import schemathesis

from hub.api.app import create_app
from hub.api.openapi.document import build_document
from hub.runtime import Hub
from tests.api.live_hub import LiveHub, LoopBridge
from tests.conftest import ADMIN_KEY

#: generated cases per operation and generation phase (examples, coverage, fuzzing); with the
#: deterministic seed below the whole run takes 30-60 s; PAYHUB_SCHEMATHESIS_EXAMPLES=300 digs deeper
MAX_EXAMPLES = int(os.environ.get("PAYHUB_SCHEMATHESIS_EXAMPLES", "10"))

#: the checks: conformance of every answer, and that requests are judged as documented. Left
#: out, with the reason (docs/api.md, "Conformance check"): positive_data_acceptance (a
#: schema-valid but made-up cursor or id is rightly a 404/409/422), use_after_free and
#: ensure_resource_availability (stateful only), object_level_authorization (one owner here)
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "missing_required_header",
    "unsupported_method",
)

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 19,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # undeclared query parameters and headers are ignored by the hub (docs/api.md):
            # negative cases made of an extra parameter alone are not refusals to expect
            "allow-extra-parameters": False,
        },
        # stateful (link-driven) sequences need links the document does not declare
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "enabled": False,
            **{name: {"enabled": True} for name in CHECKS},
            # schemathesis' list of refusals, plus 413: a body beyond the limit is refused unread
            "negative_data_rejection": {
                "enabled": True,
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, "5XX"],
            },
        },
    }
)

BRIDGE = LoopBridge()
#: the document depends on the routes only: built without a hub, at collection time
schema = schemathesis.openapi.from_dict(
    build_document(create_app(cast(Hub, cast(Any, None)), manage_lifecycle=False)), config=CONFIG
)
schema.app = BRIDGE

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    hub = LiveHub(BRIDGE)
    try:
        hub.start(tmp_path_factory.mktemp("schemathesis"))
        yield hub
    finally:
        hub.stop()


def test_every_operation_is_in_the_run() -> None:
    """Nothing is excluded: the run covers every operation the document has."""
    documented = {
        (method.upper(), path) for path, ops in schema.raw_schema["paths"].items() for method in ops
    }
    run = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert run == documented and len(run) > 40


def _aim(case: schemathesis.Case, seeds: dict[str, list[str]]) -> None:
    """About half the generated cases (chosen by a hash of the case, so a re-run picks the same)
    are aimed at resources that exist (tests/api/live_hub.py ``seed``): their path parameters and
    a payment method token are replaced, so success answers are checked too, not only 404s."""
    if zlib.crc32(repr((case.path_parameters, case.body)).encode()) % 2:
        return
    for name, value in (case.path_parameters or {}).items():
        if name in seeds:
            choices = seeds[name]
            case.path_parameters[name] = choices[zlib.crc32(str(value).encode()) % len(choices)]
    body = case.body
    method = body.get("payment_method") if isinstance(body, dict) else None
    if isinstance(body, dict) and isinstance(method, dict) and isinstance(method.get("token"), str):
        # new objects: the generated body may share its dicts with the document's examples
        case.body = {**body, "payment_method": {**method, "token": seeds["token"][0]}}


@schema.parametrize()
def test_operation_conforms(case: schemathesis.Case, live_hub: LiveHub) -> None:
    _aim(case, live_hub.seeds)
    case.call_and_validate(headers=AUTH)


def test_the_run_reaches_real_resources(live_hub: LiveHub) -> None:
    """The seeding worked, so aimed cases address things that exist (not only 404s)."""
    needed = {"payment_id", "pm_id", "payout_id", "endpoint_id", "delivery_id", "event_id"}
    needed |= {"operation_id", "account_id", "key_id", "name", "token"}
    assert needed <= set(live_hub.seeds), needed - set(live_hub.seeds)
