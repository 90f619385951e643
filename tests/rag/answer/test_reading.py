"""Does the evidence state what was asked: verdicts, partial answers, explain (real models)."""

from __future__ import annotations

import json

import pytest
from answer_contract import assert_answer_is_its_sentences

from rag import Engine
from rag.answer.corpus_words import CorpusWords
from rag.answer.reading import read_evidence, sentence_signals, unknown_names
from rag.answer.scored import ScoredSentence
from rag.index.readings import FILE, readings_of
from rag.text.focus import question_focus
from rag.text.reading import read_sentences


def _cand(row: int, text: str) -> ScoredSentence:
    return ScoredSentence(row, "d", 0, len(text), text, 0.5, 0.5, 0.5, True, 0.5)


def test_a_sentence_without_the_asked_for_value_is_related_only() -> None:
    f = question_focus("How much was Alibaba fined in December?")
    texts = [
        "Alibaba was also slapped with a fine in December for not reporting previous deals.",
        "Alibaba was fined 500,000 yuan ($77,000) in December.",
    ]
    r = read_sentences(texts)
    fine, amount = (sentence_signals(f, _cand(i, t), r[i]) for i, t in enumerate(texts))
    assert fine.focus == 1.0 and fine.value == 0.0 and not fine.answers and fine.related
    assert amount.answers
    assert (
        read_evidence(f, [_cand(0, texts[0])], r, CorpusWords("alibaba fine")).verdict
        == "related only"
    )
    assert (
        read_evidence(f, [_cand(1, texts[1])], r, CorpusWords("alibaba fine")).verdict == "answers"
    )


def test_another_subject_does_not_answer_for_the_one_asked_about() -> None:
    f = question_focus("How much was Ant Group fined?")
    text = "Tenpay received a fine of 3 million yuan."
    s = sentence_signals(f, _cand(0, text), read_sentences([text])[0])
    assert s.focus == 1.0 and s.value == 1.0 and s.names == 0.0 and not s.answers


def test_a_name_the_corpus_never_uses_is_decisive() -> None:
    f = question_focus("What interest rate does Huabei charge Ant Group customers?")
    assert unknown_names(f, CorpusWords("ant group said nothing about rates.")) == ["Huabei"]
    v = read_evidence(f, [], [], CorpusWords("ant group"))
    assert v.verdict == "not covered"


def test_an_acronym_spelled_out_in_the_corpus_is_known() -> None:
    corpus = CorpusWords(
        "ant; china banking and insurance regulatory commission; people's bank of china"
    )
    for q in ("What did the CBIRC official say?", "What did the PBoC ask of Ant?"):
        assert unknown_names(question_focus(q), corpus) == [], q
    assert unknown_names(question_focus("What did the CSRC say about Ant?"), corpus) == ["CSRC"]


def test_an_acronym_the_articles_only_spell_out_is_not_looked_for_per_sentence() -> None:
    # the article names the commission once in full, then "the person in charge" speaks
    texts = [
        "The China Banking and Insurance Regulatory Commission said on December 31 that Ant "
        "was interviewed again.",
        "The person in charge emphasized that financial innovation must be carried out under "
        "the premise of prudential supervision.",
    ]
    f = question_focus("What did the CBIRC official stress about financial innovation?")
    got = read_evidence(
        f, [_cand(1, texts[1])], read_sentences(texts), CorpusWords(" ".join(texts).lower())
    )
    assert not got.unknown_names and got.signals["names"] == 1.0


