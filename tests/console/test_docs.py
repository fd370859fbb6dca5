"""`/docs` and `/redoc` load nothing from outside the service: their assets come from a packaged distribution."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Route, expect

from tests.console.conftest import screenshot

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page_path", ["/docs", "/redoc"])
async def test_the_docs_pages_reference_only_their_own_assets_and_those_are_served(
    app: FastAPI, client: httpx.AsyncClient, page_path: str
) -> None:
    html = await client.get(page_path)
    assert html.status_code == 200
    found = [a or b for a, b in ASSET.findall(html.text)]
    assert found, "no asset found: the pattern no longer matches the page"
    outside = [url for url in found if re.match(r"^(https?:)?//", url)]
    assert outside == [], f"{page_path} loads from elsewhere: {outside}"
    for url in found:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url


@pytest.mark.process
@pytest.mark.parametrize(("page_path", "rendered"), [("/docs", ".swagger-ui .opblock"), ("/redoc", "[role=menuitem]")])
async def test_the_docs_render_with_the_network_blocked(
    service: str, browser: Browser, artifacts: Path, page_path: str, rendered: str
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    blocked: list[str] = []

    async def only_the_service(route: Route) -> None:
        if route.request.url.startswith(service):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_the_service)
    await page.goto(f"{service}{page_path}")
    await expect(page.locator(rendered).first).to_be_visible(timeout=20_000)
    await expect(page.get_by_text("Live updates for my console").first).to_be_attached()
    await screenshot(page, artifacts, f"docs{page_path.replace('/', '-')}")
    await context.close()
    # The page's own policy keeps it from even asking: nothing reached the network block.
    assert blocked == []
    assert errors == []
