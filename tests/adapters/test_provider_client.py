"""The provider HTTP client hub.providers builds for every account."""

from __future__ import annotations

import httpx
import respx

from hub.http import ProviderClient, without_cookies


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


@respx.mock
async def test_paths_are_joined_to_the_base_url_as_httpx_joins_them_and_follow_a_new_base() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    respx.route(host="psp.example").mock(side_effect=answer)
    respx.route(host="live.psp.example").mock(side_effect=answer)
    async with ProviderClient(base_url="https://psp.example/api") as client:
        plain = httpx.AsyncClient(base_url="https://psp.example/api")
        paths = ["/v1/charges", "v1/charges", "/v1/charges?expand=x", "/v1/charges/ch_1/capture"]
        paths.append("/v1/charges")  # again: the joined URL kept
        for path in paths:
            await client.post(path)
            assert seen[-1] == str(plain.build_request("POST", path).url)
        await client.get("/v1/charges", params={"limit": "3"})
        assert seen[-1] == "https://psp.example/api/v1/charges?limit=3"
        client.base_url = "https://live.psp.example/"
        await client.post("/v1/charges")  # not the path joined to the old base
        assert seen[-1] == "https://live.psp.example/v1/charges"
        for i in range(ProviderClient.MERGED + 10):  # ids in paths: the joined URLs kept stay bounded
            client.build_request("POST", f"/v1/charges/ch_{i}/capture")
        assert len(client._merged) == ProviderClient.MERGED
        await plain.aclose()