def test_ingest_stores_one_reading_per_sentence(built_engine: Engine) -> None:
    index = built_engine.snapshot.index
    lines = (index.path / FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(index.sentences)
    first = json.loads(lines[0])
    assert set(first) == {"ents", "lemmas", "subjects", "figures", "links", "roles", "heads"}
    assert len(readings_of(index)) == len(index.sentences)


def test_partial_answer_names_the_missing_detail_and_cites_what_is_there(
    built_engine: Engine,
) -> None:
    # the evidence score alone would answer; refused by it, the related sentence is quoted
    s = built_engine.settings
    strict = s.model_copy(update={"answer": s.answer.model_copy(update={"abstain_threshold": 0.9})})
    engine = Engine(strict, built_engine.embedder)
    a = engine.ask("How much was Alibaba fined in December?", explain=True)
    assert a.status == "partial", a.answer
    assert a.answer.startswith("The articles do not give the amount of Alibaba's December fine;")
    assert "they say only that" in a.answer and "[1]" in a.answer
    assert a.missing == ["the amount of Alibaba's December fine"]
    assert_answer_is_its_sentences(a.to_dict())
    doc = built_engine.document(a.citations[0].doc_id).text
    assert (
        all(
            doc_c.quote == built_engine.document(doc_c.doc_id).text[doc_c.start : doc_c.end]
            for doc_c in a.citations
        )
        and doc
    )
    assert a.explain is not None and a.explain["verdict"] == "related only"
    assert a.explain["focus"]["answer_type"] == "amount"
    assert "related only" in a.explain["best"]


def test_explain_shows_the_answering_sentence_for_an_answered_question(
    built_engine: Engine,
) -> None:
    a = built_engine.ask("Why was the Ant IPO suspended?", explain=True)
    assert a.status == "answered"
    assert a.explain is not None and a.explain["focus"]["answer_type"] == "reason"
    assert set(a.explain["signals"]) >= {"score", "answers", "focus", "unknown_names"}
    assert a.to_dict()["explain"] == a.explain
    assert built_engine.ask("Why was the Ant IPO suspended?").to_dict()["explain"] is None


def test_explain_reports_the_score_floor_the_question_was_held_to(built_engine: Engine) -> None:
    """A paraphrase scores low; the reading vouches for its sentence, so its floor is the
    lower read_threshold, and explain says so (not the abstain threshold it did not face)."""
    a = built_engine.settings.answer
    e = built_engine.ask(
        "What will supervisors do after platforms finish checking themselves?", explain=True
    )
    assert e.status == "answered" and e.explain is not None
    low = min(a.read_threshold, a.abstain_threshold)
    assert e.explain["floor"] == e.explain["threshold"] == low
    assert e.explain["rule"] == e.status
    assert e.explain["signals"]["score"] >= e.explain["floor"]
    named = built_engine.ask("How much was Alibaba fined in December?", explain=True).explain
    assert named is not None and named["floor"] == a.abstain_threshold


def test_the_fitted_decision_reads_every_feature_and_gives_a_probability(
    built_engine: Engine,
) -> None:
    from rag.answer.decision import FEATURES, load_decision

    d = load_decision()
    assert d is not None and d.features == FEATURES and 0 < d.threshold < 1
    used = {d.features[f] for t in d.trees for f in t.feature if f >= 0}
    assert {"score", "rule_answered", "typed_gap"} <= used
    a = built_engine.snapshot.answerer

    def p(q: str) -> float:
        return d.probability(a.decision_features(a.evidence(q)))

    # the paraphrase, answered in the corpus, against a near-topic question
    high = p("What will supervisors do after platforms finish checking themselves?")
    low = p("How many employees does Ant Group have?")
    assert 0.0 <= low < d.threshold < high <= 1.0


def test_a_tree_of_the_decision_follows_its_splits() -> None:
    from rag.answer.decision import Decision, Tree

    # score <= 0.4 -> -1.0; else rule_answered <= 0.5 -> 0.5, else 2.0
    t = Tree((0, -1, 1, -1, -1), (0.4, 0, 0.5, 0, 0), (1, -1, 3, -1, -1), (2, -1, 4, -1, -1),
             (0.0, -1.0, 0.0, 0.5, 2.0))  # fmt: skip
    assert [t.output(x) for x in ([0.4, 1], [0.41, 0], [0.9, 1])] == [-1.0, 0.5, 2.0]
    d = Decision(("score", "rule_answered"), 0.0, 1.0, (t,), 0.5)
    assert d.probability({"score": 0.9, "rule_answered": 1.0}) > 0.8
    assert Decision.from_dict(d.to_dict()) == d


def _gap(question: str, texts: list[str]) -> float:
    f = question_focus(question)
    r = read_sentences(texts)
    reading = read_evidence(
        f, [_cand(i, t) for i, t in enumerate(texts)], r, CorpusWords(" ".join(texts))
    )
    return reading.signals["typed_gap"]


# (question, a sentence about its focus without the asked-for value, one with it)
TYPED = [
    ("How much was Tenpay fined last year?",
     "Tenpay was fined last year for breaking payment rules.",
     "Tenpay was fined 3 million yuan last year for breaking payment rules."),
    ("How many merchants use Alipay?",
     "Merchants across China use Alipay to take payments.",
     "About 80 million merchants use Alipay to take payments."),
    ("What share of the payments market does Tenpay hold?",
     "Tenpay holds a large part of the payments market.",
     "Tenpay holds 39 percent of the payments market."),
    ("When did Tenpay launch its wealth platform?",
     "Tenpay launched its wealth platform to compete with Ant.",
     "Tenpay launched its wealth platform in March 2019 to compete with Ant."),
    ("Who runs Tenpay's wealth platform?",
     "Tenpay's wealth platform is run by a new team.",
     "Tenpay's wealth platform is run by Lin Haifeng."),
    ("Why did Tenpay close its wealth platform?",
     "Tenpay closed its wealth platform last year.",
     "Tenpay closed its wealth platform last year amid concerns over its lending risks."),
    # a cause told in the next sentence, without the focus's words
    ("Why did Tenpay close its wealth platform?",
     "Tenpay closed its wealth platform last year.",
     "The move by Tenpay came in response to new rules from the central bank."),
]  # fmt: skip


@pytest.mark.parametrize(("question", "without", "with_value"), TYPED)
def test_a_typed_question_is_a_gap_until_a_sentence_about_its_focus_holds_its_value(
    question: str, without: str, with_value: str
) -> None:
    assert _gap(question, [without]) == 1.0
    assert _gap(question, [without, with_value]) == 0.0


def test_no_gap_for_untyped_or_multi_part_questions_or_without_a_sentence_on_the_focus() -> None:
    assert _gap("How did Tenpay react to the fine?", ["Tenpay was fined last year."]) == 0.0
    both = "How much was Tenpay fined, and who fined it?"
    assert _gap(both, ["Tenpay was fined last year."]) == 0.0
    assert _gap("How much was Tenpay fined?", ["The weather in Shenzhen was mild."]) == 0.0


def test_another_subjects_value_or_a_share_in_words_counts_as_it_should() -> None:
    # JD.com's fine does not give Tenpay's; "more than half" is a share
    q = "How much was Tenpay fined last year?"
    assert _gap(q, ["Tenpay was fined last year.", "JD.com was fined 2 million yuan."]) == 1.0
    share = "What share of the payments market does Tenpay hold?"
    assert _gap(share, ["Tenpay now holds more than half of the payments market."]) == 0.0


def test_the_alibaba_december_fine_is_partial_at_the_default_threshold(
    built_engine: Engine,
) -> None:
    # the evidence score (0.42) passes the default threshold (0.34); the reading decides
    s = built_engine.settings
    assert s.answer.abstain_threshold == 0.34 and s.answer.decision != "learned"
    a = built_engine.ask("How much was Alibaba fined in December?", explain=True)
    assert a.explain is not None and a.explain["signals"]["score"] >= s.answer.abstain_threshold
    assert a.status == "partial", a.answer
    assert a.missing == ["the amount of Alibaba's December fine"]
    assert a.answer.startswith("The articles do not give the amount of Alibaba's December fine;")
    assert a.explain["signals"]["typed_gap"] == 1.0
    assert "they say only that Alibaba was also slapped with a fine in December" in a.answer
    assert_answer_is_its_sentences(a.to_dict())


@pytest.mark.parametrize(
    ("question", "verb", "detail"),
    [
        ("How many internet platforms have completed the self-examination?", "give",
         "the number of internet platforms that have completed the self-examination"),
        ("When did Baidu launch its online bank?", "say", "when Baidu launched its online bank"),
        # "the percentage of Ant" would drop who holds it
        ("What percentage of Ant does Alibaba hold?", "say",
         "what percentage of Ant Alibaba holds"),
    ],
)  # fmt: skip
def test_typed_questions_near_a_missing_detail_are_partial(
    built_engine: Engine, question: str, verb: str, detail: str
) -> None:
    a = built_engine.ask(question)
    assert a.status == "partial", a.answer
    assert a.missing == [detail]
    assert a.answer.startswith(f"The articles do not {verb} {detail}; they say only that ")
    assert_answer_is_its_sentences(a.to_dict())


def test_a_typed_question_whose_value_is_there_stays_answered(built_engine: Engine) -> None:
    a = built_engine.ask("How much money would Ant Group's IPO have raised?")
    assert a.status == "answered" and a.conflicts, a.answer
    assert built_engine.ask("Which companies must analyse their fintech business?").status == (
        "answered"
    )


def test_a_why_question_leads_with_the_reason(built_engine: Engine) -> None:
    a = built_engine.ask("Why was the Ant IPO suspended?")
    assert a.status == "answered"
    assert "due to the inability of the group" in a.sentences[0].text, a.answer
    assert a.answer.startswith("According to the statement of the Chinese stock exchange")


def test_a_key_word_share_is_the_same_under_any_hash_seed() -> None:
    """The learned decision reads shares unrounded: a set's order must not change their
    last bits (it follows PYTHONHASHSEED, and float sums depend on their order)."""
    import os
    import subprocess
    import sys

    code = (
        "from rag.answer.values import key_share\n"
        "w = frozenset({'alipay', 'ant', 'bank', 'carry', 'chinese', 'deposit', 'product',"
        " 'withdrawal'})\n"
        "l = frozenset({'announce', 'ant', 'banking', 'central', 'china', 'commission',"
        " 'content', 'december', 'department', 'financial', 'group', 'head', 'highlight',"
        " 'individual', 'insurance', 'interview', 'issue', 'key', 'management', 'ministry',"
        " 'outstanding', 'rectification', 'regulatory', 'relevant', 'requirement', 'say',"
        " 'universal'})\n"
        "print(repr(key_share(w, l)))\n"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in range(6)
    }
    assert len(seen) == 1, seen
