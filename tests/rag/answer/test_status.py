"""The status before writing (rag.answer.status) on the real index."""

from __future__ import annotations

import pytest

from rag.answer.evidence import Evidence
from rag.answer.status import Decider
from rag.engine import Engine

WHY = "Why was the Ant IPO suspended?"


@pytest.mark.slow
def test_the_learned_decision_judges_refusal_once(
    built_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = built_engine.settings
    learned = s.model_copy(update={"answer": s.answer.model_copy(update={"decision": "learned"})})
    answerer = Engine(learned, built_engine.embedder).snapshot.answerer
    calls: list[bool] = []
    real = Decider._refused

    def counted(ev: Evidence) -> bool:
        calls.append(real(ev))
        return calls[-1]

    monkeypatch.setattr(Decider, "_refused", staticmethod(counted))
    # "Huabei" occurs nowhere in the corpus: refused, whatever the model says
    refused = answerer.evidence("What interest rate does Huabei charge Ant Group customers?")
    assert answerer.decide(refused) == "unanswerable" and calls == [True]
    calls.clear()
    answerer.decide(answerer.evidence(WHY))  # not refused: the model decides
    assert calls == [False]


def test_the_answerer_keeps_its_public_names() -> None:
    import rag.answer.answerer as answerer
    from rag.answer import partial, status

    assert answerer.PARTIAL_FLOOR is status.PARTIAL_FLOOR
    assert answerer.PARTIAL_SENTENCES is partial.PARTIAL_SENTENCES
    assert answerer.Evidence is Evidence
    assert {"Answerer", "NOT_COVERED", "UNANSWERABLE", "Written"} <= set(answerer.__all__)


def _with(built_engine: Engine, decision: str) -> Engine:
    s = built_engine.settings
    answer = s.answer.model_copy(update={"decision": decision})
    return Engine(s.model_copy(update={"answer": answer}), built_engine.embedder)


@pytest.mark.slow
def test_the_checked_decision_overrules_the_rule_only_where_the_trees_are_sure(
    built_engine: Engine,
) -> None:
    from rag.answer.decision import load_decision

    d = load_decision()
    assert d is not None and 0.0 <= d.veto < d.rescue <= 1.0  # fitted: eval/checked.py
    checked = _with(built_engine, "checked").snapshot.answerer
    rule = built_engine.snapshot.answerer
    for q in (WHY, "How much was Alibaba fined in December?", "Who chairs Ant Group?"):
        ev = rule.evidence(q)
        p = d.probability(rule.decision_features(ev))
        was, now = rule.decide(ev), checked.decide(checked.evidence(q))
        overruled = (was == "unanswerable" and p >= d.rescue) or (was == "answered" and p < d.veto)
        assert (now != was) == overruled, (q, was, now, p)
    # a name the corpus never uses is refused whatever the trees say
    huabei = "What interest rate does Huabei charge Ant Group customers?"
    assert checked.decide(checked.evidence(huabei)) == "unanswerable"


def test_checked_statuses_follow_veto_and_rescue() -> None:
    """The logic of eval/checked.py on made-up rows (the real fit is above)."""
    import numpy as np

    from eval.checked import Statuses, checked, choose, outcome

    s = Statuses(
        rule=np.array(["unanswerable", "unanswerable", "answered", "answered", "partial"]),
        refused=np.array([False, True, False, False, False]),
        weak=np.array(["unanswerable", "unanswerable", "partial", "unanswerable", "partial"]),
        strong=np.array(["answered", "answered", "answered", "answered", "answered"]),
    )
    p = np.array([0.9, 0.95, 0.1, 0.8, 0.99])
    got = checked(s, p, veto=0.3, rescue=0.6)
    # rescued (not refused outright), refused outright stays, vetoed to its weak status,
    # kept, and a partial is never overruled
    assert list(got) == ["answered", "unanswerable", "partial", "answered", "partial"]
    y = np.array([1, 0, 0, 1, 0])
    assert outcome(got, y) == {"not_answered": 1.0, "refused": 0.0, "not_in_full": 0.0}
    veto, rescue, table = choose(s, p, y)
    assert (veto, rescue) == (0.2, 0.9)  # the smallest change that does best
    assert table["checked"]["not_answered"] >= table["rule"]["not_answered"]
