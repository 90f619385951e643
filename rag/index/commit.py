"""Corpus and index committed together.

An upload is first written into the corpus folder under a hidden staging name
(``.staged-<file name>``); a delete first renames the document's file to that name. Then the
new index version is published (the commit point: CURRENT swapped), and only after that is
the staged file moved into place (upload) or removed (delete). A crash at any moment leaves
at most staged files, which ``settle`` resolves against the live version's manifest: a staged
file the manifest lists with the same sha256 belongs in the corpus (moved in), any other is
dropped. So the corpus always holds the files of the published version.

``reconcile`` settles (any engine, on its first load); at server start it also moves corpus
files the live version does not know to ``<corpus>/.orphans/``, logging what it did, so
nothing is ingested later that nobody published (``rag ingest`` is how files dropped into
the folder by hand get in; ``make run`` runs it before serving). Call both with the index
lock held.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag.index.corpus import SUFFIXES, sha256_bytes
from rag.index.files import fsync_dir, write_durable
from rag.index.seam import Store
from rag.index.store import IndexProblem

log = logging.getLogger(__name__)

STAGED = ".staged-"
ORPHANS = ".orphans"
# Test-only: the name of a point below at which the process kills itself with SIGKILL.
# (Not RAG_: settings refuse RAG_ variables they do not know.)
KILL_ENV = "RAGTEST_KILL_AT"


def crash_point(name: str) -> None:
    """Die here like kill -9 would, when the test hook names this point."""
    if os.environ.get(KILL_ENV) == name:
        log.warning("test hook %s=%s: killing this process", KILL_ENV, name)
        os.kill(os.getpid(), signal.SIGKILL)


def staged_path(folder: Path, name: str) -> Path:
    return folder / f"{STAGED}{name}"


def stage_new(folder: Path, name: str, data: bytes) -> Path:
    """Write an upload under its staging name, durably."""
    staged = staged_path(folder, name)
    tmp = folder / f".tmp-{uuid.uuid4().hex}"
    write_durable(tmp, data)
    tmp.replace(staged)
    fsync_dir(folder)
    return staged


def stage_existing(path: Path) -> Path:
    """Move a corpus file to its staging name (a delete, until published)."""
    staged = staged_path(path.parent, path.name)
    path.replace(staged)
    fsync_dir(path.parent)
    return staged


def unstage(staged: Path, keep: bool) -> None:
    """Move a staged file into place (``keep``) or remove it."""
    if keep:
        staged.replace(staged.parent / staged.name.removeprefix(STAGED))
    else:
        staged.unlink(missing_ok=True)
    fsync_dir(staged.parent)


@dataclass
class Reconciled:
    version: str | None = None
    moved_in: list[str] = field(default_factory=list)  # staged, published: now in the corpus
    dropped: list[str] = field(default_factory=list)  # staged, never published: removed
    orphans: list[str] = field(default_factory=list)  # unknown to the index: in .orphans/
    changed: list[str] = field(default_factory=list)  # edited since indexed: left in place
    missing: list[str] = field(default_factory=list)  # indexed, no file: left as is

    def touched(self) -> bool:
        return bool(self.moved_in or self.dropped or self.orphans)


def settle(folder: Path, documents: dict[str, str], out: Reconciled) -> None:
    """Resolve staged files against the live version's ``documents`` (doc_id -> sha256)."""
    for staged in sorted(folder.glob(STAGED + "*")):
        name = staged.name.removeprefix(STAGED)
        published = documents.get(Path(name).stem) == sha256_bytes(staged.read_bytes())
        unstage(staged, keep=published)
        (out.moved_in if published else out.dropped).append(name)
    for tmp in folder.glob(".tmp-*"):
        tmp.unlink(missing_ok=True)


def _quarantine(path: Path) -> None:
    target_dir = path.parent / ORPHANS
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{path.name}.{time.time_ns()}"
    path.replace(target)


def reconcile(folder: Path, store: Store, quarantine: bool) -> Reconciled:
    """Remove unfinished builds, settle staged files and (``quarantine``) move corpus files
    the live version does not know to .orphans/; log what was done."""
    out = Reconciled()
    if not folder.is_dir() or store.current_version() is None:
        return out
    store.clean_partial_builds()
    try:
        manifest = store.read_manifest()
    except IndexProblem as exc:
        log.warning("corpus not reconciled: %s", exc)
        return out
    out.version = str(manifest.get("version"))
    documents: dict[str, str] = dict(manifest.get("documents") or {})
    settle(folder, documents, out)
    seen: set[str] = set()
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        sha = documents.get(path.stem)
        if sha is None and quarantine:
            _quarantine(path)
            out.orphans.append(path.name)
        elif sha != sha256_bytes(path.read_bytes()):
            out.changed.append(path.name)
        seen.add(path.stem)
    out.missing = sorted(set(documents) - seen)
    if out.orphans:
        fsync_dir(folder)
    level = logging.WARNING if out.touched() else logging.INFO
    log.log(level, "corpus reconciled: %s", json.dumps(asdict(out), sort_keys=True))
    return out
