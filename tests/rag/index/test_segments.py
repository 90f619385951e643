"""Vector segments: an update links the base version's vector files and writes only its new
rows; reading a chain of such versions gives back exactly the vectors that were written."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.index.segments import MAX_SEGMENTS, Base, read_vectors, write_vectors

KIND = "sentence_vectors"
DIM = 4


def _version(
    root: Path, name: str, vectors: np.ndarray, source: np.ndarray | None, base: Base | None
) -> Base:
    """A version folder holding ``vectors`` with a manifest as the store writes it."""
    folder = root / name
    folder.mkdir()
    entry, reused = write_vectors(folder, KIND, vectors, source, base, name)
    files = {
        p.name: reused.get(p.name) or hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
    }
    manifest = {"files": files, **({"segments": {KIND: entry}} if entry else {})}
    return Base(folder, manifest)


def _checked(version: Base, expected: np.ndarray) -> None:
    got = read_vectors(version.folder, version.manifest, KIND)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.array_equal(got, expected)
    for name, digest in version.manifest["files"].items():  # reused checksums still hold
        assert hashlib.sha256((version.folder / name).read_bytes()).hexdigest() == digest


# one step: ("add", at, n new rows) or ("delete", at, n rows)
STEP = st.tuples(st.sampled_from(["add", "delete"]), st.integers(0, 50), st.integers(1, 6))


@settings(max_examples=40, deadline=None)
@given(first=st.integers(1, 12), steps=st.lists(STEP, min_size=1, max_size=14))
def test_a_chain_of_updates_reads_back_exactly(
    tmp_path_factory: pytest.TempPathFactory, first: int, steps: list[tuple[str, int, int]]
) -> None:
    root = tmp_path_factory.mktemp("versions")
    rng = np.random.default_rng(len(steps))
    current = rng.standard_normal((first, DIM)).astype(np.float32)
    version = _version(root, "v0", current, None, None)
    _checked(version, current)
    for k, (op, at, n) in enumerate(steps, start=1):
        rows = np.arange(len(current), dtype=np.int64)
        at = min(at, len(current))
        if op == "add":
            fresh = rng.standard_normal((n, DIM)).astype(np.float32)
            source = np.concatenate([rows[:at], np.full(n, -1), rows[at:]])
            new = np.concatenate([current[:at], fresh, current[at:]])
        else:
            keep = np.concatenate([rows[:at], rows[at + n :]])
            if len(keep) == 0:
                continue
            source, new = keep, current[keep]
        version = _version(root, f"v{k}", new, source, version)
        _checked(version, new)
        segments = version.manifest.get("segments", {}).get(KIND)
        if segments:
            assert len(segments["files"]) <= MAX_SEGMENTS
            assert sum(segments["rows"]) <= 2 * len(new)
        current = new


def test_an_update_links_the_base_files_and_writes_only_its_rows(tmp_path: Path) -> None:
    base_vectors = np.arange(40, dtype=np.float32).reshape(10, DIM)
    base = _version(tmp_path, "v0", base_vectors, None, None)
    fresh = np.full((2, DIM), -1.0, dtype=np.float32)
    new = np.concatenate([base_vectors[:3], fresh, base_vectors[3:]])
    source = np.array([0, 1, 2, -1, -1, 3, 4, 5, 6, 7, 8, 9])
    version = _version(tmp_path, "v1", new, source, base)
    entry = version.manifest["segments"][KIND]
    assert entry["files"] == [f"{KIND}.npy", f"{KIND}.v1.npy"] and entry["rows"] == [10, 2]
    linked = version.folder / f"{KIND}.npy"
    assert linked.stat().st_ino == (base.folder / f"{KIND}.npy").stat().st_ino
    assert np.load(version.folder / f"{KIND}.v1.npy").shape == (2, DIM)
    _checked(version, new)
    shutil.rmtree(base.folder)  # pruning the base leaves the update whole
    _checked(version, new)


def test_segments_are_compacted_into_one_file(tmp_path: Path) -> None:
    current = np.ones((3, DIM), dtype=np.float32)
    version = _version(tmp_path, "v0", current, None, None)
    for k in range(1, MAX_SEGMENTS + 1):
        new = np.concatenate([current, np.full((1, DIM), k, dtype=np.float32)])
        source = np.concatenate([np.arange(len(current)), [-1]])
        version = _version(tmp_path, f"v{k}", new, source, version)
        current = new
    assert "segments" not in version.manifest  # the 9th segment: written whole again
    assert (version.folder / f"{KIND}.npy").stat().st_nlink == 1
    _checked(version, current)


def test_a_row_order_outside_the_segments_cannot_be_read(tmp_path: Path) -> None:
    base = _version(tmp_path, "v0", np.ones((4, DIM), np.float32), None, None)
    version = _version(
        tmp_path, "v1", np.ones((5, DIM), np.float32), np.array([0, 1, 2, 3, -1]), base
    )
    np.save(version.folder / f"{KIND}.order.npy", np.array([0, 1, 2, 3, 99]))
    with pytest.raises(ValueError, match="outside"):
        read_vectors(version.folder, version.manifest, KIND)
