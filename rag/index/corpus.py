"""Load and fingerprint documents (.txt, .md, .html)."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from rag.errors import RagError
from rag.index import frontmatter
from rag.index.trust import read_trust, with_trust
from rag.types import Document

log = logging.getLogger(__name__)

BLOCK_TAGS = [
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "hr",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "main",
    "aside",
    "nav",
    "title",
]
SUFFIXES = (".txt", ".md", ".html", ".htm")
DATE_LINE = re.compile(r"\A\ufeff?[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]*\n?")
MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class CorpusError(RagError):
    """The corpus folder is missing, empty or unusable."""


class BadDocument(RagError):
    """One file cannot be read as a document."""


@dataclass(frozen=True, slots=True)
class Skipped:
    path: Path
    reason: str


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def html_to_text(raw: str) -> tuple[str, str | None]:
    """Extracted text and <title> of an HTML page, with a real parser (BeautifulSoup)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    # Line breaks around block elements only: inline tags (<a>, <b>) stay inside sentences.
    for tag in soup.find_all(BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    blocks = (soup.body or soup).get_text()
    lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in blocks.splitlines()]
    text = "\n\n".join(ln for ln in lines if ln)
    if not title:
        h1 = soup.find(["h1", "h2"])
        title = h1.get_text(" ", strip=True) if h1 else None
    return text, title


def first_sentence(text: str, limit: int = 120) -> str:
    from rag.text.sentences import DATELINE, split_sentences

    spans = split_sentences(text)
    if len(spans) > 1 and DATELINE.match(text):
        spans = spans[1:]  # a wire-service dateline is not a title
    first = text[spans[0].start : spans[0].end] if spans else text.strip()
    first = " ".join(first.split())
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def parse_document(doc_id: str, source: str, data: bytes) -> Document:
    """Build a Document from a file's bytes; raises BadDocument with a plain reason."""
    if not data.strip():
        raise BadDocument("empty file")
    if b"\x00" in data[:8192]:
        raise BadDocument("binary content")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadDocument(f"not UTF-8 (byte {exc.start})") from exc
    suffix = Path(source).suffix.lower()
    try:
        meta, body_start = frontmatter.split(raw)
    except frontmatter.BadMetadata as exc:
        raise BadDocument(f"front matter: {exc}") from exc
    title: str | None = None
    if suffix in (".html", ".htm"):
        text, title = html_to_text(raw[body_start:])
        body_start = 0  # the block is not part of the extracted text
        if not text.strip():
            raise BadDocument("HTML has no text")
    else:
        text = raw
    published = None
    m = DATE_LINE.match(text)
    if m and not body_start:
        published, body_start = m.group(1), m.end()
    if suffix == ".md":
        h = MD_HEADING.search(text, body_start)
        title = h.group(1).strip() if h else None
    if not title:
        title = first_sentence(text[body_start:])
    return Document(
        doc_id=doc_id,
        text=text,
        title=meta.get("title", title),
        published=meta.get("published", published),
        sha256=sha256_bytes(data),
        source=source,
        body_start=body_start,
        url=meta.get("url"),
    )


def _name_problem(path: Path, seen: dict[str, Path]) -> str | None:
    if path.suffix.lower() not in SUFFIXES:
        return f"unsupported type {path.suffix or '(none)'}"
    if not DOC_ID.match(path.stem):
        return "file name is not a valid doc_id"
    if path.stem in seen:
        return f"duplicate doc_id {path.stem} (also {seen[path.stem].name})"
    return None


def load_corpus(folder: Path) -> tuple[list[Document], list[Skipped]]:
    """All readable documents of a folder, sorted by doc_id, and the files skipped."""
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    docs: list[Document] = []
    skipped: list[Skipped] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        doc_id = path.stem
        reason = _name_problem(path, seen)
        if reason:
            skipped.append(Skipped(path, reason))
            continue
        try:
            data = path.read_bytes()
            docs.append(parse_document(doc_id, path.name, data))
            seen[doc_id] = path
        except OSError as exc:
            skipped.append(Skipped(path, f"unreadable: {exc.strerror or exc}"))
        except BadDocument as exc:
            skipped.append(Skipped(path, str(exc)))
    for s in skipped:
        log.warning("skipped %s: %s", s.path, s.reason)
    docs = with_trust(docs, read_trust(folder))
    if not docs:
        raise CorpusError(f"no usable documents in {folder}")
    return docs, skipped


def corpus_fingerprint(docs: list[Document]) -> str:
    h = hashlib.sha256()
    for d in sorted(docs, key=lambda d: d.doc_id):
        mark = "" if d.trust == "trusted" else f"\0{d.trust}"  # a changed level is stale
        h.update(f"{d.doc_id}\0{d.sha256}{mark}\n".encode())
    return h.hexdigest()
