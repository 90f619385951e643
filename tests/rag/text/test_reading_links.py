"""What a corpus sentence's entities are linked to, stored at ingest (real spaCy parses)."""

from __future__ import annotations

from rag.text.reading import SentenceReading, read_sentences

HALT = (
    "Ant, which owns the payments app Alipay, was forced to halt its $34.5 billion initial "
    "public offering in Hong Kong and Shanghai in early November."
)


def _by_text(r: SentenceReading) -> dict[str, tuple[frozenset[str], str, str]]:
    assert r.links is not None and r.roles is not None and r.heads is not None
    return {t: (r.links[i], r.roles[i], r.heads[i]) for i, (t, _) in enumerate(r.ents)}


def test_a_value_is_linked_to_its_own_clause_and_the_verb_it_completes() -> None:
    got = _by_text(read_sentences([HALT])[0])
    links, role, head = got["$34.5 billion"]
    assert {"halt", "offering", "force", "ant"} <= links  # "was forced to halt": Ant's
    assert "own" not in links and "app" not in links  # the relative clause is another one
    assert (role, head) == ("nummod", "offering")
    assert "own" in got["Alipay"][0]


def test_a_relative_clause_holds_the_noun_it_modifies() -> None:
    text = (
        "The exchange suspended the listing on its STAR Market platform, "
        "which was set for November 5th."
    )
    links, _, _ = _by_text(read_sentences([text])[0])["November 5th"]
    assert {"set", "platform"} <= links and "suspend" not in links


def test_the_agent_of_a_participle_phrase_is_not_a_subject() -> None:
    text = "The juggernaut was asked to fix the services offered by its Alipay platform."
    r = read_sentences([text])[0]
    assert "alipay" not in r.subjects and "juggernaut" in r.subjects
    main = read_sentences(["The IPO was suspended by the Shanghai exchange."])[0]
    assert "exchange" in main.subjects


def test_links_survive_the_stored_form_and_an_old_reading_has_none() -> None:
    r = read_sentences([HALT])[0]
    assert SentenceReading.from_dict(r.to_dict()) == r
    old = {k: v for k, v in r.to_dict().items() if k not in {"links", "roles", "heads"}}
    back = SentenceReading.from_dict(old)
    assert back.links is None and back.roles is None and back.heads is None


def test_own_and_call_are_content_words_though_spacy_lists_them_as_stop_words() -> None:
    from rag.text.focus import question_focus

    assert "own" in question_focus("What percentage of Ant does Alibaba own?").content
    r = read_sentences(["Xi called on regulators to step up antitrust supervision."])[0]
    assert "call" in r.lemmas
    assert "first" not in question_focus("Who spoke first?").content  # still a stop word
