"""Headless Chromium for the page tests: Debian's /usr/bin/chromium, driven by Playwright."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Seen:
    """What a page requested and which script errors it raised."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# Screenshots are test artefacts: PAGE_ARTEFACTS or the system's temp dir, printed once.
ARTEFACTS = Path(os.environ.get("PAGE_ARTEFACTS") or tempfile.gettempdir()) / "page-artefacts"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot under ARTEFACTS (after the fade-in), its path printed."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


# `PAGE_README_SHOTS=1 pytest tests/api/routes/test_web_ask.py` rewrites the README's pictures.
README_IMG = Path(__file__).resolve().parents[3] / "docs" / "img"


def readme_shot(page: Any, name: str) -> None:
    """The viewport as docs/img/<name>.png, only when PAGE_README_SHOTS is set."""
    if os.environ.get("PAGE_README_SHOTS"):
        README_IMG.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(README_IMG / f"{name}.png"))
