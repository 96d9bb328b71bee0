"""What the end-to-end tests share: the browser's flags, viewports, the restaurant, signing in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from maitred.domain.api_keys import Role

FRIDAY = "2026-11-27"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 1024, "height": 768}

Shot = Callable[[Any, str], Path]


@dataclass(frozen=True)
class Restaurant:
    """The sample restaurant (Corner House, 40 tables in 3 zones) and a key of every role."""

    id: UUID
    keys: dict[Role, str]

    def url(self, path: str) -> str:
        return f"/v1/restaurants/{self.id}{path}"

    def auth(self, role: Role = Role.OWNER) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


def sign_in(page: Any, base: str, key: str, query: str = f"date={FRIDAY}") -> None:
    """Sign in through the form (keyboard only), open the day and wait for the live feed."""
    page.goto(f"{base}/ops/sign-in")
    page.get_by_label("API key").fill(key)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ops/day"))
    page.goto(f"{base}/ops/day?{query}")
    page.locator("body[data-live=yes]").wait_for()
