"""The served OpenAPI document is valid 3.1, complete for every route, deterministic, and the
committed client is generated from it (DESIGN §3; issue 19)."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from openapi_spec_validator import validate

from hub.api.app import create_app
from hub.api.openapi.catalog import CATALOG
from hub.api.openapi.document import build_document, render
from hub.runtime import Hub
from hub.services.webhook_endpoints import KNOWN_EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "python"
PROBLEM = "application/problem+json"


def _app() -> Any:
    return create_app(cast(Hub, None), manage_lifecycle=False)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    with TestClient(_app()) as client:
        r = client.get("/schema/openapi.json")
    assert r.status_code == 200
    return cast(dict[str, Any], r.json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return cast(dict[str, Any], node)


def test_the_served_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any violation of the 3.1 schema
    assert document["components"]["securitySchemes"]["apiKey"] == {
        **document["components"]["securitySchemes"]["apiKey"],
        "type": "http",
        "scheme": "bearer",
    }


def test_every_route_of_the_app_is_in_the_document() -> None:
    app = _app()
    document = build_document(app)
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            for method in handler.http_methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in document["paths"].get(route.path_format, {}), (
                    method,
                    route.path_format,
                )


def test_every_operation_is_complete(document: dict[str, Any]) -> None:
    seen: set[str] = set()
    for method, path, op in _operations(document):
        where = f"{method} {path}"
        op_id = op["operationId"]
        assert re.fullmatch(r"[a-z][A-Za-z0-9]+", op_id), where
        assert op_id not in seen, f"{where}: duplicate operationId {op_id}"
        seen.add(op_id)
        success = [s for s in op["responses"] if s.startswith("2")]
        assert success, where
        for status in success:
            schema = op["responses"][status]["content"]["application/json"]["schema"]
            assert _resolve(document, schema["$ref"])["type"] == "object", where
        problems = {s: r for s, r in op["responses"].items() if not s.startswith("2")}
        assert "500" in problems, where
        for status, answer in problems.items():
            media = answer["content"][PROBLEM]
            assert media["schema"]["$ref"] == "#/components/schemas/Problem", (where, status)
            codes = media["schema"]["properties"]["code"]["enum"]
            assert codes and sorted(codes) == sorted(media["examples"]), (where, status)
            for example in media["examples"].values():
                assert example["value"]["status"] == int(status), (where, status)
        if op["security"]:
            assert {"401", "403"} <= set(problems), where
        if "{" in path:
            assert "404" in problems, where
        if "requestBody" in op:
            assert {"400", "413", "422"} <= set(problems), where
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        if "Idempotency-Key" in headers:
            assert method == "POST", where
            assert "idempotency_key_reused" in problems["422"]["content"][PROBLEM]["examples"], where
            assert "idempotency_key_in_use" in problems["409"]["content"][PROBLEM]["examples"], where


def test_the_main_calls_are_typed_and_take_an_idempotency_key(document: dict[str, Any]) -> None:
    by_id = {op["operationId"]: (method, path, op) for method, path, op in _operations(document)}
    expected = {
        "createPayment": ("201", "Payment"),
        "capturePayment": ("200", "Payment"),
        "voidPayment": ("200", "Payment"),
        "createRefund": ("201", "Refund"),
        "getPayment": ("200", "Payment"),
        "listPayments": ("200", "PaymentList"),
        "createPayout": ("201", "Payout"),
        "createPaymentMethod": ("201", "PaymentMethod"),
        "createWebhookEndpoint": ("201", "WebhookEndpoint"),
        "createReconciliation": ("202", "Reconciliation"),
        "listEvents": ("200", "EventList"),
    }
    for op_id, (status, model) in expected.items():
        method, _, op = by_id[op_id]
        ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{model}", op_id
        if method == "POST":
            assert "Idempotency-Key" in {p["name"] for p in op["parameters"]}, op_id
    pay = by_id["createPayment"][2]
    assert pay["requestBody"]["content"]["application/json"]["example"]["amount"] == 1099
    amount = _resolve(document, pay["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert amount["properties"]["amount"]["type"] == "integer"
    assert "security" in pay and pay["security"] == [{"apiKey": []}]
    assert by_id["receiveProviderWebhook"][2]["security"] == []


def test_no_operation_answers_an_untyped_object(document: dict[str, Any]) -> None:
    """Every success answer has its fields described (admin, ledger and stats included)."""
    untyped = []
    for method, path, op in _operations(document):
        for status, answer in op["responses"].items():
            if not status.startswith("2"):
                continue
            schema = _resolve(document, answer["content"]["application/json"]["schema"]["$ref"])
            if not schema.get("properties"):
                untyped.append(f"{method} {path} -> {status}")
            item = schema.get("properties", {}).get("data", {}).get("items", {})
            if "$ref" in item and not _resolve(document, item["$ref"]).get("properties"):
                untyped.append(f"{method} {path} -> {status} (list items)")
    assert not untyped, untyped


def test_the_stable_codes_are_documented_where_they_are_answered(document: dict[str, Any]) -> None:
    def codes(op_id: str, status: str) -> list[str]:
        op = next(op for _, _, op in _operations(document) if op["operationId"] == op_id)
        return list(op["responses"][status]["content"][PROBLEM]["schema"]["properties"]["code"]["enum"])

    assert "payment_method_not_found" in codes("createPayment", "422")
    assert "no_account_available" in codes("createPayment", "422")
    assert "amount_exceeds_capturable" in codes("capturePayment", "422")
    assert "account_not_found" in codes("createPayout", "404")
    assert "account_exists" in codes("createAccount", "409")
    assert codes("getPayment", "404") == ["not_found"]
    assert codes("listPayments", "401") == ["unauthorized"]


def test_outbound_webhooks_are_described(document: dict[str, Any]) -> None:
    assert set(document["webhooks"]) == set(KNOWN_EVENT_TYPES)
    for hook in document["webhooks"].values():
        body = hook["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/Event"}
        assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= {
            p["name"] for p in hook["post"]["parameters"]
        }


def test_the_catalog_names_only_routes_that_exist(document: dict[str, Any]) -> None:
    stale = [
        key
        for key in CATALOG
        if key[1] not in document["paths"] or key[0].lower() not in document["paths"][key[1]]
    ]
    assert not stale, f"catalog entries for routes that are gone: {stale}"


def test_the_document_is_deterministic_and_committed_with_the_client() -> None:
    first, second = render(build_document(_app())), render(build_document(_app()))
    assert first == second
    committed = (CLIENT / "openapi.json").read_text()
    assert committed == first, "clients/python/openapi.json is stale: run `make client`"


def test_the_committed_client_is_what_the_generator_makes(tmp_path: Path) -> None:
    """CI's check that nobody edited the generated client by hand or forgot `make client`."""
    generator = Path(sys.executable).parent / "openapi-python-client"
    assert generator.exists(), "openapi-python-client is in the dev extra (make install)"
    out = tmp_path / "generated"
    shutil.copy(CLIENT / "pyproject.toml", tmp_path / "pyproject.toml")  # the same ruff settings
    env = {"PATH": f"{generator.parent}:/usr/bin:/bin"}
    proc = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(CLIENT / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--overwrite",
            "--fail-on-warning",
            "--config",
            str(CLIENT / "generator.yaml"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Warning" not in proc.stdout + proc.stderr
    diff = _differences(filecmp.dircmp(out, CLIENT / "payhub_client" / "_generated", ignore=["__pycache__"]))
    assert not diff, (
        f"clients/python/payhub_client/_generated differs from the generator's output: {diff[:5]}"
    )


def _differences(cmp: filecmp.dircmp[str]) -> list[str]:
    out = [*cmp.left_only, *cmp.right_only, *cmp.diff_files, *cmp.funny_files]
    for sub in cmp.subdirs.values():
        out += _differences(sub)
    return out
