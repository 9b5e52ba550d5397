"""Check real answers against the served OpenAPI document (used by the conformance tests)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from openapi_schema_validator import OAS31Validator


class Conformance:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.templates = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in document["paths"]
        ]
        self.checked: list[tuple[str, str, int]] = []
        self.failures: list[str] = []

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        for pattern, template in self.templates:
            if pattern.match(path) and method.lower() in self.document["paths"][template]:
                return template, self.document["paths"][template][method.lower()]
        raise AssertionError(f"{method} {path} is not in the document")

    async def hook(self, response: httpx.Response) -> None:
        request = response.request
        if not request.url.path.startswith("/v1/"):
            return
        await response.aread()
        template, op = self.operation(request.method, request.url.path)
        where = f"{request.method} {template} -> {response.status_code}"
        documented = op["responses"].get(str(response.status_code))
        if documented is None:
            self.failures.append(f"{where}: status not documented")
            return
        media = response.headers.get("content-type", "").split(";")[0]
        content = documented.get("content", {})
        if media not in content:
            self.failures.append(f"{where}: content type {media} not documented ({sorted(content)})")
            return
        schema = {**content[media]["schema"], "components": self.document["components"]}
        errors = sorted(OAS31Validator(schema).iter_errors(response.json()), key=str)
        if errors:
            self.failures.append(f"{where}: {errors[0].message} at {list(errors[0].absolute_path)}")
        self.checked.append((request.method, template, response.status_code))
