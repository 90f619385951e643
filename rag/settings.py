"""Configuration: the only module that reads environment variables.

Every field can be set as ``RAG_<GROUP>__<FIELD>``, e.g. ``RAG_RETRIEVAL__TOP_K=3``.
``load_settings()`` is what the command line and the server use: a mistyped ``RAG_``
variable or a bad value is a ``ConfigError`` naming the variable, never a traceback.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_origin

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from rag.errors import RagError

PREFIX = "RAG_"
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# rate-limit storages of the `limits` library (api.limits; their async variants)
RATE_LIMIT_SCHEMES = frozenset(
    {"memory", "redis", "rediss", "redis+unix", "redis+cluster", "redis+sentinel", "memcached"}
)


class ConfigError(RagError):
    """A setting or a RAG_ environment variable cannot be used."""


def sha256_hexes(values: list[str]) -> list[str]:
    """Lower-cased sha256 hex digests; ValueError naming the first value that is not one.

    >>> sha256_hexes(["AB" * 32])[0][:4]
    'abab'
    """
    out = [v.strip().lower() for v in values]
    for v in out:
        if not SHA256_HEX.match(v):
            raise ValueError(f"must be sha256 hex digests (64 hex characters), got {v!r}")
    return out


class CorpusSettings(BaseModel):
    dir: Path = Field(Path("corpus"), description="Folder of .txt/.md/.html articles")


class LimitSettings(BaseModel):
    """What one upload may cost; checked before anything is embedded (413/422 over HTTP)."""

    max_document_passages: int = Field(
        500, ge=1, le=100_000, description="Passages one uploaded document may have"
    )
    max_passage_sentences: int = Field(
        60, ge=1, le=10_000, description="Sentences one passage of an upload may hold"
    )
    max_repeated_sentences: int = Field(
        8,
        ge=1,
        le=10_000,
        description="Longest run of near-identical sentences (case, punctuation and numbers "
        "ignored) an upload may have",
    )
    max_corpus_passages: int = Field(
        1_000_000, ge=1, description="Passages the whole index may hold after an upload"
    )


class IndexSettings(BaseModel):
    dir: Path = Field(Path("index"), description="Folder holding index versions and CURRENT")
    keep_versions: int = Field(3, ge=1, le=50, description="Index versions kept after a build")
    ann_threshold: int = Field(
        50_000,
        ge=1,
        # the old name still works in RAG_INDEX__HNSW_THRESHOLD and in code
        validation_alias=AliasChoices("ann_threshold", "hnsw_threshold"),
        description="Passages above which the dense index is approximate (see ann), not exact",
    )
    ann: Literal["ivf", "hnsw"] = Field(
        "ivf",
        description=(
            "Approximate index past the threshold: ivf (k-means cells scanned exactly, "
            "float16 codes; recall@10 >= 0.99 at 100k and 1M) or hnsw (a graph over float32 "
            "vectors; recall@10 falls to ~0.93 at 1M)"
        ),
    )
    ivf_lists_per_sqrt: float = Field(
        4.0, gt=0, le=64, description="IVF cells = this x sqrt(passages) (4,000 at 1M)"
    )
    ivf_nprobe: int = Field(
        64, ge=1, le=1 << 16, description="IVF cells scanned per query (more: recall up, slower)"
    )
    ivf_storage: Literal["float16", "float32"] = Field(
        "float16",
        description="How IVF stores vectors: float16 halves the memory at no measured recall cost",
    )
    hnsw_m: int = Field(32, ge=4, le=128, description="HNSW graph degree")
    hnsw_ef_construction: int = Field(
        80, ge=8, le=4096, description="HNSW build breadth (at least 2 x hnsw_m is used)"
    )
    hnsw_ef_search: int = Field(128, ge=8, le=4096, description="HNSW search breadth")
    reload_check_s: float = Field(
        1.0,
        ge=0.0,
        le=3600.0,
        description="How often a running engine looks for a version another process published "
        "(0: never)",
    )


class ChunkingSettings(BaseModel):
    max_tokens: int = Field(
        160, ge=16, le=512, description="Token budget of a passage (word-piece estimate)"
    )
    overlap_sentences: int = Field(
        1, ge=0, le=5, description="Sentences repeated at the start of the next passage"
    )


class EmbeddingSettings(BaseModel):
    backend: Literal["sentence-transformers", "onnx-int8"] = Field(
        "sentence-transformers", description="Embedding implementation"
    )
    query_backend: Literal["same", "sentence-transformers", "onnx-int8"] = Field(
        "onnx-int8",
        description="Implementation that embeds queries (same weights; int8 is ~2x faster a query)",
    )
    model_id: str = Field("all-MiniLM-L6-v2", description="Model name recorded in the manifest")
    document_model_load: Literal["lazy", "background"] = Field(
        "lazy",
        description=(
            "When a server whose queries use another backend loads the document model (torch): "
            "on first use (upload, ingest, briefing), or in a thread right after startup"
        ),
    )
    ingest_workers: int = Field(
        2, ge=1, le=64, description="Batches embedded at once on ingest (one thread each)"
    )
    strategy: Literal["separate", "contextual-sentences", "pooled-passages"] = Field(
        "separate",
        description=(
            "Passages and sentences embedded separately; or one pass per passage with sentence "
            "vectors pooled from its tokens; or one per sentence with passages pooled from them"
        ),
    )
    batch_size: int = Field(32, ge=1, le=512, description="Passages per forward pass")
    threads: int = Field(1, ge=1, le=64, description="Intra-op threads for torch/faiss")
    max_query_chars: int = Field(
        2000, ge=16, le=100_000, description="Longer queries are truncated (and say so)"
    )


class RetrievalSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=100, description="Passages returned")
    candidates: int = Field(30, ge=1, le=1000, description="Pool size from each retriever")
    fusion: Literal["rrf", "weighted"] = Field("weighted", description="How dense and BM25 fuse")
    rrf_k: int = Field(60, ge=1, le=1000, description="RRF constant k")
    dense_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="Dense share in weighted fusion (BM25 gets the rest)"
    )
    second_stage: Literal["none", "sentence", "maxsim", "mpnet", "cross-encoder"] = Field(
        "sentence", description="Rescoring of the fused pool"
    )
    second_stage_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="Share of the second-stage score in the final score"
    )
    type_bonus: float = Field(
        0.3, ge=0.0, le=1.0, description="Second-stage bonus for sentences of the asked-for type"
    )
    cross_encoder_path: Path | None = Field(
        None, description="Local CrossEncoder model folder for second_stage=cross-encoder"
    )
    mmr: bool = Field(False, description="Maximal marginal relevance re-ordering")
    mmr_lambda: float = Field(0.7, ge=0.0, le=1.0, description="MMR relevance weight")
    per_doc_cap: int = Field(0, ge=0, le=100, description="Max passages per document (0: none)")
    overlap_collapse: float = Field(
        0.5, ge=0.0, le=1.0, description="Overlap share above which two passages collapse"
    )
    recency_weight: float = Field(
        0.0, ge=0.0, le=1.0, description="Preference for recently published documents"
    )
    recency_half_life_days: float = Field(
        365.0, gt=0, description="Age at which the recency bonus halves"
    )


class AnswerSettings(BaseModel):
    max_sentences: int = Field(4, ge=1, le=10, description="Sentences in an answer")
    abstain_threshold: float = Field(
        0.34, ge=0.0, le=1.0, description="Evidence score below which the engine abstains"
    )
    read_threshold: float = Field(
        0.25,
        ge=0.0,
        le=1.0,
        description="Evidence score enough when the reading finds a sentence stating the"
        " question's focus (its key words), names and, for a typed question, a linked value;"
        " or when the question names nothing and the reading found more than the focus's"
        " neighbourhood",
    )
    support_threshold: float = Field(
        0.78, ge=0.0, le=1.0, description="Verifier score a sentence needs to count as supported"
    )
    decision: Literal["score", "learned", "checked"] = Field(
        "score",
        description="What decides answered vs not: the evidence score against abstain_threshold"
        " and the reading (score); the trees of rag/answer/decision.json alone (learned); or the"
        " score's decision overruled where the trees are sure (checked: a refusal they rate"
        " above `rescue` is answered, an answer they rate below `veto` is not)",
    )


class LLMSettings(BaseModel):
    backend: Literal["none", "local", "openai"] = Field("none", description="Answer phrasing")
    base_url: str = Field("http://127.0.0.1:8080/v1", description="OpenAI-compatible URL")
    api_key: str = Field("not-needed", description="Key for the OpenAI-compatible server")
    model: str = Field("smollm2-135m-instruct", description="Model name sent to the server")
    model_path: Path | None = Field(None, description="GGUF file for the local backend")
    timeout_s: float = Field(30.0, gt=0, le=600, description="Give up and fall back after this")
    max_tokens: int = Field(256, ge=16, le=4096, description="Generation budget")


class APISettings(BaseModel):
    host: str = Field("127.0.0.1", description="Bind address")
    port: int = Field(8000, ge=1, le=65535, description="Bind port")
    api_key_hashes: list[str] = Field(
        default_factory=list, description="sha256 hex digests of accepted API keys (empty: open)"
    )
    max_body_bytes: int = Field(1_000_000, ge=1024, description="Request body limit")
    keep_jobs: bool = Field(
        True, description="Keep upload and delete jobs' records across restarts (a journal file)"
    )
    jobs_journal: Path | None = Field(
        None,
        description="The job journal's file (default: jobs/<host name>-<port>.jsonl in the"
        " index folder; one server process writes one journal)",
    )
    max_question_chars: int = Field(1000, ge=10, description="Question length limit")
    rate_limit_per_minute: int = Field(600, ge=1, description="Requests per key per minute")
    auth_failures_per_minute: int = Field(
        10, ge=1, description="Failed API-key checks per client address per minute before 429"
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where rate-limit counters live: memory:// (this process), or shared by "
        "replicas: redis://host:6379 (needs redis) or memcached://host:11211 (needs memcachio)",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Proxy addresses or CIDRs (e.g. 10.0.0.0/8) whose Forwarded, "
        "X-Forwarded-For and X-Real-IP headers name the client (empty: none are believed)",
    )
    request_timeout_s: float = Field(30.0, gt=0, description="Request deadline")
    max_concurrency: int = Field(8, ge=1, description="Requests in flight before 503")
    compute_concurrency: int = Field(
        4,
        ge=0,
        description="Of the requests in flight, how many POST/PUT /v1/* run at once (the "
        "others wait their turn, off the GIL, so the event loop sheds faster, at a cost in "
        "answers served under a retry storm: README 'Overload'); 0: no limit",
    )
    switch_interval_ms: float = Field(
        5.0,
        gt=0,
        le=100,
        description="`rag serve`'s GIL switch interval (Python's default 5 ms): lower lets the "
        "event loop shed 503s sooner while threads compute (README 'Overload')",
    )
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins")
    document_base_url: str | None = Field(
        None,
        max_length=2000,
        pattern=r"^https?://[^\s#?]+$",
        description="Where this server's web page is public (e.g. https://rag.example.org): "
        "HTML and Markdown briefings link each quoted span to <url>/#doc=...; none: no "
        "external link, only the in-page references",
    )

    @field_validator("api_key_hashes")
    @classmethod
    def _hexes(cls, value: list[str]) -> list[str]:
        return sha256_hexes(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for v in value:
            try:
                ipaddress.ip_network(v.strip(), strict=False)
            except ValueError:
                raise ValueError(f"must be IP addresses or CIDRs, got {v!r}") from None
        return [v.strip() for v in value]

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        scheme = value.split(":", 1)[0].lower()  # only the scheme: the rest may hold a password
        if "://" not in value or scheme not in RATE_LIMIT_SCHEMES:
            known = ", ".join(sorted(RATE_LIMIT_SCHEMES))
            raise ValueError(f"must be a URI with a scheme of {known}, got scheme {scheme!r}")
        return value


class StoreSettings(BaseModel):
    backend: Literal["embedded", "milvus"] = Field(
        "embedded",
        description="Where index versions live: embedded (FAISS + bm25s files under index.dir) "
        "or milvus (collections in Milvus; the extra .[scale])",
    )
    uri: str = Field(
        "",
        max_length=2048,
        description="Milvus address (http://host:19530) or a local file path for embedded "
        "milvus-lite; empty: <index.dir>/milvus.db",
    )
    token: SecretStr = Field(
        SecretStr(""), description="Milvus token ('user:password' or an API key); empty: none"
    )
    collection_prefix: str = Field(
        "rag_",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
        description="Prefix of every collection and alias, so several services share a cluster",
    )


class RaySettings(BaseModel):
    address: str = Field(
        "",
        max_length=2048,
        description="Ray cluster for `rag ingest --runner ray` (ray://head:10001, or 'auto' for "
        "the cluster this machine belongs to); empty: a local Ray runtime for the ingest",
    )
    workers: int = Field(
        2, ge=1, le=1024, description="Embedding actors of `rag ingest --runner ray`"
    )
    writers: int = Field(
        0,
        ge=0,
        le=1024,
        description="Actors of `rag ingest --runner ray` that write the rows into a Milvus "
        "server (0: the ingest process writes, as it always does for a milvus-lite file; "
        "measured slower than one writer into a milvus-lite server: see the README)",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    corpus: CorpusSettings = Field(default_factory=CorpusSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    api: APISettings = Field(default_factory=APISettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    ray: RaySettings = Field(default_factory=RaySettings)

    def with_paths(self, corpus: Path | None = None, index: Path | None = None) -> Settings:
        """A copy with the corpus and/or index folder replaced."""
        update: dict[str, object] = {}
        if corpus is not None:
            update["corpus"] = self.corpus.model_copy(update={"dir": corpus})
        if index is not None:
            update["index"] = self.index.model_copy(update={"dir": index})
        return self.model_copy(update=update)


def env_names() -> dict[str, Any]:
    """Every RAG_ variable Settings reads -> the annotation of its field (a group's own
    name takes the whole group as JSON)."""
    names: dict[str, Any] = {}
    for group, info in Settings.model_fields.items():
        names[f"{PREFIX}{group.upper()}"] = dict
        model = info.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for name, field in model.model_fields.items():
            aliases = [name]
            if isinstance(field.validation_alias, AliasChoices):
                aliases += [a for a in field.validation_alias.choices if isinstance(a, str)]
            for alias in aliases:
                names[f"{PREFIX}{group.upper()}__{alias.upper()}"] = field.annotation
    return names


def check_env(environ: Mapping[str, str]) -> None:
    """ConfigError for a RAG_ variable no setting reads (naming the closest one), or for a
    list or object that is not JSON."""
    known = env_names()
    for var, value in sorted(environ.items()):
        if not var.upper().startswith(PREFIX):
            continue
        annotation = known.get(var.upper())
        if annotation is None:
            close = difflib.get_close_matches(var.upper(), list(known), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(f"unknown setting {var}{hint}")
        if get_origin(annotation) in (list, dict) or annotation in (list, dict):
            try:
                json.loads(value)
            except ValueError as exc:
                raise ConfigError(
                    f'{var} must be JSON, e.g. ["value"] for a list, got {value!r}'
                ) from exc


def _one_line(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    loc = [str(x) for x in first.get("loc", ()) if not isinstance(x, int)]
    where = (PREFIX + "__".join(loc).upper()) if loc else "settings"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    got = "" if "got " in msg else f", got {first.get('input')!r}"
    return f"{where}: {msg}{got}{more}"


def load_settings() -> Settings:
    """Settings from the environment, checked: a ConfigError (one line) instead of a
    traceback for a mistyped variable or a bad value."""
    check_env(os.environ)
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from exc
    except SettingsError as exc:
        raise ConfigError(f"a RAG_ variable cannot be read: {exc}") from exc
