from __future__ import annotations

import pytest
from pydantic import ValidationError

from genk3600.config import DEV_SECRET_KEY, Settings


def test_production_refuses_missing_or_placeholder_secret() -> None:
    for secret in (None, "changeme", "short", DEV_SECRET_KEY):
        with pytest.raises(ValidationError, match="GENK3600_SECRET_KEY"):
            Settings(env="production", secret_key=secret)


def test_production_accepts_a_real_secret_and_dev_has_a_default() -> None:
    assert Settings(env="production", secret_key="x" * 40).secret == b"x" * 40
    assert Settings(env="dev").secret == DEV_SECRET_KEY.encode()


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENK3600_ENV", "dev")
    monkeypatch.setenv("GENK3600_PORT", "9123")
    monkeypatch.setenv("GENK3600_LOG_LEVEL", "debug")
    settings = Settings()
    assert (settings.port, settings.log_level, settings.timezone) == (9123, "DEBUG", "Europe/Brussels")


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        Settings(env="dev", timezone="Mars/Olympus_Mons")


def test_public_links_follow_the_port_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENK3600_PORT", "9123")
    assert Settings(env="dev").public_url == "http://127.0.0.1:9123"
    assert Settings(env="dev", host="0.0.0.0").public_url == "http://127.0.0.1:9123"  # noqa: S104
    assert Settings(env="dev").model_copy(update={"port": 8001}).public_url == "http://127.0.0.1:8001"  # serve --port
    chosen = Settings(env="dev", public_base_url="https://3600.genk.be/")
    assert chosen.public_url == "https://3600.genk.be"
