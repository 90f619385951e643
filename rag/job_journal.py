"""Job records that outlive the process: one JSON line per state a job reaches.

A server that restarts reads its journal back (JobQueue.open_journal): finished jobs answer
as before, with their result or error, until they expire; a job that was queued or running
when the process stopped is reported failed with `JobInterrupted` (its content lived in
memory, so it is never rerun; the client looks at the document and submits again if need be).
One process writes one journal (an exclusive lock on the file); each line is written whole
with one `write` and flushed, so a crash loses at most the line being written, and a torn
last line is skipped on reading.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import IO, Any

from rag.errors import RagError

log = logging.getLogger(__name__)


class JobInterrupted(RagError):
    """The server stopped before the job finished; it was not rerun."""


class JournalBusy(RagError):
    """Another live process writes this journal."""


def _error_classes(base: type[BaseException] = RagError) -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {f"{base.__module__}.{base.__qualname__}": base}
    for sub in base.__subclasses__():
        found.update(_error_classes(sub))
    return found


def encode_error(error: BaseException) -> dict[str, str]:
    cls = type(error)
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "message": str(error)}


def decode_error(data: dict[str, str]) -> BaseException:
    """The recorded error as an instance of its class (so the API maps it to the same
    problem+json), its message as recorded; an error the engine does not define comes back
    as a RuntimeError, which the API reports as an internal error as it did the first time."""
    cls = _error_classes().get(data.get("class", ""))
    message = data.get("message", "")
    if cls is None:
        return RuntimeError(message)
    error = cls.__new__(cls)  # its own __init__ may want more than the message
    Exception.__init__(error, message)
    return error


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"), default=str) + "\n"


class JobJournal:
    """Appends job records to `path` and reads them back; holds the file's lock while open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = path.open("a+", encoding="utf-8")  # held open: it carries the lock
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._file.close()
            raise JournalBusy(f"another process writes the job journal {path}") from exc
        self.lines = 0

    def read(self) -> list[dict[str, Any]]:
        """Every whole record, oldest first."""
        self._file.seek(0)
        out = []
        for line in self._file:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # a line torn by a crash
                log.warning("job journal %s: skipped a torn line", self.path)
                continue
            if isinstance(record, dict) and "id" in record:
                out.append(record)
        self.lines = len(out)
        return out

    def append(self, record: dict[str, Any]) -> None:
        self._file.write(_line(record))
        self._file.flush()
        self.lines += 1

    def rewrite(self, records: list[dict[str, Any]]) -> None:
        """Replace the journal by `records` (a temporary file renamed over it)."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.writelines(_line(r) for r in records)
            out.flush()
            os.fsync(out.fileno())
        new: IO[str] = tmp.open("a+", encoding="utf-8")  # held open: it carries the lock
        fcntl.flock(new, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a fresh file: nobody else holds it
        tmp.replace(self.path)
        old, self._file = self._file, new
        old.close()
        self.lines = len(records)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
