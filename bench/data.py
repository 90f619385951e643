"""Deterministic benchmark corpora and queries: the five articles, Lee news, WordNet glosses.

* the five articles of ``corpus/``;
* gensim's Lee corpus (``lee_background.cor`` then ``lee.cor``: ABC news, one article per
  line, latin-1), one document per article, ``lee_bg_NNN`` / ``lee_te_NNN``;
* WordNet 3.0 glosses from Debian's ``wordnet-base`` (``/usr/share/wordnet/data.{noun,verb,
  adj,adv}``, 117,659 synsets), one short document per synset, ``"<first lemma>: <gloss>"``,
  ``wn_<pos>_<offset>``, in file order.

``scale_documents`` is the five articles, then Lee, then glosses up to a passage count (the
scale benchmark's corpus); ``query_texts`` is the question set, then Lee first sentences.
Nothing is random: the same call gives the same documents in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.common import REPO
from eval.lee import lee_path
from eval.questions import Question, load_questions
from rag.index.chunking import chunk_document
from rag.index.corpus import load_corpus, parse_document
from rag.settings import Settings
from rag.text.sentences import split_sentences
from rag.types import Document

WORDNET = Path("/usr/share/wordnet")
WORDNET_HINT = "apt-get install -y wordnet-base"
POS = ("noun", "verb", "adj", "adv")


def five_documents() -> list[Document]:
    docs, _ = load_corpus(REPO / "corpus")
    return docs


def questions() -> list[Question]:
    texts = {d.doc_id: d.text for d in five_documents()}
    return load_questions(REPO / "eval" / "questions.jsonl", texts)


@lru_cache(maxsize=1)
def lee_articles() -> tuple[tuple[str, str], ...]:
    """``(doc_id, text)`` for every non-empty Lee article (background first, then test)."""
    out: list[tuple[str, str]] = []
    folder = lee_path().parent
    for name, tag in (("lee_background.cor", "bg"), ("lee.cor", "te")):
        path = folder / name
        if not path.is_file():
            continue
        for i, line in enumerate(path.read_text(encoding="latin-1").splitlines()):
            if line.strip():
                out.append((f"lee_{tag}_{i:03d}", line.strip()))
    return tuple(out)


def lee_documents(n: int | None = None) -> list[Document]:
    arts = lee_articles()[:n] if n is not None else lee_articles()
    return [parse_document(i, f"{i}.txt", t.encode("utf-8")) for i, t in arts]


def _gloss_lines() -> Iterator[tuple[str, str]]:
    if not (WORDNET / "data.noun").is_file():
        raise FileNotFoundError(f"WordNet data not found under {WORDNET}: {WORDNET_HINT}")
    for pos in POS:
        with (WORDNET / f"data.{pos}").open(encoding="latin-1") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue  # licence header
                head, gloss = line.split("|", 1)
                fields = head.split()
                lemma = fields[4].replace("_", " ")
                yield f"wn_{pos}_{fields[0]}", f"{lemma}: {gloss.strip()}"


def gloss_documents(n: int) -> list[Document]:
    """The first ``n`` WordNet glosses as one-passage documents.

    Past the 117,659 glosses, document ``k`` (``wn_pair_k``) joins two glosses chosen by a
    fixed formula, ``"<gloss a> / <gloss b>"``: still real words in one short passage, for
    sizes WordNet alone cannot reach (1M).
    """
    out: list[Document] = []
    for doc_id, text in _gloss_lines():
        if len(out) >= n:
            break
        out.append(parse_document(doc_id, f"{doc_id}.txt", text.encode("utf-8")))
    glosses = [d.text for d in out]
    for k in range(n - len(out)):
        a, b = k % len(glosses), (k * 7919 + 13) % len(glosses)
        doc_id = f"wn_pair_{k:07d}"
        text = f"{glosses[a]} / {glosses[b]}"
        out.append(parse_document(doc_id, f"{doc_id}.txt", text.encode("utf-8")))
    return out


def wordnet_available() -> bool:
    return (WORDNET / "data.noun").is_file()


def scale_documents(n_passages: int, settings: Settings) -> list[Document]:
    """Five articles + Lee + enough glosses (one passage each) for ``n_passages``."""
    base = five_documents() + lee_documents()
    c = settings.chunking
    n_base = sum(
        len(chunk_document(d.doc_id, d.text, d.body_start, c.max_tokens, c.overlap_sentences)[0])
        for d in base
    )
    return base + gloss_documents(max(0, n_passages - n_base))


def query_texts(n: int) -> list[str]:
    """``n`` distinct real queries: the question set, then Lee article first sentences."""
    out = list(dict.fromkeys(q.question for q in questions()))
    for _, article in lee_articles():
        if len(out) >= n:
            break
        spans = split_sentences(article)
        if spans:
            out.append(article[spans[0].start : spans[0].end])
    return out[:n]


# --------------------------------------------------------------------------- vectors

Vectors = npt.NDArray[np.float32]


def unit(v: Vectors) -> Vectors:
    out: Vectors = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
    return out


def synthetic_vectors(real: Vectors, n: int, seed: int = 0, noise: float = 0.6) -> Vectors:
    """``n`` unit vectors near the real ones: ``unit(r_a + 0.5 r_b + noise * g)``.

    ``r_a`` and ``r_b`` are two real (unit) vectors drawn at random and ``g`` a random unit
    vector, so the synthetic set keeps the real vectors' directions and clustering without
    copying any of them. Generated in blocks to keep the peak memory near the output size.
    """
    rng = np.random.default_rng(seed)
    dim = real.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    block = 65_536
    for s in range(0, n, block):
        m = min(block, n - s)
        a = rng.integers(0, len(real), m)
        b = rng.integers(0, len(real), m)
        g = unit(rng.standard_normal((m, dim), dtype=np.float32))
        out[s : s + m] = unit(real[a] + 0.5 * real[b] + noise * g)
    return out
