"""Front matter: a document's title, date and URL at the top of its file, offsets untouched."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.index import frontmatter
from rag.index.chunking import chunk_document
from rag.index.corpus import parse_document

BLOCK = "---\ntitle: Ant's IPO is off\npublished: 2020-11-03\nurl: https://example.org/ant\n---\n"
BODY = "Ant Group suspended its listing. The exchange cited new rules.\n"


def test_a_block_gives_title_date_and_url_and_the_body_offset() -> None:
    fields, start = frontmatter.split(BLOCK + BODY)
    assert fields == {
        "title": "Ant's IPO is off",
        "published": "2020-11-03",
        "url": "https://example.org/ant",
    }
    assert (BLOCK + BODY)[start:] == BODY


def test_no_block_no_fields() -> None:
    assert frontmatter.split(BODY) == ({}, 0)
    assert frontmatter.split("---\nno closing line\n" + BODY) == ({}, 0)


def test_aliases_and_quotes() -> None:
    fields, _ = frontmatter.split(
        '---\nTitle: "Quoted"\ndate: 2021-01-02\nsource_url: http://x.org/a\nother: y\n---\n'
    )
    assert fields == {"title": "Quoted", "published": "2021-01-02", "url": "http://x.org/a"}


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"published": "yesterday"}, "published: 'yesterday' is not a date"),
        ({"url": "javascript:alert(1)"}, "url: 'javascript:alert(1)' is not an http(s) URL"),
        ({"title": "x" * 301}, "title: longer than 300"),
    ],
)
def test_bad_fields_are_refused_in_words(fields: dict[str, str | None], words: str) -> None:
    with pytest.raises(
        frontmatter.BadMetadata, match="^" + words.replace("(", r"\(").replace(")", r"\)")
    ):
        frontmatter.with_fields(BODY.encode(), fields)


def test_fields_merge_over_an_existing_block() -> None:
    data = frontmatter.with_fields((BLOCK + BODY).encode(), {"title": "New title", "url": None})
    fields, start = frontmatter.split(data.decode())
    assert fields["title"] == "New title" and fields["published"] == "2020-11-03"
    assert data.decode()[start:] == BODY
    assert frontmatter.with_fields(BODY.encode(), {"title": " ", "url": None}) == BODY.encode()


def test_a_parsed_document_keeps_the_file_text_and_chunks_only_the_body() -> None:
    doc = parse_document("ant", "ant.txt", (BLOCK + BODY).encode())
    assert doc.text == BLOCK + BODY and doc.text[doc.body_start :] == BODY
    assert (doc.title, doc.published, doc.url) == (
        "Ant's IPO is off",
        "2020-11-03",
        "https://example.org/ant",
    )
    passages, _ = chunk_document(doc.doc_id, doc.text, doc.body_start, 160, 1)
    assert passages and all(p.start >= doc.body_start for p in passages)
    html = parse_document(
        "h", "h.html", (BLOCK + "<html><title>T</title><p>Body.</p></html>").encode()
    )
    assert html.title == "Ant's IPO is off" and "title:" not in html.text


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@given(body=TEXT, title=st.text(st.characters(categories=("L", "N", "Zs")), max_size=40))
def test_writing_fields_never_changes_the_body(body: str, title: str) -> None:
    data = frontmatter.with_fields(body.encode(), {"title": title, "published": "2020-01-31"})
    fields, start = frontmatter.split(data.decode())
    if not title.strip():
        assert fields == {"published": "2020-01-31"}
    else:
        assert fields["title"] == " ".join(title.split())
    assert data.decode()[start:] == body
