"""Fixtures for the participation tests."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI


@pytest.fixture
def app_spec(app: FastAPI) -> dict[str, Any]:
    return app.openapi()
