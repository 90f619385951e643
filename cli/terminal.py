"""Feedback on stderr while the CLI works: a spinner while models load, bars while ingest embeds.

Both only when stderr is a terminal and the output is not --json, so pipes, logs and
machine-readable runs stay clean.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def interactive(args: argparse.Namespace) -> bool:
    return not getattr(args, "json", False) and sys.stderr.isatty()


@contextmanager
def busy(args: argparse.Namespace, what: str) -> Iterator[None]:
    """A spinner with `what` on stderr until the block ends; erased afterwards."""
    if not interactive(args):
        yield
        return
    done = threading.Event()

    def spin() -> None:
        for frame in itertools.cycle(FRAMES):
            sys.stderr.write(f"\r{frame} {what}…")
            sys.stderr.flush()
            if done.wait(0.1):
                break
        sys.stderr.write("\r" + " " * (len(what) + 4) + "\r")
        sys.stderr.flush()

    thread = threading.Thread(target=spin, name="spinner", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def progress_bars(args: argparse.Namespace) -> Callable[[int, str], Callable[[int], None]] | None:
    """The ingest's progress factory: one tqdm bar per embedding stage, or None."""
    if not interactive(args):
        return None

    def factory(total: int, desc: str) -> Callable[[int], None]:
        from tqdm import tqdm

        bar = tqdm(total=total, desc=desc, unit="text", file=sys.stderr, leave=False)

        def update(n: int) -> None:
            bar.update(n)
            if bar.n >= total:
                bar.close()

        return update

    return factory
