"""Litestar render plugins that serve the finished document (``document.build_document``)
instead of Litestar's raw one, at /schema, /schema/openapi.json and in the /docs and /swagger UIs."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.openapi.plugins import JsonRenderPlugin, ScalarRenderPlugin, SwaggerRenderPlugin

from hub.api.openapi.document import build_document

_STATE_KEY = "openapi_document"


def finished_document(app: Litestar) -> dict[str, Any]:
    """Built once per app (routes do not change after start), then served from memory."""
    document: dict[str, Any] | None = app.state.get(_STATE_KEY)
    if document is None:
        document = build_document(app)
        app.state[_STATE_KEY] = document
    return document


class DocumentJson(JsonRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, finished_document(request.app))


class DocumentScalar(ScalarRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, finished_document(request.app))


class DocumentSwagger(SwaggerRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, finished_document(request.app))
