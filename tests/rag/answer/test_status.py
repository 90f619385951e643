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
