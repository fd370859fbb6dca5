"""`/docs` and `/redoc` with their scripts, styles and icon from the `fastapi-offline` distribution (pinned in
constraints.txt), served under /docs-assets by the app itself.

FastAPI's own pages load Swagger UI and ReDoc (and Google Fonts) from CDNs: blank on a city network without
internet access, and every reader's visit announced to third parties. These pages work offline.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS_URL = "/docs-assets"
ASSETS = Path(str(files("fastapi_offline") / "static"))
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
# Only the service itself: FastAPI's page templates start the UIs with an inline script, ReDoc styles inline and
# runs its search in a blob: worker; its sidebar credit image from the vendor's CDN is refused (it hides itself).
DOCS_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src 'self' blob:; font-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _secured(response: HTMLResponse) -> HTMLResponse:
    response.headers.update(DOCS_HEADERS)
    return response


def install_docs(app: FastAPI) -> None:
    """The two reading pages and their assets; create the app with `docs_url=None, redoc_url=None`."""
    router = APIRouter(include_in_schema=False)
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    @router.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        return _secured(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{title} — Swagger UI",
                swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
                oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            )
        )

    @router.get(OAUTH2_REDIRECT_URL)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @router.get("/redoc")
    async def redoc() -> HTMLResponse:
        return _secured(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{title} — ReDoc",
                redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )

    app.include_router(router)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
