"""Durable file writes shared by the index store, the corpus commit and the trust file."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

SYNC_THREADS = 4  # fsync waits on the disk and sha256 releases the GIL: files overlap


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` survive a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes) -> None:
    """Write ``data`` and fsync it before returning."""
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _digest(f: BinaryIO) -> str:
    h = hashlib.sha256()
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
    return h.hexdigest()


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    with path.open("rb") as f:
        return _digest(f)


def _sync_and_digest(path: Path) -> str:
    with path.open("rb") as f:
        digest = _digest(f)
        os.fsync(f.fileno())
    return digest


def sync_and_digest(paths: Sequence[Path]) -> list[str]:
    """fsync each written file and return its sha256, several files at once (one fsync after
    the other made an upload wait for each file's flush in turn)."""
    if len(paths) <= 1:
        return [_sync_and_digest(p) for p in paths]
    with ThreadPoolExecutor(min(SYNC_THREADS, len(paths)), "index-sync") as pool:
        return list(pool.map(_sync_and_digest, paths))
