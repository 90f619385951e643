"""A partial answer leads with the sentence nearest the question (real parses, real index)."""

from __future__ import annotations

from answer_contract import assert_answer_is_its_sentences

from rag import Engine
from rag.answer.claims import Claim, lead_with
from rag.answer.corpus_words import CorpusWords
from rag.answer.partial import quoted_row
from rag.answer.reading import read_evidence
from rag.answer.scored import ScoredSentence
from rag.text.focus import question_focus
from rag.text.reading import read_sentences
from rag.text.wording import directive


def _cand(row: int, text: str, score: float) -> ScoredSentence:
    return ScoredSentence(row, "d", 0, len(text), text, 0.5, 0.5, 0.5, True, score)


def _related_row(question: str, texts: list[str]) -> int:
    """The reading's `related only` row over texts scored best first."""
    cands = [_cand(i, t, 0.9 - 0.1 * i) for i, t in enumerate(texts)]
    reading = read_evidence(
        question_focus(question), cands, read_sentences(texts), CorpusWords(" ".join(texts).lower())
    )
    assert reading.verdict == "related only", reading
    return reading.best["related only"]


def test_the_related_sentence_is_the_one_holding_the_focus_not_the_best_scored() -> None:
    # Both are about Ant and neither gives the amount; only the second speaks of revenue.
    texts = [
        "Ant, which has huge interests in consumer lending, was forced to halt its listing.",
        "Losing its lending arm would be a big blow to Ant and its way of generating revenue.",
    ]
    assert _related_row("How much revenue would Ant lose without its lending arm?", texts) == 1


def test_the_related_sentence_holds_more_of_the_questions_names() -> None:
    # The best-scored one names Alipay only; the second names Alipay and Tenpay.
    texts = [
        "Alipay's payment business grew fast in the last few years.",
        "Alipay and Tenpay together run most of the country's mobile payments.",
    ]
    question = "What share of mobile payments do Alipay and Tenpay handle?"
    assert _related_row(question, texts) == 1


def test_most_of_the_questions_words_outweigh_one_key_word_matched_by_a_synonym() -> None:
    # "conduct" stands in for the focus "carry (out)"; the second holds most of the question.
    texts = [
        "It is recommended that all platforms conduct self-examination as soon as possible.",
        "The official said the regulatory authorities will arrange inspections later.",
    ]
    question = "In which cities will the regulators carry out the inspections they plan to arrange?"
    assert _related_row(question, texts) == 1


def test_the_claim_quoting_the_lead_row_goes_first_whatever_its_span_was_trimmed_to() -> None:
    before = Claim("Ant would have raised $37 billion.", (("d", 0, 34),), 0.9)
    lead = Claim("It would be the largest IPO.", (("d", 44, 72),), 0.5)  # "However, it ..."
    other = Claim("Regulators met Ant.", (("e", 35, 54),), 0.7)
    assert lead_with([before, other, lead], "d", 35, 72) == [lead, before, other]
    assert lead_with([before, other], "d", 35, 72) == [before, other]  # not there: unchanged


def test_a_partial_answer_leads_with_the_related_sentence_not_its_antecedent(
    built_engine: Engine,
) -> None:
    # "It would be the largest IPO ..., surpassing the $29.4 billion record set last year by
    # oil giant Saudi Aramco" points back to "Following the dual listing, Ant would have raised
    # about $37 billion": the sentence on the record leads, its antecedent follows.
    a = built_engine.ask("In which month did Saudi Aramco set its IPO record?")
    assert a.status == "partial", a.answer
    assert "Saudi Aramco" in a.sentences[0].text, a.answer
    assert a.answer.startswith(
        "The articles do not say in which month Saudi Aramco set its IPO record; they say "
        "only that it would be the largest Initial Public Offering in the world"
    ), a.answer
    assert_answer_is_its_sentences(a.to_dict())


def test_a_partial_answer_leads_with_the_sentence_on_the_focus_not_the_best_scored(
    built_engine: Engine,
) -> None:
    # The best-scored related sentence is about Ant's listing; the one that speaks of the
    # revenue asked about leads.
    a = built_engine.ask("How much revenue would Ant lose without its lending business?")
    assert a.status == "partial", a.answer
    assert "revenue" in a.sentences[0].text, a.answer
    assert_answer_is_its_sentences(a.to_dict())


def test_an_order_is_quoted_not_reported_after_that(built_engine: Engine) -> None:
    # "Equally protect the property rights ..." has no subject: "they say only that equally
    # protect ..." would not read; the order is quoted as the article gives it.
    a = built_engine.ask("Whose lawful interests, apart from firms' assets, must be shielded?")
    assert a.status == "partial", a.answer
    assert "; they say only this: “Equally protect the property rights" in a.answer, a.answer
    assert_answer_is_its_sentences(a.to_dict())
    ordinary = built_engine.ask("How much was Alibaba fined in December?").answer
    assert "they say only that Alibaba was also slapped with a fine" in ordinary


def test_directive_tells_an_order_from_a_statement() -> None:
    assert directive("Strictly implement supervision.")
    assert directive("Protect property rights in accordance with the law.")
    assert not directive("We must earnestly maintain financial stability.")
    assert not directive("Nothing is going well for Ant Group.")
    assert not directive("It would be the largest Initial Public Offering in the world.")


def test_the_reading_consulted_is_that_of_the_sentence_quoted_first() -> None:
    # When the lead row's claim fails verification another sentence comes first: whether it
    # is an order must be read from its own row, not the lead's.
    order = "Equally protect rights."
    cands = [
        _cand(4, "Ant halted the listing.", 0.9),
        ScoredSentence(7, "e", 10, 10 + len(order), order, 0.5, 0.5, 0.5, True, 0.8),
    ]
    assert quoted_row(Claim(order, (("e", 10, 10 + len(order)),), 0.8), cands) == 7
    assert quoted_row(Claim("Ant halted the listing.", (("d", 0, 10),), 0.9), cands) == 4
    assert quoted_row(Claim("elsewhere", (("e", 0, 5),), 0.9), cands) is None
