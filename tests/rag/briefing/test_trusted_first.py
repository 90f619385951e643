"""Uploads must not push the corpus out of a briefing (rag.briefing.evidence): the pool's
floors and order (logic, fakes), then a real engine whose corpus is flooded by on-topic
uploads: the briefing keeps every part the corpus alone gives and leads with it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import Engine, Settings
from rag.answer.scored import ScoredSentence
from rag.briefing.evidence import _floor_base, _ordered, pick_summary
from rag.briefing.pieces import Piece
from rag.briefing.types import Briefing
from rag.index.embedder import Embedder
from rag.index.trust import set_trust

TOPIC = "the Ant Group IPO suspension"


def cand(row: int, score: float, trusted: bool, doc: str = "") -> ScoredSentence:
    doc = doc or ("corpus" if trusted else f"upload{row}")
    return ScoredSentence(row, doc, row, row + 1, f"s{row}", 0.5, 0.5, 1.0, True, score, trusted)


def test_the_floor_is_measured_from_trusted_evidence_that_covers_the_topic() -> None:
    cands = [cand(1, 0.92, False), cand(2, 0.9, False), cand(3, 0.6, True), cand(4, 0.3, True)]
    assert _floor_base(cands) == (0.6, True)  # 0.6 >= 0.5 * 0.92
    assert [c.row for c in _ordered(cands, True)] == [3, 4, 1, 2]


def test_weak_trusted_evidence_does_not_lead_a_topic_only_uploads_cover() -> None:
    cands = [cand(1, 0.9, False), cand(2, 0.3, True)]
    assert _floor_base(cands) == (0.9, False)
    assert [c.row for c in _ordered(cands, False)] == [1, 2]


def test_an_all_trusted_or_all_upload_pool_is_ordered_by_score_alone() -> None:
    trusted = [cand(2, 0.5, True, "b"), cand(1, 0.9, True, "a"), cand(3, 0.5, True, "a")]
    assert _floor_base(trusted) == (0.9, False)
    assert [c.row for c in _ordered(trusted, False)] == [1, 3, 2]  # ties by document, start
    uploads = [cand(1, 0.4, False), cand(2, 0.8, False)]
    assert _floor_base(uploads) == (0.8, False)


class _NoDuplicates:
    """Deduper stand-in: every piece states its own fact."""

    def seen(self, c: ScoredSentence) -> bool:
        return False

    def add(self, c: ScoredSentence) -> None:
        pass


def piece(c: ScoredSentence) -> Piece:
    return Piece(c, c.text, c.start, c.end)


def test_the_summary_takes_uploads_only_after_every_trusted_sentence() -> None:
    pieces = [piece(c) for c in (cand(1, 0.95, False), cand(2, 0.7, True, "a"),
                                 cand(3, 0.6, True, "a"), cand(4, 0.9, False))]  # fmt: skip
    dedupe = _NoDuplicates()
    # trusted first: both trusted sentences (the second from a document already used) lead
    chosen = pick_summary(pieces, "Ant", 3, dedupe, trusted_first=True)  # type: ignore[arg-type]
    assert [p.cand.row for p in chosen] == [2, 3, 1]
    # otherwise by score, one per document first
    chosen = pick_summary(pieces, "Ant", 3, dedupe)  # type: ignore[arg-type]
    assert [p.cand.row for p in chosen] == [1, 4, 2]


BLOG = (
    "Blog post {i}. The Ant Group IPO suspension was the talk of the week, writer {i} says. "
    "The suspension of the Ant Group IPO surprised investor number {i}. "
    "Many readers of forum {i} discussed the Ant Group IPO suspension at length. "
    "The Ant Group IPO was suspended, and commentator {i} thinks that is the whole story.\n"
)


@pytest.fixture(scope="module")
def flooded(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder: Embedder
) -> Iterator[Engine]:
    """The corpus plus twelve uploads that echo the topic's words and say nothing else."""
    root = tmp_path_factory.mktemp("flooded")
    shutil.copytree(corpus_dir, root / "corpus")
    for i in range(12):
        (root / "corpus" / f"blog_{i:02d}.txt").write_text(BLOG.format(i=i))
        set_trust(root / "corpus", f"blog_{i:02d}", "upload")
    settings = Settings().with_paths(corpus=root / "corpus", index=root / "index")
    engine = Engine(settings, embedder)
    engine.ingest()
    yield engine


def _trust(engine: Engine, b: Briefing) -> dict[int, str]:
    trust = {d.doc_id: d.trust for d in engine.documents()}
    return {c.marker: trust[c.doc_id] for c in b.citations}


@pytest.mark.slow
def test_uploads_that_flood_a_topic_do_not_push_the_corpus_out_of_its_briefing(
    flooded: Engine, built_engine: Engine
) -> None:
    clean: Briefing = built_engine.brief(TOPIC)
    b: Briefing = flooded.brief(TOPIC)
    trust = _trust(flooded, b)
    first = b.summary[0]
    assert {trust[m] for m in first.citations} == {"trusted"}, [s.text for s in b.summary]
    # everything the corpus alone gives is still there: its summary lead, its timeline,
    # its key figures (the IPO's disputed size)
    assert first.text == clean.summary[0].text
    assert [e.sentence.text for e in b.timeline] == [e.sentence.text for e in clean.timeline]
    assert b.key_figures, "the corpus's figures were pushed out"
    assert [(k.quantity, [v.fact for v in k.values]) for k in b.key_figures] == [
        (k.quantity, [v.fact for v in k.values]) for k in clean.key_figures
    ]
    # the uploads only fill in after the corpus's sentences, labelled as uploads
    assert {c.trust for c in b.citations} == {"trusted", "upload"}
    ranks = [0 if {trust[m] for m in s.citations} == {"trusted"} else 1 for s in b.summary]
    assert ranks == sorted(ranks), [s.text for s in b.summary]
