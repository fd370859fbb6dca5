"""The spec is a contract: a client generated from it alone does an integrator's whole job against a real server.

openapi-python-client (from PyPI, as `make client` runs it) generates `genk3600_client` from the committed
`openapi/openapi.json`; a real `genk3600 serve --demo` process answers on 127.0.0.1. Through the generated
client only: record a contact, follow its ticket (read it, change it with `If-Match` from the `ETag`), and
consume the events; then the example city system (`examples/city_system.py`, written on that client)
subscribes a webhook and reads the feed. If the spec says something the server does not do (a missing
header, a wrong type, an undeclared status), the generated code fails here.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy.engine import URL

from tests.factories import free_port, stop_process, wait_until_ready, web_contact
from tests.test_examples import example

pytestmark = pytest.mark.process

REPO = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """`genk3600_client`, generated from the committed spec exactly as `make client` does."""
    out = tmp_path_factory.mktemp("client")
    generator = Path(sys.executable).parent / "openapi-python-client"
    command = [str(generator), "generate", "--path", str(REPO / "openapi" / "openapi.json")]
    command += ["--config", str(REPO / "openapi" / "client.yaml"), "--meta", "none"]
    command += ["--output-path", str(out / "genk3600_client")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # The one operation a generated client cannot call: raw mail (`message/rfc822`) is for the mail gateway.
    skipped = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("WARNING parsing")]
    assert skipped == ["WARNING parsing POST /v1/intake/mail within intake. Endpoint will not be generated."], (
        done.stdout
    )
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("genk3600_client")
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name.split(".")[0] == "genk3600_client"]:
            del sys.modules[name]


@pytest.fixture
def server(tmp_path: Path, scratch_url: URL) -> Iterator[tuple[str, str]]:
    """A real `genk3600 serve --demo` on its own database: its base URL and the demo API key it prints."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}
    env.update(
        GENK3600_ENV="dev",
        GENK3600_DATA_DIR=str(tmp_path / "data"),
        GENK3600_DATABASE_URL=scratch_url.render_as_string(hide_password=False),
    )
    port = free_port()
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "genk3600", "serve", "--port", str(port), "--demo"],
            env=env,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, base, err, STARTUP_TIMEOUT)
        printed = out.read_text().splitlines()
        key = next(line for line in printed if line.startswith("Demo API key")).split()[-1]
        yield base, key
    finally:
        stop_process(process)


def _feed_until(city_system: ModuleType, api: Any, wanted: set[tuple[str, str]]) -> list[Any]:
    """The feed read from the start until it holds every (type, ticket) in `wanted` (events are committed
    asynchronously to readers: the feed shows them once no earlier transaction is still open)."""
    deadline = time.monotonic() + 20
    while True:
        seen = [event for items, _ in city_system.events(api, None) for event in items]
        if wanted <= {(event.type_, event.ticket) for event in seen} or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


def test_an_integrator_does_the_whole_job_through_the_generated_client(
    generated: ModuleType, server: tuple[str, str], repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from genk3600_client.api.contacts import record_contact
    from genk3600_client.api.tickets import change_ticket, get_ticket, list_ticket_events
    from genk3600_client.models import ContactRecorded, TicketChange, TicketDetailOut, TicketOut, WebContactIn

    base, key = server
    city_system = example(repo_root)
    api = city_system.client(base, key)

    # Record a contact: the citizen's web form opens a ticket.
    form = WebContactIn.from_dict(web_contact(subject="Grofvuil niet opgehaald in de Stalenstraat"))
    recorded = record_contact.sync_detailed(client=api, body=form, idempotency_key="client-flow-1")
    assert recorded.status_code == 201, recorded.content
    assert isinstance(recorded.parsed, ContactRecorded)
    reference = recorded.parsed.ticket.reference
    assert recorded.headers["Location"]
    again = record_contact.sync_detailed(client=api, body=form, idempotency_key="client-flow-1")
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.parsed.ticket.reference == reference

    # Follow the ticket: read it, change it with the ETag it carries.
    read = get_ticket.sync_detailed(reference, client=api)
    assert isinstance(read.parsed, TicketDetailOut), read.content
    assert read.parsed.subject == "Grofvuil niet opgehaald in de Stalenstraat"
    stale = change_ticket.sync_detailed(reference, client=api, body=TicketChange(priority="urgent"), if_match='"0"')
    assert stale.status_code == 412, stale.content
    changed = change_ticket.sync_detailed(
        reference, client=api, body=TicketChange(priority="urgent"), if_match=read.headers["ETag"]
    )
    assert isinstance(changed.parsed, TicketOut), changed.content
    assert changed.parsed.priority == "urgent"
    assert changed.headers["ETag"] != read.headers["ETag"]
    timeline = list_ticket_events.sync_detailed(reference, client=api)
    assert timeline.status_code == 200, timeline.content
    assert "created" in {event.type_ for event in timeline.parsed.items}

    # Consume the events, as the example city system does.
    wanted = {("ticket.created", reference), ("ticket.note", reference)}
    events = _feed_until(city_system, api, wanted)
    assert wanted <= {(event.type_, event.ticket) for event in events}, [(e.type_, e.ticket) for e in events]
    assert "Stalenstraat" not in str([event.to_dict() for event in events])  # ids and changes only, no free text

    # The example's own commands: subscribe (the secret is shown once), then read the feed and save the position.
    subscription = city_system.subscribe(api, "https://mijn.genk.example/hooks/genk3600", ["ticket.created"])
    assert subscription.secret.startswith("whsec_")
    monkeypatch.chdir(tmp_path)
    city_system.consume(api, follow=False, types="ticket.created")
    saved = (tmp_path / ".genk3600-cursor").read_text()
    assert saved
    # Resumed from the saved position, the feed has nothing new of that type.
    resumed = [event for items, _ in city_system.events(api, saved, "ticket.created") for event in items]
    assert resumed == []
