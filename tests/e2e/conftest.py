"""End-to-end: a real `maitred serve` process over the test database, driven by Debian's Chromium
through Playwright. Screenshots of every step go to test-output/e2e/<test>/.

The browser is the system's (`MAITRED_E2E_CHROMIUM`, else `chromium` on the PATH): the build
Playwright would download cannot be fetched here. Without it the tests fail in CI (CI=true) and
are skipped elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.scene import CHROMIUM_FLAGS, OUTPUT, Restaurant, Shot
from maitred.benchmarks.process import serve_process
from maitred.cli.demo import sample_path
from maitred.db.database import Database
from maitred.db.target import DatabaseTarget
from maitred.domain.api_keys import Role
from maitred.formats.floorplan import load_floorplan
from maitred.services.api_keys import create_key
from maitred.services.bookings import import_bookings
from maitred.services.venues import import_floorplan
from maitred.settings import Settings


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"end-to-end tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str:
    path = os.environ.get("MAITRED_E2E_CHROMIUM") or shutil.which("chromium")
    if not path or not Path(path).exists():
        _unavailable(
            "no Chromium: install Debian's `chromium` or set MAITRED_E2E_CHROMIUM to its path"
        )
    assert path is not None
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    executable = chromium_path()
    expect.set_options(timeout=15_000)  # conditions, not timing: patient on a busy machine
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def server(test_db: Any, tmp_path: Path) -> Iterator[str]:
    """`maitred serve` in its own process over the test database; its base URL."""
    with (
        (tmp_path / "serve.log").open("wb") as log,
        serve_process(test_db.owner_conninfo, log=log) as base,
    ):
        yield base


@pytest.fixture
def local(test_db: Any) -> Iterator[Database]:
    """The test process's own connection to the same database, for setting the scene."""
    settings = Settings(database_url=test_db.owner_conninfo, pool_min_size=0, pool_max_size=2)
    target = DatabaseTarget(test_db.owner_conninfo, test_db.app_conninfo, embedded=False)
    with Database(target, settings) as db:
        yield db


@pytest.fixture
def restaurant(local: Database) -> Restaurant:
    rid = import_floorplan(local, load_floorplan(sample_path("corner_house.yaml")))
    keys = {role: create_key(local, rid, role, role.value).plaintext for role in Role}
    return Restaurant(rid, keys)


@pytest.fixture
def busy_friday(local: Database, restaurant: Restaurant) -> Restaurant:
    """The sample's busy Friday: 150 bookings, three of them pinned to their tables."""
    text = sample_path("friday.csv").read_text()
    import_bookings(local, restaurant.id, text, "csv", Settings().policy_defaults())
    return restaurant


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """Save a full-page screenshot of a step: test-output/e2e/<test>/<nn>-<step>.png."""
    folder = OUTPUT / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = iter(range(1, 100))

    def save(page: Any, step: str) -> Path:
        path = folder / f"{next(count):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
