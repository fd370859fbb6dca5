"""Importing the Flemish product catalogue (IPDC): JSON and JSON-LD, again and again, and as a command."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from genk3600.auth.principal import system_principal
from genk3600.db import Database
from genk3600.models import ClassifierModel, Product, ProductVersion
from genk3600.products import ipdc
from genk3600.products.service import import_catalogue
from tests.knowledge import catalogue_world, resolved_history

FIXTURE = Path(__file__).parent / "fixtures" / "ipdc.jsonld"
ACTOR = system_principal("import-products")


def _document() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


async def test_fixture_becomes_products_with_plain_texts(session: AsyncSession) -> None:
    await catalogue_world(session)

    report = await import_catalogue(session, ACTOR, ipdc.read(_document(), []))

    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.skipped == ["https://ipdc.vlaanderen.be/id/instantie/genk-3000: no category (add "
                              "genk3600:categories or give a default category)"]  # fmt: skip
    passport = await session.scalar(select(Product).where(Product.code == "reispas-aanvragen"))
    assert passport is not None
    assert passport.ipdc_id == "https://ipdc.vlaanderen.be/id/instantie/genk-1502"
    assert passport.texts["nl"] == {
        "name": "Reispas aanvragen",
        "description": "Een reispas vraagt u aan bij de dienst Burgerzaken.",
        "what_to_bring": "Uw identiteitskaart en een pasfoto",
        "cost": "€ 75,00",
    }
    assert passport.texts["fr"]["name"] == "Demander un passeport"
    assert passport.synonyms == {"nl": ["paspoort"], "fr": ["passeport"]}
    assert passport.web_page == "https://www.genk.be/reispas"
    waste = await session.scalar(select(Product).where(Product.code == "grofvuil-ophalen-aan-huis"))
    assert waste is not None
    assert waste.texts["en"] == {"name": "Bulky waste collection"}
    assert waste.texts["nl"]["cost"] == "Gratis tot 2 m³"


async def test_importing_again_changes_only_what_changed(session: AsyncSession) -> None:
    await catalogue_world(session)
    await import_catalogue(session, ACTOR, ipdc.read(_document(), []))
    changed = _document()
    graph = changed["@graph"]
    assert isinstance(graph, list)
    graph[1]["kosten"] = [{"beschrijving": {"nl": "€ 10 per m³"}}]

    again = await import_catalogue(session, ACTOR, ipdc.read(_document(), []))
    edited = await import_catalogue(session, ACTOR, ipdc.read(changed, []))

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert (edited.created, edited.updated, edited.unchanged) == (0, 1, 1)
    waste = await session.scalar(select(Product).where(Product.code == "grofvuil-ophalen-aan-huis"))
    assert waste is not None
    assert waste.version == 2
    assert waste.texts["nl"]["cost"] == "€ 10 per m³"
    versions = await session.scalar(
        select(func.count()).select_from(ProductVersion).where(ProductVersion.product_id == waste.id)
    )
    assert versions == 2


def test_a_file_that_is_no_catalogue_is_refused() -> None:
    with pytest.raises(ipdc.InvalidCatalogue):
        ipdc.read("just text", [])


@pytest.fixture
async def database(scratch_url: URL) -> AsyncIterator[Database]:
    database = Database.connect(scratch_url, pool_size=2)
    yield database
    await database.dispose()


@pytest.mark.process
async def test_commands_import_products_and_train_the_classifier(
    database: Database, scratch_url: URL, tmp_path: Path
) -> None:
    async with database.sessions.begin() as session:
        world = await catalogue_world(session)
        await resolved_history(session, world)
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENK3600_")}
    env.update(
        GENK3600_ENV="dev",
        GENK3600_DATA_DIR=str(tmp_path),
        GENK3600_DATABASE_URL=scratch_url.render_as_string(hide_password=False),
    )
    program = [sys.executable, "-m", "genk3600"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*program, *args], env=env, capture_output=True, text=True, timeout=300, check=False)

    imported = await asyncio.to_thread(run, "import-products", str(FIXTURE), "--category", "general.question")
    defaulted = await asyncio.to_thread(run, "import-products", str(FIXTURE), "--category", "civil.id_card")
    trained = await asyncio.to_thread(run, "train-classifier")

    assert imported.returncode == 1, imported.stderr  # general.question does not exist here: skipped, said so
    assert "2 created" in imported.stdout
    assert "genk-3000: There is no active category with code 'general.question'" in imported.stdout
    assert defaulted.returncode == 0, defaulted.stdout + defaulted.stderr
    assert "1 created, 0 updated (new version), 2 unchanged, 0 skipped" in defaulted.stdout
    assert trained.returncode == 0, trained.stderr
    assert "Stored classifier version 1: 24 resolved tickets, 3 categories" in trained.stdout
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Product)) == 3
        model = await session.scalar(select(ClassifierModel))
    assert model is not None
    assert model.classes == ["civil.id_card", "social.living_wage", "waste.pickup"]
    assert model.actor_name == "train-classifier"
