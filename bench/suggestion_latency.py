"""How long a category suggestion takes: the model alone, and `POST /v1/suggestions/categories` in process.

`python -m bench.suggestion_latency` starts an embedded PostgreSQL in a temporary folder, loads the demo data,
stores a model trained on the synthetic history of `bench.eval_suggestions`, and then times
- the model's ranking of one text (what a request adds to its ordinary cost), and
- the whole request through the app (authentication by API key, reference cache, model, JSON) with httpx's
  ASGI transport: no socket and no uvicorn, so the figure is the service's own time for the request.
Sequential requests, after a warm-up; percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bench.eval_suggestions import synthetic_history
from genk3600.app import create_app
from genk3600.auth.principal import system_principal
from genk3600.auth.service import create_api_client
from genk3600.config import Settings
from genk3600.db import Database, embedded_database_url, migrate, start_embedded_postgres
from genk3600.demo import seed_demo
from genk3600.models import ClassifierModel
from genk3600.models.enums import Scope
from genk3600.suggestions.model import FORMAT, sign, train

TEXTS = [
    "Mijn identiteitskaart is gestolen, wat moet ik doen?",
    "Het grofvuil in de Molenstraat werd niet opgehaald",
    "Ma carte d'identité a été volée hier soir",
    "De straatverlichting brandt al een week niet meer",
    "Ik wil een afspraak voor een nieuwe reispas",
]


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda share: ordered[min(len(ordered) - 1, int(share * len(ordered)))]  # noqa: E731
    return f"p50 {statistics.median(ordered):.3f}  p95 {pick(0.95):.3f}  p99 {pick(0.99):.3f}  max {ordered[-1]:.3f} ms"


async def _run(requests: int, tickets: int) -> None:
    model = train([example for _, example in synthetic_history(tickets)])
    samples = []
    for n in range(requests):
        started = time.perf_counter()
        model.rank(TEXTS[n % len(TEXTS)])
        samples.append((time.perf_counter() - started) * 1000)
    print(f"model.rank ({len(model.index)} features, {len(model.classes)} classes): {_percentiles(samples)}")

    with tempfile.TemporaryDirectory(prefix="genk3600-bench-") as folder:
        server = start_embedded_postgres(Path(folder) / "pg", cleanup_mode="delete")
        try:
            url = embedded_database_url(server, "bench_suggestions")
            settings = Settings(env="dev", database_url=url.render_as_string(hide_password=False), data_dir=folder)
            await migrate(url, settings)
            database = Database.connect(url, pool_size=2)
            async with database.sessions.begin() as session:
                await seed_demo(session)
                _client, key = await create_api_client(
                    session, "bench-suggestions", [Scope.contacts_write, Scope.tickets_read]
                )
                content = model.to_bytes()
                session.add(
                    ClassifierModel(
                        version=1,
                        format=FORMAT,
                        content=content,
                        signature=sign(settings.secret, content),
                        classes=model.classes,
                        ticket_count=tickets,
                        actor_name=system_principal("bench").display_name,
                    )
                )
            app = create_app(settings)
            app.state.db = database
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                headers = {"X-API-Key": key, "Accept-Language": "nl"}

                async def timed(call: Callable[[int], Awaitable[httpx.Response]]) -> list[float]:
                    timings = []
                    for n in range(requests + 50):
                        started = time.perf_counter()
                        response = await call(n)
                        elapsed = (time.perf_counter() - started) * 1000
                        response.raise_for_status()
                        if n >= 50:  # warm-up: the first request loads the model
                            timings.append(elapsed)
                    return timings

                suggested = await timed(
                    lambda n: client.post(
                        "/v1/suggestions/categories", json={"text": TEXTS[n % len(TEXTS)]}, headers=headers
                    )
                )
                # The same path without a suggestion (authentication, session, JSON): what the suggestion adds.
                baseline = await timed(lambda n: client.get("/v1/me", headers=headers))
            print(f"POST /v1/suggestions/categories in process: {_percentiles(suggested)}")
            print(f"GET /v1/me (baseline) in process:            {_percentiles(baseline)}")
            await database.dispose()
        finally:
            server.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suggestion_latency", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=5000, help="synthetic history the model is trained on")
    args = parser.parse_args(argv)
    asyncio.run(_run(args.requests, args.tickets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
