"""The example client's webhook handler accepts what Genk3600 signs and refuses anything else."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from standardwebhooks import Webhook

SECRET = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw=="


def example(repo_root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("city_system", repo_root / "examples" / "city_system.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_handler_verifies_standard_webhooks_signatures(repo_root: Path) -> None:
    city_system = example(repo_root)
    body = json.dumps({"id": 42, "type": "ticket.created", "ticket": "G3600-2026-000123", "data": {}})
    now = datetime.now(UTC)
    headers = {
        "webhook-id": "42",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign("42", now, body),
    }
    status, event = city_system.handle_webhook(body.encode(), headers, SECRET)
    assert (status, event["id"]) == (204, 42)
    assert city_system.handle_webhook(body.replace("42", "43").encode(), headers, SECRET) == (400, None)
    assert city_system.handle_webhook(body.encode(), {**headers, "webhook-id": "7"}, SECRET) == (400, None)
