"""A real service (`genk3600 serve --demo` on a scratch database) and a real headless Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy.engine import URL

from tests.factories import free_port, stop_process, wait_until_ready

CHROMIUM = "/usr/bin/chromium"
# Debian's chromium, never a browser build downloaded by `playwright install`.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).parent / "artifacts"
STARTUP_TIMEOUT = 60.0


def _ensure_chromium() -> None:
    """Tests install nothing: without Debian's chromium they fail and name the command that installs it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}. Install it with `make browser` "
            "(as root: apt-get update && apt-get install -y -o DPkg::Lock::Timeout=300 chromium)."
        )


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    _ensure_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="nl-BE", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A script or style the Content-Security-Policy blocks shows up only as a console message.
    page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))
    yield page
    await context.close()
    assert errors == [], f"JavaScript errors in the console: {errors}"


@pytest.fixture
def service(scratch_url: URL, tmp_path: Path) -> Iterator[str]:
    """`genk3600 serve --demo` in dev mode, as the README's run command starts it, on a scratch database."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}
    env.update(
        {
            "GENK3600_ENV": "dev",
            "GENK3600_DATA_DIR": str(tmp_path),
            "GENK3600_DATABASE_URL": scratch_url.render_as_string(hide_password=False),
        }
    )
    err = tmp_path / "serve.err"
    with err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "genk3600", "serve", "--port", str(port), "--demo"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, base, err, STARTUP_TIMEOUT)
        yield base
    finally:
        stop_process(process)


@pytest.fixture
async def api(service: str) -> AsyncIterator[httpx.AsyncClient]:
    """The same service over HTTP, for what the test itself does as the PBX or as someone else."""
    async with httpx.AsyncClient(base_url=service, timeout=10) as client:
        yield client


async def staff_headers(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    """A dev token from the service itself, as the console's demo picker gets one."""
    minted = await api.post("/console/dev/tokens", json={"email": email})
    assert minted.status_code == 200, minted.text
    return {"Authorization": f"Bearer {minted.json()['token']}"}


async def assert_accessible(page: Page, screen: str) -> None:
    """axe-core (committed, pinned) on the current page: no serious or critical violations."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's Content-Security-Policy (rightly) refuses
        # an injected <script>, and axe must not need the policy loosened.
        await page.evaluate(f"() => {{ {AXE.read_text(encoding='utf-8')}\n}}")
    result: dict[str, Any] = await page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']]}"
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    assert serious == [], f"accessibility violations on {screen}: {serious}"


async def screenshot(page: Page, artifacts: Path, name: str) -> None:
    await page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
