"""The provider HTTP client hub.providers builds for every account."""

from __future__ import annotations

import httpx
import respx

from hub.http import without_cookies


@respx.mock
async def test_a_cookie_set_by_a_provider_is_not_sent_back() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, json={}, headers={"Set-Cookie": "session=abc123; Path=/"})

    respx.post("https://psp.example/v1/charges").mock(side_effect=answer)
    async with without_cookies(httpx.AsyncClient(base_url="https://psp.example")) as client:
        first = await client.post("/v1/charges")
        await client.post("/v1/charges")
    assert first.headers["set-cookie"].startswith("session=")  # the answer itself is untouched
    assert seen == [None, None]
    assert not client.cookies
