"""/readyz of a running server when the published index version turns out corrupt."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from typing import Any

import pytest

from rag.index.store import IndexStore

BAD = "v99999999999999999999-badbad"  # sorts after every real version


def publish_corrupt_copy(store: IndexStore, good: str) -> None:
    """A copy of `good` whose passage vectors are garbage with a matching checksum, made live."""
    folder = store.root / BAD
    shutil.copytree(store.root / good, folder)
    (folder / "passage_vectors.npy").write_bytes(b"garbage, not numpy" * 20)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["version"] = BAD
    manifest["files"]["passage_vectors.npy"] = hashlib.sha256(
        (folder / "passage_vectors.npy").read_bytes()
    ).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    tmp = store.root / ".CURRENT.test"
    tmp.write_text(BAD + "\n", encoding="utf-8")
    tmp.replace(store.current_file)


@pytest.mark.slow
def test_readyz_says_when_an_older_intact_version_is_served(live_server: Any) -> None:
    server = live_server.start(own_index=True)
    store = IndexStore(server.settings.index.dir)
    good = store.current_version()
    assert good
    publish_corrupt_copy(store, good)
    with server.client() as c:
        deadline = time.monotonic() + 30
        ready = c.get("/readyz").json()
        while ready.get("fallback") is None and time.monotonic() < deadline:
            c.post("/v1/search", json={"query": "Ant Group"})  # requests look for new versions
            time.sleep(0.2)
            ready = c.get("/readyz").json()
        assert ready["status"] == "ready" and ready["index_version"] == good
        assert BAD in ready["fallback"] and good in ready["fallback"]
        answer = c.post("/v1/ask", json={"question": "Why was the Ant IPO suspended?"})
        assert answer.status_code == 200 and answer.json()["status"] == "answered"
