"""`rag serve` refuses bad abuse-limit settings at start-up: one line on stderr, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"RAG_API__RATE_LIMIT_STORAGE": "ftp://user:secret@host"}, "got scheme 'ftp'"),
        ({"RAG_API__RATE_LIMIT_STORAGE": "memcached://user:secret@host:11211"}, "memcachio"),
        ({"RAG_API__TRUSTED_PROXIES": '["10.0.0.0/8", "proxy.local"]'}, "proxy.local"),
        ({"RAG_API__TRUSTED_PROXIES": "10.0.0.1"}, "must be JSON"),
    ],
)
def test_bad_limit_settings_stop_serve_with_one_line(env: dict[str, str], fragment: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("RAG_")}
    run = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve", "--port", "9"],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rag: error:"), run.stderr
    assert fragment in lines[0] and "secret" not in lines[0]


def test_serve_sets_the_gil_switch_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    """RAG_API__SWITCH_INTERVAL_MS reaches sys.setswitchinterval before uvicorn runs."""
    import argparse

    import uvicorn

    from cli import commands

    seen: list[float] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.append(sys.getswitchinterval()))
    monkeypatch.setattr(commands, "check_port", lambda host, port: None)
    monkeypatch.setenv("RAG_API__SWITCH_INTERVAL_MS", "1.5")
    before = sys.getswitchinterval()
    try:
        args = argparse.Namespace(host="127.0.0.1", port=9, index=None, corpus=None)
        assert commands.cmd_serve(args) == 0
    finally:
        sys.setswitchinterval(before)
    assert seen == [pytest.approx(0.0015)]
