"""Headless Chromium for the page tests: Debian's /usr/bin/chromium, driven by Playwright."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
