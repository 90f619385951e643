"""How an index version maps onto Milvus collections: schemas, rows, and reading them back.

One version is three collections, ``<prefix>passages_<v>``, ``<prefix>sentences_<v>`` and
``<prefix>documents_<v>``. A full build numbers rows from 0; an update in place gives a
document's new rows fresh ids (``rag.index.milvus_live``), so a replica maps ids to its rows.

The lexical field holds OUR tokens (``rag.text.tokens``: stopwords, acronyms, Snowball
stems), each hex-encoded so Milvus's ``standard`` analyzer keeps it whole: Milvus only
counts them (BM25 with bm25s's k1 and b), so milvus-lite (no English stemmer) and a cluster
score the same terms as the embedded index.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from rag.index.bm25 import passage_tokens
from rag.text.tokens import tokenize
from rag.types import Document, Passage, SentenceRef

PART_CHARS = 4000  # a VARCHAR holds 65,535 bytes; a character takes at most 4
TOKENS_BYTES = 65_535
BATCH = 500
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults, so both back ends score alike
MANIFEST = "manifest"


def hex_terms(tokens: Sequence[str]) -> str:
    return " ".join(t.encode("utf-8").hex() for t in tokens)


def passage_terms(text: str) -> str:
    return hex_terms(passage_tokens(text))[:TOKENS_BYTES]


def query_terms(query: str) -> str:
    return hex_terms(tokenize(query))


def passage_schema(mc: Any, dim: int) -> tuple[Any, Any]:
    """(schema, index params) of a passages collection."""
    s = mc.MilvusClient.create_schema(auto_id=False)
    s.add_field("id", mc.DataType.INT64, is_primary=True)
    s.add_field("doc_id", mc.DataType.VARCHAR, max_length=256)
    s.add_field("start", mc.DataType.INT64)
    s.add_field("end", mc.DataType.INT64)
    s.add_field("published", mc.DataType.VARCHAR, max_length=16)  # "" when undated
    s.add_field("title", mc.DataType.VARCHAR, max_length=1024)
    s.add_field(
        "terms",
        mc.DataType.VARCHAR,
        max_length=TOKENS_BYTES,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "standard"},
    )
    s.add_field("sparse", mc.DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("vector", mc.DataType.FLOAT_VECTOR, dim=dim)
    s.add_function(
        mc.Function(
            name="bm25",
            function_type=mc.FunctionType.BM25,
            input_field_names=["terms"],
            output_field_names=["sparse"],
        )
    )
    ip = mc.MilvusClient.prepare_index_params()
    ip.add_index("vector", index_type="AUTOINDEX", metric_type="IP")
    ip.add_index(
        "sparse",
        index_type="SPARSE_INVERTED_INDEX",
        metric_type="BM25",
        params={"bm25_k1": BM25_K1, "bm25_b": BM25_B},
    )
    return s, ip


def span_schema(mc: Any, dim: int) -> tuple[Any, Any]:
    """(schema, index params) of a sentences collection."""
    s = mc.MilvusClient.create_schema(auto_id=False)
    s.add_field("id", mc.DataType.INT64, is_primary=True)
    s.add_field("doc_id", mc.DataType.VARCHAR, max_length=256)
    s.add_field("start", mc.DataType.INT64)
    s.add_field("end", mc.DataType.INT64)
    s.add_field("vector", mc.DataType.FLOAT_VECTOR, dim=dim)
    ip = mc.MilvusClient.prepare_index_params()
    ip.add_index("vector", index_type="AUTOINDEX", metric_type="IP")
    return s, ip


def blob_schema(mc: Any) -> tuple[Any, Any]:
    """(schema, index params) of a documents collection: JSON records cut into parts (a
    collection needs a vector field; this one is a constant)."""
    s = mc.MilvusClient.create_schema(auto_id=False)
    s.add_field("id", mc.DataType.INT64, is_primary=True)
    s.add_field("key", mc.DataType.VARCHAR, max_length=256)
    s.add_field("part", mc.DataType.INT64)
    s.add_field("body", mc.DataType.VARCHAR, max_length=65_535)
    s.add_field("vector", mc.DataType.FLOAT_VECTOR, dim=2)
    ip = mc.MilvusClient.prepare_index_params()
    ip.add_index("vector", index_type="FLAT", metric_type="L2")
    return s, ip


def passage_rows(
    passages: list[Passage], docs: dict[str, Document], vectors: np.ndarray, first: int = 0
) -> Iterator[dict[str, Any]]:
    for i, p in enumerate(passages):
        d = docs[p.doc_id]
        yield {
            "id": first + i,
            "doc_id": p.doc_id,
            "start": p.start,
            "end": p.end,
            "published": d.published or "",
            "title": d.title[:256],
            "terms": passage_terms(p.text),
            "vector": vectors[i].tolist(),
        }


def sentence_rows(
    sentences: list[SentenceRef], vectors: np.ndarray, first: int = 0
) -> Iterator[dict[str, Any]]:
    for i, s in enumerate(sentences):
        yield {
            "id": first + i,
            "doc_id": s.doc_id,
            "start": s.start,
            "end": s.end,
            "vector": vectors[i].tolist(),
        }


def document_body(d: Document) -> str:
    return json.dumps({**d.meta(), "text": d.text, "body_start": d.body_start})


def blob_parts(key: str, body: str, first: int) -> list[dict[str, Any]]:
    """One JSON record as rows of PART_CHARS, ids from ``first``."""
    return [
        {"id": first + n, "key": key, "part": n, "body": body[at : at + PART_CHARS]}
        | {"vector": [0.0, 0.0]}
        for n, at in enumerate(range(0, max(len(body), 1), PART_CHARS))
    ]


def read_blobs(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """key -> the JSON record its parts spell, in the order the keys were written."""
    parts: dict[str, list[tuple[int, str]]] = {}
    for r in sorted(rows, key=lambda r: int(r["id"])):
        parts.setdefault(str(r["key"]), []).append((int(r["part"]), str(r["body"])))
    return {k: json.loads("".join(b for _, b in sorted(v))) for k, v in parts.items()}


def document_of(r: dict[str, Any]) -> Document:
    return Document(
        doc_id=r["doc_id"],
        text=r["text"],
        title=r["title"],
        published=r["published"],
        sha256=r["sha256"],
        source=r["source"],
        body_start=r["body_start"],
        trust=r.get("trust", "trusted"),
        url=r.get("url"),
    )
