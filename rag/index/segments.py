"""Vector files as segments, so an upload does not rewrite every vector of the index.

A version's vectors of one kind (``passage_vectors`` or ``sentence_vectors``) are either one
file, ``<kind>.npy`` (a full build, and every version written before segments), or, when its
manifest's ``"segments"`` names them, segment files concatenated then put in row order by
``<kind>.order.npy`` (int64: each row's place in the concatenation). An update hard-links
the segments of the version it starts from into the new version (no bytes written, none to
fsync or hash: their checksums are the base manifest's) and writes only its new rows as one
more segment. Segments are compacted back into one file when they hold more than twice the
live rows or number more than ``MAX_SEGMENTS``.

Hard links share storage: bytes that rot in a shared segment are wrong in every version
that links it (the checksums still catch it on load).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Rows = npt.NDArray[np.int64]
KINDS = ("passage_vectors", "sentence_vectors")
MAX_SEGMENTS = 8


@dataclass(frozen=True)
class Base:
    """The version an update starts from: its folder and manifest."""

    folder: Path
    manifest: dict[str, Any]


def _base_layout(base: Base, kind: str) -> tuple[list[str], list[int], str | None]:
    """The base version's segment files, their row counts and its order file (None: the
    concatenation is in row order)."""
    entry = (base.manifest.get("segments") or {}).get(kind)
    if entry is not None:
        return list(entry["files"]), [int(n) for n in entry["rows"]], entry.get("order")
    rows = int(np.load(base.folder / f"{kind}.npy", mmap_mode="r").shape[0])
    return [f"{kind}.npy"], [rows], None


def write_vectors(
    folder: Path,
    kind: str,
    vectors: Vectors,
    source: Rows | None,
    base: Base | None,
    name: str,
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Write ``vectors`` into a version folder being built.

    ``source`` gives, per row, its row in ``base`` (-1: a new row). Returns the manifest's
    segment entry (None: one whole file was written) and the checksums of the files linked
    from ``base`` (the caller hashes only the files written here). ``name`` makes the new
    segment's file name unique (the version's name).
    """
    plan = _plan(kind, vectors, source, base)
    if plan is None:
        np.save(folder / f"{kind}.npy", vectors)
        return None, {}
    assert source is not None and base is not None
    files, rows, base_order = plan
    linked: list[Path] = []
    try:
        for f in files:
            os.link(base.folder / f, folder / f)
            linked.append(folder / f)
    except OSError:  # e.g. a file system without hard links: write the whole file
        for p in linked:
            with contextlib.suppress(OSError):
                p.unlink()
        np.save(folder / f"{kind}.npy", vectors)
        return None, {}
    reused = {f: str(base.manifest["files"][f]) for f in files}
    new = source < 0
    order = np.empty(len(source), dtype=np.int64)
    order[~new] = base_order[source[~new]]
    order[new] = sum(rows) + np.arange(int(new.sum()), dtype=np.int64)
    if new.any():
        segment = f"{kind}.{name}.npy"
        np.save(folder / segment, np.ascontiguousarray(vectors[new], dtype=np.float32))
        files, rows = [*files, segment], [*rows, int(new.sum())]
    np.save(folder / f"{kind}.order.npy", order)
    return {"files": files, "rows": rows, "order": f"{kind}.order.npy"}, reused


def _plan(
    kind: str, vectors: Vectors, source: Rows | None, base: Base | None
) -> tuple[list[str], list[int], Rows] | None:
    """The base's segments and row order to build on, or None for one whole file."""
    if source is None or base is None or len(source) != len(vectors):
        return None
    files, rows, order_file = _base_layout(base, kind)
    if any(f not in base.manifest.get("files", {}) for f in files):
        return None
    n_new = int((source < 0).sum())
    stored = sum(rows) + n_new
    if len(files) + (1 if n_new else 0) > MAX_SEGMENTS or stored > 2 * max(len(vectors), 1):
        return None  # compact: one file again
    base_order = (
        np.load(base.folder / order_file)
        if order_file is not None
        else np.arange(sum(rows), dtype=np.int64)
    )
    kept = source[source >= 0]
    if len(kept) and (int(kept.max()) >= len(base_order)):
        return None
    return files, rows, base_order


def read_vectors(folder: Path, manifest: dict[str, Any], kind: str) -> Vectors:
    """A version's vectors of ``kind`` in row order (ValueError if the files disagree)."""
    entry = (manifest.get("segments") or {}).get(kind)
    if entry is None:
        whole: Vectors = np.load(folder / f"{kind}.npy")
        return whole
    parts = [np.load(folder / f, mmap_mode="r") for f in entry["files"]]
    if [len(p) for p in parts] != [int(n) for n in entry["rows"]]:
        raise ValueError(f"{kind}: segment sizes differ from the manifest's")
    order = np.load(folder / entry["order"])
    ends = np.cumsum([len(p) for p in parts])
    if len(order) and (int(order.min()) < 0 or int(order.max()) >= int(ends[-1])):
        raise ValueError(f"{kind}: row order points outside its segments")
    dim = int(parts[0].shape[1]) if parts else 0
    out: Vectors = np.empty((len(order), dim), dtype=np.float32)
    which = np.searchsorted(ends, order, side="right")
    starts = ends - np.array([len(p) for p in parts])
    for k, part in enumerate(parts):
        rows = np.flatnonzero(which == k)
        if len(rows):
            out[rows] = part[order[rows] - starts[k]]
    return out
